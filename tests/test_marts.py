"""The analytics marts of CONTRACT §4.2, cell by cell, against the independent reading in tests/reference_metrics.py.

First the reference itself, on hand-written statements whose values are worked out here by hand; then the warehouse:
`lola generate` a cohort that exercises every rule (checked), `lola refresh --all` through the real CLI, and every
cell of every new mart in the analysts' copy compared with the reference; last, `lola erase` of a trial teacher.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from numbers import Number

import pytest

from pipelines.cohort import Cohort, Learner, School, Teacher, TruthStatement, build_cohort
from pipelines.cohort.course import LMS_ROOT
from schemas.pseudonyms import Pseudonymizer
from tests.reference_metrics import (
    expected_funnel, expected_learner_courses, expected_learner_modules, expected_learner_videos,
    expected_rct_outcomes, rule_cases, statement_pid, without_person,
)
from tests.test_end_to_end import KEY, OUTSIDE_THE_TRIAL, learner_pid, rct_columns, run, table

ADL, VIDEO_VERB = "http://adlnet.gov/expapi/verbs/", "https://w3id.org/xapi/video/verbs/"
VERBS = {
    "registered": ADL + "registered", "unregistered": "http://id.tincanapi.com/verb/unregistered",
    "passed": ADL + "passed", "navigated": "https://w3id.org/xapi/dod-isd/verbs/navigated",
    "viewed": "http://id.tincanapi.com/verb/viewed", "initialized": ADL + "initialized",
    "played": VIDEO_VERB + "played", "paused": VIDEO_VERB + "paused", "seeked": VIDEO_VERB + "seeked",
    "completed": ADL + "completed", "terminated": ADL + "terminated",
    "evaluated": "https://w3id.org/xapi/acrossx/verbs/evaluated",
    "downloaded": "http://id.tincanapi.com/verb/downloaded",
}
VIDEO = "https://w3id.org/xapi/video/activity-type/video"
PAGE = "http://activitystrea.ms/schema/1.0/page"
MODULE = "http://adlnet.gov/expapi/activities/module"
COURSE = "http://adlnet.gov/expapi/activities/course"
INTERACTION = "http://adlnet.gov/expapi/activities/cmi.interaction"
TEST_KEY = bytes.fromhex(KEY)

# ------------------------------------------------------------------------------ the reference, worked out by hand

C = "https://lms.example.org/course/C"
E = "https://lms.example.org/course/E"  # in the structure, nobody registers
W = "https://lms.example.org/course/W"  # not in the structure
ANA, BOB, DORA, ZED = ((LMS_ROOT, name) for name in ("ana", "bob", "dora", "zed"))


def _item(item_id: str, kind: str, required: bool, length: int | None = None) -> dict:
    return {"id": item_id, "type": kind, "required": required, "title": item_id, "video_length_s": length}


STRUCTURE = [
    {"course_id": C, "title": "C", "start": "2023-01-09", "end": "2023-01-29", "modules": [
        {"id": "M1", "title": "M1", "position": 1, "items": [
            _item("V1", "video", True, 300), _item("P1", "problem", True), _item("G1", "page", True),
            _item("O1", "page", False)]},
        {"id": "M2", "title": "M2", "position": 2, "items": [  # no required item; V2 has no length in the export
            _item("O2", "page", False), _item("V2", "video", False)]},
        {"id": "M3", "title": "M3", "position": 3, "items": [_item("V3", "video", True, 200)]},
    ]},
    {"course_id": E, "title": "E", "start": "2023-01-09", "end": "2023-01-29", "modules": [
        {"id": "ME1", "title": "ME1", "position": 1, "items": [_item("PE1", "page", True)]},
        {"id": "ME2", "title": "ME2", "position": 2, "items": [_item("PE2", "page", True)]}]},
]


def _at(when: str) -> datetime:
    """A UTC instant; a bare time is on 2023-01-10 (a Tuesday; 09:00-11:00 in Paris)."""
    return datetime.fromisoformat(when if "T" in when else f"2023-01-10T{when}").replace(tzinfo=timezone.utc)


def _s(n: int, verb: str, obj: str, when: str, *, who: tuple[str, str] | None = ANA, course: str | None = C,
       object_type: str | None = VIDEO, source: str = "mooc", time: float | None = None,
       time_from: float | None = None, length: float | None = None, has_result: bool = False,
       success: bool | None = None, stored: str | None = None) -> TruthStatement:
    """One counted statement as the generator's ground truth records it; stored one second after the timestamp
    unless given."""
    stored_at = _at(stored) if stored else _at(when) + timedelta(seconds=1)
    return TruthStatement(source, "hand.ndjson", n, f"00000000-0000-4000-8000-{n:012d}", who, VERBS[verb], obj,
                          object_type, course, _at(when), success, None, has_result or time is not None
                          or time_from is not None, "counted", stored_at, time, time_from, length)


ANA_IN_C = [
    _s(1, "registered", C, "08:00:00", object_type=COURSE),
    _s(2, "initialized", "V1", "08:10:00", length=302.5),
    _s(3, "played", "V1", "08:10:01", time=0.0, length=302.5),
    _s(4, "paused", "V1", "08:10:31", time=30.0, length=302.5),  # [0, 30]
    _s(5, "played", "V1", "08:10:41", time=20.0, length=302.5),
    _s(6, "paused", "V1", "08:11:11", time=50.0, length=302.5),  # [20, 50]: re-watched, the union is [0, 50]
    _s(7, "seeked", "V1", "08:11:20", time_from=50.0, length=302.5),  # after a pause: closes nothing
    _s(8, "played", "V1", "08:11:21", time=100.0, length=302.5),
    _s(9, "seeked", "V1", "08:12:01", time_from=140.0, length=302.5),  # closes [100, 140] at time-from
    _s(10, "played", "V1", "08:12:02", time=290.0, length=302.5),
    _s(11, "completed", "V1", "08:12:15", time=302.5, length=302.5),  # [290, 302.5] clipped to the structure's 300
    _s(12, "terminated", "V1", "08:12:16", time=302.5, length=302.5),
    # exactly 1,800 s later: the same session, and 1,800 s on task
    _s(13, "evaluated", "P1", "08:42:16", object_type=INTERACTION, has_result=True, success=True),
    # 1,801 s later: a new session, nothing on task
    _s(14, "viewed", "G1", "09:12:17", object_type=PAGE),
    _s(15, "played", "V2", "09:12:27", time=0.0, length=100.0),
    _s(16, "initialized", "V2", "09:12:37", length=120.0),  # not a closing verb: [0, ...] dropped
    _s(17, "played", "V2", "09:12:38", time=10.0, length=100.0),
    _s(18, "paused", "V2", "09:13:38", time=130.0, length=100.0),  # clipped to the largest context length, 120
    _s(19, "played", "V1", "09:14:00", time=0.0, length=302.5),  # the last statement on V1: dropped
    _s(20, "viewed", "O1", "09:15:00", object_type=PAGE),
    _s(21, "passed", C, "09:20:00", object_type=COURSE, has_result=True, success=True),
]
ANA_ELSEWHERE = [
    _s(30, "played", "WV", "10:00:00", course=W, time=5.0),  # no length anywhere: not clipped
    _s(31, "paused", "WV", "10:11:35", course=W, time=700.0),
    _s(32, "played", "WV", "10:11:40", course=W),  # no position: no segment, whatever follows
    _s(33, "paused", "WV", "10:12:40", course=W, time=760.0),
    _s(34, "viewed", "https://handbook.example.org/fr/ethics", "12:00:00", course=None, object_type=PAGE,
       source="handbook"),
    _s(35, "viewed", "https://handbook.example.org/fr/ethics", "2023-02-01T12:00:00", course=None,
       object_type=PAGE, source="handbook"),
    _s(36, "downloaded", "https://handbook.example.org/fr/handbook.pdf", "12:05:00", course=None,
       object_type="http://activitystrea.ms/schema/1.0/file", source="handbook"),
]
BOB_IN_C = [
    _s(40, "registered", C, "08:00:00", who=BOB, object_type=COURSE),
    _s(41, "navigated", "M2", "08:01:00", who=BOB, object_type=MODULE),
    _s(42, "viewed", "O2", "08:02:00", who=BOB, object_type=PAGE),  # M2, with no required item, completes here
    _s(43, "played", "V2", "08:03:00", who=BOB, time=0.0),
    _s(44, "navigated", "M1", "08:04:00", who=BOB, object_type=MODULE),  # starts M1: the module itself
    _s(46, "completed", "V2", "08:05:00", who=BOB, time=120.0, length=120.0),
    _s(45, "unregistered", C, "09:00:00", who=BOB, object_type=COURSE),
    _s(47, "navigated", "ME1", "09:30:00", who=BOB, course=E, object_type=MODULE),  # one of two modules: explored
]
DORA_IN_C = [
    _s(50, "registered", C, "08:00:00", who=DORA, object_type=COURSE),
    _s(51, "unregistered", C, "2023-01-12T08:00:00", who=DORA, object_type=COURSE),
    _s(52, "registered", C, "2023-01-15T08:00:00", who=DORA, object_type=COURSE),  # back again: not unregistered
]
ZED_IN_E = [_s(55, "viewed", "PE1", "10:00:00", who=ZED, course=E, object_type=PAGE)]  # active, never registered
SCHOOLS = [
    School("S1", "School 1", "FR", "treatment", (Teacher("Ana", "ana@example.org", "ana"),
                                                 Teacher("Eve", "eve@example.org", None))),
    School("S2", "School 2", "FR", "control", (Teacher("Dora", "dora@example.org", "dora"),
                                               Teacher("Zed", "zed@example.org", "zed"),
                                               Teacher("Yan", "yan@example.org", "yan"))),  # Yan: never active
]


def _hand_cohort(statements: list[TruthStatement] | None = None) -> Cohort:
    chosen = ANA_IN_C + ANA_ELSEWHERE + BOB_IN_C + DORA_IN_C + ZED_IN_E if statements is None else statements
    learners = [Learner(LMS_ROOT, name, f"{name}@example.org", name, None, None, "fr")
                for _, name in (ANA, BOB, DORA, ZED)]
    return Cohort(STRUCTURE, learners, chosen, SCHOOLS, {})


def test_reference_modules_by_hand() -> None:
    rows = expected_learner_modules(_hand_cohort())
    assert set(rows) == {(who, C, m) for who in (ANA, BOB, DORA) for m in ("M1", "M2", "M3")} | {
        (who, E, m) for who in (BOB, ZED) for m in ("ME1", "ME2")}
    untouched = {"items_required_completed": 0, "started": False, "completed": False, "completed_at": None}
    assert rows[(ANA, C, "M1")] == {"module_position": 1, "items_required": 3, "items_required_completed": 3,
                                    "started": True, "completed": True,
                                    "completed_at": _at("09:12:17")}  # the last required item: G1
    # V2's statements start M2; neither of its items is complete (V2 never `completed`)
    assert rows[(ANA, C, "M2")] == {"module_position": 2, "items_required": 0, "items_required_completed": 0,
                                    "started": True, "completed": False, "completed_at": None}
    assert rows[(ANA, C, "M3")] == {"module_position": 3, "items_required": 1, **untouched}
    assert rows[(BOB, C, "M1")] == {"module_position": 1, "items_required": 3, **untouched, "started": True}
    # no required item: complete at its first complete item (O2 viewed), not the later V2 completion
    assert rows[(BOB, C, "M2")] == {"module_position": 2, "items_required": 0, "items_required_completed": 0,
                                    "started": True, "completed": True, "completed_at": _at("08:02:00")}
    assert rows[(DORA, C, "M2")]["started"] is False


def test_reference_videos_by_hand() -> None:
    rows = expected_learner_videos(_hand_cohort(), TEST_KEY)
    assert set(rows) == {(ANA, C, "V1"), (ANA, C, "V2"), (ANA, W, "WV"), (BOB, C, "V2")}
    # [0, 30] ∪ [20, 50] = 50, + [100, 140] closed by the seek's time-from, + [290, 300] clipped; the last play open
    assert rows[(ANA, C, "V1")] == {"plays": 5, "video_length_s": 300.0, "watched_s": 100.0,
                                    "share_watched": pytest.approx(1 / 3), "completed": True}
    # no length in the structure: the largest context length, 120; [10, 130] clipped to [10, 120]
    assert rows[(ANA, C, "V2")] == {"plays": 2, "video_length_s": 120.0, "watched_s": 110.0,
                                    "share_watched": pytest.approx(110 / 120), "completed": False}
    # no length at all: nothing clipped, no share; the play without a position adds nothing
    assert rows[(ANA, W, "WV")] == {"plays": 2, "video_length_s": None, "watched_s": 695.0, "share_watched": None,
                                    "completed": False}
    assert rows[(BOB, C, "V2")] == {"plays": 1, "video_length_s": 120.0, "watched_s": 120.0, "share_watched": 1.0,
                                    "completed": True}


def test_reference_video_ties_go_to_stored_then_statement_pid() -> None:
    """A `played` and a `paused` at the same timestamp, another pause later: the order decides between [0, 30] (the
    play first) and [0, 60] (the pause first: the play is closed by the later one)."""
    def video(first_stored: str, second_stored: str) -> dict:
        statements = [_s(60, "played", "V1", "08:00:00", time=0.0, stored=first_stored),
                      _s(61, "paused", "V1", "08:00:00", time=30.0, stored=second_stored),
                      _s(62, "paused", "V1", "08:01:00", time=60.0)]
        return expected_learner_videos(_hand_cohort(statements), TEST_KEY)[(ANA, C, "V1")]
    assert video("08:00:01", "08:00:02")["watched_s"] == 30.0  # played stored first
    assert video("08:00:02", "08:00:01")["watched_s"] == 60.0  # paused stored first
    played_first = statement_pid("00000000-0000-4000-8000-000000000060", TEST_KEY) < \
        statement_pid("00000000-0000-4000-8000-000000000061", TEST_KEY)
    assert video("08:00:01", "08:00:01")["watched_s"] == (30.0 if played_first else 60.0)


def test_reference_statement_pid_is_the_contracts() -> None:
    """The reference re-keys ids by itself; the warehouse's own module must agree with it, or ties would differ."""
    raw = "3F0E8F8E-6F4C-4C8E-9A59-0C2B8F0E7A11"
    assert statement_pid(raw, TEST_KEY) == Pseudonymizer(TEST_KEY).statement_pid(raw)
    assert statement_pid(raw, TEST_KEY) == statement_pid(raw.lower(), TEST_KEY) != statement_pid(raw, bytes(32))


