"""Great Expectations suites for what dbt's tests do not express well — value ranges, one column bounded by another —
generated from the columns' YAML (`meta: {range: [min, max]}`, `meta: {at_least: other_column}`; warehouse/registry.py).

GX 1.x has no working DuckDB push-down and dagster-ge would downgrade Dagster, so the suites run here, on the
table read into memory, called from plain Dagster asset checks (assets/checks.py).
"""

import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no usage statistics leave the machine
# GX imports pyspark when it is installed (the Spark extra), which the suites on pandas frames never use: in a
# process whose main module has no file (a Dagster run worker, `python -c`) pyspark takes itself for a doctest run
# and exits, failing the step with "SystemExit: 0". GX is made to see no pyspark while it is imported.
_pyspark_hidden = "pyspark" not in sys.modules
if _pyspark_hidden:
    sys.modules["pyspark"] = None  # type: ignore[assignment]  # `import pyspark` raises ImportError
try:
    import great_expectations as gx  # noqa: E402  (after the analytics switch)
    from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
finally:
    if _pyspark_hidden:
        del sys.modules["pyspark"]
import pandas as pd  # noqa: E402

from warehouse.registry import Column, Table  # noqa: E402

E = gx.expectations


def _at_least(column: Column) -> list[str]:
    """The columns this one must be at least (`meta: {at_least: a column or a list}`)."""
    others = column.meta.get("at_least") or []
    return [others] if isinstance(others, str) else list(others)


def _column_expectations(column: Column) -> list:
    expectations = []
    if "range" in column.meta:
        low, high = column.meta["range"]
        expectations.append(E.ExpectColumnValuesToBeBetween(column=column.name, min_value=low, max_value=high))
    for other in _at_least(column):
        expectations.append(E.ExpectColumnPairValuesAToBeGreaterThanB(
            column_A=column.name, column_B=other, or_equal=True, ignore_row_if="either_value_is_missing"))
    return expectations


def suite_for(table: Table) -> list:
    """The table's expectations, in the order of its columns."""
    return [e for column in table.columns for e in _column_expectations(column)]


def columns_read(table: Table) -> list[str]:
    """The columns the table's suite reads, in the table's order: only these are loaded into memory."""
    named = {column.name for column in table.columns if "range" in column.meta or _at_least(column)}
    for column in table.columns:
        named.update(_at_least(column))
    return [column.name for column in table.columns if column.name in named]


@dataclass(frozen=True)
class Outcome:
    expectation: str
    success: bool
    unexpected: int


class SuiteRunner:
    """Runs tables' suites in one ephemeral GX context: making a context costs far more than a suite."""

    def __init__(self):
        self._context = gx.get_context(mode="ephemeral")
        self._context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self._source = self._context.data_sources.add_pandas("lola")

    def run(self, table: Table, frames: Iterable[pd.DataFrame]) -> list[Outcome]:
        """The suite over a table given in batches of rows. Every expectation LOLA generates judges one row at a time
        (a value in a range, one column at least another), so a table passes when each batch does and its unexpected
        rows add up: memory stays one batch's, whatever the table's size."""
        asset = self._source.add_dataframe_asset(table.name).add_batch_definition_whole_dataframe("whole")
        suite = gx.ExpectationSuite(name=table.name, expectations=suite_for(table))
        combined: dict[str, Outcome] = {}
        for frame in frames:
            for result in asset.get_batch(batch_parameters={"dataframe": frame}).validate(suite).results:
                config = result.expectation_config
                name = f"{config.type}({', '.join(str(v) for k, v in config.kwargs.items() if k.startswith('column'))})"
                before = combined.get(name, Outcome(name, True, 0))
                combined[name] = Outcome(name, before.success and bool(result.success),
                                         before.unexpected + int(result.result.get("unexpected_count") or 0))
        return list(combined.values())
