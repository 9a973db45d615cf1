"""Validate one xAPI statement and explain what is wrong as "<json-path>: <reason>" lines.

The models live in `schemas.xapi`; this module picks the version rules, runs them, and turns pydantic
errors into messages that name the JSON path and never repeat personal data (agent names, mbox,
account names, openid): they say what is wrong, not the value.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from schemas.fastpath import clean_read, clean_statement, decode_json, fast_verdict
from schemas.tolerance import tolerate
from schemas.xapi import (
    FORMAT_BY_PATTERN,
    FORMATS,
    PERSONAL_PROPERTIES,
    TAG_PREFIX,
    VERSION_PATTERN,
    Statement,
    rules_for,
)

# The versions `--xapi-version` offers; any 1.0.x / 2.0.x is accepted and maps to one of them.
XAPI_VERSIONS: tuple[str, ...] = ("1.0.3", "2.0.0")
DEFAULT_VERSION = "1.0.3"
MAX_QUOTE = 80


@dataclass(frozen=True)
class StatementCheck:
    version: str  # the version whose rules were applied
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # harmless bends accepted (schemas.tolerance)
    statement: object = None  # the statement as read (bends normalized), when it is a JSON object

    @property
    def valid(self) -> bool:
        return not self.errors


def validate_statement(statement: object, xapi_version: str | None = None) -> StatementCheck:
    """Check one parsed JSON value as an xAPI statement; bad input gives errors, never an exception.

    `xapi_version` forces the rules ("1.0.3", "2.0.0", any 1.0.x/2.0.x; ValueError otherwise);
    by default the statement's own 1.0.x/2.0.x `version` chooses, else 1.0.3. The input is never modified.
    """
    return _validate(statement, xapi_version, owned=False)


def _validate(statement: object, xapi_version: str | None, owned: bool) -> StatementCheck:
    """owned: the statement is a fresh parse that nobody else holds, so harmless bends are normalized in place."""
    version = xapi_version if xapi_version is not None else _declared_version(statement)
    rules = rules_for(version)
    if not isinstance(statement, dict):
        return StatementCheck(version, [f"$: a statement must be a JSON object; got {_kind(statement)}"])
    read, warnings = tolerate(statement, rules.time_zone_required, in_place=owned)
    if warnings and clean_read(read, xapi_version):  # the fast path vouches for the statement as read
        return StatementCheck(version, warnings=warnings, statement=read)
    try:
        Statement.model_validate(read, context={"rules": rules})
    except ValidationError as exc:
        errors = [_describe(error) for error in exc.errors(include_url=False)]
        return StatementCheck(version, errors, warnings, statement=read)
    return StatementCheck(version, warnings=warnings, statement=read)


@dataclass(frozen=True)
class ParsedCheck:
    """A statement's bytes, checked: its parsed value (None when it is not JSON) and the verdict."""

    value: object
    check: StatementCheck


def check_json(data: bytes, xapi_version: str | None = None) -> ParsedCheck:
    """Parse and validate one statement's bytes (a line of NDJSON); never raises for bad input.

    The common shape takes the fast path (schemas.fastpath, proven never to accept what the full model rejects);
    anything else, and every invalid statement, goes through the full model for its explained errors.
    The parsed value is the statement as read (harmless bends normalized)."""
    clean = clean_statement(data, xapi_version)
    if clean is not None:
        version = xapi_version if xapi_version is not None else _declared_version(clean)
        return ParsedCheck(clean, StatementCheck(version, statement=clean))
    return _parse_and_validate(data, xapi_version)


def _parse_and_validate(data: bytes, xapi_version: str | None) -> ParsedCheck:
    try:
        value = decode_json(data)
    except ValueError as exc:
        version = xapi_version if xapi_version is not None else DEFAULT_VERSION
        return ParsedCheck(None, StatementCheck(version, [f"$: not valid JSON ({exc})"]))
    return ParsedCheck(value, _validate(value, xapi_version, owned=True))


def verdict_json(data: bytes, xapi_version: str | None = None) -> tuple[list[str], list[str]]:
    """(errors, warnings) of one statement's bytes, without keeping the statement: what `lola validate` reports."""
    warnings = fast_verdict(data, xapi_version)
    if warnings is not None:
        return [], list(warnings)
    check = _parse_and_validate(data, xapi_version).check
    return check.errors, check.warnings


