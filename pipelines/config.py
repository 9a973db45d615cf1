"""`lola.toml` (contract §2), read by pydantic models: a key or section LOLA does not know, or a value of the wrong
kind, is one error line naming the file, the key and what was expected, never a silently ignored line. Relative paths
are relative to the file's own folder, so a copy of the file used with --config puts every output beside it. A missing
default file means the demo's defaults.
"""

from __future__ import annotations

import os
import reprlib
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic.fields import FieldInfo

from schemas.rct_assignment import RctAssignment

DEFAULT_CONFIG = "lola.toml"
DEFAULT_OVERLAP_SECONDS = 900
# assets.files.MAX_STATEMENT_BYTES, written out: importing that module would load the validator at every start-up.
DEFAULT_MAX_STATEMENT_BYTES = 1_048_576
DEFAULT_LOCK_WAIT_SECONDS = 300.0  # how long a command waits for another writer of the warehouse before exit 3
HTTP_URL = r"^https?://"


class ConfigError(ValueError):
    """A configuration problem, reported to the user as one line (exit code 2)."""


class _Table(BaseModel):
    """A table of lola.toml. Unknown keys are mistakes (a misspelt key would otherwise be a default silently kept);
    values are taken as written: "30" is not 30, true is not 1."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class WarehouseTable(_Table):
    path: str = Field("warehouse/lola.duckdb", min_length=1, description="the DuckDB file's path")
    timezone: str = Field("Europe/Paris", description="an IANA time zone such as Europe/Paris")
    retention_days: int | None = Field(None, gt=0, description="a whole number of days, more than 0")
    max_statement_bytes: int = Field(DEFAULT_MAX_STATEMENT_BYTES, gt=0,
                                     description="a whole number of bytes, more than 0")
    lock_wait_seconds: float = Field(DEFAULT_LOCK_WAIT_SECONDS, ge=0, description="a number of seconds, 0 or more")

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, timezone: str) -> str:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise ValueError(f"unknown time zone {timezone!r} (expected an IANA name such as Europe/Paris)") from None
        return timezone


class CourseTable(_Table):
    structure: str = Field("data/course_structure.json",
                           description='the course structure JSON file\'s path, or "" for none')


class RctTable(_Table):
    assignment: str = Field("data/rct_assignment.csv", description='the RCT assignment CSV\'s path, or "" for none')
    account_homepage: str = Field("https://lms.fun-mooc.fr", pattern=HTTP_URL,
                                  description="the homePage (http:// or https://) of the MOOC accounts that "
                                              "fun_username names")


class _SourceTable(_Table):
    # It names an asset, a resource and a value of `statements.source`.
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$",
                      description="lower-case letters, digits and _, starting with a letter")
    anonymous_homepages: list[str] = Field([], description="a list of homePages (strings)")
    handbook: bool | None = Field(None, description='true or false (default: true for the source named "handbook")')
    max_silence_hours: float | None = Field(None, gt=0, description="a number of hours, more than 0")


class FilesSourceTable(_SourceTable):
    kind: Literal["files"]
    path: str = Field(min_length=1, description="the folder of statement files")


class LrsSourceTable(_SourceTable):
    kind: Literal["lrs"]
    url: str = Field(pattern=HTTP_URL, description="the LRS's xAPI base (http:// or https://)")
    username_env: str | None = Field(None, description="the name of an environment variable")
    password_env: str | None = Field(None, description="the name of an environment variable")
    overlap_seconds: int = Field(DEFAULT_OVERLAP_SECONDS, ge=0, description="a whole number of seconds, 0 or more")


SOURCE_TABLES = {"files": FilesSourceTable, "lrs": LrsSourceTable}
DEMO_SOURCES = (
    FilesSourceTable(name="mooc", kind="files", path="data/mooc", max_silence_hours=36.0),
    FilesSourceTable(name="handbook", kind="files", path="data/handbook", max_silence_hours=192.0,
                     anonymous_homepages=["https://handbook.example.org/anonymous"]),
)


class LolaToml(_Table):
    """The whole file; without a file, these defaults serve the demo (`lola generate --out data`)."""

    warehouse: WarehouseTable = Field(WarehouseTable(), description="a table")
    course: CourseTable = Field(CourseTable(), description="a table")
    # FUN MOOC's Open edX names accounts under its LMS root (the generator's statements do the same).
    rct: RctTable = Field(RctTable(), description="a table")
    source: list[Annotated[FilesSourceTable | LrsSourceTable, Field(discriminator="kind")]] = Field(
        list(DEMO_SOURCES), description="one [[source]] table per source")

    @field_validator("source")
    @classmethod
    def _unique_names(cls, sources: list[_SourceTable]) -> list[_SourceTable]:
        names = [s.name for s in sources]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"source names must be unique; {', '.join(map(repr, twice))} more than once")
        return sources


@dataclass(frozen=True)
class Source:
    name: str
    kind: str
    path: Path | None = None
    url: str | None = None
    username_env: str | None = None
    password_env: str | None = None
    anonymous_homepages: tuple[str, ...] = ()
    # Handbook sources feed handbook_pages_viewed; by default the source named "handbook" is one.
    handbook: bool = False
    # LRS: how far before the LRS's clock at the last pull the next pull starts again, for statements written late.
    overlap_seconds: int = DEFAULT_OVERLAP_SECONDS
    # The longest the source may send nothing new before its freshness check fails; None: no check.
    max_silence_hours: float | None = None


@dataclass(frozen=True)
class Config:
    root: Path
    warehouse_path: Path
    timezone: str
    course_structure: Path | None
    sources: tuple[Source, ...]
    retention_days: int | None = None
    rct: RctAssignment | None = None
    dagster_home: Path = field(default=Path(".dagster"))
    max_statement_bytes: int = DEFAULT_MAX_STATEMENT_BYTES  # a larger statement is quarantined, not parsed
    lock_wait_seconds: float = DEFAULT_LOCK_WAIT_SECONDS    # how long a command waits for another writer
    file: Path | None = None                                # None: no lola.toml, the demo's defaults

    @property
    def anonymous_homepages(self) -> tuple[str, ...]:
        """Every source's: accounts there are anonymous visitors, without pseudonym (contract §3)."""
        return tuple(h for s in self.sources for h in s.anonymous_homepages)

    @property
    def published_dir(self) -> Path:
        return self.warehouse_path.parent / "published"

    @property
    def report_dir(self) -> Path:
        """Where each refresh leaves the HTML report: beside the analysts' copy (its own folder, not a version)."""
        return self.published_dir / "report"

    @property
    def dbt_state_dir(self) -> Path:
        """dbt's target/ (manifest, run artifacts) and logs/: beside the configuration, never in the dbt project."""
        return self.root / ".lola" / "dbt"

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"no source named {name!r} in the configuration (have: {', '.join(s.name for s in self.sources)})")

    def check_inputs(self, source_names: Iterable[str]) -> None:
        """Every file and folder a refresh of these sources reads exists: a missing one is a mistake in lola.toml (or
        a demo not generated yet), not an empty input to load quietly. Only the commands that read them check, so
        that `lola summary` or `lola validate` work without the data."""
        for name in source_names:
            source = self.source(name)
            if source.kind == "files" and not source.path.exists():
                number = self.sources.index(source) + 1
                raise self._missing(f"source {name!r}: folder", source.path, f"[[source]] #{number} ({name}) path")
        if self.course_structure and not self.course_structure.exists():
            raise self._missing("course structure", self.course_structure, '[course] structure; "" for none')
        if self.rct and not self.rct.path.exists():
            raise self._missing("rct assignment", self.rct.path, '[rct] assignment; "" for no trial')

    def _missing(self, what: str, path: Path, key: str) -> ConfigError:
        origin = f"{key} in {self.file}" if self.file else "the demo's defaults: `lola generate --out data` writes it"
        return ConfigError(f"{what} {path} does not exist ({origin})")


