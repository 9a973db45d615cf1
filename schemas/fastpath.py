"""Fast path of the xAPI validator: the common statement shape, checked by msgspec straight from the line's bytes.

The common shape is what Open edX and the handbook send: an Agent did something to an Activity, with an optional
result and context. `clean_statement` answers only when it is sure: a statement it returns is one that
`schemas.validation.validate_statement` accepts with no error and no warning. Any other shape, any doubt, gives
None, and the caller runs the full model. Soundness comes before coverage, so every rule here is the full model's
own (the same patterns, checks and constants from `schemas.xapi`), or stricter.

A statement is read as its own scalar properties plus six parts (actor, verb, object, result, context, authority)
kept as raw bytes. Feeds repeat those parts from line to line (one course's context, one verb, one learner), so each part's
verdict is remembered by its bytes: a part seen before costs a dictionary lookup instead of a decode. A part that
bends a rule harmlessly (schemas.tolerance) is remembered with its warnings, so Open edX's usual bends are fast too.
"""

import math
import re
from functools import lru_cache
from typing import Annotated, Any, Literal

import msgspec
from msgspec import UNSET, Meta, Raw, Struct, UnsetType

from schemas.tolerance import tolerate
from schemas.xapi import FORMATS, RULES, VERSION_PATTERN, VOIDED, InteractionType, rules_for


def _formatted(name: str) -> Any:
    # msgspec runs Python's re.search. Python's `$` also matches before a final "\n", but the Rust `$` that
    # pydantic-core uses does not, so the fast path anchors with \Z.
    pattern = FORMATS[name].pattern
    if not pattern.endswith("$"):
        raise ValueError(f"format {name!r}: expected a pattern anchored with $")
    return Annotated[str, Meta(pattern=pattern.removesuffix("$") + r"\Z")]


# IRIs are the most frequent strings of a feed (verbs, activities, extension keys) and repeat from line to line,
# so they are checked in __post_init__ against the IRIs already seen instead of by a regex on every line.
IRI = str
_IRI_PATTERN = re.compile(FORMATS["iri"].pattern.removesuffix("$") + r"\Z")
_KNOWN_IRIS_MAX = 100_000  # bounded: the IRIs come from the sender
_known_iris: set[str] = set()


def _iri(value: str) -> None:
    if value in _known_iris:
        return
    if not _IRI_PATTERN.match(value):
        raise ValueError("not an IRI")
    if len(_known_iris) < _KNOWN_IRIS_MAX:
        _known_iris.add(value)


def _extension_keys(extensions: dict | UnsetType) -> None:
    if extensions is not UNSET:
        for key in extensions:
            _iri(key)


MailtoIRI = _formatted("mailto")
SHA1 = _formatted("sha1")
UUID = _formatted("uuid")
Timestamp = _formatted("timestamp")  # plus FORMATS["timestamp"].check, in _Envelope.__post_init__
Duration = _formatted("duration")  # plus FORMATS["duration"].check, in Result.__post_init__
LanguageTag = _formatted("language")

LanguageMap = dict[LanguageTag, str]
Extensions = dict[IRI, Any]

# Days repeat from line to line, so the calendar check is cached on the date part: it looks at nothing else.
_real_day = lru_cache(maxsize=1024)(FORMATS["timestamp"].check)
_fraction_last = FORMATS["duration"].check


class _Strict(Struct, forbid_unknown_fields=True, gc=False):
    """Unknown properties are errors, as in the full model. gc=False: decoded values hold no reference cycles."""


class Account(_Strict):
    homePage: IRI
    name: str

    def __post_init__(self) -> None:
        _iri(self.homePage)


class Agent(_Strict):
    objectType: Literal["Agent"] | UnsetType = UNSET
    name: str | UnsetType = UNSET
    mbox: MailtoIRI | UnsetType = UNSET
    mbox_sha1sum: SHA1 | UnsetType = UNSET
    openid: IRI | UnsetType = UNSET
    account: Account | UnsetType = UNSET

    def __post_init__(self) -> None:
        # IFI_NAMES spelt out: this runs for every statement, and a loop over getattr costs twice as much.
        found = (self.mbox is not UNSET) + (self.mbox_sha1sum is not UNSET) + (self.openid is not UNSET)
        if found + (self.account is not UNSET) != 1:
            raise ValueError("an Agent must have exactly one identifier")
        if self.openid is not UNSET:
            _iri(self.openid)


class Verb(_Strict):
    id: IRI
    display: LanguageMap | UnsetType = UNSET

    def __post_init__(self) -> None:
        _iri(self.id)
        if self.id == VOIDED:  # a voiding statement must target a StatementRef; here the object is an Activity
            raise ValueError("voiding an Activity")


