"""Pydantic v2 models of an xAPI statement (1.0.3 Data part, MUST level, with the 2.0.0 hooks).

One model per xAPI object. Attribute names are the JSON property names (camelCase included), so a
pydantic error location is already a JSON path. Absent properties are `MISSING`, which keeps JSON
`null` invalid. Everything that differs between xAPI versions lives in `VersionRules` / `RULES`.

Formats are regular expressions run by pydantic-core (Rust), which keeps the common path fast. Each
`Format` carries its human reason, so `schemas.validation` can translate a pattern mismatch back into
words. The patterns use `[0-9]` rather than `\\d`: Rust's `\\d` matches every Unicode digit.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Callable, Literal, Union

from pydantic import (
    MISSING,
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

# --- version-specific rules ------------------------------------------------------------------


@dataclass(frozen=True)
class VersionRules:
    """What changes with the xAPI version a statement is validated against."""

    name: str  # the rule set, e.g. "1.0.3"
    accepted_versions: re.Pattern[str]  # values allowed in the statement's own `version`
    accepted_versions_text: str
    context_agents: bool  # context.contextAgents / contextGroups exist (2.0)
    time_zone_required: bool  # 1.0.3: a timestamp SHOULD have a time zone; 2.0: MUST


# "1.0.x" / "2.0.x" with x digits; a statement's `version` outside this selects the 1.0.3 rules.
VERSION_PATTERN = re.compile(r"(1\.0|2\.0)\.[0-9]+")

RULES: dict[str, VersionRules] = {
    # 1.0.3 §2.4.10: an LRS MUST reject a version that does not start with "1.0."
    "1.0": VersionRules("1.0.3", re.compile(r"1\.0\.[0-9]+"), "1.0.x", context_agents=False,
                        time_zone_required=False),
    # 2.0.0: an LRS MUST accept statements whose version starts with "1.0." or "2.0."
    "2.0": VersionRules("2.0.0", VERSION_PATTERN, "1.0.x or 2.0.x", context_agents=True,
                        time_zone_required=True),
}


def rules_for(version: str) -> VersionRules:
    """The rule set for a version string "1.0.x" or "2.0.x"; ValueError otherwise."""
    if not VERSION_PATTERN.fullmatch(version):
        raise ValueError(f"unsupported xAPI version {version!r}: expected 1.0.x or 2.0.x")
    return RULES[version[:3]]


def _rules(info: ValidationInfo) -> VersionRules:
    context = info.context or {}
    return context.get("rules", RULES["1.0"])


# --- formats -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Format:
    pattern: str
    reason: str
    quotable: bool  # the offending value may be shown: never true for identifiers of people or statements
    check: Callable[[str], bool] | None = None  # what a regular expression cannot say


def _real_date(value: str) -> bool:
    """February 30th has the right shape but does not exist."""
    digits = value.split("T", 1)[0].replace("-", "")
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return True


def _timestamp() -> str:
    # ISO 8601 extended (2009-01-31T23:00:00-01:00) or basic (20090131T230000-0100), never mixed.
    month, day = r"(?:0[1-9]|1[0-2])", r"(?:0[1-9]|[12][0-9]|3[01])"
    hour, minute, second = r"(?:[01][0-9]|2[0-3])", r"[0-5][0-9]", r"(?:[0-5][0-9]|60)"
    fraction = r"(?:[.,][0-9]+)?"
    extended = rf"[0-9]{{4}}-{month}-{day}T{hour}:{minute}:{second}{fraction}(?:Z|[+\-]{hour}(?::{minute})?)"
    basic = rf"[0-9]{{4}}{month}{day}T{hour}{minute}{second}{fraction}(?:Z|[+\-]{hour}(?:{minute})?)"
    return rf"^(?:{extended}|{basic})$"


def _duration() -> str:
    # At least one component ("P" and "PT" alone are not durations); only the last may have a fraction,
    # which `_fraction_last` checks.
    number = r"[0-9]+(?:[.,][0-9]+)?"
    date_part = rf"(?:{number}Y(?:{number}M)?(?:{number}D)?|{number}M(?:{number}D)?|{number}D)"
    time_part = rf"T(?:{number}H(?:{number}M)?(?:{number}S)?|{number}M(?:{number}S)?|{number}S)"
    return rf"^P(?:{number}W|{date_part}(?:{time_part})?|{time_part})$"


_FRACTION_NOT_LAST = re.compile(r"[.,][0-9]+[A-Z].")


def _fraction_last(value: str) -> bool:
    return _FRACTION_NOT_LAST.search(value) is None


FORMATS: dict[str, Format] = {
    "iri": Format(r"^[A-Za-z][A-Za-z0-9+.\-]*:\S*$", "must be an absolute IRI (scheme:...)", True),
    "mailto": Format(
        r"^mailto:(?:[^@\s%]|%[0-9A-Fa-f]{2})+@[^@\s]+$", "must be a mailto: IRI (mailto:name@host)", False
    ),
    "sha1": Format(r"^[0-9a-fA-F]{40}$", "must be a SHA-1 hash (40 hex digits)", False),
    "sha2": Format(
        r"^(?:[0-9a-fA-F]{56}|[0-9a-fA-F]{64}|[0-9a-fA-F]{96}|[0-9a-fA-F]{128})$",
        "must be a SHA-2 hash in hex (56, 64, 96 or 128 hex digits)",
        False,
    ),
    "uuid": Format(
        r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
        "must be a UUID (8-4-4-4-12 hex digits)",
        False,  # statement ids can be recomputed from the actor (see openedx-statements/pii.txt)
    ),
    "timestamp": Format(
        _timestamp(), "must be an ISO 8601 date-time with a time zone (Z or +hh:mm)", True, _real_date
    ),
    "duration": Format(_duration(), "must be an ISO 8601 duration (e.g. PT1H30M)", True, _fraction_last),
    "language": Format(
        r"^(?:[A-Za-z]{2,8}|[xXiI])(?:-[A-Za-z0-9]{1,8})*$", "must be an RFC 5646 language tag", True
    ),
    "media_type": Format(
        # RFC 6838: the top-level type is one of IANA's registered ones.
        r"^(?i:application|audio|example|font|haptics|image|message|model|multipart|text|video)"
        r"/[A-Za-z0-9!#$&^_.+\-]+(?:\s*;.*)?$",
        "must be an Internet media type (type/subtype, with a registered top-level type)",
        True,
    ),
}
FORMAT_BY_PATTERN: dict[str, Format] = {f.pattern: f for f in FORMATS.values()}

# Nothing at or under these properties is quoted in an error message: it may be personal data.
PERSONAL_PROPERTIES = frozenset(
    {"mbox", "mbox_sha1sum", "openid", "account", "name", "response"}
    | {"actor", "authority", "instructor", "team", "member", "agent", "group"}  # agents, whatever the property
)


def _formatted(name: str) -> Any:
    fmt = FORMATS[name]
    if fmt.check is None:
        return Annotated[str, StringConstraints(pattern=fmt.pattern)]
    check = fmt.check

    def validate(value: str) -> str:
        if not check(value):
            raise PydanticCustomError("format", fmt.reason, {"format": name})
        return value

    return Annotated[str, StringConstraints(pattern=fmt.pattern), AfterValidator(validate)]


IRI = _formatted("iri")
IRL = IRI  # an IRL is an IRI meant to resolve; resolvability is only a SHOULD
MailtoIRI = _formatted("mailto")
SHA1 = _formatted("sha1")
UUID = _formatted("uuid")
Timestamp = _formatted("timestamp")
Duration = _formatted("duration")
LanguageTag = _formatted("language")
MediaType = _formatted("media_type")

LanguageMap = dict[LanguageTag, str]
Extensions = dict[IRI, Any]  # values are any JSON

# --- tagged unions ----------------------------------------------------------------------------

# Pydantic puts the union tag into error locations; the prefix lets the translator drop it.
TAG_PREFIX = "<tag>"


def _tag(name: str) -> str:
    return TAG_PREFIX + name


def _by_object_type(default: str, allowed: tuple[str, ...]) -> Discriminator:
    """Pick the model from `objectType` (default when absent); anything else is an `object_type` error."""

    def pick(value: Any) -> str | None:
        if not isinstance(value, dict):
            return _tag(default)  # the default model reports "must be a JSON object"
        object_type = value.get("objectType", default)
        if isinstance(object_type, str) and object_type in allowed:
            return _tag(object_type)
        return None

    return Discriminator(
        pick,
        custom_error_type="object_type",
        custom_error_message="must be one of " + ", ".join(repr(a) for a in allowed),
    )


def _one_or_many(value: Any) -> str:
    return _tag("many" if isinstance(value, list) else "one")


def _custom(kind: str, reason: str, at: tuple[str | int, ...] = (), **values: str) -> PydanticCustomError:
    """An error with a readable reason; `at` is the location relative to the validated object.

    Text that comes from the statement goes in `values` and `{name}` placeholders, never into `reason`
    itself, because pydantic formats the reason as a template.
    """
    return PydanticCustomError(kind, reason, {"at": at, **values})


# --- models ------------------------------------------------------------------------------------


class XapiModel(BaseModel):
    # strict: JSON types are not coerced ("true" is not a boolean); unknown properties are errors.
    model_config = ConfigDict(extra="forbid", strict=True)


IFI_NAMES = ("mbox", "mbox_sha1sum", "openid", "account")


class Account(XapiModel):
    homePage: IRL
    name: str


class _Actor(XapiModel):
    name: str | MISSING = MISSING
    mbox: MailtoIRI | MISSING = MISSING
    mbox_sha1sum: SHA1 | MISSING = MISSING
    openid: IRI | MISSING = MISSING
    account: Account | MISSING = MISSING

    def identifiers(self) -> list[str]:
        """The inverse functional identifiers present."""
        given = self.model_fields_set
        return [ifi for ifi in IFI_NAMES if ifi in given]


def _ifi_error(what: str, found: list[str]) -> PydanticCustomError:
    listed = f"{len(found)}: {', '.join(found)}" if found else "none"
    return _custom("identifier", f"{what} (mbox, mbox_sha1sum, openid or account); found {listed}")


class Agent(_Actor):
    objectType: Literal["Agent"] | MISSING = MISSING

    @model_validator(mode="after")
    def _one_identifier(self) -> "Agent":
        found = self.identifiers()
        if len(found) != 1:
            raise _ifi_error("an Agent must have exactly one identifier", found)
        return self


class Group(_Actor):
    objectType: Literal["Group"]
    member: list[Agent] | MISSING = MISSING  # Agents only: 1.0.3 §2.4.2.2 rules out nested Groups

    @model_validator(mode="after")
    def _identified_or_listed(self) -> "Group":
        found = self.identifiers()
        if len(found) > 1:
            raise _ifi_error("a Group must have at most one identifier", found)
        # An anonymous Group is known only by its members, so it needs at least one.
        if not found and (self.member is MISSING or not self.member):
            raise _custom(
                "anonymous_group",
                "an anonymous Group (one without mbox, mbox_sha1sum, openid or account) must list its members",
                ("member",),
            )
        return self


class AuthorityGroup(Group):
    """Authority as a Group: the 3-legged OAuth pair (consumer and user), anonymous."""

    @model_validator(mode="after")
    def _oauth_pair(self) -> "AuthorityGroup":
        if self.identifiers() or self.member is MISSING or len(self.member) != 2:
            raise _custom("authority_group", "an authority Group must be anonymous with exactly 2 members")
        return self


AgentOrGroup = Annotated[
    Annotated[Agent, Tag(_tag("Agent"))] | Annotated[Group, Tag(_tag("Group"))],
    _by_object_type("Agent", ("Agent", "Group")),
]
Authority = Annotated[
    Annotated[Agent, Tag(_tag("Agent"))] | Annotated[AuthorityGroup, Tag(_tag("Group"))],
    _by_object_type("Agent", ("Agent", "Group")),
]


class Verb(XapiModel):
    id: IRI
    display: LanguageMap | MISSING = MISSING


class InteractionComponent(XapiModel):
    id: str
    description: LanguageMap | MISSING = MISSING


InteractionType = Literal[
    "true-false", "choice", "fill-in", "long-fill-in", "matching",
    "performance", "sequencing", "likert", "numeric", "other",
]  # fmt: skip
COMPONENT_LISTS = ("choices", "scale", "source", "target", "steps")
# 1.0.3 §2.4.4.1 "supported lists of Interaction Components" per interactionType. Enforcing the table is a
# MAY for an LRS, not a MUST; we follow Learning Locker, which rejects the other combinations.
COMPONENTS_BY_INTERACTION: dict[str, tuple[str, ...]] = {
    "choice": ("choices",),
    "sequencing": ("choices",),
    "likert": ("scale",),
    "matching": ("source", "target"),
    "performance": ("steps",),
}


class ActivityDefinition(XapiModel):
    name: LanguageMap | MISSING = MISSING
    description: LanguageMap | MISSING = MISSING
    type: IRI | MISSING = MISSING
    moreInfo: IRL | MISSING = MISSING
    extensions: Extensions | MISSING = MISSING
    interactionType: InteractionType | MISSING = MISSING
    correctResponsesPattern: list[str] | MISSING = MISSING
    choices: list[InteractionComponent] | MISSING = MISSING
    scale: list[InteractionComponent] | MISSING = MISSING
    source: list[InteractionComponent] | MISSING = MISSING
    target: list[InteractionComponent] | MISSING = MISSING
    steps: list[InteractionComponent] | MISSING = MISSING

    @model_validator(mode="after")
    def _interaction(self) -> "ActivityDefinition":
        given = self.model_fields_set
        if self.interactionType is MISSING:
            # Interaction properties make this an Interaction Activity, which MUST have an interactionType.
            for name in ("correctResponsesPattern", *COMPONENT_LISTS):
                if name in given:
                    raise _custom(
                        "interaction", f"required property is missing (needed because {name} is present)",
                        ("interactionType",),
                    )  # fmt: skip
            return self
        supported = COMPONENTS_BY_INTERACTION.get(self.interactionType, ())
        for list_name in COMPONENT_LISTS:
            if list_name not in given:
                continue
            if list_name not in supported:
                raise _custom(
                    "interaction",
                    f"not supported for interactionType '{self.interactionType}' "
                    f"(supported: {', '.join(supported) or 'none'})",
                    (list_name,),
                )
            _check_distinct_ids(list_name, getattr(self, list_name))
        return self


def _check_distinct_ids(list_name: str, components: list[InteractionComponent]) -> None:
    # 1.0.3 §2.4.4.1: within an array of Interaction Components, all ids MUST be distinct.
    seen: set[str] = set()
    for index, component in enumerate(components):
        if component.id in seen:
            raise _custom(
                "component_id", "must be distinct within its array of interaction components", (list_name, index, "id")
            )
        seen.add(component.id)


class Activity(XapiModel):
    objectType: Literal["Activity"] | MISSING = MISSING
    id: IRI
    definition: ActivityDefinition | MISSING = MISSING


class StatementRef(XapiModel):
    objectType: Literal["StatementRef"]
    id: UUID


class Score(XapiModel):
    scaled: float | MISSING = MISSING
    raw: float | MISSING = MISSING
    min: float | MISSING = MISSING
    max: float | MISSING = MISSING

    @model_validator(mode="after")
    def _in_range(self) -> "Score":
        if self.scaled is not MISSING and not -1 <= self.scaled <= 1:
            raise _custom("score", f"must be between -1 and 1; got {self.scaled:g}", ("scaled",))
        if self.min is not MISSING and self.max is not MISSING and not self.min < self.max:
            raise _custom("score", f"must be greater than min ({self.min:g}); got {self.max:g}", ("max",))
        if self.raw is not MISSING:
            if self.min is not MISSING and self.raw < self.min:
                raise _custom("score", f"must not be below min ({self.min:g}); got {self.raw:g}", ("raw",))
            if self.max is not MISSING and self.raw > self.max:
                raise _custom("score", f"must not be above max ({self.max:g}); got {self.raw:g}", ("raw",))
        return self


class Result(XapiModel):
    score: Score | MISSING = MISSING
    success: bool | MISSING = MISSING
    completion: bool | MISSING = MISSING
    response: str | MISSING = MISSING
    duration: Duration | MISSING = MISSING
    extensions: Extensions | MISSING = MISSING


OneOrManyActivities = Annotated[
    Annotated[Activity, Tag(_tag("one"))] | Annotated[list[Activity], Tag(_tag("many"))],
    Discriminator(_one_or_many),
]


class ContextActivities(XapiModel):
    parent: OneOrManyActivities | MISSING = MISSING
    grouping: OneOrManyActivities | MISSING = MISSING
    category: OneOrManyActivities | MISSING = MISSING
    other: OneOrManyActivities | MISSING = MISSING


class ContextAgent(XapiModel):
    """xAPI 2.0 only."""

    objectType: Literal["contextAgent"]
    agent: Agent
    relevantTypes: Annotated[list[IRI], Field(min_length=1)] | MISSING = MISSING


class ContextGroup(XapiModel):
    """xAPI 2.0 only."""

    objectType: Literal["contextGroup"]
    group: Group
    relevantTypes: Annotated[list[IRI], Field(min_length=1)] | MISSING = MISSING


class Context(XapiModel):
    registration: UUID | MISSING = MISSING
    instructor: AgentOrGroup | MISSING = MISSING
    team: Group | MISSING = MISSING
    contextActivities: ContextActivities | MISSING = MISSING
    revision: str | MISSING = MISSING
    platform: str | MISSING = MISSING
    language: LanguageTag | MISSING = MISSING
    statement: StatementRef | MISSING = MISSING
    extensions: Extensions | MISSING = MISSING
    contextAgents: list[ContextAgent] | MISSING = MISSING
    contextGroups: list[ContextGroup] | MISSING = MISSING

    @field_validator("contextAgents", "contextGroups")
    @classmethod
    def _only_in_2_0(cls, value: list[Any], info: ValidationInfo) -> list[Any]:
        rules = _rules(info)
        if not rules.context_agents:
            raise _custom("version", f"not allowed under xAPI {rules.name} rules (introduced in 2.0.0)")
        return value


class Attachment(XapiModel):
    usageType: IRI
    display: LanguageMap
    description: LanguageMap | MISSING = MISSING
    contentType: MediaType
    length: int
    sha2: str  # hex is expected; anything else is a warning (schemas.tolerance)
    fileUrl: IRL | MISSING = MISSING

    @model_validator(mode="after")
    def _signature_is_a_jws(self) -> "Attachment":
        # 1.0.3 §2.6: a signature attachment MUST have the contentType of a JWS.
        if self.usageType == SIGNATURE_USAGE and self.contentType != "application/octet-stream":
            raise _custom("signature", "a signature attachment must have contentType application/octet-stream",
                          ("contentType",))
        return self


SIGNATURE_USAGE = "http://adlnet.gov/expapi/attachments/signature"


VOIDED = "http://adlnet.gov/expapi/verbs/voided"


class _StatementBody(XapiModel):
    """What a Statement and a SubStatement share."""

    actor: AgentOrGroup
    verb: Verb
    result: Result | MISSING = MISSING
    context: Context | MISSING = MISSING
    timestamp: Timestamp | MISSING = MISSING
    attachments: list[Attachment] | MISSING = MISSING

    object: Any  # narrowed by each subclass

    @model_validator(mode="after")
    def _voiding_targets_statement(self) -> "_StatementBody":
        # 1.0.3 §2.2: the object of a voiding statement MUST be a StatementRef.
        if self.verb.id == VOIDED and not isinstance(self.object, StatementRef):
            raise _custom("voiding", "a voiding statement (verb voided) must have a StatementRef object", ("object",))
        return self

    @model_validator(mode="after")
    def _context_fits_object(self) -> "_StatementBody":
        # 1.0.3 §2.4.6: revision and platform MUST NOT be used unless the object is an Activity.
        if self.context is not MISSING and not isinstance(self.object, Activity):
            for name in ("revision", "platform"):
                if getattr(self.context, name) is not MISSING:
                    raise _custom("context_object", "allowed only when the object is an Activity", ("context", name))
        return self


def _object_union(*members: tuple[str, type]) -> Any:
    """A statement object: the model named by `objectType`, Activity when absent."""
    names = tuple(name for name, _ in members)
    tagged = tuple(Annotated[model, Tag(_tag(name))] for name, model in members)
    return Annotated[Union[tagged], _by_object_type("Activity", names)]


class SubStatement(_StatementBody):
    objectType: Literal["SubStatement"]
    # A SubStatement cannot hold a SubStatement, nor id/stored/version/authority (extra="forbid").
    object: _object_union(  # type: ignore[valid-type]
        ("Activity", Activity), ("Agent", Agent), ("Group", Group), ("StatementRef", StatementRef)
    )


class Statement(_StatementBody):
    id: UUID | MISSING = MISSING
    object: _object_union(  # type: ignore[valid-type]
        ("Activity", Activity), ("Agent", Agent), ("Group", Group),
        ("StatementRef", StatementRef), ("SubStatement", SubStatement),
    )  # fmt: skip
    stored: Timestamp | MISSING = MISSING
    authority: Authority | MISSING = MISSING
    version: str | MISSING = MISSING

    @field_validator("version")
    @classmethod
    def _accepted_version(cls, value: str, info: ValidationInfo) -> str:
        rules = _rules(info)
        if not rules.accepted_versions.fullmatch(value):
            raise _custom(
                "version",
                f"must be {rules.accepted_versions_text} under xAPI {rules.name} rules; got '{{value}}'",
                value=value[:80],
            )
        return value
