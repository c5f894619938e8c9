"""The O*NET text files the loader knows: columns, types, keys and checks, as data."""

from __future__ import annotations

from dataclasses import dataclass

CODE_PATTERN = r"^[0-9]{2}-[0-9]{4}\.[0-9]{2}$"
ELEMENT_PATTERN = r"^[0-9]+(\.[A-Za-z0-9]+)*$"
COMMODITY_PATTERN = r"^[0-9]{8}$"  # a UNSPSC commodity code
FLAG_VALUES = ("Y", "N")


@dataclass(frozen=True)
class Column:
    """One column of an O*NET file and of its landing table."""

    header: str
    name: str
    sql_type: str
    nullable: bool = False
    pattern: str | None = None
    values: tuple[str, ...] | None = None

    @property
    def kind(self) -> str:
        """'int', 'decimal' or 'text': how a raw field must parse."""
        if self.sql_type.startswith(("INT", "SMALLINT", "TINYINT")):
            return "int"
        if self.sql_type.startswith("DECIMAL"):
            return "decimal"
        return "text"


@dataclass(frozen=True)
class Reference:
    """Values of `column` must exist in `table`.`target` (both staged in the same load)."""

    column: str
    table: str
    target: str


@dataclass(frozen=True)
class FileSpec:
    """One O*NET file: where it lands, its columns, its key and its cross-file checks."""

    file_name: str
    table: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = True
    references: tuple[Reference, ...] = ()
    scaled_value: str | None = None  # a value column checked against its row's scale range
    # Columns of the landing table that the file does not have: (name, value) for every row.
    constants: tuple[tuple[str, str], ...] = ()

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _code(header: str = "O*NET-SOC Code", name: str = "onetsoc_code") -> Column:
    return Column(header, name, "VARCHAR(10)", pattern=CODE_PATTERN)


def _element() -> Column:
    return Column("Element ID", "element_id", "VARCHAR(20)", pattern=ELEMENT_PATTERN)


OCCUPATION_REF = Reference("onetsoc_code", "occupation_data", "onetsoc_code")
ELEMENT_REF = Reference("element_id", "content_model_reference", "element_id")
SCALE_REF = Reference("scale_id", "scales_reference", "scale_id")


def _ratings(file_name: str, table: str, required: bool) -> FileSpec:
    """Skills, Knowledge, Abilities and Work Activities share one layout."""
    return FileSpec(
        file_name=file_name,
        table=table,
        columns=(
            _code(),
            _element(),
            Column("Element Name", "element_name", "VARCHAR(150)"),
            Column("Scale ID", "scale_id", "VARCHAR(3)"),
            Column("Data Value", "data_value", "DECIMAL(5,2)"),
            Column("N", "n", "INT", nullable=True),
            Column("Standard Error", "standard_error", "DECIMAL(7,4)", nullable=True),
            Column("Lower CI Bound", "lower_ci_bound", "DECIMAL(7,4)", nullable=True),
            Column("Upper CI Bound", "upper_ci_bound", "DECIMAL(7,4)", nullable=True),
            Column("Recommend Suppress", "recommend_suppress", "CHAR(1)", nullable=True, values=FLAG_VALUES),
            Column("Not Relevant", "not_relevant", "CHAR(1)", nullable=True, values=FLAG_VALUES),
            Column("Date", "date_updated", "VARCHAR(7)"),
            Column("Domain Source", "domain_source", "VARCHAR(30)"),
        ),
        key=("onetsoc_code", "element_id", "scale_id"),
        required=required,
        references=(OCCUPATION_REF, ELEMENT_REF, SCALE_REF),
        scaled_value="data_value",
    )


# The files both layouts ship under the same name, in release order.
SHARED: tuple[FileSpec, ...] = (
    FileSpec(
        "Occupation Data.txt",
        "occupation_data",
        (
            _code(),
            Column("Title", "title", "VARCHAR(150)"),
            Column("Description", "description", "TEXT"),
        ),
        key=("onetsoc_code",),
    ),
    FileSpec(
        "Scales Reference.txt",
        "scales_reference",
        (
            Column("Scale ID", "scale_id", "VARCHAR(3)"),
            Column("Scale Name", "scale_name", "VARCHAR(50)"),
            Column("Minimum", "minimum", "INT"),
            Column("Maximum", "maximum", "INT"),
        ),
        key=("scale_id",),
    ),
    FileSpec(
        "Content Model Reference.txt",
        "content_model_reference",
        (
            _element(),
            Column("Element Name", "element_name", "VARCHAR(150)"),
            Column("Description", "description", "TEXT"),
        ),
        key=("element_id",),
    ),
    _ratings("Knowledge.txt", "knowledge", required=False),
    _ratings("Abilities.txt", "abilities", required=False),
    _ratings("Work Activities.txt", "work_activities", required=False),
    FileSpec(
        "Level Scale Anchors.txt",
        "level_scale_anchors",
        (
            _element(),
            Column("Element Name", "element_name", "VARCHAR(150)"),
            Column("Scale ID", "scale_id", "VARCHAR(3)"),
            Column("Anchor Value", "anchor_value", "INT"),
            Column("Anchor Description", "anchor_description", "VARCHAR(500)"),
        ),
        key=("element_id", "scale_id", "anchor_value"),
        required=False,
        references=(ELEMENT_REF, SCALE_REF),
        scaled_value="anchor_value",
    ),
    FileSpec(
        "Job Zone Reference.txt",
        "job_zone_reference",
        (
            Column("Job Zone", "job_zone", "TINYINT"),
            Column("Name", "name", "VARCHAR(100)"),
            Column("Experience", "experience", "TEXT"),
            Column("Education", "education", "TEXT"),
            Column("Job Training", "job_training", "TEXT"),
            Column("Examples", "examples", "TEXT"),
            Column("SVP Range", "svp_range", "VARCHAR(30)"),
        ),
        key=("job_zone",),
        required=False,
    ),
    FileSpec(
        "Job Zones.txt",
        "job_zones",
        (
            _code(),
            Column("Job Zone", "job_zone", "TINYINT"),
            Column("Date", "date_updated", "VARCHAR(7)"),
            Column("Domain Source", "domain_source", "VARCHAR(30)"),
        ),
        key=("onetsoc_code",),
        required=False,
        references=(OCCUPATION_REF,),
    ),
    FileSpec(
        "Related Occupations.txt",
        "related_occupations",
        (
            _code(),
            _code("Related O*NET-SOC Code", "related_onetsoc_code"),
            Column("Relatedness Tier", "relatedness_tier", "VARCHAR(30)"),
            Column("Index", "related_index", "INT"),
        ),
        key=("onetsoc_code", "related_onetsoc_code"),
        required=False,
        references=(OCCUPATION_REF, Reference("related_onetsoc_code", "occupation_data", "onetsoc_code")),
    ),
)