def test_reference_person_course_by_hand() -> None:
    rows = expected_learner_courses(_hand_cohort(), TEST_KEY)
    assert set(rows) == {(ANA, C), (ANA, W), (BOB, C), (BOB, E), (DORA, C), (ZED, E)}
    # sessions: 08:00:00-08:12:16 (736 s), then exactly 1,800 s (same session), then 1,801 s (a new one),
    # 09:12:17-09:20:00 (463 s)
    assert rows[(ANA, C)] == {
        "registered": True, "unregistered": False, "viewed": True, "modules_started": 2, "explored": True,
        "completed": False, "passed": True, "grade": None, "n_events": 21, "active_days": 1, "videos_played": 2,
        "problems_attempted": 1, "n_sessions": 2, "time_on_task_s": 736.0 + 1800.0 + 463.0,
        "video_watched_s": 210.0, "handbook_pages_viewed": 2, "handbook_downloads": 1,
    }
    assert rows[(ANA, W)] == {
        "registered": False, "unregistered": False, "viewed": True, "modules_started": None, "explored": None,
        "completed": None, "passed": None, "grade": None, "n_events": 4, "active_days": 1, "videos_played": 1,
        "problems_attempted": 0, "n_sessions": 1, "time_on_task_s": 760.0, "video_watched_s": 695.0,
        "handbook_pages_viewed": 2, "handbook_downloads": 1,  # the learner's, on each of their rows
    }
    bob = rows[(BOB, C)]
    assert (bob["unregistered"], bob["modules_started"], bob["explored"], bob["n_sessions"]) == (True, 2, True, 2)
    assert (bob["time_on_task_s"], bob["video_watched_s"], bob["handbook_pages_viewed"]) == (300.0, 120.0, 0)
    assert (rows[(BOB, E)]["modules_started"], rows[(BOB, E)]["explored"]) == (1, True)  # 2 × 1 ≥ 2
    dora = rows[(DORA, C)]
    assert (dora["registered"], dora["unregistered"], dora["viewed"], dora["modules_started"], dora["explored"]) == (
        True, False, False, 0, False)
    assert (dora["n_sessions"], dora["time_on_task_s"]) == (3, 0.0)