def _declared_version(statement: object) -> str:
    declared = statement.get("version") if isinstance(statement, dict) else None
    if isinstance(declared, str) and VERSION_PATTERN.fullmatch(declared):
        return declared
    return DEFAULT_VERSION


# --- error translation -------------------------------------------------------------------------

_SIMPLE_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _describe(error: ErrorDetails) -> str:
    ctx = error.get("ctx") or {}
    loc = [part for part in error["loc"] if not (isinstance(part, str) and part.startswith(TAG_PREFIX))]
    loc += ctx.get("at", ())
    is_key = bool(loc) and loc[-1] == "[key]"  # pydantic marks a bad dict key this way
    if is_key:
        loc.pop()
    if error["type"] == "object_type":  # no model matches the objectType: report it on that property
        loc.append("objectType")
    reason = _reason(error, loc)
    return f"{_path(loc)}: {'key ' if is_key else ''}{reason}"


def _reason(error: ErrorDetails, loc: list[str | int]) -> str:
    kind, value, ctx = error["type"], error["input"], error.get("ctx") or {}
    quotable = not any(part in PERSONAL_PROPERTIES for part in loc)
    match kind:
        case "missing":
            return "required property is missing"
        case "extra_forbidden":
            return "property not allowed here"
        case "model_type" | "model_attributes_type" | "dict_type":
            return f"must be a JSON object; got {_kind(value)}"
        case "list_type":
            return f"must be an array; got {_kind(value)}"
        case "string_type":
            return f"must be a string; got {_kind(value)}"
        case "bool_type":
            return f"must be true or false; got {_kind(value)}"
        case "float_type":
            return f"must be a number; got {_kind(value)}"
        case "int_type" | "int_from_float":
            return f"must be an integer; got {_kind(value)}"
        case "too_short":
            return f"must have at least {ctx.get('min_length')} item(s)"
        case "literal_error":
            return f"must be {ctx.get('expected')}; got {_shown(value, quotable)}"
        case "object_type":
            return f"{error['msg']}; got {_shown(value.get('objectType'), quotable)}"
        case "string_pattern_mismatch" | "format":
            fmt = FORMATS[ctx["format"]] if kind == "format" else FORMAT_BY_PATTERN.get(ctx.get("pattern", ""))
            if fmt is None:
                return error["msg"]
            return f"{fmt.reason}; got {_shown(value, quotable)}" if fmt.quotable else fmt.reason
        case _:  # our own PydanticCustomError reasons are already readable and free of personal data
            return error["msg"]


def _path(loc: list[str | int]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif _SIMPLE_KEY.fullmatch(part):
            path += f".{part}" if path else part
        else:  # IRI keys of extensions, language tags
            path += f"[{json.dumps(part, ensure_ascii=False)}]"
    return path or "$"


_ARRAY_POSITION = re.compile(r"\[\d+\]")
_VALUE_OR_DETAIL = re.compile(r"(;| \().*")  # "; got <the value>", "(<a parse position, a limit>)"
_QUANTITY = re.compile(r"\d{1,3}(?:,\d{3})+")  # a size measured on the statement, as {size:,} writes it


def error_kind(error: str) -> str:
    """An error without what varies from one statement to the next (array positions, the value it quotes, details,
    sizes): counted by kind (`lola validate --totals`), errors make a table as small as the schema, however many
    statements are read."""
    path, _, reason = error.partition(": ")
    return f"{_ARRAY_POSITION.sub('[]', path)}: {_QUANTITY.sub('N', _VALUE_OR_DETAIL.sub('', reason))}"


def _kind(value: Any) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "an array"
        case dict():
            return "an object"
    return type(value).__name__


def _shown(value: Any, quotable: bool) -> str:
    """The value in quotes when it is a safe string, else only its JSON kind."""
    if not quotable or not isinstance(value, str):
        return _kind(value)
    return f"'{value[:MAX_QUOTE]}…'" if len(value) > MAX_QUOTE else f"'{value}'"
