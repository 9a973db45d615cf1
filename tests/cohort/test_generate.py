"""`lola generate`'s library: a synthetic AI4T cohort, its files, its ground truth, and the reference metrics."""

from __future__ import annotations

import csv
import gzip
import json
import re
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipelines.cohort import Cohort, Learner, TruthStatement, build_cohort, write_cohort
from tests.reference_metrics import expected_completion, expected_engagement_weeks

LMS = "https://lms.fun-mooc.fr"
PARIS = ZoneInfo("Europe/Paris")
ANONYMOUS = "https://handbook.example.org/anonymous"
COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
WEBINAR = f"{LMS}/course/course-v1:AI4T+WEBINAR+2023"
VERBS = {
    "registered": "http://adlnet.gov/expapi/verbs/registered",
    "unregistered": "http://id.tincanapi.com/verb/unregistered",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "navigated": "https://w3id.org/xapi/dod-isd/verbs/navigated",
    "viewed": "http://id.tincanapi.com/verb/viewed",
    "initialized": "http://adlnet.gov/expapi/verbs/initialized",
    "played": "https://w3id.org/xapi/video/verbs/played",
    "paused": "https://w3id.org/xapi/video/verbs/paused",
    "seeked": "https://w3id.org/xapi/video/verbs/seeked",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "terminated": "http://adlnet.gov/expapi/verbs/terminated",
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "evaluated": "https://w3id.org/xapi/acrossx/verbs/evaluated",
    "downloaded": "http://id.tincanapi.com/verb/downloaded",
    "voided": "http://adlnet.gov/expapi/verbs/voided",
}
ERB_TIME = re.compile(r"^2023-0[1-4]-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$")
HEX32 = re.compile(r"^[0-9a-f]{32}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
VIDEO_EXT = "https://w3id.org/xapi/video/extensions/"


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    return build_cohort(learners=200, seed=7)


@pytest.fixture(scope="module")
def written(cohort: Cohort, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("cohort")
    return out, write_cohort(cohort, out)


def _file_lines(out: Path, relative: str) -> list[str]:
    raw = (out / relative).read_bytes()
    if relative.endswith(".gz"):
        raw = gzip.decompress(raw)
    return raw.decode("utf-8").splitlines()


def _tree(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _parsed(cohort: Cohort, truth: TruthStatement) -> dict:
    return json.loads(cohort.files[truth.file][truth.line - 1])


# ------------------------------------------------------------------------------------------------ files and bytes

def _generate(out: Path, seed: int) -> dict[str, bytes]:
    write_cohort(build_cohort(60, seed=seed), out)
    return _tree(out)


def test_same_seed_gives_the_same_bytes_and_another_seed_other_statements(tmp_path: Path) -> None:
    first, again, other = _generate(tmp_path / "a", 11), _generate(tmp_path / "b", 11), _generate(tmp_path / "c", 12)
    assert first == again
    assert set(first) == {"course_structure.json", "rct_assignment.csv", "handbook/handbook-2023-Q1.ndjson.gz",
                          "mooc/statements-2023-01.ndjson", "mooc/statements-2023-02.ndjson",
                          "mooc/statements-2023-03.ndjson"}
    for name in first:
        if name != "course_structure.json":  # the course is the same whichever cohort takes it
            assert first[name] != other[name], name
    assert first["course_structure.json"] == other["course_structure.json"]


def test_writing_again_overwrites_its_own_files(tmp_path: Path) -> None:
    cohort = build_cohort(20, seed=3)
    write_cohort(cohort, tmp_path)
    before = _tree(tmp_path)
    write_cohort(cohort, tmp_path)
    assert _tree(tmp_path) == before


def test_summary_counts_match_the_files(cohort: Cohort, written: tuple[Path, dict]) -> None:
    out, summary = written
    assert summary["files"] == {rel: len(_file_lines(out, rel)) for rel in summary["files"]}
    assert sum(summary["files"].values()) == len(cohort.statements)
    assert summary["mooc_lines"] + summary["handbook_lines"] == len(cohort.statements)
    fates = Counter(t.fate for t in cohort.statements)
    assert {k: summary[k] for k in fates} == fates
    assert summary["learners"] == 200 and summary["courses"] == 5
    assert not re.search(r"@|lms\.fun-mooc", json.dumps(summary)), "the summary must not carry identifiers"


def test_truth_is_aligned_with_the_file_lines(cohort: Cohort, written: tuple[Path, dict]) -> None:
    out, _ = written
    files = {rel: _file_lines(out, rel) for rel in cohort.files}
    assert [(t.file, t.line) for t in cohort.statements] == [(rel, n + 1) for rel, lines in files.items()
                                                             for n in range(len(lines))]
    for truth in cohort.statements:
        line = files[truth.file][truth.line - 1]
        try:
            statement = json.loads(line)
        except ValueError:
            assert truth.fate == "invalid" and truth.statement_id is None
            continue
        assert statement["id"] == truth.statement_id
        assert statement.get("verb", {}).get("id") == truth.verb_id
        assert statement["object"]["id"] == truth.object_id
        assert truth.has_result == bool(statement.get("result"))
        if truth.fate != "invalid":
            assert truth.timestamp.isoformat(timespec="microseconds") == statement["timestamp"]
            assert truth.source == ("handbook" if truth.file.startswith("handbook/") else "mooc")
            if truth.account is not None:
                account = statement["actor"]["account"]
                assert truth.account == (account["homePage"], account["name"])


def test_mooc_files_are_chronological_by_month(cohort: Cohort) -> None:
    for truth in cohort.statements:
        if truth.source == "mooc" and truth.timestamp is not None:
            assert truth.file == f"mooc/statements-2023-{truth.timestamp.month:02d}.ndjson"
    times = [t.timestamp for t in cohort.statements if t.source == "mooc" and t.fate != "invalid"]
    assert times == sorted(times)


# --------------------------------------------------------------------------------------------- statement shapes

def _check_erb_shape(statement: dict) -> None:
    assert statement["version"] == "1.0.3"
    assert UUID.match(statement["id"])
    assert statement["actor"] == {"objectType": "Agent",
                                  "account": {"homePage": LMS, "name": statement["actor"]["account"]["name"]}}
    verb = statement["verb"]["id"]
    assert verb in VERBS.values()
    assert ERB_TIME.match(statement["timestamp"]) and ERB_TIME.match(statement["stored"])
    delay = datetime.fromisoformat(statement["stored"]) - datetime.fromisoformat(statement["timestamp"])
    assert timedelta(0) < delay < timedelta(seconds=10)
    obj = statement["object"]
    if verb == VERBS["voided"]:
        assert obj["objectType"] == "StatementRef" and UUID.match(obj["id"])
        return
    context = statement["context"]
    assert context["extensions"]["https://w3id.org/xapi/openedx/extension/transformer-version"].startswith(
        "event-routing-backends@")
    if verb != VERBS["registered"]:
        assert HEX32.match(context["extensions"]["https://w3id.org/xapi/openedx/extensions/session-id"])
    if verb in (VERBS["registered"], VERBS["unregistered"], VERBS["passed"], VERBS["failed"]):
        assert obj["definition"]["type"] == COURSE_TYPE and "contextActivities" not in context
    else:
        (parent,) = context["contextActivities"]["parent"]
        assert parent["definition"]["type"] == COURSE_TYPE and parent["objectType"] == "Activity"
        assert obj["id"].startswith(f"{LMS}/xblock/block-v1:AI4T+")
    result = statement.get("result", {})
    kind = obj["definition"]["type"]
    if kind == "https://w3id.org/xapi/video/activity-type/video":
        length = context["extensions"].get(VIDEO_EXT + "length")  # the webinar recording's player reports none
        assert (length is None and "+WEBINAR+" in obj["id"]) or 180 <= length <= 720
        playhead = result.get("extensions", {})
        assert all(0 <= v <= (length or 3000) + 2.5 for v in playhead.values())  # a player may overshoot the end
        if verb == VERBS["completed"]:
            assert result["completion"] is True and re.match(r"^PT\d\dM\d\dS$", result["duration"])
        if verb == VERBS["seeked"]:
            assert set(playhead) == {VIDEO_EXT + "time-from", VIDEO_EXT + "time-to"}
    if verb == VERBS["evaluated"]:
        score = result["score"]
        assert score["min"] <= score["raw"] <= score["max"] and score["scaled"] == round(score["raw"] / score["max"], 4)
        assert isinstance(result["success"], bool) and isinstance(result["response"], str)
        assert obj["definition"]["interactionType"] in ("choice", "long-fill-in")
    if verb == VERBS["attempted"]:
        assert "result" not in statement
    if verb in (VERBS["passed"], VERBS["failed"]):
        assert result["success"] is (verb == VERBS["passed"]) and 0 <= result["score"]["scaled"] <= 1


def test_every_valid_mooc_line_has_the_erb_shape(cohort: Cohort) -> None:
    verbs = Counter()
    for truth in cohort.statements:
        if truth.source == "mooc" and truth.fate != "invalid":
            statement = _parsed(cohort, truth)
            _check_erb_shape(statement)
            verbs[statement["verb"]["id"]] += 1
    assert set(verbs) == set(VERBS.values()) - {VERBS["downloaded"]}


def test_every_handbook_line_has_the_tracker_shape(cohort: Cohort) -> None:
    names = {learner.account_name: learner.full_name for learner in cohort.learners}
    for truth in cohort.statements:
        if truth.source != "handbook":
            continue
        statement = _parsed(cohort, truth)
        assert statement["version"] == "1.0.3" and UUID.match(statement["id"]) and "stored" not in statement
        assert "contextActivities" not in statement["context"] and truth.course_id is None
        viewed = statement["verb"]["id"] == VERBS["viewed"]
        assert viewed or statement["verb"]["id"] == VERBS["downloaded"]
        assert statement["object"]["definition"]["type"] == ("http://activitystrea.ms/schema/1.0/page" if viewed
                                                             else "http://activitystrea.ms/schema/1.0/file")
        assert re.match(r"^https://handbook\.ai4t\.eu/(fr|en|it|sl|de)/[a-z0-9.-]+$", statement["object"]["id"])
        actor = statement["actor"]
        if actor["account"]["homePage"] == ANONYMOUS:
            assert truth.account is None and HEX32.match(actor["account"]["name"]) and "name" not in actor
        else:
            # the tracker's canary: the same FUN account, with the learner's full name beside it
            assert truth.account == (LMS, actor["account"]["name"])
            assert actor["name"] == names[actor["account"]["name"]]


def test_anonymous_visitors_have_no_account_in_the_truth(cohort: Cohort) -> None:
    anonymous = [t for t in cohort.statements if t.source == "handbook" and t.account is None]
    known = [t for t in cohort.statements if t.source == "handbook" and t.account is not None]
    assert anonymous and known
    assert all(_parsed(cohort, t)["actor"]["account"]["homePage"] == ANONYMOUS for t in anonymous)


def test_bad_input_covers_every_kind_and_is_invalid(cohort: Cohort) -> None:
    emails = {learner.account_name: learner.email for learner in cohort.learners}
    invalid = [t for t in cohort.statements if t.fate == "invalid"]
    mooc = [t for t in cohort.statements if t.source == "mooc"]
    assert 0.007 < len(invalid) / len(mooc) < 0.013
    kinds = Counter()
    for truth in invalid:
        assert truth.source == "mooc"
        try:
            statement = _parsed(cohort, truth)
        except ValueError:
            kinds["truncated"] += 1
            continue
        if "verb" not in statement:
            kinds["no verb"] += 1
        elif not ERB_TIME.match(statement["timestamp"]):
            assert truth.timestamp is None
            kinds["prose timestamp"] += 1
        elif "mbox" in statement["actor"]:
            assert statement["actor"]["mbox"] == f"mailto:{emails[statement['actor']['account']['name']]}"
            kinds["two IFIs"] += 1
        elif statement.get("result", {}).get("score", {}).get("scaled") == 1.7:
            assert truth.result_score_scaled == 1.7
            kinds["scaled 1.7"] += 1
        else:
            assert statement["object"]["id"] == "not an iri"
            kinds["not an IRI"] += 1
    assert len(kinds) == 6 and min(kinds.values()) >= len(invalid) // 6


def test_bad_share_zero_gives_no_invalid_line() -> None:
    cohort = build_cohort(60, seed=5, bad_share=0)
    assert all(t.fate != "invalid" for t in cohort.statements)
    for truth in cohort.statements:
        json.loads(cohort.files[truth.file][truth.line - 1])


def test_one_voiding_statement_voids_an_earlier_played_or_evaluated(cohort: Cohort) -> None:
    (voiding,) = [t for t in cohort.statements if t.fate == "voiding"]
    (voided,) = [t for t in cohort.statements if t.fate == "voided"]
    assert voiding.verb_id == VERBS["voided"] and voiding.object_id == voided.statement_id
    assert voided.verb_id in (VERBS["played"], VERBS["evaluated"]) and voided.timestamp < voiding.timestamp
    assert voiding.course_id is None and voiding.object_type is None


def test_duplicates_repeat_the_line_before_and_ids_are_otherwise_unique(cohort: Cohort) -> None:
    duplicates = [t for t in cohort.statements if t.fate == "duplicate"]
    assert 0.003 < len(duplicates) / len(cohort.statements) < 0.007
    for truth in duplicates:
        lines = cohort.files[truth.file]
        assert lines[truth.line - 1] == lines[truth.line - 2]
    ids = [t.statement_id for t in cohort.statements if t.fate not in ("invalid", "duplicate")]
    assert len(ids) == len(set(ids))


# -------------------------------------------------------------------------------------------- course structure

def test_the_structure_file_has_the_contract_format(cohort: Cohort, written: tuple[Path, dict]) -> None:
    out, _ = written
    structure = json.loads((out / "course_structure.json").read_text(encoding="utf-8"))
    assert structure == cohort.structure
    assert [c["course_id"] for c in structure] == [
        f"{LMS}/course/course-v1:AI4T+{lang}+2023_T1" for lang in ("FR", "EN", "IT", "SL", "DE")]
    assert [c["language"] for c in structure] == ["fr", "en", "it", "sl", "de"]
    for course in structure:
        assert set(course) == {"course_id", "title", "start", "end", "language", "modules"}
        assert (course["start"], course["end"]) == ("2023-01-09", "2023-03-31") and course["title"]
        key = course["course_id"].rsplit("course-v1:", 1)[1]
        assert [m["position"] for m in course["modules"]] == [1, 2, 3, 4, 5]
        for module in course["modules"]:
            assert set(module) == {"id", "title", "position", "items"}
            assert re.match(rf"^{LMS}/xblock/block-v1:{re.escape(key)}\+type@chapter\+block@[0-9a-f]{{32}}$",
                            module["id"])
            kinds = Counter((i["type"], i["required"]) for i in module["items"])
            if module["position"] == 5:  # "going further": no required item
                assert kinds == {("video", False): 1, ("page", False): 2}
            else:
                assert kinds == {("video", True): 3, ("problem", True): 2, ("page", True): 1, ("page", False): 1}
            for item in module["items"]:
                assert set(item) == {"id", "type", "required", "title", "video_length_s"}
                block = {"video": "video", "problem": "problem", "page": "html"}[item["type"]]
                assert re.match(rf"^{LMS}/xblock/block-v1:{re.escape(key)}\+type@{block}\+block@[0-9a-f]{{32}}$",
                                item["id"])
                # The second video of module 2 is hosted outside the LMS: the export has no length for it.
                if item["type"] == "video" and not item["title"].endswith(" 2.2"):
                    assert 180 <= item["video_length_s"] <= 720
                else:
                    assert item["video_length_s"] is None


def test_statement_objects_are_the_structure_ids(cohort: Cohort) -> None:
    courses = {c["course_id"]: c for c in cohort.structure}
    for truth in cohort.statements:
        if truth.fate != "counted" or truth.course_id not in courses:
            continue
        course = courses[truth.course_id]
        known = {course["course_id"]} | {m["id"] for m in course["modules"]} | {
            i["id"] for m in course["modules"] for i in m["items"]}
        assert truth.object_id in known
    webinar = [t for t in cohort.statements if t.course_id == WEBINAR and t.fate == "counted"]
    assert webinar and {VERBS["navigated"], VERBS["viewed"], VERBS["played"]} <= {t.verb_id for t in webinar}
    assert not {t.verb_id for t in webinar} & {VERBS["registered"], VERBS["completed"]}


# ---------------------------------------------------------------------------------------------- people and RCT

def test_learners_are_unique_realistic_fun_accounts(cohort: Cohort) -> None:
    learners = cohort.learners
    assert len(learners) == 200
    assert len({l.account_name for l in learners}) == 200 and len({l.email for l in learners}) == 200
    assert all(re.match(r"^[a-z0-9._]+$", l.account_name) and l.account_home_page == LMS for l in learners)
    languages = Counter(l.language for l in learners)
    assert set(languages) == {"fr", "en", "it", "sl", "de"} and 0.3 < languages["fr"] / 200 < 0.5
    assert all((l.school_code is None) == (l.arm is None) for l in learners)
    assert {l.arm for l in learners} == {"treatment", "control", None}


def test_rct_teachers_who_took_the_mooc_are_learners(cohort: Cohort, written: tuple[Path, dict]) -> None:
    out, _ = written
    with open(out / "rct_assignment.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["school_code", "school_name", "country", "arm", "teacher_name", "teacher_email",
                             "fun_username"]
    by_username = {l.account_name: l for l in cohort.learners}
    taking = [r for r in rows if r["fun_username"]]
    assert taking and len(taking) < len(rows)
    for row in taking:
        learner = by_username[row["fun_username"]]
        assert (learner.email, learner.full_name, learner.school_code, learner.arm) == (
            row["teacher_email"], row["teacher_name"], row["school_code"], row["arm"])
    assert {r["fun_username"] for r in taking} == {l.account_name for l in cohort.learners if l.school_code}
    formats = {"FR": r"^FR-\d{7}[A-Z]$", "IE": r"^IE-\d{5}[A-Z]$", "IT": r"^IT-[A-Z]{4}\d{5}[A-Z]$",
               "SI": r"^SI-\d{4}$", "LU": r"^LU-\d{4}$"}
    assert all(re.match(formats[r["country"]], r["school_code"]) for r in rows)
    arms = {r["school_code"]: r["arm"] for r in rows}
    assert set(arms.values()) == {"treatment", "control"}
    # Treatment teachers were asked to take the MOOC; control teachers rarely did.
    share = {arm: sum(r["fun_username"] != "" for r in rows if r["arm"] == arm) /
             sum(r["arm"] == arm for r in rows) for arm in ("treatment", "control")}
    assert share["treatment"] > 0.6 > 0.3 > share["control"]


def test_behaviour_has_the_cases_the_pipeline_must_handle(cohort: Cohort) -> None:
    counted = [t for t in cohort.statements if t.fate == "counted" and t.account is not None]
    per_learner = len(cohort.statements) / len(cohort.learners)
    assert 45 < per_learner < 90
    pairs = {(t.account, t.course_id) for t in counted if t.course_id}
    registered = {(t.account, t.course_id) for t in counted if t.verb_id == VERBS["registered"]}
    assert {p for p in pairs - registered if p[1] != WEBINAR}, "some learners have activity but no registration"
    assert any(t.verb_id == VERBS["unregistered"] for t in counted)
    outcomes: dict[tuple, list[str]] = {}
    for t in sorted(counted, key=lambda t: t.timestamp):
        if t.verb_id in (VERBS["passed"], VERBS["failed"]):
            outcomes.setdefault((t.account, t.course_id), []).append(t.verb_id.rsplit("/", 1)[1])
    assert ["failed", "passed"] in outcomes.values(), "some learners fail first and pass later"
    local_hours = {t.timestamp.astimezone(PARIS).hour for t in counted}
    assert min(local_hours) >= 8 and max(local_hours) <= 21
    assert any(t.verb_id == VERBS["attempted"] and not t.has_result for t in counted)


# ---------------------------------------------------------------------------- reference metrics, hand-worked

A = (LMS, "ana.novak")
C = "https://lms.example.org/course/C"
W = "https://lms.example.org/course/W"  # a course with no structure
VIDEO = "https://w3id.org/xapi/video/activity-type/video"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
PAGE = "http://activitystrea.ms/schema/1.0/page"
STRUCTURE = [{
    "course_id": C, "title": "C", "start": "2023-01-09", "end": "2023-01-29",
    "modules": [
        {"id": "M1", "title": "M1", "position": 1, "items": [
            {"id": "V1", "type": "video", "required": True, "title": "V1", "video_length_s": 300},
            {"id": "P1", "type": "problem", "required": True, "title": "P1", "video_length_s": None},
            {"id": "G1", "type": "page", "required": True, "title": "G1", "video_length_s": None},
            {"id": "O1", "type": "page", "required": False, "title": "O1", "video_length_s": None}]},
        {"id": "M2", "title": "M2", "position": 2, "items": [
            {"id": "V2", "type": "video", "required": True, "title": "V2", "video_length_s": 300},
            {"id": "P2", "type": "problem", "required": True, "title": "P2", "video_length_s": None}]},
        {"id": "M3", "title": "M3", "position": 3, "items": [  # no required item: complete once any item is
            {"id": "O3", "type": "page", "required": False, "title": "O3", "video_length_s": None},
            {"id": "V3", "type": "video", "required": False, "title": "V3", "video_length_s": 300}]},
    ],
}]


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def _t(n: int, verb: str, obj: str, when: str, *, course: str | None = C, object_type: str | None = None,
       source: str = "mooc", account: tuple[str, str] | None = A, success: bool | None = None,
       scaled: float | None = None, has_result: bool = False, fate: str = "counted",
       stored: str | None = None) -> TruthStatement:
    return TruthStatement(source, "hand.ndjson", n, f"00000000-0000-4000-8000-{n:012d}", account, VERBS[verb], obj,
                          object_type, course, _utc(when), success, scaled, has_result, fate,
                          _utc(stored) if stored else None)


HAND_STATEMENTS = [
    _t(1, "registered", C, "2023-01-10T08:00:00", object_type=COURSE_TYPE),
    _t(2, "played", "V1", "2023-01-10T08:05:00", object_type=VIDEO),
    _t(3, "completed", "V1", "2023-01-10T08:15:00", object_type=VIDEO, has_result=True),
    _t(4, "attempted", "P1", "2023-01-10T08:20:00", object_type=INTERACTION),  # no result: not an attempt
    # Sunday 23:30 UTC is Monday 00:30 in Paris: next local day, next local week.
    _t(5, "evaluated", "P1", "2023-01-15T23:30:00", object_type=INTERACTION, success=False, scaled=0.0,
       has_result=True),
    _t(6, "viewed", "G1", "2023-01-16T10:00:00", object_type=PAGE),
    _t(7, "evaluated", "P2", "2023-01-17T10:00:00", object_type=INTERACTION, success=True, scaled=1.0,
       has_result=True),
    _t(8, "played", "V2", "2023-01-17T10:05:00", object_type=VIDEO),  # never completed: M2 stays incomplete
    _t(9, "viewed", "O3", "2023-01-17T10:10:00", object_type=PAGE),
    # In file order the pass comes before the earlier fail: the latest by time counts.
    _t(11, "passed", C, "2023-01-18T09:00:00", object_type=COURSE_TYPE, success=True, scaled=0.8, has_result=True),
    _t(10, "failed", C, "2023-01-17T11:00:00", object_type=COURSE_TYPE, success=False, scaled=0.55, has_result=True),
    _t(12, "viewed", "https://handbook.ai4t.eu/en/ethics", "2023-01-18T12:00:00", course=None, object_type=PAGE,
       source="handbook"),
    _t(13, "viewed", "https://handbook.ai4t.eu/en/ethics", "2023-01-18T12:05:00", course=None, object_type=PAGE,
       source="handbook"),
    _t(14, "downloaded", "https://handbook.ai4t.eu/en/ai4t-handbook-en.pdf", "2023-01-18T12:10:00", course=None,
       object_type="http://activitystrea.ms/schema/1.0/file", source="handbook"),
    # Statements that must not count.
    _t(15, "played", "V3", "2023-01-24T10:00:00", object_type=VIDEO, fate="voided"),
    _t(16, "completed", "V1", "2023-01-10T08:15:00", object_type=VIDEO, has_result=True, fate="duplicate"),
    _t(17, "completed", "V2", "2023-01-25T10:00:00", object_type=VIDEO, has_result=True, fate="invalid"),
    _t(18, "viewed", "https://handbook.ai4t.eu/en/ethics", "2023-01-18T12:00:00", course=None, object_type=PAGE,
       source="handbook", account=None),
    # The same learner in a course the structure file does not describe.
    _t(19, "viewed", "W-page", "2023-01-18T15:00:00", course=W, object_type=PAGE),
    _t(20, "navigated", "W-module", "2023-01-19T15:00:00", course=W,
       object_type="http://adlnet.gov/expapi/activities/module"),
    _t(21, "evaluated", "W-quiz", "2023-01-19T15:05:00", course=W, object_type=INTERACTION, has_result=True),
]
HAND_LEARNER = Learner(LMS, "ana.novak", "ana.novak@siol.net", "Ana Novak", None, None, "sl")


def _hand_cohort(statements: list[TruthStatement] = HAND_STATEMENTS) -> Cohort:
    return Cohort(STRUCTURE, [HAND_LEARNER], statements, [], {})


def test_reference_completion_on_a_hand_worked_cohort() -> None:
    rows = expected_completion(_hand_cohort())
    assert set(rows) == {(A, C), (A, W)}
    assert rows[(A, C)] == {
        "enrolled_at": _utc("2023-01-10T08:00:00"),
        "first_activity_at": _utc("2023-01-10T08:00:00"),
        "last_activity_at": _utc("2023-01-18T09:00:00"),
        "n_events": 11,
        "active_days": 4,  # Jan 10, 16 (00:30 local), 17, 18
        "videos_completed": 1,
        "videos_played": 2,
        "problems_attempted": 2,
        "problems_passed": 1,
        "modules_total": 3,
        "modules_completed": 2,  # M1 (V1 completed, P1 evaluated, G1 viewed) and M3 (O3 viewed)
        "completed": False,
        "passed": True,
        "grade": 0.8,
    }
    assert rows[(A, W)] == {
        "enrolled_at": _utc("2023-01-18T15:00:00"),  # no registration: the first statement
        "first_activity_at": _utc("2023-01-18T15:00:00"),
        "last_activity_at": _utc("2023-01-19T15:05:00"),
        "n_events": 3, "active_days": 2, "videos_completed": 0, "videos_played": 0,
        "problems_attempted": 1,  # no structure: a cmi.interaction object with a result
        "problems_passed": 0, "modules_total": None, "modules_completed": None, "completed": None,
        "passed": None, "grade": None,
    }


def test_reference_engagement_weeks_on_a_hand_worked_cohort() -> None:
    rows = expected_engagement_weeks(_hand_cohort())
    zero = {"n_events": 0, "active_days": 0, "videos_played": 0, "problems_attempted": 0,
            "handbook_pages_viewed": 0}
    assert rows == {
        (A, C, date(2023, 1, 9)): {**zero, "n_events": 4, "active_days": 1, "videos_played": 1},
        (A, C, date(2023, 1, 16)): {"n_events": 7, "active_days": 3, "videos_played": 1, "problems_attempted": 2,
                                    "handbook_pages_viewed": 2},
        (A, C, date(2023, 1, 23)): zero,  # zero-filled up to the week of the course end
        # a course with no structure ends with the learner's last activity
        (A, W, date(2023, 1, 16)): {**zero, "n_events": 3, "active_days": 2, "problems_attempted": 1,
                                    "handbook_pages_viewed": 2},
    }


def test_reference_attempt_needs_a_result_and_outcome_ties_go_to_stored() -> None:
    without_check = [s for s in HAND_STATEMENTS if s.statement_id != HAND_STATEMENTS[4].statement_id]
    row = expected_completion(_hand_cohort(without_check))[(A, C)]
    assert (row["problems_attempted"], row["modules_completed"]) == (1, 1)  # P1 only has a result-less attempt
    tied = [
        _t(1, "passed", C, "2023-02-01T10:00:00", object_type=COURSE_TYPE, success=True, scaled=0.9, has_result=True,
           stored="2023-02-01T10:00:01"),
        _t(2, "failed", C, "2023-02-01T10:00:00", object_type=COURSE_TYPE, success=False, has_result=True,
           stored="2023-02-01T10:00:02"),
    ]
    row = expected_completion(_hand_cohort(tied))[(A, C)]
    assert (row["passed"], row["grade"]) == (False, None)


def test_reference_metrics_agree_with_the_generated_truth(cohort: Cohort) -> None:
    rows = expected_completion(cohort)
    weeks = expected_engagement_weeks(cohort)
    counted = [t for t in cohort.statements if t.fate == "counted" and t.account and t.course_id]
    assert len(rows) == len({(t.account, t.course_id) for t in counted})
    assert sum(r["n_events"] for r in rows.values()) == len(counted)
    assert sum(w["n_events"] for w in weeks.values()) == len(counted)
    assert any(r["completed"] for r in rows.values()) and any(r["passed"] for r in rows.values())
    assert all(r["modules_total"] is None for (_, course), r in rows.items() if course == WEBINAR)
    spans: dict[tuple, list[date]] = {}
    for account, course, week in sorted(weeks):
        spans.setdefault((account, course), []).append(week)
    for (account, course), span in spans.items():
        assert span == [span[0] + timedelta(weeks=n) for n in range(len(span))]  # zero-filled, Monday to Monday
        if course != WEBINAR:
            assert span[-1] == date(2023, 3, 27)  # the week of the course end, 2023-03-31


def test_build_cohort_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        build_cohort(0)
    with pytest.raises(ValueError):
        build_cohort(10, bad_share=0.9)
