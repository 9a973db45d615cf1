"""The dbt project's models as Dagster assets (dagster-dbt): one asset per model, keyed by the model's name, each
dbt test an asset check, all built by one `dbt build` per run, after the Python steps that write its sources."""

import contextlib
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliInvocation, DbtCliResource, DbtProject, dbt_assets
from packaging.version import Version

from warehouse import project
from warehouse.quality import CheckOutcome, record

LANDED = dg.AssetKey("landed_statements")  # the dbt source every landing asset writes


class LolaDbtTranslator(DagsterDbtTranslator):
    """A dbt source is the Python asset that writes it, under the table's name (dim_verb, dim_course...), except
    landed_statements, written by every source's landing asset; models are grouped by layer (their folder)."""

    def __init__(self, landing_keys: Iterable[dg.AssetKey]):
        super().__init__()
        self._landing_keys = tuple(landing_keys)

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(dbt_resource_props["name"])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["fqn"][1]  # ["lola", "<layer>", "<model>"]

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str,
                       project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        if not any(dep.asset_key == LANDED for dep in spec.deps):
            return spec
        deps = [dep for dep in spec.deps if dep.asset_key != LANDED]
        return spec.replace_attributes(deps=[*deps, *(dg.AssetDep(key) for key in self._landing_keys)])


class LolaDbtCli(DbtCliResource):
    """dagster-dbt as LOLA runs it: dbt in its own process and nothing of dbt in ours. dagster-dbt would run
    `dbt --version` (~3 s, and a request to PyPI) where the pinned, installed dbt-core says it; and it would load a
    dbt adapter here (~3 s) only to fetch optional column metadata, with a DuckDB connection of its own that must
    never be open while dbt writes the warehouse."""

    @cached_property
    def _cli_version(self) -> Version:
        return Version(installed_version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        return None


def dbt_project(state_dir: Path) -> DbtProject:
    """The project as dagster-dbt knows it: its manifest in the state folder's manifest/ (warehouse/project.py)."""
    return DbtProject(project_dir=project.PROJECT_DIR, profiles_dir=project.PROJECT_DIR,
                      target_path=project.manifest_dir(state_dir))


def _outcome(result: dg.AssetCheckResult) -> CheckOutcome:
    """A dbt test's result for dq_results: its status and how many rows failed, never the rows."""
    metadata = {k: getattr(v, "value", v) for k, v in result.metadata.items()}
    details = {"status": metadata.get("status"), "failed_rows": metadata.get("dagster_dbt/failed_row_count")}
    return CheckOutcome(result.asset_key.to_user_string(), result.check_name, result.passed, details)


def _failure(run_results: Path, output: str) -> dg.Failure:
    """What failed in the build, in one line for `lola refresh`'s report: the failed tests and models of the build's
    run_results.json, else (dbt stopped before running any: a project error) dbt's last error line."""
    results = json.loads(run_results.read_text(encoding="utf-8"))["results"] if run_results.is_file() else []
    failed = [f"{r['unique_id'].split('.')[2]} {r['status']}: {' '.join((r['message'] or '').split())[:300]}"
              for r in results if r["status"] in ("fail", "error")]
    if not failed:
        errors = [line.strip() for line in output.splitlines() if "error" in line.lower()]
        return dg.Failure(description=f"dbt build failed: {errors[-1] if errors else 'see the run log (lola dev)'}")
    skipped = sum(r["status"] == "skipped" and r["unique_id"].startswith("model.") for r in results)
    return dg.Failure(description=f"dbt build: {'; '.join(failed)}; {skipped} model(s) after it not rebuilt")


def _quietly(context: dg.AssetExecutionContext, invocation: DbtCliInvocation) -> tuple[list[Any], str]:
    """The invocation's Dagster events once dbt has finished, and dbt's log. dagster-dbt echoes that log to stdout,
    which would bury `lola refresh`'s report: it goes to the run's event log instead (`lola dev` shows it)."""
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        events = list(invocation.stream())
    context.log.info(f"dbt build:\n{output.getvalue()}")
    return events, output.getvalue()


def build_model_assets(landing_keys: Iterable[dg.AssetKey], state_dir: Path, warehouse_path: Path,
                       timezone: str) -> dg.AssetsDefinition:
    """The manifest is parsed here when the project changed since the last parse (warehouse/project.py)."""
    manifest = project.ensure_manifest(state_dir, warehouse_path, timezone)

    @dbt_assets(manifest=manifest, project=dbt_project(state_dir), name="dbt_models",
                dagster_dbt_translator=LolaDbtTranslator(landing_keys), required_resource_keys={"dbt", "warehouse"})
    def dbt_models(context: dg.AssetExecutionContext) -> Iterator[Any]:
        """dbt writes the warehouse from its own process: no connection of ours is open meanwhile (the run's writer
        lock is a flock on another file). A failed test (severity error) skips the models after it and fails this
        step, so the analysts' copy is not replaced; every test's outcome goes to dq_results either way."""
        warehouse, target = context.resources.warehouse, project.target_dir(state_dir)
        run_results = target / "run_results.json"
        run_results.unlink(missing_ok=True)  # a previous build's must not speak for this one
        # dbt's unit tests check the models' logic on fixed rows: the test suite runs them, not every refresh.
        invocation = context.resources.dbt.cli(
            ["build", "--exclude-resource-type", "unit_test",
             "--vars", project.dbt_vars(Path(warehouse.path), warehouse.timezone)], context=context,
            target_path=target, raise_on_error=False)
        events, output = _quietly(context, invocation)
        with warehouse.writer() as con:
            record(con, context.run.run_id, [_outcome(e) for e in events if isinstance(e, dg.AssetCheckResult)])
        yield from events
        if not invocation.is_successful():
            raise _failure(run_results, output)

    return dbt_models
