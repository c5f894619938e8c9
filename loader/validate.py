"""Validate the staged tables with great-expectations before anything is swapped in."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass

from .errors import LoadError
from .specs import FileSpec

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
logging.getLogger("great_expectations").setLevel(logging.ERROR)

Row = dict


@dataclass(frozen=True)
class Check:
    """One expectation on one staged table, and how a failing row reads to a person."""

    spec: FileSpec
    expectation: object
    describe: Callable[[Row], tuple[str | None, str]]  # row -> (column header, problem)


def _checks(spec: FileSpec, staged: dict[str, str]) -> list[Check]:
    import great_expectations.expectations as gxe

    checks: list[Check] = []
    for column in spec.columns:
        if column.pattern:
            checks.append(
                Check(
                    spec,
                    gxe.ExpectColumnValuesToMatchRegex(column=column.name, regex=column.pattern),
                    lambda row, c=column: (c.header, f"'{row[c.name]}' does not match the pattern {c.pattern}"),
                )
            )
        if column.values:
            checks.append(
                Check(
                    spec,
                    gxe.ExpectColumnValuesToBeInSet(column=column.name, value_set=list(column.values)),
                    lambda row, c=column: (c.header, f"'{row[c.name]}' is not one of {', '.join(c.values)}"),
                )
            )
    key = ", ".join(f"`{k}`" for k in spec.key)
    checks.append(
        Check(
            spec,
            gxe.UnexpectedRowsExpectation(
                description=f"{spec.table}: key is unique",
                unexpected_rows_query=(
                    f"SELECT MAX(`_line`) AS `_line`, MIN(`_line`) AS first_line, {key} FROM {{batch}} "
                    f"GROUP BY {key} HAVING COUNT(*) > 1"
                ),
            ),
            lambda row: (
                spec.column(spec.key[-1]).header,
                f"duplicate key ({', '.join(spec.key)}) = ({', '.join(str(row[k]) for k in spec.key)}), "
                f"first on line {row['first_line']}",
            ),
        )
    )
    if spec.scaled_value:
        value = spec.column(spec.scaled_value)
        checks.append(
            Check(
                spec,
                gxe.UnexpectedRowsExpectation(
                    description=f"{spec.table}: {value.name} within its scale's range",
                    unexpected_rows_query=(
                        f"SELECT r.`_line`, r.scale_id, r.`{value.name}` AS value, s.minimum, s.maximum "
                        f"FROM {{batch}} r JOIN `{staged['scales_reference']}` s ON s.scale_id = r.scale_id "
                        f"WHERE r.`{value.name}` < s.minimum OR r.`{value.name}` > s.maximum"
                    ),
                ),
                lambda row, v=value: (
                    v.header,
                    f"{row['value']} is outside the range of scale {row['scale_id']} "
                    f"({row['minimum']} to {row['maximum']})",
                ),
            )
        )
    for ref in spec.references:
        column = spec.column(ref.column)
        checks.append(
            Check(
                spec,
                gxe.UnexpectedRowsExpectation(
                    description=f"{spec.table}: every {ref.column} exists in {ref.table}",
                    unexpected_rows_query=(
                        f"SELECT r.`_line`, r.`{ref.column}` AS value FROM {{batch}} r "
                        f"LEFT JOIN `{staged[ref.table]}` t ON t.`{ref.target}` = r.`{ref.column}` "
                        f"WHERE t.`{ref.target}` IS NULL"
                    ),
                ),
                lambda row, c=column, r=ref: (
                    c.header,
                    f"'{row['value']}' is not in {r.table} ({r.target})",
                ),
            )
        )
    return checks


def _failures(check: Check, result) -> list[LoadError]:
    rows = result.result.get("unexpected_index_list") or result.result.get("details", {}).get("unexpected_rows") or []
    errors = []
    for row in sorted(rows, key=lambda r: r["_line"])[:3]:
        column, problem = check.describe(row)
        errors.append(LoadError(problem, check.spec.file_name, int(row["_line"]), column))
    if not errors:
        errors.append(LoadError(f"failed {check.expectation.expectation_type}", check.spec.file_name))
    return errors


def validate(url: str, specs: list[FileSpec], staged: dict[str, str]) -> list[LoadError]:
    """Run every check on the staged tables; returns the problems found, first lines first."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    source = context.data_sources.add_sql("landing", connection_string=url)
    errors: list[LoadError] = []
    for spec in specs:
        checks = _checks(spec, staged)
        asset = source.add_table_asset(spec.table, table_name=staged[spec.table])
        suite = context.suites.add(gx.ExpectationSuite(name=spec.table))
        by_id = {suite.add_expectation(check.expectation).id: check for check in checks}
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=spec.table, data=asset.add_batch_definition_whole_table("all"), suite=suite)
        )
        outcome = definition.run(
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": ["_line"]}
        )
        found = [e for r in outcome.results if not r.success for e in _failures(by_id[r.expectation_config.id], r)]
        errors.extend(sorted(found, key=lambda e: e.line or 0))
    return errors