def test_reference_latest_enrolment_ties_go_to_stored() -> None:
    statements = [_s(70, "registered", C, "08:00:00", who=DORA, object_type=COURSE, stored="08:00:05"),
                  _s(71, "unregistered", C, "08:00:00", who=DORA, object_type=COURSE, stored="08:00:02")]
    assert expected_learner_courses(_hand_cohort(statements), TEST_KEY)[(DORA, C)]["unregistered"] is False
    statements[0] = _s(70, "registered", C, "08:00:00", who=DORA, object_type=COURSE, stored="08:00:01")
    assert expected_learner_courses(_hand_cohort(statements), TEST_KEY)[(DORA, C)]["unregistered"] is True


def test_reference_funnel_by_hand() -> None:
    rows = expected_funnel(_hand_cohort())
    steps = [(order, row["step"], row["learners"], row["share_of_registered"])
             for (course, order), row in sorted(rows.items()) if course == C]
    assert steps == [(1, "registered", 3, 1.0), (2, "viewed", 2, 2 / 3), (3, "module_1_completed", 1, 1 / 3),
                     (4, "module_2_completed", 1, 1 / 3), (5, "module_3_completed", 0, 0.0),
                     (6, "completed", 0, 0.0), (7, "passed", 1, 1 / 3)]
    # a course nobody registered to: every step, each on its own condition (Bob and Zed viewed, Zed completed
    # module 1), and no share
    assert [(order, row["step"], row["learners"], row["share_of_registered"])
            for (course, order), row in sorted(rows.items()) if course == E] == [
        (1, "registered", 0, None), (2, "viewed", 2, None), (3, "module_1_completed", 1, None),
        (4, "module_2_completed", 0, None), (5, "completed", 0, None), (6, "passed", 0, None)]
    assert not any(course == W for course, _ in rows)


