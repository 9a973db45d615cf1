"""Reference tables the models join: the verb and activity-type vocabulary, the sources, the course structure, the
RCT assignment; and the metric registry the models' YAML defines."""

from pathlib import Path

import dagster as dg
import polars as pl

from schemas.rct_assignment import AssignmentError, RctAssignment, assignment_frame
from schemas.course_structure import Course, load_structure, structure_tables
from schemas.pseudonyms import Pseudonymizer
from schemas.vocabulary import ACTIVITY_TYPE_ROLES, VERB_CATEGORIES
from warehouse.erasure import tombstones
from warehouse.registry import write_metric_registry

STRUCTURE_TABLES = ("dim_course", "dim_course_module", "dim_course_item")
_STRUCTURE_SCHEMAS = {
    "dim_course": {"course_id": pl.String, "title": pl.String, "start_date": pl.Date, "end_date": pl.Date,
                   "n_modules": pl.Int64, "language": pl.String},
    "dim_course_module": {"course_id": pl.String, "module_id": pl.String, "title": pl.String,
                          "position": pl.Int64, "n_items": pl.Int64, "n_required": pl.Int64},
    "dim_course_item": {"course_id": pl.String, "module_id": pl.String, "item_id": pl.String,
                        "item_type": pl.String, "required": pl.Boolean, "title": pl.String,
                        "video_length_s": pl.Float64},
}


def _replace(con, table: str, frame: pl.DataFrame) -> None:
    con.execute(f"CREATE OR REPLACE TABLE {table} AS SELECT * FROM frame")


def load_reference_tables(con, courses: list[Course], handbook_sources: dict[str, bool]) -> dict[str, int]:
    """(Re)write every reference table; returns the row count of each."""
    tables = structure_tables(courses)
    frames = {
        "dim_verb": pl.DataFrame([{"verb_id": v, "category": c, "verb_name": v.rstrip("/").rsplit("/", 1)[-1]}
                                  for v, c in VERB_CATEGORIES.items()]),
        "dim_activity_type": pl.DataFrame([{"activity_type": t, "role": r} for t, r in ACTIVITY_TYPE_ROLES.items()]),
        "dim_source": pl.DataFrame([{"source": s, "is_handbook": h} for s, h in handbook_sources.items()],
                                   schema={"source": pl.String, "is_handbook": pl.Boolean}),
        **{t: pl.DataFrame(tables[t], schema=_STRUCTURE_SCHEMAS[t], orient="row") for t in STRUCTURE_TABLES},
    }
    for table, frame in frames.items():
        _replace(con, table, frame)
    return {table: frame.height for table, frame in frames.items()}


def load_rct_assignment(con, frame: pl.DataFrame, pz: Pseudonymizer) -> int:
    """(Re)write dim_rct_assignment; returns its row count. The file still lists teachers erased since (`lola erase`):
    their tombstones keep them out."""
    pz.leave_out(tombstones(con))
    frame = frame.filter(pl.Series([not pz.is_erased_pid(pid) for pid in frame["learner_pid"]], dtype=pl.Boolean))
    _replace(con, "dim_rct_assignment", frame)
    return frame.height


def build_reference_assets(structure_path: Path | None, handbook_sources: dict[str, bool]) -> dg.AssetsDefinition:
    @dg.multi_asset(
        specs=[
            dg.AssetSpec("dim_verb", group_name="reference", description="Verb IRI → category and short name."),
            dg.AssetSpec("dim_activity_type", group_name="reference",
                         description="Activity type IRI → role (video, problem, course)."),
            dg.AssetSpec("dim_source", group_name="reference", description="Configured sources."),
            *[dg.AssetSpec(t, group_name="reference", description="From the course structure file.")
              for t in STRUCTURE_TABLES],
        ],
        required_resource_keys={"warehouse"},
    )
    def reference_tables(context: dg.AssetExecutionContext):
        courses = load_structure(structure_path) if structure_path and structure_path.exists() else []
        if structure_path and not structure_path.exists():
            context.log.warning(f"no course structure at {structure_path}: module columns will be NULL")
        with context.resources.warehouse.writer() as con:
            counts = load_reference_tables(con, courses, handbook_sources)
        for table, rows in counts.items():
            yield dg.MaterializeResult(asset_key=table, metadata={"rows": rows})

    return reference_tables


def build_rct_assignment_asset(rct: RctAssignment | None, anonymous_homepages: tuple[str, ...]) -> dg.AssetsDefinition:
    """Its own asset, so that a bad assignment file stops only what joins it; empty without a file."""

    @dg.asset(key="dim_rct_assignment", group_name="reference", required_resource_keys={"warehouse", "pseudonym_key"},
              description="RCT school and arm of each teacher, pseudonymized, from the [rct] assignment file.")
    def dim_rct_assignment(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        if rct and not rct.path.exists():
            context.log.warning(f"no RCT assignment at {rct.path}: dim_rct_assignment is empty")
        with context.resources.warehouse.writer() as con:
            pz = context.resources.pseudonym_key.pseudonymizer_for(con, anonymous_homepages)
            try:
                frame = assignment_frame(rct, pz)
            except AssignmentError as exc:
                raise dg.Failure(description=str(exc), metadata={"error": type(exc).__name__}) from None
            rows = load_rct_assignment(con, frame, pz)
        return dg.MaterializeResult(metadata={"rows": rows})

    return dim_rct_assignment


def build_metric_registry_asset() -> dg.AssetsDefinition:
    @dg.asset(key="metric_registry", group_name="reference", required_resource_keys={"warehouse"},
              description="Every metric (name, table, definition, unit, grain) as the models' YAML defines it "
                          "(warehouse/registry.py).")
    def metric_registry(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
        with context.resources.warehouse.writer() as con:
            rows = write_metric_registry(con)
        return dg.MaterializeResult(metadata={"rows": rows})

    return metric_registry
