"""`lola.toml` (contract §2). Relative paths are relative to the file's own folder, so a copy of the file used with
--config puts every output beside it. A missing default file means the demo's defaults.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from schemas.rct_assignment import RctAssignment

DEFAULT_CONFIG = "lola.toml"
SOURCE_KINDS = ("lrs", "files")
SOURCE_NAME = re.compile(r"[a-z][a-z0-9_]*")  # it names an asset, a resource and a value of `statements.source`
DEFAULT_OVERLAP_SECONDS = 900
# assets.files.MAX_STATEMENT_BYTES, written out: importing that module would load the validator at every start-up.
DEFAULT_MAX_STATEMENT_BYTES = 1_048_576


class ConfigError(ValueError):
    """A configuration problem, reported to the user as one line (exit code 2)."""


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


@dataclass(frozen=True)
class Config:
    root: Path
    warehouse_path: Path
    timezone: str
    course_structure: Path | None
    sources: tuple[Source, ...]
    retention_days: int | None = None
    rct: RctAssignment | None = None
    max_statement_bytes: int = DEFAULT_MAX_STATEMENT_BYTES  # a statement over this is quarantined without being decoded
    dagster_home: Path = field(default=Path(".dagster"))

    @property
    def anonymous_homepages(self) -> tuple[str, ...]:
        """Every source's: accounts there are anonymous visitors, without pseudonym (contract §3)."""
        return tuple(h for s in self.sources for h in s.anonymous_homepages)

    @property
    def published_dir(self) -> Path:
        return self.warehouse_path.parent / "published"

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        raise ConfigError(f"no source named {name!r} in the configuration (have: {', '.join(s.name for s in self.sources)})")


DEFAULTS = {
    "warehouse": {"path": "warehouse/lola.duckdb", "timezone": "Europe/Paris"},
    "course": {"structure": "data/course_structure.json"},
    # FUN MOOC's Open edX names accounts under its LMS root (the generator's statements do the same).
    "rct": {"assignment": "data/rct_assignment.csv", "account_homepage": "https://lms.fun-mooc.fr"},
    "source": [
        {"name": "mooc", "kind": "files", "path": "data/mooc"},
        {"name": "handbook", "kind": "files", "path": "data/handbook",
         "anonymous_homepages": ["https://handbook.example.org/anonymous"]},
    ],
}


def _source(raw: dict, root: Path, index: int) -> Source:
    where = f"[[source]] #{index + 1}"
    name, kind = raw.get("name"), raw.get("kind")
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{where}: `name` is required")
    if not SOURCE_NAME.fullmatch(name):
        raise ConfigError(f"source {name!r}: a name is lower-case letters, digits and _, starting with a letter")
    if kind not in SOURCE_KINDS:
        raise ConfigError(f"source {name!r}: `kind` must be one of {', '.join(SOURCE_KINDS)}; got {kind!r}")
    homepages = raw.get("anonymous_homepages", [])
    if not isinstance(homepages, list) or not all(isinstance(h, str) for h in homepages):
        raise ConfigError(f"source {name!r}: `anonymous_homepages` must be a list of strings")
    common = {"anonymous_homepages": tuple(homepages), "handbook": raw.get("handbook", name == "handbook")}
    if kind == "files":
        if not isinstance(raw.get("path"), str):
            raise ConfigError(f"source {name!r}: a files source needs `path`")
        return Source(name, kind, path=root / raw["path"], **common)
    if not isinstance(raw.get("url"), str) or not raw["url"].startswith(("http://", "https://")):
        raise ConfigError(f"source {name!r}: an lrs source needs `url`, the LRS's xAPI base (http:// or https://)")
    for key in ("username_env", "password_env"):
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ConfigError(f"source {name!r}: `{key}` is the name of an environment variable")
    overlap = raw.get("overlap_seconds", DEFAULT_OVERLAP_SECONDS)
    if not isinstance(overlap, int) or isinstance(overlap, bool) or overlap < 0:
        raise ConfigError(f"source {name!r}: `overlap_seconds` must be a whole number of seconds, 0 or more")
    return Source(name, kind, url=raw["url"], username_env=raw.get("username_env"),
                  password_env=raw.get("password_env"), overlap_seconds=overlap, **common)


def _rct(raw: dict, root: Path) -> RctAssignment | None:
    assignment, home_page = raw.get("assignment"), raw.get("account_homepage")
    if not isinstance(assignment, str):
        raise ConfigError("[rct] assignment: the path of the RCT assignment CSV (or \"\" for none)")
    if not isinstance(home_page, str) or not home_page.startswith(("http://", "https://")):
        raise ConfigError("[rct] account_homepage: the homePage (http:// or https://) of the MOOC accounts that "
                          "fun_username names")
    return RctAssignment(root / assignment, home_page) if assignment else None


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
    root = config_path.parent
    warehouse = {**DEFAULTS["warehouse"], **raw.get("warehouse", {})}
    course = {**DEFAULTS["course"], **raw.get("course", {})}
    try:
        ZoneInfo(warehouse["timezone"])
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ConfigError(f"[warehouse] timezone: unknown time zone {warehouse['timezone']!r}") from None
    retention = warehouse.get("retention_days")
    if retention is not None and (not isinstance(retention, int) or retention <= 0):
        raise ConfigError("[warehouse] retention_days must be a positive whole number of days")
    max_statement_bytes = warehouse.get("max_statement_bytes", DEFAULT_MAX_STATEMENT_BYTES)
    if not isinstance(max_statement_bytes, int) or isinstance(max_statement_bytes, bool) or max_statement_bytes <= 0:
        raise ConfigError("[warehouse] max_statement_bytes must be a positive whole number of bytes")
    rct = _rct({**DEFAULTS["rct"], **raw.get("rct", {})}, root)
    sources = tuple(_source(s, root, i) for i, s in enumerate(raw.get("source", DEFAULTS["source"])))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError("source names must be unique")
    dagster_home = Path(os.environ["DAGSTER_HOME"]) if os.environ.get("DAGSTER_HOME") else root / ".dagster"
    return Config(
        root=root,
        warehouse_path=root / warehouse["path"],
        timezone=warehouse["timezone"],
        course_structure=root / course["structure"] if course.get("structure") else None,
        sources=sources,
        retention_days=retention,
        rct=rct,
        max_statement_bytes=max_statement_bytes,
        dagster_home=dagster_home,
    )
