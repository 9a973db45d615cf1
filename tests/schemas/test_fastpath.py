"""The fast path (`clean_statement`, `fast_verdict`) against the full model (`validate_statement`).

Soundness is the proof: on every line of the shared corpora, of a generated cohort and of systematic mutations of
valid statements, whatever the fast path accepts the full model accepts with no error and no warning, and the dict
returned equals json.loads(line). Coverage: the fast path takes most of what the real feeds send. Run with `-s` to
see the figures.
"""

import copy
import json
import unicodedata
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from pipelines.cohort import build_cohort
from schemas import fastpath
from schemas.fastpath import clean_statement, fast_verdict
from schemas.validation import validate_statement

SHARED = Path(__file__).resolve().parents[3] / "shared"
CORPUS = SHARED / "xapi-corpus" / "dev.jsonl"
OPENEDX = SHARED / "openedx-statements" / "statements.ndjson"
MANIFEST = SHARED / "openedx-statements" / "manifest.tsv"

VERSIONS = (None, "1.0.3", "2.0.0")  # the rules a caller may ask for; None lets the statement's version choose
UNKNOWN_KEY = "unknownProperty"  # neither an xAPI property, nor an IRI, nor a language tag
WRONG_VALUES: tuple[Any, ...] = (
    None, "", 1.5, "not an iri", [], {}, "GroupActivity", "2023-01-17T16:22:24",  # the brief's handful
    True, -2, 10**400, "http://example.org/a\n", "2023-02-30T10:00:00Z", "PT1.5M3S", "2.0.0", "0.9",
)  # fmt: skip

BASE: dict[str, Any] = {  # an Open edX video statement, with every property the fast path knows
    "id": "f7c8b743-f18f-5016-8455-35ff8a2f8020",
    "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.fun-mooc.fr", "name": "learner-1"}},
    "verb": {"id": "https://w3id.org/xapi/video/verbs/played", "display": {"en": "played"}},
    "object": {
        "objectType": "Activity",
        "id": "https://lms.fun-mooc.fr/xblock/block-v1:AI4T+EN+2023_T1+type@video+block@01b1",
        "definition": {
            "name": {"en-US": "Video 1"},
            "description": {"fr": "Vidéo 1"},
            "type": "https://w3id.org/xapi/video/activity-type/video",
            "moreInfo": "https://lms.fun-mooc.fr/about",
            "extensions": {"https://w3id.org/xapi/video/extensions/length": 652.0},
            "interactionType": "other",
        },
    },
    "result": {
        "score": {"scaled": 0.5, "raw": 2, "min": 0, "max": 4},
        "success": True,
        "completion": False,
        "response": "b",
        "duration": "PT1M30.5S",
        "extensions": {"https://w3id.org/xapi/video/extensions/time": 252.713},
    },
    "context": {
        "registration": "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
        "instructor": {"mbox": "mailto:teacher@example.org"},
        "contextActivities": {
            "parent": [{"id": "https://lms.fun-mooc.fr/course/course-v1:AI4T+EN+2023_T1", "objectType": "Activity"}],
            "grouping": {"id": "https://lms.fun-mooc.fr/programme"},
            "category": [],
        },
        "revision": "r1",
        "platform": "Open edX",
        "language": "en-US",
        "statement": {"objectType": "StatementRef", "id": "6690e6c9-3ef0-4ed3-8b37-7f3964730bee"},
        "extensions": {"https://w3id.org/xapi/openedx/extensions/session-id": "993110e9c27848a545da74a74114158d"},
    },
    "timestamp": "2023-01-17T16:22:24.291619+00:00",
    "stored": "20230117T162226Z",
    "version": "1.0.3",
    "authority": {"objectType": "Agent", "mbox": "mailto:lrs@example.org"},  # as an LRS adds it
}


def line_of(statement: Any) -> bytes:
    return json.dumps(statement, ensure_ascii=False).encode()


def with_edit(path: tuple[str | int, ...], value: Any) -> bytes:
    statement = copy.deepcopy(BASE)
    parent = statement
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return line_of(statement)


def accepted_soundly(line: bytes) -> bool:
    """Assert soundness of `line` under every rule choice; True when the fast path accepted it under at least one."""
    statement, checks = None, {}
    for version in VERSIONS:
        clean = clean_statement(line, version)
        if clean is None:
            continue
        if statement is None:
            statement = json.loads(line)
        assert clean == statement
        check = checks.get(version) or validate_statement(statement, version)
        checks[check.version] = check  # None means the version validate_statement chose: no need to run it twice
        # getattr: warnings come with the tolerant full model; until then a check has none
        assert check.errors == [] and getattr(check, "warnings", []) == [], (version, line[:300], check)
    return statement is not None


