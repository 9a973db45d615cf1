"""Resources: one per outside system the assets touch (the warehouse file, its analysts' copy, the pseudonymization
key, each LRS)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

import dagster as dg
import duckdb

from pipelines.config import DEFAULT_LOCK_WAIT_SECONDS, Source
from pipelines.lrs import LrsClient, LrsError
from pipelines.run_hygiene import PROCESS_TAG, process_identity
from schemas.pseudonyms import KEY_ENV_VAR, Pseudonymizer, parse_master_key
from warehouse import db
from warehouse.key_check import verify_key
from warehouse.lock import writer_lock


class WarehouseResource(dg.ConfigurableResource):
    """The single-writer DuckDB file, the zone of its calendar metrics, and where its analysts' copy goes.

    A run holds the warehouse's writer lock from its start to its end (the job runs in one process), and names its
    process on the run, so that a run killed midway is recognized (pipelines.run_hygiene)."""

    path: str
    timezone: str
    published_dir: str
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["WarehouseResource"]:
        if context.instance is not None and context.run_id is not None:
            context.instance.add_run_tags(context.run_id, {PROCESS_TAG: process_identity()})
        with writer_lock(Path(self.path), self.lock_wait_seconds, purpose=f"Dagster run {context.run_id}"):
            yield self

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with db.writer(Path(self.path), self.timezone) as con:
            yield con

    def publish(self, tables: list[str]) -> Path:
        return db.publish(Path(self.path), Path(self.published_dir), tables)


class PublishedCopyResource(dg.ConfigurableResource):
    """The analysts' read-only copy of the warehouse, which the open-data release is made from. Reading it takes no
    writer lock: a release can run while a refresh writes."""

    published_dir: str
    timezone: str


class PseudonymKeyResource(dg.ConfigurableResource):
    """The master key, read from the environment when used: never part of run config or run records."""

    env_var: str = KEY_ENV_VAR

    def pseudonymizer(self, anonymous_home_pages: tuple[str, ...] = ()) -> Pseudonymizer:
        return Pseudonymizer(parse_master_key(os.environ.get(self.env_var), self.env_var), anonymous_home_pages)

    def pseudonymizer_for(self, con: duckdb.DuckDBPyConnection,
                          anonymous_home_pages: tuple[str, ...] = ()) -> Pseudonymizer:
        """The pseudonymizer, once the warehouse on `con` has accepted its key (warehouse.key_check)."""
        pseudonymizer = self.pseudonymizer(anonymous_home_pages)
        verify_key(con, pseudonymizer.key_check, self.env_var)
        return pseudonymizer


class LrsResource(dg.ConfigurableResource):
    """One LRS source: its xAPI base URL and the names of the environment variables holding its credentials.
    The credentials are read when a client is made: never part of run config or run records."""

    source: str
    url: str
    username_env: str | None = None
    password_env: str | None = None
    timeout_s: float = 30.0

    @classmethod
    def of(cls, source: Source) -> "LrsResource":
        return cls(source=source.name, url=source.url, username_env=source.username_env,
                   password_env=source.password_env)

    def client(self) -> LrsClient:
        username, password = self._env(self.username_env), self._env(self.password_env)
        if (username is None) != (password is None):
            raise LrsError(f"{self.source}: set both the LRS username and password variables, or neither")
        return LrsClient(self.url, username, password, name=self.source, timeout_s=self.timeout_s)

    def _env(self, name: str | None) -> str | None:
        if name is None:
            return None
        value = os.environ.get(name)
        if not value:
            raise LrsError(f"{self.source}: the environment variable {name} is not set")
        return value
