"""An independent reading of CONTRACT §4's `completion_learner_course` and `engagement_learner_week`, computed in pure
Python from a cohort's ground truth, to check the warehouse's SQL against.

Keys use the learner's account tuple (homePage, name) where the warehouse has its pseudonym. Only statements whose
truth says "counted" and that have an account take part: the truth has already applied validity, voiding and
de-duplication."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pipelines.cohort import Cohort, TruthStatement
from pipelines.cohort.course import LMS_ROOT

REGISTERED = "http://adlnet.gov/expapi/verbs/registered"
OUTCOME_VERBS = {"http://adlnet.gov/expapi/verbs/passed", "http://adlnet.gov/expapi/verbs/failed"}
PASSED = "http://adlnet.gov/expapi/verbs/passed"
PLAYED = "https://w3id.org/xapi/video/verbs/played"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
VIDEO_TYPE = "https://w3id.org/xapi/video/activity-type/video"
PROBLEM_VERBS = {"https://w3id.org/xapi/acrossx/verbs/evaluated", "http://adlnet.gov/expapi/verbs/attempted",
                 "http://adlnet.gov/expapi/verbs/answered"}
PAGE_VERBS = {"https://w3id.org/xapi/dod-isd/verbs/navigated", "http://id.tincanapi.com/verb/viewed",
              "http://adlnet.gov/expapi/verbs/experienced"}
# Objects that are problems in a course with no structure.
PROBLEM_TYPES = {"http://adlnet.gov/expapi/activities/cmi.interaction",
                 "http://adlnet.gov/expapi/activities/question"}

Account = tuple[str, str]


def _counted(cohort: Cohort) -> list[TruthStatement]:
    return [s for s in cohort.statements if s.fate == "counted" and s.account is not None]


def _local_date(ts: datetime, tz: ZoneInfo) -> date:
    return ts.astimezone(tz).date()


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


class _CourseRules:
    """What the structure file says about one course, or the fallbacks when the course has none."""

    def __init__(self, course: dict | None) -> None:
        self.course = course
        self.items = {i["id"]: i for m in course["modules"] for i in m["items"]} if course else {}
        self.problem_ids = {i for i, item in self.items.items() if item["type"] == "problem"}
        self.end = date.fromisoformat(course["end"]) if course else None

    def is_problem(self, s: TruthStatement) -> bool:
        if self.course is not None:
            return s.object_id in self.problem_ids
        return s.object_type in PROBLEM_TYPES

    def is_attempt(self, s: TruthStatement) -> bool:
        """A problem-category statement with a non-empty result on a problem item."""
        return s.verb_id in PROBLEM_VERBS and s.has_result and self.is_problem(s)


def _time(s: TruthStatement) -> datetime:
    # Contract: a statement's time is its timestamp, else its stored.
    return s.timestamp if s.timestamp is not None else s.stored


def _is_play(s: TruthStatement) -> bool:
    return s.verb_id == PLAYED and s.object_type == VIDEO_TYPE


def _groups(cohort: Cohort) -> dict[tuple[Account, str], list[TruthStatement]]:
    groups: dict[tuple[Account, str], list[TruthStatement]] = defaultdict(list)
    for s in _counted(cohort):
        if s.course_id is not None:
            groups[(s.account, s.course_id)].append(s)
    return groups


def _module_completed(module: dict, done: set[str]) -> bool:
    required = [i["id"] for i in module["items"] if i["required"]]
    if required:
        return all(i in done for i in required)
    return any(i["id"] in done for i in module["items"])


def _completed_items(rules: _CourseRules, statements: list[TruthStatement]) -> set[str]:
    """Items complete by their type: video completed, problem attempted (with a result), page viewed."""
    done = set()
    for s in statements:
        item = rules.items.get(s.object_id)
        if item is None:
            continue
        if (item["type"] == "video" and s.verb_id == COMPLETED) \
                or (item["type"] == "problem" and rules.is_attempt(s)) \
                or (item["type"] == "page" and s.verb_id in PAGE_VERBS):
            done.add(item["id"])
    return done


def expected_completion(cohort: Cohort, tz: str = "Europe/Paris") -> dict[tuple[Account, str], dict]:
    """(account, course_id) -> the non-key columns of `completion_learner_course`."""
    zone = ZoneInfo(tz)
    courses = {c["course_id"]: c for c in cohort.structure}
    rows = {}
    for (account, course_id), statements in _groups(cohort).items():
        rules = _CourseRules(courses.get(course_id))
        times = [_time(s) for s in statements]
        registrations = [_time(s) for s in statements if s.verb_id == REGISTERED]
        outcomes = [s for s in statements if s.verb_id in OUTCOME_VERBS and s.object_id == course_id]
        latest = max(outcomes, key=lambda s: (_time(s), s.stored or _time(s), s.statement_id or "")) \
            if outcomes else None
        done = _completed_items(rules, statements)
        modules = rules.course["modules"] if rules.course else None
        modules_completed = sum(_module_completed(m, done) for m in modules) if modules is not None else None
        rows[(account, course_id)] = {
            "enrolled_at": min(registrations) if registrations else min(times),
            "first_activity_at": min(times),
            "last_activity_at": max(times),
            "n_events": len(statements),
            "active_days": len({_local_date(t, zone) for t in times}),
            "videos_completed": len({s.object_id for s in statements
                                     if s.verb_id == COMPLETED and s.object_type == VIDEO_TYPE}),
            "videos_played": len({s.object_id for s in statements if _is_play(s)}),
            "problems_attempted": len({s.object_id for s in statements if rules.is_attempt(s)}),
            "problems_passed": len({s.object_id for s in statements
                                    if rules.is_problem(s) and s.result_success is True}),
            "modules_total": len(modules) if modules is not None else None,
            "modules_completed": modules_completed,
            "completed": modules_completed == len(modules) if modules is not None else None,
            "passed": latest.verb_id == PASSED if latest else None,
            "grade": latest.result_score_scaled if latest else None,
        }
    return rows


def expected_engagement_weeks(cohort: Cohort, tz: str = "Europe/Paris") -> dict[tuple[Account, str, date], dict]:
    """(account, course_id, week_start) -> the non-key columns of `engagement_learner_week`, zero-filled."""
    zone = ZoneInfo(tz)
    courses = {c["course_id"]: c for c in cohort.structure}
    completion = expected_completion(cohort, tz)
    handbook_views: dict[tuple[Account, date], int] = defaultdict(int)
    for s in _counted(cohort):
        if s.source == "handbook" and s.verb_id in PAGE_VERBS:
            handbook_views[(s.account, _week_start(_local_date(_time(s), zone)))] += 1
    rows = {}
    for (account, course_id), statements in _groups(cohort).items():
        rules = _CourseRules(courses.get(course_id))
        row = completion[(account, course_id)]
        by_week: dict[date, list[TruthStatement]] = defaultdict(list)
        for s in statements:
            by_week[_week_start(_local_date(_time(s), zone))].append(s)
        first = _week_start(_local_date(min(row["enrolled_at"], row["first_activity_at"]), zone))
        last = _week_start(_local_date(row["last_activity_at"], zone))
        if rules.end is not None:
            last = max(last, _week_start(rules.end))
        week = first
        while week <= last:
            in_week = by_week.get(week, [])
            rows[(account, course_id, week)] = {
                "n_events": len(in_week),
                "active_days": len({_local_date(_time(s), zone) for s in in_week}),
                "videos_played": len({s.object_id for s in in_week if _is_play(s)}),
                "problems_attempted": len({s.object_id for s in in_week if rules.is_attempt(s)}),
                "handbook_pages_viewed": handbook_views.get((account, week), 0),
            }
            week += timedelta(days=7)
    return rows


def expected_rct(cohort: Cohort) -> dict[Account, tuple[str, str]]:
    """Account → (school code, arm) of the trial's teachers who took the MOOC, from the generator's schools: their
    FUN username names an account under the LMS's homePage. Learners outside the trial have none."""
    return {(LMS_ROOT, teacher.fun_username): (school.code, school.arm)
            for school in cohort.schools for teacher in school.teachers if teacher.fun_username}