def _table_at(loc: tuple) -> type[BaseModel] | None:
    """The table (model) whose keys a location's last part names."""
    table = LolaToml
    for part in loc:
        if isinstance(part, int):
            continue
        if table is None:  # in the list of sources, the location names the kind's table
            table = SOURCE_TABLES.get(part)
            continue
        info = table.model_fields.get(part)
        if info is None:
            return None
        nested = info.annotation
        table = nested if isinstance(nested, type) and issubclass(nested, BaseModel) else None
    return table


def _field(loc: tuple) -> FieldInfo | None:
    """The field an error location points at, for its description: what the key expects."""
    while loc and isinstance(loc[-1], int):  # an item of a list: what the list expects
        loc = loc[:-1]
    table = _table_at(loc[:-1]) if loc else None
    return table.model_fields.get(loc[-1]) if table else None


def _where(loc: tuple, raw: dict) -> str:
    """`[warehouse] retention_days`, `[[source]] #2 (handbook) path`: how the user finds the line in the file."""
    section, *keys = loc
    if section != "source":
        where = f"[{section}]"
    else:
        where = "[[source]]"
        if keys and isinstance(keys[0], int):
            index, keys = keys[0], keys[1:]
            name = raw["source"][index].get("name") if isinstance(raw["source"][index], dict) else None
            where += f" #{index + 1}" + (f" ({name})" if isinstance(name, str) and name else "")
            keys = keys[1:] if keys and keys[0] in SOURCE_TABLES else keys
    path = "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in keys).lstrip(".")
    return f"{where} {path}" if path else where


