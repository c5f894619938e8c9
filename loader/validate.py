"""Validate the staged tables with great-expectations before anything is swapped in."""

from __future__ import annotations

import importlib
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass

import pymysql.converters
from pymysql.constants import FIELD_TYPE

from .errors import LoadError
from .specs import FileSpec

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.ERROR)

Row = dict
# The server's DECIMAL values (its SUMs among them) as floats: great-expectations calls
# inspect.stack() for each Decimal in a result, which cost most of a release's validation.
_CONVERSIONS = {**pymysql.converters.conversions, FIELD_TYPE.NEWDECIMAL: float}
POSITION = ("_source_file", "_line")  # where a row came from: its file and line


@dataclass(frozen=True)
class Check:
    """One expectation on one staged table, and how its failing rows read to a person."""

    expectation: object
    describe: Callable[[list[Row]], list[tuple[Row, str | None, str]]]  # rows -> (row, column name, problem)


def _each(describe_row: Callable[[Row], tuple[str | None, str]]):
    return lambda rows: [(row, *describe_row(row)) for row in rows]


def _duplicates(key: tuple[str, ...]):
    """Every copy of a duplicated key after the first (by file, then line), naming where the first is."""

    def describe(groups: list[Row]) -> list[tuple[Row, str | None, str]]:
        found = []
        for group in groups:
            first, *others = [
                {"_source_file": file, "_line": int(line)}
                for file, line in (copy.split("\t") for copy in group["copies"].split("\n"))
            ]
            values = ", ".join(str(group[k]) for k in key)
            for row in others:
                where = f"line {first['_line']}"
                if row["_source_file"] != first["_source_file"]:
                    where += f" of {first['_source_file']}"
                found.append((row, key[-1], f"duplicate key ({', '.join(key)}) = ({values}), first on {where}"))
        return found

    return describe


def _checks(spec: FileSpec, staged: dict[str, str]) -> list[Check]:
    """The checks of `spec`'s table (the same for every file that lands in it)."""
    import great_expectations.expectations as gxe

    checks: list[Check] = []
    for column in spec.columns:
        if column.pattern:
            checks.append(
                Check(
                    gxe.ExpectColumnValuesToMatchRegex(column=column.name, regex=column.pattern),
                    _each(lambda row, c=column: (c.name, f"'{row[c.name]}' does not match the pattern {c.pattern}")),
                )
            )
        if column.values:
            checks.append(
                Check(
                    gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(column.values)),
                    _each(lambda row, c=column: (c.name, f"'{row[c.name]}' is not one of {', '.join(c.values)}")),
                )
            )
    key = ", ".join(f"`{k}`" for k in spec.key)
    # GROUP_CONCAT's sort-based grouping ran faster here than MIN/MAX or a join back to the copies.
    checks.append(
        Check(
            gxe.UnexpectedRowsExpectation(
                description=f"{spec.table}: key is unique",
                unexpected_rows_query=(
                    "SELECT GROUP_CONCAT(CONCAT(`_source_file`, '\\t', `_line`) ORDER BY `_source_file`, `_line` "
                    f"SEPARATOR '\\n') AS copies, {key} FROM {{batch}} GROUP BY {key} HAVING COUNT(*) > 1"
                ),
            ),
            _duplicates(spec.key),
        )
    )
    lookups = _lookups(spec, staged)
    if lookups:
        checks.append(lookups)
    return checks