def shared_lines(path: Path) -> list[bytes]:
    if not path.exists():
        pytest.skip(f"{path} not found (the ../shared checkout is absent)")
    return path.read_bytes().splitlines()


@cache
def cohort_lines() -> list[bytes]:
    cohort = build_cohort(learners=200, seed=11)
    return [line.encode() for lines in cohort.files.values() for line in lines]


# --- soundness ------------------------------------------------------------------------------------


def test_base_statement_is_clean() -> None:
    assert accepted_soundly(line_of(BASE))
    assert all(clean_statement(line_of(BASE), version) is not None for version in VERSIONS)


def test_sound_on_the_xapi_corpus() -> None:
    raws = [json.loads(line)["raw"] for line in shared_lines(CORPUS) if line.strip()]
    # surrogatepass: a lone surrogate in a raw statement becomes invalid UTF-8, one more input to survive
    accepted = sum(accepted_soundly(raw.encode("utf-8", "surrogatepass")) for raw in raws)
    print(f"xAPI corpus: fast path accepted {accepted} of {len(raws)} lines")


def test_sound_on_open_edx_statements() -> None:
    lines = shared_lines(OPENEDX)
    accepted = sum(accepted_soundly(line) for line in lines)
    print(f"Open edX statements: fast path accepted {accepted} of {len(lines)} lines")


def test_sound_on_a_generated_cohort() -> None:
    for line in cohort_lines():
        accepted_soundly(line)