class ActivityDefinition(_Strict):
    # No correctResponsesPattern nor interaction components: their rules stay with the full model.
    name: LanguageMap | UnsetType = UNSET
    description: LanguageMap | UnsetType = UNSET
    type: IRI | UnsetType = UNSET
    moreInfo: IRI | UnsetType = UNSET
    extensions: Extensions | UnsetType = UNSET
    interactionType: InteractionType | UnsetType = UNSET

    def __post_init__(self) -> None:
        for value in (self.type, self.moreInfo):
            if value is not UNSET:
                _iri(value)
        _extension_keys(self.extensions)


class Activity(_Strict):
    id: IRI
    objectType: Literal["Activity"] | UnsetType = UNSET  # "GroupActivity" is a warning in the full model
    definition: ActivityDefinition | UnsetType = UNSET

    def __post_init__(self) -> None:
        _iri(self.id)


class StatementRef(_Strict):
    objectType: Literal["StatementRef"]
    id: UUID


class Score(_Strict):
    scaled: float | UnsetType = UNSET
    raw: float | UnsetType = UNSET
    min: float | UnsetType = UNSET
    max: float | UnsetType = UNSET

    def __post_init__(self) -> None:
        # The full model's rules, with max == min refused: the full model reads it with a warning.
        if self.scaled is not UNSET and not -1 <= self.scaled <= 1:
            raise ValueError("scaled out of [-1, 1]")
        if self.min is not UNSET and self.max is not UNSET and not self.min < self.max:
            raise ValueError("max not above min")
        if self.raw is not UNSET:
            if self.min is not UNSET and self.raw < self.min:
                raise ValueError("raw below min")
            if self.max is not UNSET and self.raw > self.max:
                raise ValueError("raw above max")


class Result(_Strict):
    score: Score | UnsetType = UNSET
    success: bool | UnsetType = UNSET
    completion: bool | UnsetType = UNSET
    response: str | UnsetType = UNSET
    duration: Duration | UnsetType = UNSET
    extensions: Extensions | UnsetType = UNSET

    def __post_init__(self) -> None:
        if self.duration is not UNSET and not _fraction_last(self.duration):
            raise ValueError("only the last component of a duration may have a fraction")
        _extension_keys(self.extensions)


ContextActivity = list[Activity] | Activity | UnsetType


class ContextActivities(_Strict):
    parent: ContextActivity = UNSET
    grouping: ContextActivity = UNSET
    category: ContextActivity = UNSET
    other: ContextActivity = UNSET


class Context(_Strict):
    # No team (a Group) nor the 2.0 contextAgents / contextGroups: the full model decides those.
    registration: UUID | UnsetType = UNSET
    instructor: Agent | UnsetType = UNSET
    contextActivities: ContextActivities | UnsetType = UNSET
    revision: str | UnsetType = UNSET  # allowed: the object is always an Activity here
    platform: str | UnsetType = UNSET
    language: LanguageTag | UnsetType = UNSET
    statement: StatementRef | UnsetType = UNSET
    extensions: Extensions | UnsetType = UNSET

    def __post_init__(self) -> None:
        _extension_keys(self.extensions)


class _Envelope(_Strict, kw_only=True):
    """A statement's own scalar properties. No attachments: the full model decides those."""

    id: UUID | UnsetType = UNSET
    timestamp: Timestamp | UnsetType = UNSET
    stored: Timestamp | UnsetType = UNSET
    version: str | UnsetType = UNSET  # checked against the rules in fast_verdict

    def __post_init__(self) -> None:
        for value in (self.timestamp, self.stored):
            if value is not UNSET and not _real_day(value.partition("T")[0]):
                raise ValueError("no such date")


# The parts of a statement: (Struct, required). The object is always an Activity here.
PARTS: dict[str, tuple[type[Struct], bool]] = {
    "actor": (Agent, True), "verb": (Verb, True), "object": (Activity, True),
    "result": (Result, False), "context": (Context, False),
    "authority": (Agent, False),  # what an LRS adds on storage; a Group authority (OAuth) is the full model's call
}
Statement = msgspec.defstruct("Statement", [(name, struct) if required else (name, struct | UnsetType, UNSET)
                                            for name, (struct, required) in PARTS.items()],
                              bases=(_Envelope,), kw_only=True, module=__name__)
_SplitStatement = msgspec.defstruct("SplitStatement", [(name, Raw) if required else (name, Raw, UNSET)
                                                       for name, (_, required) in PARTS.items()],
                                    bases=(_Envelope,), kw_only=True, module=__name__)


def _finite(text: str) -> float:
    # JSON has no infinity: a number beyond a double's range is refused, on every path of the validator alike.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("a number beyond the range of a double")
    return value


_untyped = msgspec.json.Decoder(float_hook=_finite)
_split = msgspec.json.Decoder(_SplitStatement)
_part_decoders = {name: msgspec.json.Decoder(struct, float_hook=_finite) for name, (struct, _) in PARTS.items()}


def decode_json(data: bytes) -> object:
    """The JSON value of `data`, as every path of the validator reads it; ValueError when it is not JSON."""
    try:
        return _untyped.decode(data)
    except RecursionError:
        raise ValueError("nested too deeply") from None


