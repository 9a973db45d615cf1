"""Sensors: a file-drop source's folder is watched, and new or changed files start a refresh of that source.

The cursor is a fingerprint of the folder's listing (paths, sizes, modification times), so a quiet folder costs a
directory walk and no run. Which files are new is then decided by content hash in the landing step itself.
"""

import hashlib
from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from assets.files import statement_files


def listing_fingerprint(root: Path) -> str | None:
    """A hash of the statement files' paths, sizes and modification times; None when there is none."""
    files = statement_files(root) if root.exists() else []
    if not files:
        return None
    digest = hashlib.sha256()
    for path in files:
        status = path.stat()
        digest.update(f"{path.relative_to(root) if root.is_dir() else path.name}\0{status.st_size}\0"
                      f"{status.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def build_file_drop_sensor(source: str, root: Path, job_name: str,
                           asset_keys: Sequence[dg.AssetKey]) -> dg.SensorDefinition:
    @dg.sensor(name=f"{source}_file_drop", job_name=job_name, minimum_interval_seconds=60,
               default_status=dg.DefaultSensorStatus.STOPPED,
               description=f"Refreshes `{source}` when files appear or change in {root}.")
    def file_drop(context: dg.SensorEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        fingerprint = listing_fingerprint(root)
        if fingerprint is None:
            return dg.SkipReason(f"no statement file in {root}")
        if fingerprint == context.cursor:
            return dg.SkipReason(f"no new or changed file in {root}")
        context.update_cursor(fingerprint)
        return dg.RunRequest(run_key=f"{source}:{fingerprint}", asset_selection=list(asset_keys))

    return file_drop
