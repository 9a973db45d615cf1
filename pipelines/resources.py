"""Resources: one per outside system the assets touch (the warehouse file, the pseudonymization key)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from collections.abc import Iterator

import dagster as dg
import duckdb

from schemas.pseudonyms import KEY_ENV_VAR, Pseudonymizer, parse_master_key
from warehouse import db


class WarehouseResource(dg.ConfigurableResource):
    """The single-writer DuckDB file, the zone of its calendar metrics, and where its analysts' copy goes."""

    path: str
    timezone: str
    published_dir: str

    @contextmanager
    def writer(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with db.writer(Path(self.path), self.timezone) as con:
            yield con

    def publish(self, tables: list[str]) -> Path:
        return db.publish(Path(self.path), Path(self.published_dir), tables)


class PseudonymKeyResource(dg.ConfigurableResource):
    """The master key, read from the environment when used: never part of run config or run records."""

    env_var: str = KEY_ENV_VAR

    def pseudonymizer(self, anonymous_home_pages: tuple[str, ...] = ()) -> Pseudonymizer:
        return Pseudonymizer(parse_master_key(os.environ.get(self.env_var)), anonymous_home_pages)