def _mutations(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[str | int, ...], str, Any]]:
    """(path, kind, new value) for every edit of the node at `path` and below: drop, wrong value, unknown key."""
    if path:
        yield path, "drop", None
        for wrong in WRONG_VALUES:
            yield path, "set", wrong
    if isinstance(value, dict):
        yield path, "add", None
        for key, child in value.items():
            yield from _mutations(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _mutations(child, (*path, index))


def _mutated(template: bytes, path: tuple[str | int, ...], kind: str, value: Any) -> bytes:
    mutated = json.loads(template)  # a fresh copy, cheaper than deepcopy
    parent: Any = mutated
    for step in path[:-1] if kind != "add" else path:
        parent = parent[step]
    if kind == "drop":
        del parent[path[-1]]
    elif kind == "set":
        parent[path[-1]] = value
    else:
        parent[UNKNOWN_KEY] = "x"
    return line_of(mutated)


def _paths(value: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    yield path
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from _paths(child, (*path, key))


def _templates() -> list[bytes]:
    """One valid statement per shape (verb and property paths) of the Open edX set and of the cohort, and BASE."""
    lines = cohort_lines() + (OPENEDX.read_bytes().splitlines() if OPENEDX.exists() else [])
    by_shape: dict[tuple, bytes] = {}
    for line in lines:
        if clean_statement(line) is None:  # mutating a statement the fast path refuses proves little
            continue
        statement = json.loads(line)
        by_shape.setdefault((statement["verb"]["id"], frozenset(_paths(statement))), line)
    return [line_of(BASE), *by_shape.values()]


def test_sound_on_mutations() -> None:
    templates = _templates()
    mutations = accepted = 0
    for template in templates:
        for path, kind, value in _mutations(json.loads(template)):
            mutations += 1
            accepted += accepted_soundly(_mutated(template, path, kind, value))
    print(f"mutations: {mutations} of {len(templates)} templates, {accepted} accepted by the fast path")
    assert len(templates) >= 10 and mutations > 5_000


@pytest.mark.parametrize(
    "line",
    [
        b"", b"10", b"null", b"[]", b"{}", b"not json", b"\xff\xfe{}", b"\xef\xbb\xbf" + line_of(BASE),
        line_of(BASE)[:-1], line_of(BASE) + b"x", line_of(BASE).replace(b"Video 1", b"\xed\xa0\x80"),
        line_of(BASE).replace(b"Video 1", b"\\ud800"), line_of(BASE).replace(b"Video 1", b"a\nb"),
        line_of(BASE).replace(b"652.0", b"1e400"), line_of(BASE).replace(b"652.0", b"NaN"),
        line_of(BASE).replace(b"652.0", b"9" * 5000), line_of(BASE).replace(b"652.0", b"[" * 100_000),
        line_of(BASE).replace(b"652.0", b"[" * 100_000 + b"]" * 100_000),
        line_of(BASE).replace(b'"raw": 2', b'"raw": 1' + b"0" * 400),
    ],
)  # fmt: skip
def test_never_raises(line: bytes) -> None:
    try:
        json.loads(line)
    except (ValueError, RecursionError):
        assert all(clean_statement(line, version) is None for version in VERSIONS)
    else:
        accepted_soundly(line)


@pytest.mark.parametrize(
    "score",
    [
        {"raw": 9007199254740993, "max": 9007199254740992}, {"raw": 9007199254740992, "min": 9007199254740993},
        {"raw": 10**30, "max": 1e30}, {"raw": 18446744073709551617, "max": 18446744073709551616},
        {"min": -0.0, "max": 0}, {"min": 0, "max": 5e-324}, {"scaled": -1}, {"scaled": 1.0000000000000002},
        {"raw": 1.7976931348623157e308}, {"scaled": 1, "raw": 1, "min": 1, "max": 2},
    ],
)  # fmt: skip
def test_sound_on_score_edges(score: dict) -> None:
    accepted_soundly(with_edit(("result", "score"), score))


def test_sound_on_unusual_characters() -> None:
    # Python's re (the fast path) must be no laxer than Rust's regex (pydantic-core) on \s and \S: try every space,
    # control and format character of Unicode in an IRI and in a mailto.
    unusual = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF
               and (chr(c).isspace() or unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp", "Cc", "Cf"))]
    for char in unusual:
        accepted_soundly(with_edit(("object", "id"), f"https://example.org/a{char}b"))
        accepted_soundly(with_edit(("context", "instructor"), {"mbox": f"mailto:a{char}b@example.org"}))
        accepted_soundly(with_edit(("context", "instructor"), {"mbox": f"mailto:ab@example{char}org"}))


def test_duplicate_properties_checked_as_json_loads_reads_them() -> None:
    # json.loads keeps the last value of a repeated property: that is the one the full model sees.
    line = line_of(BASE).replace(b'"max": 4', b'"max": 4, "max": 0')
    assert clean_statement(line) is None
    accepted_soundly(line)


# --- coverage ---------------------------------------------------------------------------------------


def test_covers_the_generated_cohort() -> None:
    full = fast = 0
    for line in cohort_lines():
        try:
            statement = json.loads(line)
        except ValueError:
            continue
        if not validate_statement(statement).errors:
            full += 1
            fast += clean_statement(line) is not None
    share = fast / full
    print(f"cohort: fast path accepted {fast} of the {full} lines the full model accepts ({share:.2%})")
    assert share >= 0.95


def test_coverage_of_valid_open_edx_statements() -> None:
    lines = shared_lines(OPENEDX)
    rows = [row.split("\t") for row in MANIFEST.read_text(encoding="utf-8").splitlines()]
    header, rows = rows[0], rows[1:]
    line_at, verdicts = header.index("line"), [header.index(name) for name in ("valid", "valid_ralph", "valid_spec")]
    valid = [int(row[line_at]) for row in rows if all(row[i] == "yes" for i in verdicts)]
    accepted = sum(clean_statement(lines[number - 1]) is not None for number in valid)
    print(f"Open edX: fast path accepted {accepted} of the {len(valid)} lines valid for all three checks")
    assert len(valid) == 61 and accepted > 0


def test_fast_verdict_covers_the_open_edx_bends() -> None:
    lines = shared_lines(OPENEDX)
    bent = [line for line in lines if (check := validate_statement(json.loads(line))).valid and check.warnings]
    assert len(bent) == 26 and all(fast_verdict(line) is not None for line in bent)


# --- bends in the parts of a statement: the full model's warnings, remembered ------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [(("object", "objectType"), "GroupActivity"), (("result", "score"), {"raw": 0, "min": 0, "max": 0}),
     (("context", "contextActivities", "parent", 0, "id"), "438ad672-de2c-4f0b-8876-35444e7dd746")],
)  # fmt: skip
def test_fast_verdict_gives_a_bent_part_the_full_model_warnings(path: tuple[str | int, ...], value: Any) -> None:
    line = with_edit(path, value)
    check = validate_statement(json.loads(line))
    assert check.valid and len(check.warnings) == 1
    assert fast_verdict(line) == tuple(check.warnings)
    assert fast_verdict(line) == tuple(check.warnings)  # the second time from what the part's bytes gave before
    assert clean_statement(line) is None


def test_fast_verdict_leaves_bends_in_two_parts_to_the_full_model() -> None:
    statement = copy.deepcopy(BASE)
    statement["object"]["objectType"] = "GroupActivity"
    statement["result"]["score"] = {"raw": 0, "min": 0, "max": 0}
    check = validate_statement(statement)
    assert check.valid and len(check.warnings) == 2
    assert fast_verdict(line_of(statement)) is None


def test_a_bent_part_that_breaks_another_rule_is_not_vouched_for() -> None:
    statement = copy.deepcopy(BASE)
    statement["object"]["objectType"] = "GroupActivity"
    statement["object"]["id"] = "not an iri"
    assert not validate_statement(statement).valid
    assert fast_verdict(line_of(statement)) is None


def test_part_verdicts_stay_within_their_memory_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = cohort_lines()[:3_000]
    unbounded = [fast_verdict(line) for line in lines]
    bound = 20_000
    monkeypatch.setattr(fastpath, "_PART_VERDICTS_MAX_BYTES", bound)
    for verdicts in fastpath._part_verdicts.values():
        verdicts.clear()
    monkeypatch.setattr(fastpath, "_part_verdict_bytes", 0)
    held = []
    for line, expected in zip(lines, unbounded, strict=True):
        assert fast_verdict(line) == expected
        held.append(sum(len(part) for verdicts in fastpath._part_verdicts.values() for part in verdicts))
    forgotten = sum(after < before for before, after in zip(held, held[1:]))
    assert max(held) <= bound and forgotten >= 2


# --- what the full model accepts only with a warning: always the full model's call ----------------


def test_falls_back_when_score_max_equals_min() -> None:
    assert clean_statement(with_edit(("result", "score"), {"raw": 0, "min": 0, "max": 0})) is None


@pytest.mark.parametrize(
    "path",
    [("object", "objectType"), ("context", "contextActivities", "parent", 0, "objectType"),
     ("context", "contextActivities", "grouping", "objectType")],
)  # fmt: skip
def test_falls_back_on_group_activity(path: tuple[str | int, ...]) -> None:
    assert clean_statement(with_edit(path, "GroupActivity")) is None


@pytest.mark.parametrize("key", ["timestamp", "stored"])
def test_falls_back_on_a_time_without_zone(key: str) -> None:
    for time in ("2023-01-17T16:22:24.291619", "2023-01-17T16:22:24", "2023-01-17T16:22"):
        assert clean_statement(with_edit((key,), time)) is None


@pytest.mark.parametrize(
    "path",
    [("object", "id"), ("context", "contextActivities", "parent", 0, "id"),
     ("context", "contextActivities", "grouping", "id")],
)  # fmt: skip
def test_falls_back_on_an_activity_id_that_is_not_an_iri(path: tuple[str | int, ...]) -> None:
    assert clean_statement(with_edit(path, "438AD672-DE2C-4F0B-8876-35444E7DD746")) is None


def test_falls_back_on_attachments_even_with_a_sha2_that_is_not_hex() -> None:
    attachment = {
        "usageType": "http://adlnet.gov/expapi/attachments/signature",
        "display": {"en-US": "signature"},
        "contentType": "application/octet-stream",
        "length": 4235,
        "sha2": "not hex",
    }
    assert clean_statement(with_edit(("attachments",), [attachment])) is None


def test_falls_back_on_a_team_without_object_type() -> None:
    team = {"name": "Team A", "member": [{"mbox": "mailto:ada@example.org"}]}
    assert clean_statement(with_edit(("context", "team"), team)) is None


# --- the full model's rules, kept ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("object", "id"), "https://example.org/a\n"),  # Python's `$` would match before the "\n"
        (("timestamp",), "2023-02-30T10:00:00Z"),  # the right shape, but no such day
        (("result", "duration"), "PT1.5M3S"),  # only the last component may have a fraction
        (("result", "score", "scaled"), 1.01),
        (("result", "score", "raw"), 5),
        (("result", "score", "raw"), -1),
        (("actor", "mbox"), "mailto:learner@example.org"),  # a second identifier
        (("context", "instructor"), {"name": "no identifier"}),
        (("verb", "id"), "http://adlnet.gov/expapi/verbs/voided"),  # voiding needs a StatementRef object
        (("object", "definition", "choices"), [{"id": "a"}]),  # interaction components: the full model's call
        (("context", "contextAgents"), []),  # 2.0 only: the full model's call
    ],
)  # fmt: skip
def test_refuses(path: tuple[str | int, ...], value: Any) -> None:
    assert clean_statement(with_edit(path, value)) is None


@pytest.mark.parametrize(
    ("version", "xapi_version", "clean"),
    [
        ("1.0.0", None, True), ("2.0.0", None, True), ("2.0.0", "2.0.0", True), ("1.0.3", "2.0.0", True),
        ("2.0.0", "1.0.3", False), ("1.1.0", None, False), ("1.0", None, False), ("1.0.3 ", None, False),
    ],
)  # fmt: skip
def test_version_rules_as_validate_statement_chooses(version: str, xapi_version: str | None, clean: bool) -> None:
    line = with_edit(("version",), version)
    assert (clean_statement(line, xapi_version) is not None) is clean
    accepted_soundly(line)


def test_unsupported_rules_are_a_caller_error() -> None:
    with pytest.raises(ValueError):
        clean_statement(line_of(BASE), "1.1.0")