def test_reference_rct_by_hand_and_after_an_erasure() -> None:
    rows = expected_rct_outcomes(_hand_cohort())
    assert set(rows) == {(arm, course) for arm in ("treatment", "control") for course in (C, E)}
    # Ana active (1 day, M1 completed, passed), Eve known by e-mail only and never active
    assert rows[("treatment", C)] == {"teachers_assigned": 2, "registered": 1, "active": 1, "completed": 0,
                                      "passed": 1, "mean_active_days": 0.5, "mean_modules_completed": 0.5,
                                      "completion_rate": 0.0}
    # Dora active on 3 days, nothing completed; Zed active in E only, without registering; Yan never active
    assert rows[("control", C)] == {"teachers_assigned": 3, "registered": 1, "active": 1, "completed": 0,
                                    "passed": 0, "mean_active_days": 1.0, "mean_modules_completed": 0.0,
                                    "completion_rate": 0.0}
    assert rows[("control", E)] == {"teachers_assigned": 3, "registered": 0, "active": 1, "completed": 0,
                                    "passed": 0, "mean_active_days": pytest.approx(1 / 3),
                                    "mean_modules_completed": pytest.approx(1 / 3), "completion_rate": 0.0}
    assert rows[("treatment", E)] == {"teachers_assigned": 2, "registered": 0, "active": 0, "completed": 0,
                                      "passed": 0, "mean_active_days": 0.0, "mean_modules_completed": 0.0,
                                      "completion_rate": 0.0}
    after = expected_rct_outcomes(without_person(_hand_cohort(), ANA))
    assert after[("treatment", C)] == {"teachers_assigned": 1, "registered": 0, "active": 0, "completed": 0,
                                       "passed": 0, "mean_active_days": 0.0, "mean_modules_completed": 0.0,
                                       "completion_rate": 0.0}
    assert after[("control", C)] == rows[("control", C)]


