"""Each occupation's software by category, held per published build, and the technology gap of a
pair as the `technology_gap` view defines it: each category the target uses and the source does
not (tests/service/test_technology_gap.py holds the two to each other)."""

from __future__ import annotations

from dataclasses import dataclass

from service.db import Row
from service.domain_errors import NoTechnology, NoTechnologyData


@dataclass(frozen=True)
class Example:
    name: str
    hot: bool
    in_demand: bool


@dataclass(frozen=True)
class Category:
    category_id: str
    category: str
    examples: tuple[Example, ...]  # hot ones first, then by name

    @property
    def hot_count(self) -> int:
        return sum(example.hot for example in self.examples)

    @property
    def in_demand_count(self) -> int:
        return sum(example.in_demand for example in self.examples)

    def hot_only(self) -> Category | None:
        """The category with its hot examples alone; None when it has none."""
        hot = tuple(example for example in self.examples if example.hot)
        return Category(self.category_id, self.category, hot) if hot else None


@dataclass(frozen=True)
class TechnologyGap:
    categories: list[Category]  # most hot examples first, then by name
    shared_category_count: int  # the target's categories the source uses too


class TechnologyIndex:
    """The rows of `fct_occupation_technology`, by occupation and category. A release without a
    technology file has none (`has_data` false)."""

    def __init__(self, rows: list[Row]):
        examples: dict[str, dict[str, tuple[str, list[Example]]]] = {}
        for row in rows:
            categories = examples.setdefault(row["onetsoc_code"], {})
            _name, listed = categories.setdefault(row["category_id"], (row["category_name"], []))
            listed.append(Example(row["example"], bool(row["is_hot_technology"]), bool(row["is_in_demand"])))
        self.has_data = bool(rows)
        self._categories: dict[str, dict[str, Category]] = {}  # each occupation's, by name
        for code, categories in examples.items():
            built = [
                Category(category_id, name, tuple(sorted(listed, key=lambda e: (not e.hot, e.name))))
                for category_id, (name, listed) in categories.items()
            ]
            built.sort(key=lambda c: (c.category, c.category_id))
            self._categories[code] = {category.category_id: category for category in built}

    def categories(self, code: str) -> list[Category]:
        """The occupation's categories by name; none when it lists no software."""
        return list(self._categories.get(code, {}).values())

    def lists_technology(self, code: str) -> bool:
        return code in self._categories

    def gap(self, source: str, target: str, hot_only: bool = False) -> TechnologyGap:
        """The target's categories the source does not use; with `hot_only`, their hot examples
        alone (categories left with none dropped, the counts over what is kept)."""
        used = self._categories.get(source, {})
        wanted = self._categories.get(target, {}).values()
        if hot_only:
            wanted = [kept for kept in (category.hot_only() for category in wanted) if kept is not None]
        lacking = [category for category in wanted if category.category_id not in used]
        lacking.sort(key=lambda c: (-c.hot_count, c.category, c.category_id))
        return TechnologyGap(lacking, len(wanted) - len(lacking))

    def require_gap(self, source: str, target: str, release: str, hot_only: bool = False) -> TechnologyGap:
        """`gap`, or the domain error that says why there is none: the release has no technology
        file (`NoTechnologyData`), or the target lists no software (`NoTechnology`)."""
        if not self.has_data:
            raise NoTechnologyData(
                f"O*NET {release}, the release served, has no technology data"
                " (neither Technology Skills.txt nor Software Skills.txt).",
                onet_release=release,
            )
        if not self.lists_technology(target):
            raise NoTechnology(
                f"The occupation {target} lists no software in O*NET {release}.", parameter="to", value=target
            )
        return self.gap(source, target, hot_only)

    def new_category_count(self, source: str, target: str) -> int | None:
        """How many categories the target uses that the source does not; None without technology data."""
        if not self.has_data:
            return None
        used = self._categories.get(source, {})
        return sum(category_id not in used for category_id in self._categories.get(target, {}))
