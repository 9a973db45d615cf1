"""`lola rotate-key`: move the lab to a new pseudonymization key.

The warehouse is rebuilt from the sources (read, never changed) with the new key in a staging folder beside it, then
swapped in, analysts' copy included. Erasures are carried over: while the sources are read, each actor is checked
against the tombstones with the old key, and the tombstones of those found are written with the new key. Afterwards
the old key is not needed any more.
"""

import os
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace
from pathlib import Path

import duckdb

from assets.files import RawStatement, UnreadableInput, read_file, statement_files
from pipelines.config import Config, Source
from pipelines.exit_codes import EXIT_OK
from pipelines.refresh import RefreshRequest, run_refresh
from pipelines.resources import LrsResource, PseudonymKeyResource
from schemas.fastpath import decode_json
from schemas.pseudonyms import KEY_ENV_VAR, Pseudonymizer
from warehouse.db import adopt, remove_tree, writer
from warehouse.erasure import tombstones
from warehouse.key_check import verify_key
from warehouse.lock import writer_lock
from warehouse.report.build import build_report

NEW_KEY_ENV_VAR = "LOLA_NEW_PSEUDONYM_KEY"
STAGING = ".rotation"


class RotationError(ValueError):
    """What stops a rotation before it starts; one line for the user."""


def _statements(source: Source, max_statement_bytes: int) -> Iterator[bytes]:
    """A source's statements as the refresh reads them: from files, the oversized ones and the files that cannot be
    read are left out (the refresh quarantines them, never lands them); those read from a file before it broke stay."""
    if source.kind == "lrs":
        resource = LrsResource.of(source)
        with resource.client() as client:
            for page in client.pages():
                yield from page.statements
    else:
        for path in statement_files(source.path):
            with suppress(UnreadableInput):
                for raw in read_file(path, path.name, max_statement_bytes):
                    if isinstance(raw, RawStatement):
                        yield raw.data


def carried_tombstones(config: Config, old: Pseudonymizer, new: Pseudonymizer) -> set[str]:
    """The new-key tombstones of the erased people (those `old` leaves out) whose statements the sources still
    hold."""
    carried: set[str] = set()
    for source in config.sources:
        for data in _statements(source, config.max_statement_bytes):
            try:
                statement = decode_json(data)
            except ValueError:
                continue
            if isinstance(statement, dict) and old.is_erased(statement.get("actor")):
                carried.add(new.tombstone(new.agent_pid(statement["actor"])))
    return carried


def rotate_key(config: Config, dagster_home: Path) -> tuple[int, str]:
    """(exit code, report), holding the warehouse's writer lock throughout; the staging folder never outlives it."""
    old = PseudonymKeyResource().pseudonymizer()
    new = PseudonymKeyResource(env_var=NEW_KEY_ENV_VAR).pseudonymizer()
    if old.key_check == new.key_check:
        raise RotationError(f"{NEW_KEY_ENV_VAR} holds the same key as {KEY_ENV_VAR}")
    if not config.warehouse_path.exists():
        raise RotationError(f"no warehouse at {config.warehouse_path}: nothing to rotate (run `lola refresh`)")
    config.check_inputs(s.name for s in config.sources)  # before reading every source, not after
    staging = config.warehouse_path.parent / STAGING
    with writer_lock(config.warehouse_path, config.lock_wait_seconds, purpose="lola rotate-key"):
        try:
            return _rotate(config, dagster_home, old, new, staging)
        finally:
            remove_tree(staging)


def _rotate(config: Config, dagster_home: Path, old: Pseudonymizer, new: Pseudonymizer,
            staging: Path) -> tuple[int, str]:
    con = duckdb.connect(str(config.warehouse_path), read_only=True)
    try:
        verify_key(con, old.key_check, KEY_ENV_VAR, record=False)
        erased = tombstones(con)
    finally:
        con.close()
    old.leave_out(erased)

    remove_tree(staging)
    staged = replace(config, warehouse_path=staging / config.warehouse_path.name)
    carried = carried_tombstones(config, old, new)
    with writer(staged.warehouse_path, config.timezone) as con:
        for tombstone in sorted(carried):
            con.execute("INSERT INTO erasure_tombstones VALUES (?, now())", [tombstone])
    rebuilt = run_refresh(staged, dagster_home, RefreshRequest([s.name for s in config.sources], "all"),
                          key_env_var=NEW_KEY_ENV_VAR)
    if not rebuilt.ok:
        return rebuilt.exit_code, (rebuilt.report + "\nthe key was not rotated: the warehouse and its analysts' "
                                   "copy are unchanged")

    os.replace(staged.warehouse_path, config.warehouse_path)
    adopt(staged.published_dir, config.published_dir)
    # the staged refresh wrote its report beside the staged copy, gone with it: remade beside the adopted one
    page = build_report(config.published_dir, config.report_dir, config.timezone)
    lines = [
        rebuilt.report_without_locations,
        f"erasures carried over: {len(carried)} of {len(erased)}"
        + (f" ({len(erased) - len(carried)} erased people have no statement left in the sources)"
           if len(carried) < len(erased) else ""),
        f"the warehouse and the analysts' copy now use the new key: set {KEY_ENV_VAR} to it; the old key is no "
        "longer needed and can be destroyed",
        f"warehouse: {config.warehouse_path}; analysts' copy: {config.published_dir}; report: {page}",
    ]
    return EXIT_OK, "\n".join(lines)