def _lookups(spec: FileSpec, staged: dict[str, str]) -> Check | None:
    """Every reference of `spec`'s table and its values' scale ranges, in one scan of the table.

    One LEFT JOIN per check read the table once per reference (and great-expectations runs each
    query twice, to count and to fetch): on the 31.0 ratings files that was most of the validation.
    `NOT IN` a subquery, which the server materializes once, and the scale bounds as correlated
    subqueries, which it caches per scale, check a 95,000-row file in a quarter of that time.
    """
    import great_expectations.expectations as gxe

    if not spec.references and not spec.scaled_value:
        return None
    columns, failing = ["r.`_source_file`", "r.`_line`"], []
    for n, ref in enumerate(spec.references):
        missing = f"r.`{ref.column}` NOT IN (SELECT `{ref.target}` FROM `{staged[ref.table]}`)"
        columns.append(f"r.`{ref.column}` AS value_{n}, {missing} AS missing_{n}")
        failing.append(missing)
    if spec.scaled_value:
        value = f"r.`{spec.scaled_value}`"
        bound = f"(SELECT {{}} FROM `{staged['scales_reference']}` s WHERE s.scale_id = r.scale_id)"
        low, high = bound.format("minimum"), bound.format("maximum")
        columns.append(f"r.scale_id, {value} AS value, {low} AS minimum, {high} AS maximum")
        failing.append(f"{value} < {low} OR {value} > {high}")

    def describe(rows: list[Row]) -> list[tuple[Row, str | None, str]]:
        found = []
        for row in rows:
            for n, ref in enumerate(spec.references):
                if row[f"missing_{n}"]:
                    found.append((row, ref.column, f"'{row[f'value_{n}']}' is not in {ref.table} ({ref.target})"))
            low, high = row.get("minimum"), row.get("maximum")
            if spec.scaled_value and low is not None and not low <= row["value"] <= high:
                problem = f"{row['value']} is outside the range of scale {row['scale_id']} ({low} to {high})"
                found.append((row, spec.scaled_value, problem))
        return found

    checked = [f"every {r.column} exists in {r.table}" for r in spec.references]
    if spec.scaled_value:
        checked.append(f"{spec.scaled_value} within its scale's range")
    return Check(
        gxe.UnexpectedRowsExpectation(
            description=f"{spec.table}: {'; '.join(checked)}",
            # Without a JOIN, great-expectations names the batch `subselect`; `r` is this query's own name.
            unexpected_rows_query=(
                f"SELECT {', '.join(columns)} FROM (SELECT * FROM {{batch}}) r WHERE {' OR '.join(failing)}"
            ),
        ),
        describe,
    )


def _failures(check: Check, result, specs: dict[str, FileSpec]) -> list[LoadError]:
    """The first three failing rows of `check` as errors naming their file, line and column header."""
    rows = result.result.get("unexpected_index_list") or result.result.get("details", {}).get("unexpected_rows") or []
    errors = []
    for row, column, problem in sorted(check.describe(rows), key=lambda f: (f[0]["_source_file"], f[0]["_line"]))[:3]:
        spec = specs[row["_source_file"]]
        header = spec.column(column).header if column else None
        errors.append(LoadError(problem, spec.file_name, int(row["_line"]), header))
    if not errors:
        names = " + ".join(specs)
        failed = [e.get("exception_message") for e in (result.exception_info or {}).values() if isinstance(e, dict)]
        reason = f": {failed[0].splitlines()[0]}" if failed and failed[0] else ""
        errors.append(LoadError(f"failed {check.expectation.expectation_type}{reason}", names))
    return errors


def preload() -> None:
    """Import great-expectations in the background (2-4 s of imports) while the files are staged."""
    threading.Thread(target=importlib.import_module, args=("great_expectations",), daemon=True).start()


def validate(url: str, specs: list[FileSpec], staged: dict[str, str]) -> list[LoadError]:
    """Run every check on the staged tables of `specs`' files; returns the problems found, first lines first."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_sql(
        "landing", connection_string=url, kwargs={"connect_args": {"conv": _CONVERSIONS}}
    )
    tables: dict[str, dict[str, FileSpec]] = {}
    for spec in specs:
        tables.setdefault(spec.table, {})[spec.file_name] = spec
    errors: list[LoadError] = []
    for table, by_file in tables.items():
        checks = _checks(next(iter(by_file.values())), staged)
        asset = source.add_table_asset(table, table_name=staged[table])
        suite = context.suites.add(gx.ExpectationSuite(name=table))
        by_id = {suite.add_expectation(check.expectation).id: check for check in checks}
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=table, data=asset.add_batch_definition_whole_table("all"), suite=suite)
        )
        # Pass or fail alone is cheapest to compute; a failing table runs again for its failing rows.
        outcome = definition.run(result_format="BOOLEAN_ONLY")
        if not outcome.success:
            outcome = definition.run(
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": list(POSITION)}
            )
        found = [
            e for r in outcome.results if not r.success for e in _failures(by_id[r.expectation_config.id], r, by_file)
        ]
        errors.extend(sorted(found, key=lambda e: (e.file or "", e.line or 0)))
    return errors