_checked_rules = lru_cache(maxsize=16)(rules_for)  # the caller's xapi_version, checked on every call


@lru_cache(maxsize=64)  # a feed has few versions; bounded, as the version is the sender's
def _version_allowed(version: str, xapi_version: str | None) -> bool:
    """Whether the statement's `version` is allowed under the rules validate_statement would apply."""
    if xapi_version is not None:
        rules = rules_for(xapi_version)
    elif VERSION_PATTERN.fullmatch(version):
        rules = rules_for(version)
    else:
        rules = RULES["1.0"]  # validate_statement's default, 1.0.3
    return rules.accepted_versions.fullmatch(version) is not None


# A part's verdict depends on its bytes alone: no rule of a part changes with the xAPI version (the version-bound
# rules, time zones and 2.0 properties, are outside the parts or outside the fast path).
_part_verdicts: dict[str, dict[bytes, tuple[str, ...] | None]] = {name: {} for name in PARTS}
_PART_VERDICTS_MAX_BYTES = 4 << 20  # bounded: the parts come from the sender; forgotten all at once when full
_part_verdict_bytes = 0


def _judge_part(name: str, data: bytes) -> tuple[str, ...] | None:
    """() when the part is clean; its warnings when it bends a rule harmlessly and is clean as read; None if unsure."""
    struct, _ = PARTS[name]
    try:
        _part_decoders[name].decode(data)
        return ()
    except (ValueError, RecursionError):  # msgspec.DecodeError and ValidationError, UnicodeDecodeError, deep nesting
        pass
    try:
        value = _untyped.decode(data)
    except (ValueError, RecursionError):
        return None
    # The part alone, as a statement of one property: it holds no timestamp, so the time zone rule is moot.
    read, warnings = tolerate({name: value}, strict_zone=True, in_place=True)
    if not warnings:
        return None
    try:
        msgspec.convert(read[name], struct)
    except (ValueError, TypeError, RecursionError):
        return None
    return tuple(warnings)


def _part_verdict(name: str, data: bytes) -> tuple[str, ...] | None:
    global _part_verdict_bytes
    verdicts = _part_verdicts[name]
    try:
        return verdicts[data]
    except KeyError:
        pass
    verdict = _judge_part(name, data)
    _part_verdict_bytes += len(data)
    if _part_verdict_bytes > _PART_VERDICTS_MAX_BYTES:
        for known in _part_verdicts.values():
            known.clear()
        _part_verdict_bytes = len(data)
    verdicts[data] = verdict
    return verdict


def fast_verdict(line: bytes, xapi_version: str | None = None) -> tuple[str, ...] | None:
    """The warnings of `line` (none for a clean statement) when it is certainly a valid xAPI statement under the
    rules that apply, exactly as validate_statement would list them; None when unsure — the caller then runs the
    full model. The rules are chosen as validate_statement does: `xapi_version` if given (ValueError unless 1.0.x /
    2.0.x), else the statement's own 1.0.x / 2.0.x `version`, else 1.0.3. Never raises on any `line`."""
    if xapi_version is not None:
        _checked_rules(xapi_version)  # an unsupported version is the caller's error, as in validate_statement
    try:
        statement = _split.decode(line)
    except (ValueError, RecursionError):
        return None
    if statement.version is not UNSET and not _version_allowed(statement.version, xapi_version):
        return None
    warnings: tuple[str, ...] = ()
    for name in PARTS:
        data = getattr(statement, name)
        if data is UNSET:
            continue
        found = _part_verdict(name, bytes(data))
        if found is None:
            return None
        if found:
            if warnings:  # bends in two parts: the full model puts their warnings in its own order
                return None
            warnings = found
    return warnings


def is_clean(line: bytes, xapi_version: str | None = None) -> bool:
    """Whether `line` is certainly a valid xAPI statement under the rules that apply, with no warning (the verdict
    of clean_statement without building the dict). Never raises on any `line`."""
    return fast_verdict(line, xapi_version) == ()


def clean_statement(line: bytes, xapi_version: str | None = None) -> dict | None:
    """The parsed statement (a plain dict, as json.loads would give) when `line` is certainly a valid xAPI statement
    under the rules that apply, with no warning; None when unsure — the caller then runs the full model.
    The rules are chosen as in fast_verdict. Never raises on any `line`.
    """
    return _untyped.decode(line) if is_clean(line, xapi_version) else None


def clean_read(statement: object, xapi_version: str | None = None) -> bool:
    """Whether an already-parsed statement is certainly valid under the rules that apply, by the same Structs and
    checks as clean_statement. The validator asks it about a statement as read once its harmless bends are
    normalized (schemas.tolerance)."""
    if xapi_version is not None:
        _checked_rules(xapi_version)
    try:
        typed = msgspec.convert(statement, Statement)
    except (ValueError, TypeError, RecursionError):  # msgspec.ValidationError is a ValueError
        return False
    return typed.version is UNSET or _version_allowed(typed.version, xapi_version)
