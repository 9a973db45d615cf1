"""Rule-by-rule tests of `validate_statement`: one valid base statement, one edit per case."""

import copy
import json
import re
from pathlib import Path
from typing import Any

import pytest

from schemas.validation import XAPI_VERSIONS, StatementCheck, validate_statement

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
OPENEDX = SHARED / "openedx-statements" / "statements.ndjson"

UUID_A = "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"
UUID_B = "ec531277-b57b-4c15-8d91-d292c5b2b8f7"
SHA256_HEX = "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"

BASE: dict[str, Any] = {
    "id": UUID_A,
    "actor": {"objectType": "Agent", "name": "Ada Example", "mbox": "mailto:ada@example.org"},
    "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
    "object": {
        "objectType": "Activity",
        "id": "http://example.org/course/1/question/1",
        "definition": {
            "name": {"en-US": "Question 1"},
            "description": {"fr-FR": "Première question"},
            "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
            "moreInfo": "https://example.org/question/1",
            "extensions": {"http://example.org/ext/difficulty": 3},
            "interactionType": "choice",
            "correctResponsesPattern": ["a"],
            "choices": [{"id": "a", "description": {"en-US": "A"}}, {"id": "b"}],
        },
    },
    "result": {
        "score": {"scaled": 0.5, "raw": 5, "min": 0, "max": 10},
        "success": True,
        "completion": True,
        "response": "a",
        "duration": "PT1M30S",
        "extensions": {"http://example.org/ext/attempt": 1},
    },
    "context": {
        "registration": UUID_B,
        "instructor": {"objectType": "Agent", "account": {"homePage": "https://lms.example.org", "name": "t-42"}},
        "team": {"objectType": "Group", "name": "Team A", "member": [{"mbox_sha1sum": "3c1b5f0cb91772d027dcdde8fb749091db780cbb"}]},
        "contextActivities": {
            "parent": [{"objectType": "Activity", "id": "http://example.org/course/1"}],
            "grouping": {"id": "http://example.org/programme"},
            "category": [{"id": "https://w3id.org/xapi/video"}],
            "other": [],
        },
        "revision": "r1",
        "platform": "Example LMS",
        "language": "fr-FR",
        "statement": {"objectType": "StatementRef", "id": UUID_B},
        "extensions": {"http://example.org/ext/session": "s1"},
    },
    "timestamp": "2024-03-01T10:00:00.123+01:00",
    "stored": "2024-03-01T09:00:01Z",
    "authority": {"objectType": "Agent", "account": {"homePage": "https://lrs.example.org", "name": "lola"}},
    "version": "1.0.3",
    "attachments": [
        {
            "usageType": "http://adlnet.gov/expapi/attachments/signature",
            "display": {"en-US": "signature"},
            "contentType": "application/octet-stream",
            "length": 4235,
            "sha2": SHA256_HEX,
        }
    ],
}

