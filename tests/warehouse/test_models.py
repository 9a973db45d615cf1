"""The dbt models on a small hand-made cohort whose expected values are worked out by hand from contract §4."""

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from assets.ingest import land_file_source
from assets.reference import load_rct_assignment, load_reference_tables
from schemas.rct_assignment import RctAssignment
from schemas.rct_assignment import assignment_frame
from schemas.course_structure import Course
from schemas.pseudonyms import Pseudonymizer
from schemas.rows import RowBuilder
from warehouse.db import writer
from warehouse import project
from warehouse.registry import tables, write_metric_registry

KEY = bytes(range(32))
TZ = "Europe/Paris"
LMS = "https://lms.fun-mooc.fr"
COURSE = f"{LMS}/course/course-v1:AI4T+EN+2023_T1"
OTHER = f"{LMS}/course/course-v1:AI4T+WEBINAR+2023"   # not in the structure
VIDEO, PROBLEM, PAGE_A, PAGE_B = (f"{LMS}/xblock/{n}" for n in ("video1", "problem1", "pageA", "pageB"))
ADL, VIDEO_VERBS = "http://adlnet.gov/expapi/verbs/", "https://w3id.org/xapi/video/verbs/"
TYPES = {"video": "https://w3id.org/xapi/video/activity-type/video",
         "problem": "http://adlnet.gov/expapi/activities/cmi.interaction",
         "page": "http://activitystrea.ms/schema/1.0/page", "course": "http://adlnet.gov/expapi/activities/course"}
STRUCTURE = [Course.model_validate({
    "course_id": COURSE, "title": "AI4T", "start": "2023-01-09", "end": "2023-01-29",
    "modules": [
        {"id": f"{LMS}/m1", "position": 1, "items": [
            {"id": VIDEO, "type": "video", "required": True, "video_length_s": 300},
            {"id": PROBLEM, "type": "problem", "required": True},
            {"id": PAGE_A, "type": "page", "required": False}]},
        {"id": f"{LMS}/m2", "position": 2, "items": [{"id": PAGE_B, "type": "page", "required": False}]},
    ]})]
_counter = iter(range(1, 10_000))


def xapi(learner: str, verb: str, obj: str, kind: str, when: str, course: str | None = COURSE, **extra) -> dict:
    s = {"id": f"00000000-0000-4000-8000-{next(_counter):012d}",
         "actor": {"account": {"homePage": LMS, "name": learner}},
         "verb": {"id": verb}, "object": {"id": obj, "definition": {"type": TYPES[kind]}},
         "timestamp": when, "version": "1.0.3"}
    if course and obj != course:
        s["context"] = {"contextActivities": {"parent": [{"id": course, "definition": {"type": TYPES["course"]}}]}}
    s.update(extra)
    return s


def pid(learner: str) -> str:
    return Pseudonymizer(KEY).agent_pid({"account": {"homePage": LMS, "name": learner}})


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("models")
    played = xapi("ana", VIDEO_VERBS + "played", VIDEO, "video", "2023-01-12T09:00:00+00:00")
    mooc = [
        xapi("ana", ADL + "registered", COURSE, "course", "2023-01-10T08:00:00+00:00"),
        played,
        xapi("ana", ADL + "completed", VIDEO, "video", "2023-01-12T09:05:00+00:00"),
        xapi("ana", ADL + "attempted", PROBLEM, "problem", "2023-01-12T09:10:00+00:00"),   # no result: not an attempt
        xapi("ana", "https://w3id.org/xapi/acrossx/verbs/evaluated", PROBLEM, "problem", "2023-01-12T09:11:00+00:00",
             result={"success": True, "score": {"scaled": 1.0}}),
        xapi("ana", "http://id.tincanapi.com/verb/viewed", PAGE_B, "page", "2023-01-15T23:30:00+00:00"),  # Monday 16 in Paris
        xapi("ana", ADL + "failed", COURSE, "course", "2023-01-20T10:00:00+00:00", result={"score": {"scaled": 0.4}}),
        xapi("ana", ADL + "passed", COURSE, "course", "2023-01-21T10:00:00+00:00", result={"score": {"scaled": 0.8}},
             stored="2023-01-21T10:00:01+00:00"),
        xapi("ana", ADL + "failed", COURSE, "course", "2023-01-21T10:00:00+00:00", result={"score": {"scaled": 0.3}},
             stored="2023-01-21T10:00:00+00:00"),  # same time, stored earlier: the passed one is the latest
        # bob: no registered statement, attempts a problem in a course without structure
        xapi("bob", "http://id.tincanapi.com/verb/viewed", PAGE_A, "page", "2023-01-17T10:00:00+00:00"),
        xapi("bob", "https://w3id.org/xapi/acrossx/verbs/evaluated", f"{LMS}/webinar-quiz", "problem",
             "2023-01-18T10:00:00+00:00", course=OTHER, result={"success": False}),
    ]
    voiding = {"id": "00000000-0000-4000-8000-999999999999", "actor": {"account": {"homePage": LMS, "name": "admin"}},
               "verb": {"id": ADL + "voided"}, "object": {"objectType": "StatementRef", "id": played["id"]},
               "timestamp": "2023-01-25T10:00:00+00:00"}
    handbook = [xapi("ana", "http://id.tincanapi.com/verb/viewed", "https://handbook.ai4t.eu/en/intro", "page",
                     "2023-01-17T10:00:00+00:00", course=None)] * 1 + [
        xapi("ana", "http://id.tincanapi.com/verb/viewed", "https://handbook.ai4t.eu/en/ethics", "page",
             "2023-01-17T11:00:00+00:00", course=None),
        xapi("ana", "http://id.tincanapi.com/verb/downloaded", "https://handbook.ai4t.eu/en/handbook.pdf", "page",
             "2023-01-17T12:00:00+00:00", course=None)]
    for name, lines in (("mooc/a.ndjson", mooc), ("mooc/z-voids.ndjson", [voiding]), ("handbook/h.ndjson", handbook)):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("\n".join(json.dumps(s) for s in lines) + "\n")
    # ana is a teacher of the trial who took the MOOC; carla did not; bob is not in the trial.
    (root / "rct.csv").write_text("school_code,country,arm,teacher_email,fun_username\n"
                                  "fr-0751234a,FR,treatment,ana@example.org,ana\n"
                                  "FR-0751234A,FR,treatment,carla@example.org,\n")
    builder = RowBuilder(Pseudonymizer(KEY))
    with writer(root / "wh.duckdb", TZ) as con:
        for source in ("mooc", "handbook"):
            assert land_file_source(con, source, root / source, builder, "run", TZ).reconciles
        load_reference_tables(con, STRUCTURE, {"mooc": False, "handbook": True})
        load_rct_assignment(con, assignment_frame(RctAssignment(root / "rct.csv", LMS), Pseudonymizer(KEY)),
                            Pseudonymizer(KEY))
        write_metric_registry(con)
    project.build(root / "wh.duckdb", TZ, root / "dbt")
    con = duckdb.connect(str(root / "wh.duckdb"), read_only=True)
    con.execute(f"SET TimeZone = '{TZ}'")
    yield con
    con.close()


