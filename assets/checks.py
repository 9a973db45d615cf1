"""Asset checks: counts reconcile, keys are unique, and the marts respect their own definitions (a GX suite).

Blocking checks stop the run before anything downstream (and the analysts' copy) is rebuilt from bad data.
"""

import dagster as dg

from assets.landing import landing_key


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

    return reconciles


def build_unique_key_check(table: str, columns: tuple[str, ...]) -> dg.AssetChecksDefinition:
    key = ", ".join(columns)

    @dg.asset_check(asset=table, name="unique_key", blocking=True, required_resource_keys={"warehouse"},
                    description=f"({key}) identifies one row of {table}, with no NULL part.")
    def unique_key(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        with context.resources.warehouse.writer() as con:
            duplicates, nulls = con.execute(
                f"SELECT count(*) - count(DISTINCT ({key})), count(*) FILTER (WHERE {' OR '.join(f'{c} IS NULL' for c in columns)}) "
                f"FROM {table}").fetchone()
        return dg.AssetCheckResult(passed=duplicates == 0 and nulls == 0,
                                   metadata={"duplicate_keys": duplicates, "null_keys": nulls})

    return unique_key


UNIQUE_KEYS = {
    "statements": ("statement_pid",),
    "completion_learner_course": ("learner_pid", "course_id"),
    "engagement_learner_week": ("learner_pid", "course_id", "week_start"),
}


def build_expectations_check(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=table, name="expectations", blocking=True, required_resource_keys={"warehouse"},
                    description=f"The Great Expectations suite of {table} (assets/expectations.py).")
    def expectations(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
        from assets.expectations import run_suite  # GX takes seconds to import: only when the check runs

        with context.resources.warehouse.writer() as con:
            frame = con.execute(f"SELECT * FROM {table}").df()
        outcomes = run_suite(table, frame)
        failed = [o for o in outcomes if not o.success]
        return dg.AssetCheckResult(
            passed=not failed,
            metadata={"expectations": len(outcomes), "failed": len(failed),
                      **{o.expectation: f"{o.unexpected} unexpected rows" for o in failed}},
        )

    return expectations


EXPECTATION_TABLES = ("completion_learner_course", "engagement_learner_week")