# ----------------------------------------------------------------------------------- the warehouse, cell by cell

LEARNERS, SEED = 100, 3  # a cohort in which rule_cases finds every case at least twice
MARTS = {  # table -> its key columns (contract §4.2)
    "completion_learner_module": ("learner_pid", "course_id", "module_id"),
    "engagement_learner_video": ("learner_pid", "course_id", "video_id"),
    "engagement_learner_course": ("learner_pid", "course_id"),
    "funnel_course": ("course_id", "step_order"),
    "rct_outcomes_arm": ("arm", "course_id"),
}


def expected_marts(cohort: Cohort) -> dict[str, dict[tuple, dict]]:
    """Every new mart as the reference reads it, keyed like the warehouse (learner_pid, not the account)."""
    rct = rct_columns(cohort)
    return {
        "completion_learner_module": {(learner_pid(a), course, module): row for (a, course, module), row
                                      in expected_learner_modules(cohort).items()},
        "engagement_learner_video": {(learner_pid(a), course, video): row for (a, course, video), row
                                     in expected_learner_videos(cohort, TEST_KEY).items()},
        "engagement_learner_course": {(learner_pid(a), course): {**row, **rct.get(a, OUTSIDE_THE_TRIAL)}
                                      for (a, course), row in expected_learner_courses(cohort, TEST_KEY).items()},
        "funnel_course": expected_funnel(cohort),
        "rct_outcomes_arm": expected_rct_outcomes(cohort),
    }