def row(con, table: str, where: str) -> dict:
    cursor = con.execute(f"SELECT * FROM {table} WHERE {where}")
    names = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    assert len(rows) == 1, rows
    return dict(zip(names, rows[0]))


def test_voided_and_voiding_statements_do_not_count(warehouse):
    assert warehouse.execute("SELECT count(*) FROM statements WHERE source = 'mooc'").fetchone()[0] == 10
    ana = row(warehouse, "completion_learner_course", f"learner_pid = '{pid('ana')}'")
    assert ana["videos_played"] == 0 and ana["videos_completed"] == 1
    assert ana["n_events"] == 8   # 9 course statements of ana, less the voided one


def test_completion_of_a_learner_in_a_structured_course(warehouse):
    ana = row(warehouse, "completion_learner_course", f"learner_pid = '{pid('ana')}'")
    assert ana["enrolled_at"].isoformat() == "2023-01-10T09:00:00+01:00"
    assert ana["problems_attempted"] == 1 and ana["problems_passed"] == 1
    assert (ana["modules_total"], ana["modules_completed"], ana["completed"]) == (2, 2, True)
    assert (ana["passed"], ana["grade"]) == (True, 0.8)
    assert ana["active_days"] == 5   # 10, 12, 16 (local), 20, 21 January


def test_learner_without_registration_and_course_without_structure(warehouse):
    bob_course = row(warehouse, "completion_learner_course", f"learner_pid = '{pid('bob')}' AND course_id = '{COURSE}'")
    assert bob_course["enrolled_at"] == bob_course["first_activity_at"]
    assert (bob_course["modules_completed"], bob_course["completed"]) == (0, False)  # module 1 has required items
    bob_other = row(warehouse, "completion_learner_course", f"learner_pid = '{pid('bob')}' AND course_id = '{OTHER}'")
    assert (bob_other["modules_total"], bob_other["modules_completed"], bob_other["completed"]) == (None, None, None)
    assert (bob_other["problems_attempted"], bob_other["problems_passed"], bob_other["passed"]) == (1, 0, None)


def test_engagement_weeks_are_local_zero_filled_and_carry_handbook_pages(warehouse):
    weeks = warehouse.execute(
        "SELECT week_start, n_events, videos_played, problems_attempted, handbook_pages_viewed "
        f"FROM engagement_learner_week WHERE learner_pid = '{pid('ana')}' ORDER BY week_start").fetchall()
    assert [w[0] for w in weeks] == [date(2023, 1, 9), date(2023, 1, 16), date(2023, 1, 23)]  # to the course end week
    assert weeks[0][1:] == (4, 0, 1, 0)   # registered, completed, attempted, evaluated; the played one was voided
    assert weeks[1][1:] == (4, 0, 0, 2)   # page on Monday 16 local + 3 outcomes; 2 handbook pages, download excluded
    assert weeks[2][1:] == (0, 0, 0, 0)


def test_marts_carry_the_rct_school_and_arm_of_teachers_only(warehouse):
    school = Pseudonymizer(KEY).school_pid("FR-0751234A")
    for table in ("completion_learner_course", "engagement_learner_week"):
        rows = warehouse.execute(f"SELECT DISTINCT learner_pid, school_pid, arm FROM {table}").fetchall()
        assert sorted(rows, key=str) == sorted([(pid("ana"), school, "treatment"), (pid("bob"), None, None)], key=str)


def test_every_column_of_every_published_table_is_described_once_in_the_yaml(warehouse):
    """The YAML lists exactly the columns each published table has, each with a description: a column added to a
    model or a Python table without its YAML line fails here, as does a YAML line naming no column."""
    published = [t for t in tables() if t.published]
    assert len(published) >= 14
    for table in published:
        actual = [r[0] for r in warehouse.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index", [table.name]).fetchall()]
        assert actual, table.name
        assert sorted(actual) == sorted(c.name for c in table.columns), table.name
        assert all(c.description for c in table.columns), table.name