def _titles(file_name: str, header: str) -> FileSpec:
    """`Alternate Titles.txt` up to 30.2, `Job Titles.txt` from 30.3: the same table, one title column renamed."""
    return FileSpec(
        file_name,
        "alternate_titles",
        (
            _code(),
            Column(header, "alternate_title", "VARCHAR(250)"),
            Column("Short Title", "short_title", "VARCHAR(150)", nullable=True),
            Column("Source(s)", "sources", "VARCHAR(30)"),
        ),
        # The same title can appear once without and once with its short form.
        key=("onetsoc_code", "alternate_title", "short_title"),
        required=False,
        references=(OCCUPATION_REF,),
    )


def _technology(
    file_name: str, example: str, category: Column, category_name: str, layout: str, references: tuple[Reference, ...]
) -> FileSpec:
    """`Technology Skills.txt` up to 30.2 (UNSPSC commodity categories), `Software Skills.txt` from
    30.3 (content-model elements 2.E.*): the same table, the category's id and name and the layout."""
    return FileSpec(
        file_name,
        "technology_skills",
        (
            _code(),
            Column(example, "example", "VARCHAR(250)"),
            category,
            Column(category_name, "category_name", "VARCHAR(150)"),
            Column("Hot Technology", "hot_technology", "CHAR(1)", values=FLAG_VALUES),
            Column("In Demand", "in_demand", "CHAR(1)", values=FLAG_VALUES),
        ),
        key=("onetsoc_code", "example", "category_id"),
        required=False,
        references=references,
        constants=(("layout", layout),),
    )


@dataclass(frozen=True)
class Layout:
    """The files of one generation of O*NET's text release, told apart by the files it ships."""

    name: str
    specs: tuple[FileSpec, ...]

    @property
    def only_here(self) -> tuple[str, ...]:
        """File names that no other layout has."""
        others = {s.file_name for layout in LAYOUTS if layout is not self for s in layout.specs}
        return tuple(s.file_name for s in self.specs if s.file_name not in others)

    @property
    def tables(self) -> dict[str, tuple[FileSpec, ...]]:
        """Each landing table, in release order, with the files that land in it."""
        tables: dict[str, tuple[FileSpec, ...]] = {}
        for spec in self.specs:
            tables[spec.table] = (*tables.get(spec.table, ()), spec)
        return tables


OCCUPATION_DATA = "Occupation Data.txt"
OLD_LAYOUT = "up to 30.2"
NEW_LAYOUT = "30.3 and later"

# Up to 30.2: one skills file. From 30.3 on: the 10 Essential Skills (2.A.*) and the 25 Transferable
# Skills (2.B.*) in two files with Skills.txt's columns, landing in the same table.
UP_TO_30_2 = Layout(
    OLD_LAYOUT,
    (
        *SHARED[:3],
        _ratings("Skills.txt", "skills", required=True),
        *SHARED[3:],
        _titles("Alternate Titles.txt", "Alternate Title"),
        _technology(
            "Technology Skills.txt",
            "Example",
            Column("Commodity Code", "category_id", "VARCHAR(20)", pattern=COMMODITY_PATTERN),
            "Commodity Title",
            OLD_LAYOUT,
            references=(OCCUPATION_REF,),
        ),
    ),
)
FROM_30_3 = Layout(
    NEW_LAYOUT,
    (
        *SHARED[:3],
        _ratings("Essential Skills.txt", "skills", required=True),
        _ratings("Transferable Skills.txt", "skills", required=True),
        *SHARED[3:],
        _titles("Job Titles.txt", "Job Title"),
        _technology(
            "Software Skills.txt",
            "Workplace Example",
            Column("Element ID", "category_id", "VARCHAR(20)", pattern=ELEMENT_PATTERN),
            "Element Name",
            NEW_LAYOUT,
            references=(OCCUPATION_REF, Reference("category_id", "content_model_reference", "element_id")),
        ),
    ),
)
LAYOUTS: tuple[Layout, ...] = (UP_TO_30_2, FROM_30_3)

# Tables that other files' checks look up: their key is indexed from the start.
REFERENCED_TABLES = frozenset(r.table for layout in LAYOUTS for s in layout.specs for r in s.references)