DELETE = object()  # as an edit value: remove the property
_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def edited(edits: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of BASE with each "a.b[0].c" path set to its value (or deleted)."""
    statement = copy.deepcopy(BASE)
    for path, value in edits.items():
        steps: list[str | int] = [k if k else int(i) for k, i in _STEP.findall(path)]
        parent: Any = statement
        for step in steps[:-1]:
            parent = parent[step]
        if value is DELETE:
            del parent[steps[-1]]
        else:
            parent[steps[-1]] = copy.deepcopy(value)  # shared fixtures stay untouched by later edits
    return statement


def paths(check: StatementCheck) -> list[str]:
    return [error.split(": ", 1)[0] for error in check.errors]


def test_base_statement_is_valid() -> None:
    check = validate_statement(BASE)
    assert check.errors == []
    assert check.valid
    assert check.version == "1.0.3"


AGENT_ACTOR = {"objectType": "Agent", "mbox": "mailto:ada@example.org"}
ANONYMOUS_GROUP = {"objectType": "Group", "member": [{"openid": "https://id.example.org/ada"}]}
STATEMENT_REF = {"objectType": "StatementRef", "id": UUID_B}
SUB_STATEMENT = {
    "objectType": "SubStatement",
    "actor": AGENT_ACTOR,
    "verb": {"id": "http://example.org/verbs/plans"},
    "object": {"id": "http://example.org/course/1"},
}
CONTEXT_AGENTS = [{"objectType": "contextAgent", "agent": AGENT_ACTOR, "relevantTypes": ["http://example.org/t"]}]

VALID_EDITS: list[tuple[str, dict[str, Any]]] = [
    # top level
    ("minimal statement", {k: DELETE for k in BASE if k not in ("actor", "verb", "object")}),
    ("id of any UUID variant, upper case", {"id": "12345678-1234-9234-C234-123456789ABC"}),
    # actor
    ("agent by mbox_sha1sum", {"actor": {"mbox_sha1sum": "3c1b5f0cb91772d027dcdde8fb749091db780cbb"}}),
    ("agent by openid", {"actor": {"openid": "https://id.example.org/ada"}}),
    ("agent by account", {"actor": {"account": {"homePage": "https://lms.example.org", "name": "ada"}}}),
    ("agent without objectType", {"actor.objectType": DELETE}),
    ("anonymous group", {"actor": ANONYMOUS_GROUP}),
    ("identified group without members", {"actor": {"objectType": "Group", "mbox": "mailto:team@example.org"}}),
    ("identified group with members", {"actor": {**ANONYMOUS_GROUP, "mbox": "mailto:team@example.org"}}),
    # verb
    ("verb without display", {"verb.display": DELETE}),
    ("empty language map", {"verb.display": {}}),
    ("language tags with subtags", {"verb.display": {"zh-Hant-TW": "x", "en": "x", "x-klingon": "x"}}),
    # object
    ("activity id with a non-URL scheme", {"object.id": "block-v1:edX+DemoX+type@problem+block@1"}),
    ("activity without objectType", {"object.objectType": DELETE}),
    ("activity without definition", {"object.definition": DELETE}),
    ("interaction without components", {"object.definition.choices": DELETE}),
    ("likert with scale", {"object.definition.interactionType": "likert", "object.definition.scale": [{"id": "1"}],
                           "object.definition.choices": DELETE}),  # fmt: skip
    ("object agent", {"object": AGENT_ACTOR, "context.revision": DELETE, "context.platform": DELETE}),
    ("object group", {"object": ANONYMOUS_GROUP, "context.revision": DELETE, "context.platform": DELETE}),
    ("object statement ref", {"object": STATEMENT_REF, "context.revision": DELETE, "context.platform": DELETE}),
    ("object sub-statement", {"object": SUB_STATEMENT, "context.revision": DELETE, "context.platform": DELETE}),
    # result
    ("empty result", {"result": {}}),
    ("scaled at the bounds", {"result.score.scaled": -1}),
    ("raw at max", {"result.score.raw": 10}),
    ("duration with days and fraction", {"result.duration": "P1DT2H0.5S"}),
    ("duration in weeks", {"result.duration": "P2W"}),
    # context
    ("context activity as single object", {"context.contextActivities.parent": {"id": "http://example.org/c"}}),
    ("instructor group", {"context.instructor": ANONYMOUS_GROUP}),
    ("2.0 context agents under 2.0.0", {"version": "2.0.0", "context.contextAgents": CONTEXT_AGENTS}),
    # timestamps
    ("timestamp in basic format", {"timestamp": "20090131T230000-0100"}),
    ("timestamp on a leap day", {"timestamp": "2024-02-29T12:00:00Z"}),
    # version
    ("version 1.0.0", {"version": "1.0.0"}),
    ("version 2.0.0", {"version": "2.0.0"}),
    # authority
    ("authority 3-legged OAuth group", {"authority": {"objectType": "Group", "member": [
        {"account": {"homePage": "https://lrs.example.org", "name": "app"}}, {"mbox": "mailto:ada@example.org"}]}}),
    # voiding
    ("voiding a statement", {"verb.id": "http://adlnet.gov/expapi/verbs/voided", "object": STATEMENT_REF,
                             "context": DELETE}),  # fmt: skip
]


@pytest.mark.parametrize("edits", [e for _, e in VALID_EDITS], ids=[n for n, _ in VALID_EDITS])
def test_valid_edit(edits: dict[str, Any]) -> None:
    assert validate_statement(edited(edits)).errors == []


# (case, edits, the paths of all expected errors, a fragment of the first message)
INVALID_EDITS: list[tuple[str, dict[str, Any], tuple[str, ...], str]] = [
    # top level
    ("unknown top-level property", {"score": 1}, ("score",), "not allowed"),
    ("missing actor", {"actor": DELETE}, ("actor",), "required property is missing"),
    ("missing verb", {"verb": DELETE}, ("verb",), "required property is missing"),
    ("missing object", {"object": DELETE}, ("object",), "required property is missing"),
    ("id not a UUID", {"id": "6690e6c93ef04ed38b377f3964730bee"}, ("id",), "UUID"),
    ("null property", {"result": None}, ("result",), "must be a JSON object; got null"),
    # actor
    ("agent with two identifiers", {"actor.account": {"homePage": "https://lms.example.org", "name": "ada"}},
     ("actor",), "an Agent must have exactly one identifier (mbox, mbox_sha1sum, openid or account); found 2: mbox, account"),  # fmt: skip
    ("agent without identifier", {"actor.mbox": DELETE}, ("actor",), "found none"),
    ("mbox without mailto:", {"actor.mbox": "ada@example.org"}, ("actor.mbox",), "mailto:"),
    ("mbox_sha1sum not 40 hex", {"actor": {"mbox_sha1sum": "3c1b5f0c"}}, ("actor.mbox_sha1sum",), "SHA-1"),
    ("openid not a URI", {"actor": {"openid": "ada"}}, ("actor.openid",), "IRI"),
    ("account without name", {"actor": {"account": {"homePage": "https://lms.example.org"}}},
     ("actor.account.name",), "required"),  # fmt: skip
    ("account homePage not an IRL", {"actor": {"account": {"homePage": "lms", "name": "ada"}}},
     ("actor.account.homePage",), "IRI"),  # fmt: skip
    ("agent name not a string", {"actor.name": 7}, ("actor.name",), "must be a string; got a number"),
    ("actor objectType unknown", {"actor.objectType": "Person"}, ("actor.objectType",), "'Agent', 'Group'"),
    ("actor not an object", {"actor": "ada"}, ("actor",), "must be a JSON object; got a string"),
    # group
    ("anonymous group without member", {"actor": {"objectType": "Group"}}, ("actor.member",), "must list"),
    ("anonymous group with no members", {"actor": {"objectType": "Group", "member": []}}, ("actor.member",), "must list"),
    ("group inside a group", {"actor": {"objectType": "Group", "member": [ANONYMOUS_GROUP]}},
     ("actor.member[0].objectType", "actor.member[0].member"), "must be 'Agent'"),  # fmt: skip
    ("group with two identifiers", {"actor": {"objectType": "Group", "mbox": "mailto:t@example.org", "openid": "https://t"}},
     ("actor",), "at most one identifier"),  # fmt: skip
    ("member not an agent object", {"actor": {"objectType": "Group", "member": ["ada"]}}, ("actor.member[0]",), "object"),
    # verb
    ("verb id not an IRI", {"verb.id": "answered"}, ("verb.id",), "must be an absolute IRI (scheme:...); got 'answered'"),
    ("verb id with whitespace", {"verb.id": "http://example.org/a verb"}, ("verb.id",), "IRI"),
    ("verb without id", {"verb.id": DELETE}, ("verb.id",), "required"),
    ("display key not a language tag", {"verb.display": {"en US": "answered"}}, ('verb.display["en US"]',), "key must be an RFC 5646"),
    ("display value not a string", {"verb.display": {"en-US": ["answered"]}}, ('verb.display["en-US"]',), "string"),
    # activity
    ("activity without id", {"object.id": DELETE}, ("object.id",), "required"),
    ("activity id not an IRI", {"object.id": "not an iri"}, ("object.id",), "got 'not an iri'"),
    ("activity objectType not allowed", {"object.objectType": "Sequence"}, ("object.objectType",), "got 'Sequence'"),
    ("definition type not an IRI", {"object.definition.type": "question"}, ("object.definition.type",), "IRI"),
    ("moreInfo not an IRL", {"object.definition.moreInfo": "/q/1"}, ("object.definition.moreInfo",), "IRI"),
    ("definition name not a language map", {"object.definition.name": "Question 1"}, ("object.definition.name",), "object"),
    ("extension key not an IRI", {"object.definition.extensions": {"difficulty": 3}},
     ("object.definition.extensions.difficulty",), "key must be an absolute IRI"),  # fmt: skip
    ("interactionType unknown", {"object.definition.interactionType": "essay"}, ("object.definition.interactionType",), "'choice'"),
    ("correctResponsesPattern not an array", {"object.definition.correctResponsesPattern": "a"},
     ("object.definition.correctResponsesPattern",), "array"),  # fmt: skip
    ("interaction component without id", {"object.definition.choices[1].id": DELETE},
     ("object.definition.choices[1].id",), "required"),  # fmt: skip
    ("interaction component ids repeated", {"object.definition.choices[1].id": "a"},
     ("object.definition.choices[1].id",), "distinct"),  # fmt: skip
    ("interaction properties without interactionType", {"object.definition.interactionType": DELETE},
     ("object.definition.interactionType",), "correctResponsesPattern"),  # fmt: skip
    ("component list unsupported by interactionType", {"object.definition.scale": [{"id": "1"}]},
     ("object.definition.scale",), "not supported for interactionType 'choice'"),  # fmt: skip
    # agent, group and statement-ref objects
    ("object agent without objectType", {"object": {"mbox": "mailto:ada@example.org"}, "context.revision": DELETE,
                                         "context.platform": DELETE}, ("object.id", "object.mbox"), "required"),  # fmt: skip
    ("statement ref id not a UUID", {"object": {**STATEMENT_REF, "id": "http://example.org/s/1"}, "context": DELETE},
     ("object.id",), "UUID"),  # fmt: skip
    ("statement ref without id", {"object": {"objectType": "StatementRef"}, "context": DELETE}, ("object.id",), "required"),
    # sub-statement
    ("sub-statement with id", {"object": {**SUB_STATEMENT, "id": UUID_B}, "context": DELETE}, ("object.id",), "not allowed"),
    ("sub-statement with stored", {"object": {**SUB_STATEMENT, "stored": "2024-03-01T09:00:01Z"}, "context": DELETE},
     ("object.stored",), "not allowed"),  # fmt: skip
    ("sub-statement with version", {"object": {**SUB_STATEMENT, "version": "1.0.3"}, "context": DELETE},
     ("object.version",), "not allowed"),  # fmt: skip
    ("sub-statement with authority", {"object": {**SUB_STATEMENT, "authority": AGENT_ACTOR}, "context": DELETE},
     ("object.authority",), "not allowed"),  # fmt: skip
    ("nested sub-statement", {"object": {**SUB_STATEMENT, "object": SUB_STATEMENT}, "context": DELETE},
     ("object.object.objectType",), "'StatementRef'; got 'SubStatement'"),  # fmt: skip
    ("sub-statement without verb", {"object": SUB_STATEMENT, "object.verb": DELETE, "context": DELETE}, ("object.verb",), "required"),
    # result
    ("scaled above 1", {"result.score.scaled": 1.7}, ("result.score.scaled",), "must be between -1 and 1; got 1.7"),
    ("raw above max", {"result.score.raw": 11}, ("result.score.raw",), "above max"),
    ("raw below min", {"result.score.raw": -1}, ("result.score.raw",), "below min"),
    ("min not below max", {"result.score.min": 10}, ("result.score.max",), "greater than min"),
    ("scaled not a number", {"result.score.scaled": "0.5"}, ("result.score.scaled",), "number"),
    ("success not a boolean", {"result.success": "true"}, ("result.success",), "must be true or false; got a string"),
    ("completion not a boolean", {"result.completion": 1}, ("result.completion",), "true or false"),
    ("response not a string", {"result.response": ["a"]}, ("result.response",), "string"),
    ("duration not ISO 8601", {"result.duration": "90 seconds"}, ("result.duration",), "duration"),
    ("duration without components", {"result.duration": "PT"}, ("result.duration",), "duration"),
    ("duration fraction not last", {"result.duration": "PT1.5M30S"}, ("result.duration",), "duration"),
    ("result extension key not an IRI", {"result.extensions": {"attempt": 1}}, ("result.extensions.attempt",), "IRI"),
    # context
    ("registration not a UUID", {"context.registration": "r-1"}, ("context.registration",), "UUID"),
    ("instructor with two identifiers", {"context.instructor.mbox": "mailto:t@example.org"}, ("context.instructor",), "found 2"),
    ("team not a group", {"context.team": AGENT_ACTOR}, ("context.team.objectType",), "must be 'Group'"),
    ("context statement not a StatementRef", {"context.statement.objectType": DELETE},
     ("context.statement.objectType",), "required"),  # fmt: skip
    ("context extension key not an IRI", {"context.extensions": {"session": 1}}, ("context.extensions.session",), "IRI"),
    ("2.0 context agents under 1.0.3", {"context.contextAgents": CONTEXT_AGENTS}, ("context.contextAgents",), "2.0.0"),
    ("2.0 context groups under 1.0.3", {"context.contextGroups": []}, ("context.contextGroups",), "2.0.0"),
    # timestamps
    ("2.0 timestamp without time zone", {"version": "2.0.0", "timestamp": "2024-03-01T10:00:00"}, ("timestamp",), "time zone"),
    ("timestamp on a day that does not exist", {"timestamp": "2021-02-29T10:00:00Z"}, ("timestamp",), "got '2021-02-29"),
    ("timestamp date only", {"timestamp": "2024-03-01"}, ("timestamp",), "date-time"),
    ("stored not ISO 8601", {"stored": "yesterday"}, ("stored",), "date-time"),
    # version
    ("version without patch", {"version": "1.0"}, ("version",), "must be 1.0.x"),
    ("version pre-release", {"version": "1.0.3-rc1"}, ("version",), "must be 1.0.x"),
    ("version not a string", {"version": 1.0}, ("version",), "string"),
    # attachments
    ("attachment without sha2", {"attachments[0].sha2": DELETE}, ("attachments[0].sha2",), "required"),
    ("attachment length not an integer", {"attachments[0].length": "4235"}, ("attachments[0].length",), "integer"),
    ("attachment usageType not an IRI", {"attachments[0].usageType": "signature"}, ("attachments[0].usageType",), "IRI"),
    ("attachment contentType not a media type", {"attachments[0].contentType": "binary"},
     ("attachments[0].contentType",), "media type"),  # fmt: skip
    ("attachment without display", {"attachments[0].display": DELETE}, ("attachments[0].display",), "required"),
    ("attachment contentType with an unregistered top-level type", {"attachments[0].contentType": "applications/json"},
     ("attachments[0].contentType",), "registered"),
    ("signature attachment not a JWS", {"attachments[0].usageType": "http://adlnet.gov/expapi/attachments/signature",
                                        "attachments[0].contentType": "application/json"},
     ("attachments[0].contentType",), "signature"),
    ("attachments not an array", {"attachments": BASE["attachments"][0]}, ("attachments",), "array"),
    # authority
    ("authority with two identifiers", {"authority.mbox": "mailto:lrs@example.org"}, ("authority",), "found 2"),
    ("authority group of three", {"authority": {"objectType": "Group", "member": [AGENT_ACTOR] * 3}},
     ("authority",), "exactly 2 members"),  # fmt: skip
    ("authority identified group", {"authority": {"objectType": "Group", "mbox": "mailto:g@example.org",
                                                  "member": [AGENT_ACTOR] * 2}}, ("authority",), "anonymous"),  # fmt: skip
    # voiding
    ("voiding an activity", {"verb.id": "http://adlnet.gov/expapi/verbs/voided"}, ("object",), "StatementRef"),
]


@pytest.mark.parametrize(
    "edits, expected_paths, fragment", [c[1:] for c in INVALID_EDITS], ids=[c[0] for c in INVALID_EDITS]
)
def test_invalid_edit(edits: dict[str, Any], expected_paths: tuple[str, ...], fragment: str) -> None:
    check = validate_statement(edited(edits))
    assert not check.valid
    assert tuple(paths(check)) == expected_paths, check.errors
    assert fragment in check.errors[0]


@pytest.mark.parametrize(
    "value, kind", [(10, "a number"), ("{}", "a string"), ([BASE], "an array"), (None, "null"), (True, "a boolean")]
)
def test_non_object_input(value: object, kind: str) -> None:
    check = validate_statement(value)
    assert check.errors == [f"$: a statement must be a JSON object; got {kind}"]
    assert check.version == "1.0.3"


@pytest.mark.parametrize(
    "statement_version, forced, applied",
    [("1.0.3", None, "1.0.3"), ("1.0.0", None, "1.0.0"), ("2.0.0", None, "2.0.0"), ("3.0.0", None, "1.0.3"),
     (DELETE, None, "1.0.3"), ("1.0.3", "2.0.0", "2.0.0")],  # fmt: skip
)
def test_version_applied(statement_version: Any, forced: str | None, applied: str) -> None:
    assert validate_statement(edited({"version": statement_version}), forced).version == applied


def test_forced_version_rules() -> None:
    """The forced rule set decides: 2.0 statements fail 1.0.3 rules, 1.0.x statements pass 2.0.0 rules."""
    statement_2_0 = edited({"version": "2.0.0", "context.contextAgents": CONTEXT_AGENTS})
    assert validate_statement(statement_2_0).valid
    assert paths(validate_statement(statement_2_0, "1.0.3")) == ["context.contextAgents", "version"]
    assert validate_statement(BASE, "2.0.0").valid
    assert set(XAPI_VERSIONS) == {"1.0.3", "2.0.0"}


def test_unsupported_forced_version_is_a_usage_error() -> None:
    with pytest.raises(ValueError, match="unsupported xAPI version"):
        validate_statement(BASE, "0.95")


def test_long_values_are_truncated() -> None:
    check = validate_statement(edited({"verb.id": "no-scheme/" + "x" * 200}))
    assert check.errors == [f"verb.id: must be an absolute IRI (scheme:...); got 'no-scheme/{'x' * 70}…'"]


SECRETS = ("ada.lovelace", "secret-account-7", "secret-name", "openid-secret")


@pytest.mark.parametrize(
    "actor",
    [
        {"mbox": "mailto:ada.lovelace@example.org", "account": {"homePage": "https://lms.example.org", "name": "secret-account-7"}},
        {"mbox": "ada.lovelace@example.org"},
        {"mbox": "mailto:ada.lovelace"},
        {"mbox_sha1sum": "ada.lovelace"},
        {"openid": "openid-secret with spaces"},
        {"account": {"homePage": "secret-account-7", "name": "secret-account-7"}},
        {"account": {"homePage": "https://lms.example.org", "name": ["secret-account-7"]}},
        {"objectType": "secret-name", "mbox": "mailto:ada.lovelace@example.org"},
        {"name": "secret-name", "mbox": "mailto:ada.lovelace@example.org", "objectType": "Group"},
        {"objectType": "Group", "member": [{"objectType": "Group", "name": "secret-name"}, {"mbox": "ada.lovelace"}]},
    ],
)
def test_messages_never_contain_personal_data(actor: dict[str, Any]) -> None:
    statement = edited({"actor": actor, "context.instructor": actor, "authority": actor})
    check = validate_statement(statement)
    assert not check.valid
    for error in check.errors:
        assert not any(secret in error for secret in SECRETS), error


def test_open_edx_statement_is_valid() -> None:
    if not OPENEDX.exists():
        pytest.skip(f"shared Open edX statements not found at {OPENEDX} (the ../shared checkout is absent)")
    statement = json.loads(OPENEDX.read_text(encoding="utf-8").splitlines()[0])
    check = validate_statement(statement)
    assert check.errors == []
    assert check.version == "1.0.3"


# Harmless bends that real feeds send: valid, with a warning naming the path, read as documented (schemas/tolerance.py).
WARNING_EDITS: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    ("GroupActivity object", {"object.objectType": "GroupActivity"}, "object.objectType",
     {"object.objectType": "Activity"}),
    ("GroupActivity context activity", {"context.contextActivities.parent[0].objectType": "GroupActivity"},
     "context.contextActivities.parent[0].objectType", {"context.contextActivities.parent[0].objectType": "Activity"}),
    ("context activity id not an IRI", {"context.contextActivities.parent[0].id": "438AD672-DE2C-4F0B-8876-35444E7DD746"},
     "context.contextActivities.parent[0].id", {"context.contextActivities.parent[0].id": "urn:lola:unidentified-activity"}),
    ("1.0.3 timestamp without time zone", {"timestamp": "2024-03-01T10:00:00"}, "timestamp",
     {"timestamp": "2024-03-01T10:00:00Z"}),
    ("attachment sha2 in base64", {"attachments[0].sha2": "LXEWQrcmtAQWJ8qfusXwqAyzPE2iBYcXkhpEiB=="},
     "attachments[0].sha2", {}),
    ("0-point problem", {"result.score": {"min": 0, "max": 0, "raw": 0}}, "result.score.max",
     {"result.score": {"min": 0, "raw": 0}}),
]


@pytest.mark.parametrize("edits, path, read_as", [c[1:] for c in WARNING_EDITS], ids=[c[0] for c in WARNING_EDITS])
def test_harmless_bend_is_a_warning(edits: dict[str, Any], path: str, read_as: dict[str, Any]) -> None:
    statement = edited(edits)
    check = validate_statement(statement)
    assert check.valid, check.errors
    assert [w.split(": ")[0] for w in check.warnings] == [path]
    assert check.statement == edited({**edits, **read_as})
    assert statement == edited(edits)  # the input is left as sent


def test_signature_attachment_with_a_jws_is_valid() -> None:
    check = validate_statement(edited({"attachments[0].usageType": "http://adlnet.gov/expapi/attachments/signature",
                                       "attachments[0].contentType": "application/octet-stream"}))
    assert check.valid, check.errors


def test_team_without_object_type_in_a_sub_statement_is_a_warning() -> None:
    sub = {"objectType": "SubStatement", "actor": {"mbox": "mailto:a@example.org"},
           "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"}, "object": {"id": "https://example.org/a"},
           "context": {"team": {"account": {"homePage": "https://example.org", "name": "team-1"}}}}
    check = validate_statement(edited({"object": sub, "context.revision": DELETE, "context.platform": DELETE}))
    assert check.valid, check.errors
    assert [w.split(": ")[0] for w in check.warnings] == ["object.context.team"]
    assert check.statement["object"]["context"]["team"]["objectType"] == "Group"


def test_a_non_iri_context_activity_id_other_than_a_uuid_stays_fatal() -> None:
    check = validate_statement(edited({"context.contextActivities.parent[0].id": "not an iri"}))
    assert [e.split(":")[0] for e in check.errors] == ["context.contextActivities.parent[0].id"]


def test_a_bend_does_not_hide_a_real_error() -> None:
    check = validate_statement(edited({"result.score": {"min": 0, "max": 0, "raw": 3}}))
    assert not check.valid and check.warnings == []
    check = validate_statement(edited({"object.objectType": "GroupActivity", "verb.id": "not an iri"}))
    assert [e.split(":")[0] for e in check.errors] == ["verb.id"] and len(check.warnings) == 1