def same(actual: object, expected: object) -> bool:
    """Equal, floats within a small tolerance; a boolean must be a boolean (True is not 1), NULL must be NULL."""
    if expected is None or isinstance(expected, bool):
        return actual is expected
    if isinstance(expected, float):
        return isinstance(actual, Number) and not isinstance(actual, bool) and \
            math.isclose(float(actual), expected, rel_tol=1e-9, abs_tol=1e-6)
    return type(actual) is type(expected) and actual == expected


def mismatches(root, mart: str, expected: dict[tuple, dict]) -> list:
    """Every cell of the published mart that differs from the reference, with the key sets and column sets first."""
    keys = MARTS[mart]
    rows = table(root, f"SELECT * FROM {mart}")
    actual = {tuple(row.pop(k) for k in keys): row for row in rows}
    assert len(actual) == len(rows), f"{mart}: a key {keys} is not unique"
    missing, extra = expected.keys() - actual.keys(), actual.keys() - expected.keys()
    assert not missing and not extra, (mart, sorted(missing)[:3], sorted(extra)[:3])
    columns = set(next(iter(expected.values())))
    assert set(next(iter(actual.values()))) == columns, (mart, set(next(iter(actual.values()))) ^ columns)
    return [(mart, key, column, actual[key][column], value) for key, row in expected.items()
            for column, value in row.items() if not same(actual[key][column], value)]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A generated cohort refreshed once through the CLI; yields (folder, cohort)."""
    root = tmp_path_factory.mktemp("marts")
    run("generate", "--out", "data", "--learners", str(LEARNERS), "--seed", str(SEED), cwd=root)
    run("refresh", "--all", cwd=root)
    return root, build_cohort(learners=LEARNERS, seed=SEED)


def test_the_cohort_exercises_every_rule() -> None:
    cases = rule_cases(build_cohort(learners=LEARNERS, seed=SEED), TEST_KEY)
    assert len(cases) == 17 and min(cases.values()) >= 2, cases


@pytest.mark.parametrize("mart", MARTS)
def test_every_cell_matches_the_reference(lab, mart):
    root, cohort = lab
    expected = expected_marts(cohort)[mart]
    assert len(expected) >= 10
    found = mismatches(root, mart, expected)
    assert not found, (len(found), found[:10])


def test_the_marts_are_not_trivial(lab):
    """What the comparisons above rely on: both arms have active teachers, videos have shares, sessions split."""
    _, cohort = lab
    marts = expected_marts(cohort)
    assert {arm for (arm, _), row in marts["rct_outcomes_arm"].items() if row["active"]} == {"treatment", "control"}
    assert any(0 < (row["share_watched"] or 0) < 1 for row in marts["engagement_learner_video"].values())
    assert any(row["n_sessions"] > 1 for row in marts["engagement_learner_course"].values())
    assert any(row["learners"] for row in marts["funnel_course"].values())


@pytest.fixture(scope="module")
def erased_teacher(lab):
    """`lola erase` of the trial teacher with the most statements; yields (account, rct_outcomes_arm before)."""
    root, cohort = lab
    teachers = {(LMS_ROOT, t.fun_username) for s in cohort.schools for t in s.teachers if t.fun_username}
    counted = [s.account for s in cohort.statements if s.fate == "counted" and s.account in teachers]
    account = max(teachers, key=counted.count)
    before = {(r["arm"], r["course_id"]): r for r in table(root, "SELECT * FROM rct_outcomes_arm")}
    run("erase", f"{account[0]}|{account[1]}", cwd=root)
    return account, before


def test_an_erased_teacher_is_no_longer_assigned(lab, erased_teacher):
    root, cohort = lab
    account, before = erased_teacher
    arm = next(s.arm for s in cohort.schools for t in s.teachers if (LMS_ROOT, t.fun_username) == account)
    after = {(r["arm"], r["course_id"]): r for r in table(root, "SELECT * FROM rct_outcomes_arm")}
    assert after.keys() == before.keys()
    assert all(after[key]["teachers_assigned"] == before[key]["teachers_assigned"] - (key[0] == arm)
               for key in before)
    erased = without_person(cohort, account)
    for mart in ("rct_outcomes_arm", "engagement_learner_course"):
        found = mismatches(root, mart, expected_marts(erased)[mart])
        assert not found, (len(found), found[:10])
    assert learner_pid(account) not in {r["learner_pid"] for r in table(
        root, "SELECT learner_pid FROM engagement_learner_course")}
