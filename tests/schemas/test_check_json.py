"""The validator's entry points (check_json for the pipeline, verdict_json for `lola validate`) give exactly the
full model's answer, fast paths included: same errors, same warnings, same statement as read.

The reference is the full pydantic model with every fast path switched off, on the same parse."""

import json

import pytest

from schemas import validation
from schemas.fastpath import decode_json
from schemas.validation import check_json, verdict_json
from tests.schemas.test_fastpath import (CORPUS, OPENEDX, VERSIONS, _mutated, _mutations, cohort_lines, line_of,
                                         shared_lines)
from tests.schemas.test_validation import BASE


def reference(line: bytes, version: str | None) -> validation.StatementCheck | None:
    """The full model alone; None when the line is not JSON."""
    try:
        value = decode_json(line)
    except ValueError:
        return None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(validation, "clean_read", lambda *_: False)
        return validation.validate_statement(value, version)


def assert_same(line: bytes) -> bool:
    """Assert both entry points agree with the reference under every rule choice; True when valid under one."""
    valid = False
    for version in VERSIONS:
        expected = reference(line, version)
        got = check_json(line, version)
        assert verdict_json(line, version) == (got.check.errors, got.check.warnings)
        if expected is None:
            assert got.value is None and got.check.errors[0].startswith("$: not valid JSON"), line[:200]
            continue
        assert (got.check.errors, got.check.warnings) == (expected.errors, expected.warnings), (version, line[:300])
        if expected.valid:
            assert got.check.statement == expected.statement == got.value, (version, line[:300])
            valid = True
    return valid


def test_same_answer_on_the_xapi_corpus() -> None:
    lines = [json.loads(case)["raw"].encode() for case in shared_lines(CORPUS)]
    assert sum(assert_same(line) for line in lines) > 2_500


def test_same_answer_on_open_edx_statements() -> None:
    assert sum(assert_same(line) for line in shared_lines(OPENEDX)) == 89  # all but the one with no object id


def test_same_answer_on_a_generated_cohort() -> None:
    assert sum(assert_same(line) for line in cohort_lines()) > 14_000


def _bent_templates() -> list[bytes]:
    """The valid-with-warning Open edX statements, one per bend, and BASE with each bend applied."""
    lines = shared_lines(OPENEDX)
    bent: dict[tuple[str, ...], bytes] = {}
    for line in lines:
        check = check_json(line).check
        if check.valid and check.warnings:
            bent.setdefault(tuple(w.split(": ")[0] for w in check.warnings), line)
    base_bends = [
        {**BASE, "object": {**BASE["object"], "objectType": "GroupActivity"}},
        {**BASE, "timestamp": "2024-03-01T10:00:00"},
        {**BASE, "result": {**BASE["result"], "score": {"min": 0, "max": 0, "raw": 0}}},
    ]
    return [*bent.values(), *(line_of(s) for s in base_bends)]


def test_same_answer_on_mutations_of_bent_statements() -> None:
    templates = _bent_templates()
    mutations = 0
    for template in templates:
        assert assert_same(template)
        for path, kind, value in _mutations(json.loads(template)):
            mutations += 1
            assert_same(_mutated(template, path, kind, value))
    assert len(templates) >= 4 and mutations > 2_000


def test_check_json_never_modifies_what_validate_statement_is_given() -> None:
    statement = {**BASE, "object": {**BASE["object"], "objectType": "GroupActivity"}}
    before = json.dumps(statement)
    assert validation.validate_statement(statement).warnings
    assert json.dumps(statement) == before


@pytest.mark.parametrize("number", ["1e400", "-1.5E+400", "9" * 320 + ".5"])
def test_a_number_beyond_a_double_is_not_valid_json_on_every_path(number: str) -> None:
    line = json.dumps(BASE).replace('"result": {', '"result": {"extensions": {"https://example.org/n": ' + number + '}, ', 1)
    assert number in line
    assert_same(line.encode())
    assert not check_json(line.encode()).check.valid