def _problem(error: dict, raw: dict) -> str:
    """One pydantic error as the user reads it: where, what is wrong, what was expected."""
    loc, kind, ctx = error["loc"], error["type"], error.get("ctx", {})
    if kind == "extra_forbidden" and len(loc) == 1:
        return f"unknown section [{loc[0]}]; expected " + ", ".join(
            "[[source]]" if k == "source" else f"[{k}]" for k in LolaToml.model_fields)
    if kind.startswith("union_tag"):  # the `kind` of a source: missing, or not one LOLA reads
        kinds = ", ".join(SOURCE_TABLES)
        reason = f"expected one of {kinds}, got {ctx['tag']!r}" if "tag" in ctx else f"required: one of {kinds}"
        return f"{_where((*loc, 'kind'), raw)}: {reason}"
    info = _field(loc)
    expected = info.description if info else None
    if kind == "extra_forbidden":
        known = [k for k in _table_at(loc[:-1]).model_fields if k != "kind"]
        reason = f"unknown key; expected one of {', '.join(known)}"
    elif kind == "missing":
        reason = f"required: {expected}" if expected else "required"
    elif kind == "value_error":
        reason = str(ctx["error"])  # a validator's own words
    else:
        reason = f"expected {expected or error['msg'].lower()}, got {reprlib.repr(error['input'])}"
    return f"{_where(loc, raw)}: {reason}"


def _parse(raw: dict, config_path: Path) -> LolaToml:
    try:
        return LolaToml.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        more = f" (and {len(errors) - 1} other problem(s))" if len(errors) > 1 else ""
        raise ConfigError(f"{config_path}: {_problem(errors[0], raw)}{more}") from None


def _source(table: FilesSourceTable | LrsSourceTable, root: Path) -> Source:
    common = {"name": table.name, "kind": table.kind, "anonymous_homepages": tuple(table.anonymous_homepages),
              "handbook": table.name == "handbook" if table.handbook is None else table.handbook,
              "max_silence_hours": table.max_silence_hours}
    if isinstance(table, FilesSourceTable):
        return Source(**common, path=root / table.path)
    return Source(**common, url=table.url, username_env=table.username_env, password_env=table.password_env,
                  overlap_seconds=table.overlap_seconds)


def load_config(path: str | os.PathLike | None = None) -> Config:
    """Read the configuration; without an explicit path, a missing lola.toml in the working folder means defaults."""
    explicit = path is not None
    config_path = Path(path if explicit else DEFAULT_CONFIG).resolve()
    if config_path.is_file():
        try:
            raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{config_path}: not valid TOML ({exc})") from None
    elif explicit:
        raise ConfigError(f"configuration file not found: {config_path}")
    else:
        raw = {}
    toml, root = _parse(raw, config_path), config_path.parent
    warehouse, rct = toml.warehouse, toml.rct
    return Config(
        root=root,
        warehouse_path=root / warehouse.path,
        timezone=warehouse.timezone,
        course_structure=root / toml.course.structure if toml.course.structure else None,
        sources=tuple(_source(s, root) for s in toml.source),
        retention_days=warehouse.retention_days,
        rct=RctAssignment(root / rct.assignment, rct.account_homepage) if rct.assignment else None,
        dagster_home=Path(os.environ["DAGSTER_HOME"]) if os.environ.get("DAGSTER_HOME") else root / ".dagster",
        max_statement_bytes=warehouse.max_statement_bytes,
        lock_wait_seconds=warehouse.lock_wait_seconds,
        file=config_path if config_path.is_file() else None,
    )
