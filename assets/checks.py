"""The asset checks written in Python: counts reconcile (landing), a source sends within its cadence (freshness),
and the models respect the ranges their YAML declares (a GX suite generated from it). The models' other rules are dbt tests (their YAML; assets/models.py).

Blocking checks stop the run before anything downstream (and the analysts' copy) is rebuilt from bad data; every
outcome is kept in dq_results (warehouse/quality.py).
"""

import dagster as dg

from assets.landing import landing_key
from warehouse import registry
from warehouse.freshness import source_freshness
from warehouse.quality import CheckOutcome, record

# Rows of a table held in memory at a time by its GX suite: large tables (int_sessions, a row per statement) are
# checked batch by batch, so a refresh's memory does not grow with the warehouse.
EXPECTATION_BATCH_ROWS = 100_000


def _outcome(asset: str, check: str, result: dg.AssetCheckResult) -> CheckOutcome:
    return CheckOutcome(asset, check, result.passed, {k: v.value for k, v in result.metadata.items()})


def _recorded(context: dg.AssetCheckExecutionContext, con, result: dg.AssetCheckResult) -> dg.AssetCheckResult:
    """The result, once written to dq_results."""
    spec = context.check_specs[0]
    record(con, context.run.run_id, [_outcome(spec.asset_key.to_user_string(), spec.name, result)])
    return result


def build_reconciliation_check(source: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=landing_key(source), name="reconciles", blocking=True,
                    required_resource_keys={"warehouse"},
                    description="This run: read = loaded + quarantined + duplicates (+ erased people's and expired "
                                "statements, not kept), and each count is the rows the run wrote: loaded in "
                                "landed_statements, quarantined in quarantine, files quarantined in "
                                "quarantined_files.")
    def reconciles(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        this_run = {"run_id": context.run.run_id, "source": source}
        with context.resources.warehouse.writer() as con:
            run = con.execute(
                "SELECT n_read, n_loaded, n_quarantined, n_duplicates, n_erased, n_expired, n_files_quarantined "
                "FROM ingest_runs WHERE run_id = $run_id AND source = $source", this_run).fetchone()
            rows = con.execute(
                "SELECT (SELECT count(*) FROM landed_statements WHERE run_id = $run_id AND source = $source), "
                "(SELECT count(*) FROM quarantine WHERE run_id = $run_id AND source = $source), "
                "(SELECT count(*) FROM quarantined_files WHERE run_id = $run_id AND source = $source)",
                this_run).fetchone()
            return _recorded(context, con, _reconciliation(run, rows))

    return reconciles


def build_freshness_check(source: str, max_silence_hours: float) -> dg.AssetChecksDefinition:
    # Not blocking: a silent source leaves what was landed before as good as it was; the alert tells a person.
    @dg.asset_check(asset=landing_key(source), name="fresh", blocking=False, required_resource_keys={"warehouse"},
                    description=f"The source sent something new in the last {max_silence_hours:g} hours "
                                "(max_silence_hours): its latest statement arrived (file modified, LRS stored) "
                                "within that window.")
    def fresh(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        with context.resources.warehouse.writer() as con:
            freshness, = source_freshness(con, {source: max_silence_hours})
            result = dg.AssetCheckResult(passed=bool(freshness.fresh), description=freshness.describe(),
                                         metadata=freshness.metadata())
            return _recorded(context, con, result)

    return fresh


def _reconciliation(run: tuple | None, rows: tuple) -> dg.AssetCheckResult:
    if run is None:
        return dg.AssetCheckResult(passed=False, metadata={"error": "no ingest record for this run"})
    read, loaded, quarantined, duplicates, erased, expired, files_quarantined = run
    return dg.AssetCheckResult(
        passed=(read == loaded + quarantined + duplicates + erased + expired
                and rows == (loaded, quarantined, files_quarantined)),
        metadata={"read": read, "loaded": loaded, "quarantined": quarantined, "duplicates": duplicates,
                  "erased": erased, "expired": expired, "files_quarantined": files_quarantined,
                  "rows_in_landed_statements": rows[0], "rows_in_quarantine": rows[1],
                  "rows_in_quarantined_files": rows[2]},
    )


def build_expectations_checks(tables: list[str]) -> dg.AssetChecksDefinition:
    """Every table's GX suite in one step: a step and a GX context cost a second each, a suite milliseconds."""

    @dg.multi_asset_check(
        specs=[dg.AssetCheckSpec("expectations", asset=table, blocking=True,
                                 description=f"The Great Expectations suite of {table}, generated from the `range` "
                                             "and `at_least` of its columns' YAML (assets/expectations.py).")
               for table in tables],
        required_resource_keys={"warehouse"}, name="expectations")
    def expectations(context: dg.AssetCheckExecutionContext):
        from assets.expectations import SuiteRunner, columns_read  # GX takes seconds to import: only when run

        runner = SuiteRunner()
        with context.resources.warehouse.writer() as con:
            for table in tables:
                description = registry.table(table)
                columns = ", ".join(f'"{name}"' for name in columns_read(description))
                batches = con.sql(f"SELECT {columns} FROM {table}").to_arrow_reader(EXPECTATION_BATCH_ROWS)
                outcomes = runner.run(description, (batch.to_pandas() for batch in batches))
                failed = [o for o in outcomes if not o.success]
                result = dg.AssetCheckResult(
                    asset_key=table, check_name="expectations", passed=not failed,
                    metadata={"expectations": len(outcomes), "failed": len(failed),
                              **{o.expectation: f"{o.unexpected} unexpected rows" for o in failed}})
                record(con, context.run.run_id, [_outcome(table, "expectations", result)])
                yield result

    return expectations
