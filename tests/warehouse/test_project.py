"""The dbt project runs from its package folder without writing into it, and its manifest is parsed again exactly
when the project's files changed (a fresh clone, a developer's edit)."""

import os
from pathlib import Path

from warehouse import project


def tree(folder: Path) -> set[Path]:
    return {p.relative_to(folder) for p in folder.rglob("*") if "__pycache__" not in p.parts}


def test_dbt_writes_its_target_and_logs_into_the_state_folder_only(tmp_path):
    before = tree(project.PROJECT_DIR)
    manifest = project.ensure_manifest(tmp_path / "state", tmp_path / "wh.duckdb", "Europe/Paris")
    assert manifest == tmp_path / "state" / "manifest" / "manifest.json" and manifest.is_file()
    assert (tmp_path / "state" / "logs" / "dbt.log").is_file()
    assert tree(project.PROJECT_DIR) == before
    assert not (tmp_path / "wh.duckdb").exists()  # parsing never opens the warehouse


def test_an_edited_model_file_makes_the_manifest_stale_until_parsed_again(tmp_path):
    state = tmp_path / "state"
    assert not project.manifest_is_current(state)
    manifest = project.ensure_manifest(state, tmp_path / "wh.duckdb", "Europe/Paris")
    assert project.manifest_is_current(state)
    parsed_at = manifest.stat().st_mtime_ns
    assert project.ensure_manifest(state, tmp_path / "wh.duckdb", "Europe/Paris").stat().st_mtime_ns == parsed_at
    edited = project.PROJECT_DIR / "models" / "marts" / "engagement_learner_week.yml"
    saved = edited.stat()
    try:
        os.utime(edited, ns=(saved.st_atime_ns, saved.st_mtime_ns + 1_000_000_000))  # as an editor's save would
        assert not project.manifest_is_current(state)
        project.ensure_manifest(state, tmp_path / "wh.duckdb", "Europe/Paris")
        assert project.manifest_is_current(state) and manifest.stat().st_mtime_ns > parsed_at
    finally:
        os.utime(edited, ns=(saved.st_atime_ns, saved.st_mtime_ns))
