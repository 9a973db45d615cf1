"""An independent reading of CONTRACT §4's `completion_learner_course` and `engagement_learner_week`, and of §4.2's
`completion_learner_module`, `engagement_learner_video`, `engagement_learner_course`, `funnel_course` and
`rct_outcomes_arm`, computed in pure Python from a cohort's ground truth, to check the warehouse's SQL against. Where
the contract is silent it follows the choices written down for issue [E] (see each function).

Keys use the learner's account tuple (homePage, name) where the warehouse has its pseudonym. Only statements whose
truth says "counted" and that have an account take part: the truth has already applied validity, voiding and
de-duplication. Ties in time are broken the warehouse's way, by `stored` then the keyed statement id (contract §3),
which the functions that need it compute from the raw id with the test's key."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pipelines.cohort import Cohort, Teacher, TruthStatement
from pipelines.cohort.course import LMS_ROOT

REGISTERED = "http://adlnet.gov/expapi/verbs/registered"
UNREGISTERED = "http://id.tincanapi.com/verb/unregistered"
ENROLMENT_VERBS = {REGISTERED, UNREGISTERED}
OUTCOME_VERBS = {"http://adlnet.gov/expapi/verbs/passed", "http://adlnet.gov/expapi/verbs/failed"}
PASSED = "http://adlnet.gov/expapi/verbs/passed"
PLAYED = "https://w3id.org/xapi/video/verbs/played"
PAUSED = "https://w3id.org/xapi/video/verbs/paused"
SEEKED = "https://w3id.org/xapi/video/verbs/seeked"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
TERMINATED = "http://adlnet.gov/expapi/verbs/terminated"
VIDEO_VERBS = {PLAYED, PAUSED, SEEKED, COMPLETED, TERMINATED, "http://adlnet.gov/expapi/verbs/initialized"}
# A `played` segment ends at the next statement's `time` for these, at its `time-from` for a seek.
CLOSE_AT_TIME = {PAUSED, COMPLETED, TERMINATED}
DOWNLOADED = "http://id.tincanapi.com/verb/downloaded"
SESSION_GAP_S = 1800  # a gap over this starts a new session; a gap of at most this adds to time on task
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


def _module_completed(module: dict, done: dict[str, datetime]) -> bool:
    required = [i["id"] for i in module["items"] if i["required"]]
    if required:
        return all(i in done for i in required)
    return any(i["id"] in done for i in module["items"])


def _completion_times(rules: _CourseRules, statements: list[TruthStatement]) -> dict[str, datetime]:
    """Item id -> when it became complete, by its type: the earliest `completed` of a video, attempt (with a result)
    of a problem, page-category statement of a page."""
    done: dict[str, datetime] = {}
    for s in statements:
        item = rules.items.get(s.object_id)
        if item is None:
            continue
        if (item["type"] == "video" and s.verb_id == COMPLETED) \
                or (item["type"] == "problem" and rules.is_attempt(s)) \
                or (item["type"] == "page" and s.verb_id in PAGE_VERBS):
            done[item["id"]] = min(done.get(item["id"], _time(s)), _time(s))
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
        done = _completion_times(rules, statements)
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


# ------------------------------------------------------------------------------------------- §4.2 analytics marts

Row = dict[str, object]


def statement_pid(statement_id: str, key: bytes) -> str:
    """Contract §3, written again here: HMAC-SHA256 with K_statement over the lower-case id, its first 32 hex digits
    shown as a UUID. The warehouse breaks ties in time by it."""
    sub_key = hmac.new(key, b"lola/statement/v1", hashlib.sha256).digest()
    h = hmac.new(sub_key, statement_id.lower().encode(), hashlib.sha256).hexdigest()[:32]
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def _chronology(key: bytes):
    """Sort key (time, stored, statement_pid); a statement without `stored` sorts before those with one at the same
    time, as the warehouse's "latest" rule (stored DESC NULLS LAST) has it. The latest statement is the last here."""
    def order(s: TruthStatement) -> tuple:
        return _time(s), s.stored is not None, s.stored or _time(s), statement_pid(s.statement_id, key)
    return order


def without_person(cohort: Cohort, account: Account) -> Cohort:
    """The cohort as the warehouse holds it after `lola erase` of a MOOC account: its statements gone, and its row
    of the RCT assignment when it is a trial teacher's."""
    schools = [dataclasses.replace(school, teachers=tuple(t for t in school.teachers
                                                          if _teacher_account(t) != account))
               for school in cohort.schools]
    statements = [s for s in cohort.statements if s.account != account]
    return dataclasses.replace(cohort, statements=statements, schools=schools)


def _teacher_account(teacher: Teacher) -> Account | None:
    """The MOOC account a trial teacher's row names, when they took the MOOC (else they are known by e-mail, which
    no statement of the cohort carries)."""
    return (LMS_ROOT, teacher.fun_username) if teacher.fun_username else None


def _module_row(module: dict, done: dict[str, datetime], touched: set[str]) -> Row:
    required = [i["id"] for i in module["items"] if i["required"]]
    completed = _module_completed(module, done)
    if not completed:
        completed_at = None
    elif required:  # the latest of its required items' completions
        completed_at = max(done[i] for i in required)
    else:  # the earliest completion among its items
        completed_at = min(done[i["id"]] for i in module["items"] if i["id"] in done)
    return {
        "module_position": module["position"],
        "items_required": len(required),
        "items_required_completed": sum(i in done for i in required),
        "started": bool(touched & ({module["id"]} | {i["id"] for i in module["items"]})),
        "completed": completed,
        "completed_at": completed_at,
    }


def expected_learner_modules(cohort: Cohort) -> dict[tuple[Account, str, str], Row]:
    """(account, course_id, module_id) -> the non-key columns of `completion_learner_module`, for each pair whose
    course has a structure."""
    courses = {c["course_id"]: c for c in cohort.structure}
    rows = {}
    for (account, course_id), statements in _groups(cohort).items():
        course = courses.get(course_id)
        if course is None:
            continue
        done = _completion_times(_CourseRules(course), statements)
        touched = {s.object_id for s in statements}
        for module in course["modules"]:
            rows[(account, course_id, module["id"])] = _module_row(module, done, touched)
    return rows


def _segments(ordered: list[TruthStatement], length: float | None) -> list[tuple[float, float]]:
    """Watched segments: each `played` with a position opens one, the next statement closes it (paused, completed,
    terminated at their `time`; seeked at its `time-from`); anything else, a missing position or no next statement
    drops it. Positions clipped to [0, length] when the length is known; kept when end > start."""
    segments = []
    for opener, closer in zip(ordered, ordered[1:] + [None]):
        if opener.verb_id != PLAYED or opener.video_time is None or closer is None:
            continue
        end = closer.video_time if closer.verb_id in CLOSE_AT_TIME \
            else closer.video_time_from if closer.verb_id == SEEKED else None
        if end is None:
            continue
        start = opener.video_time
        if length is not None:
            start, end = min(max(start, 0.0), length), min(max(end, 0.0), length)
        if end > start:
            segments.append((start, end))
    return segments


def _union_length(segments: list[tuple[float, float]]) -> float:
    """Length of the union of intervals: a stretch watched twice counts once."""
    total, reached = 0.0, float("-inf")
    for start, end in sorted(segments):
        if end > reached:
            total += end - max(start, reached)
            reached = end
    return total


def _video_row(on_video: list[TruthStatement], structure_length: float | None, order) -> Row:
    lengths = [s.video_length for s in on_video if s.video_length is not None]
    length = structure_length if structure_length is not None else max(lengths) if lengths else None
    watched = _union_length(_segments(sorted(on_video, key=order), length))
    return {
        "plays": sum(s.verb_id == PLAYED for s in on_video),
        "video_length_s": length,
        "watched_s": watched,
        "share_watched": watched / length if length is not None else None,
        "completed": any(s.verb_id == COMPLETED for s in on_video),
    }


def expected_learner_videos(cohort: Cohort, key: bytes) -> dict[tuple[Account, str, str], Row]:
    """(account, course_id, video_id) -> the non-key columns of `engagement_learner_video`: each video object on which
    the pair has a counted video-category statement. The length is the structure item's, else the largest context
    `length` among those statements, else None."""
    structure_lengths = {(c["course_id"], i["id"]): float(i["video_length_s"])
                         for c in cohort.structure for m in c["modules"] for i in m["items"]
                         if i["video_length_s"] is not None}
    order = _chronology(key)
    rows = {}
    for (account, course_id), statements in _groups(cohort).items():
        by_video: dict[str, list[TruthStatement]] = defaultdict(list)
        for s in statements:
            if s.object_type == VIDEO_TYPE and s.verb_id in VIDEO_VERBS:
                by_video[s.object_id].append(s)
        for video_id, on_video in by_video.items():
            rows[(account, course_id, video_id)] = _video_row(on_video, structure_lengths.get((course_id, video_id)),
                                                              order)
    return rows


def _sessions(statements: list[TruthStatement]) -> tuple[int, float]:
    """(n_sessions, time_on_task_s): a gap over SESSION_GAP_S starts a session, one of at most that much (exactly
    1,800 s included) is time on task."""
    times = sorted(_time(s) for s in statements)
    gaps = [(later - earlier).total_seconds() for earlier, later in zip(times, times[1:])]
    return 1 + sum(g > SESSION_GAP_S for g in gaps), float(sum(g for g in gaps if g <= SESSION_GAP_S))


def _handbook_use(cohort: Cohort) -> dict[Account, tuple[int, int]]:
    """Account -> (page-category statements, downloads) from the handbook, all time, whatever the course."""
    use: dict[Account, list[int]] = defaultdict(lambda: [0, 0])
    for s in _counted(cohort):
        if s.source == "handbook":
            use[s.account][0] += s.verb_id in PAGE_VERBS
            use[s.account][1] += s.verb_id == DOWNLOADED
    return {account: (pages, downloads) for account, (pages, downloads) in use.items()}


def _registered(course_id: str, statements: list[TruthStatement]) -> bool:
    return any(s.verb_id == REGISTERED and s.object_id == course_id for s in statements)


def _unregistered(course_id: str, statements: list[TruthStatement], order) -> bool:
    """The latest enrolment-category statement on the course activity is `unregistered`; False without any."""
    enrolments = [s for s in statements if s.verb_id in ENROLMENT_VERBS and s.object_id == course_id]
    return bool(enrolments) and max(enrolments, key=order).verb_id == UNREGISTERED


def _viewed(statements: list[TruthStatement]) -> bool:
    """A statement outside the enrolment and course-outcome categories (the category is the verb's)."""
    return any(s.verb_id not in ENROLMENT_VERBS | OUTCOME_VERBS for s in statements)


def expected_learner_courses(cohort: Cohort, key: bytes, tz: str = "Europe/Paris") -> dict[tuple[Account, str], Row]:
    """(account, course_id) -> the non-key columns of `engagement_learner_course`, but school_pid and arm."""
    completion = expected_completion(cohort, tz)
    started: dict[tuple[Account, str], int] = defaultdict(int)
    for (account, course_id, _), module in expected_learner_modules(cohort).items():
        started[(account, course_id)] += module["started"]
    watched: dict[tuple[Account, str], float] = defaultdict(float)
    for (account, course_id, _), video in expected_learner_videos(cohort, key).items():
        watched[(account, course_id)] += video["watched_s"]
    handbook = _handbook_use(cohort)
    order = _chronology(key)
    rows = {}
    for (account, course_id), statements in _groups(cohort).items():
        c = completion[(account, course_id)]
        with_structure = c["modules_total"] is not None
        modules_started = started[(account, course_id)] if with_structure else None
        n_sessions, time_on_task = _sessions(statements)
        pages, downloads = handbook.get(account, (0, 0))
        rows[(account, course_id)] = {
            "registered": _registered(course_id, statements),
            "unregistered": _unregistered(course_id, statements, order),
            "viewed": _viewed(statements),
            "modules_started": modules_started,
            "explored": 2 * modules_started >= c["modules_total"] if with_structure else None,
            **{column: c[column] for column in ("completed", "passed", "grade", "n_events", "active_days",
                                                "videos_played", "problems_attempted")},
            "n_sessions": n_sessions,
            "time_on_task_s": time_on_task,
            "video_watched_s": watched[(account, course_id)],
            "handbook_pages_viewed": pages,
            "handbook_downloads": downloads,
        }
    return rows


def _funnel_steps(course: dict, groups: dict[tuple[Account, str], list[TruthStatement]],
                  completion: dict[tuple[Account, str], Row], modules: dict[tuple[Account, str, str], Row],
                  ) -> list[tuple[str, int]]:
    """(step, learners) in step order; each step counts the course's pairs meeting its own condition."""
    course_id = course["course_id"]
    pairs = [account for account, c in groups if c == course_id]
    steps = [("registered", sum(_registered(course_id, groups[(a, course_id)]) for a in pairs)),
             ("viewed", sum(_viewed(groups[(a, course_id)]) for a in pairs))]
    for module in sorted(course["modules"], key=lambda m: m["position"]):
        steps.append((f"module_{module['position']}_completed",
                      sum(modules[(a, course_id, module["id"])]["completed"] for a in pairs)))
    steps.append(("completed", sum(completion[(a, course_id)]["completed"] is True for a in pairs)))
    steps.append(("passed", sum(completion[(a, course_id)]["passed"] is True for a in pairs)))
    return steps


def expected_funnel(cohort: Cohort, tz: str = "Europe/Paris") -> dict[tuple[str, int], Row]:
    """(course_id, step_order) -> step, learners and share_of_registered of `funnel_course`, for every course of the
    structure (learners 0 and share None for a course nobody took)."""
    groups, completion, modules = _groups(cohort), expected_completion(cohort, tz), expected_learner_modules(cohort)
    rows = {}
    for course in cohort.structure:
        steps = _funnel_steps(course, groups, completion, modules)
        registered = steps[0][1]
        for step_order, (step, learners) in enumerate(steps, start=1):
            rows[(course["course_id"], step_order)] = {
                "step": step, "learners": learners,
                "share_of_registered": learners / registered if registered else None}
    return rows


def expected_rct_outcomes(cohort: Cohort, tz: str = "Europe/Paris") -> dict[tuple[str, str], Row]:
    """(arm, course_id) -> the non-key columns of `rct_outcomes_arm`, intention to treat: every teacher of the arm's
    rows counts in the denominators, a teacher without a pair in the course as 0."""
    completion = expected_completion(cohort, tz)
    groups = _groups(cohort)
    teachers: dict[str, list[Account | None]] = defaultdict(list)
    for school in cohort.schools:
        teachers[school.arm] += [_teacher_account(t) for t in school.teachers]
    rows = {}
    for arm, accounts in teachers.items():
        if not accounts:
            continue
        for course in cohort.structure:
            course_id = course["course_id"]
            pairs = [(a, completion[(a, course_id)]) for a in accounts if (a, course_id) in completion]
            assigned, completed = len(accounts), sum(row["completed"] is True for _, row in pairs)
            rows[(arm, course_id)] = {
                "teachers_assigned": assigned,
                "registered": sum(_registered(course_id, groups[(a, course_id)]) for a, _ in pairs),
                "active": len(pairs),
                "completed": completed,
                "passed": sum(row["passed"] is True for _, row in pairs),
                "mean_active_days": sum(row["active_days"] for _, row in pairs) / assigned,
                "mean_modules_completed": sum(row["modules_completed"] for _, row in pairs) / assigned,
                "completion_rate": completed / assigned,
            }
    return rows


def rule_cases(cohort: Cohort, key: bytes) -> dict[str, int]:
    """How often a cohort exercises each rule of §4.2 that a plain cohort could miss, so a test can prove its cohort
    does (a rule no statement meets is a rule no comparison checks)."""
    structure_lengths = {i["id"]: i["video_length_s"] for c in cohort.structure for m in c["modules"]
                         for i in m["items"] if i["type"] == "video"}
    cases: dict[str, int] = defaultdict(int)
    order = _chronology(key)
    for (account, course_id), statements in _groups(cohort).items():
        _count_video_cases(cases, statements, order)
        times = sorted(_time(s) for s in statements)
        for earlier, later in zip(times, times[1:]):
            cases["gap of exactly 1,800 s"] += (later - earlier).total_seconds() == SESSION_GAP_S
            cases["gap of 1,801 s"] += (later - earlier).total_seconds() == SESSION_GAP_S + 1
        enrolments = sorted((s for s in statements if s.verb_id in ENROLMENT_VERBS), key=order)
        verbs = [s.verb_id for s in enrolments]
        cases["unregistered after registered"] += verbs[-2:] == [REGISTERED, UNREGISTERED]
        cases["registered again after unregistered"] += verbs[-2:] == [UNREGISTERED, REGISTERED]
    for (_, _, video_id), row in expected_learner_videos(cohort, key).items():
        if row["video_length_s"] is None:
            cases["video without any length"] += 1
        elif structure_lengths.get(video_id) is None:
            cases["video length from the context"] += 1
    for row in expected_learner_modules(cohort).values():
        if row["items_required"] == 0:
            cases["module without required item, completed" if row["completed"]
                  else "module without required item, started only" if row["started"]
                  else "module without required item, untouched"] += 1
    active = {account for account, _ in _groups(cohort)}
    cases["teachers assigned, never active"] = sum(_teacher_account(t) not in active
                                                   for school in cohort.schools for t in school.teachers)
    cases["handbook downloads"] = sum(s.source == "handbook" and s.verb_id == DOWNLOADED for s in _counted(cohort))
    return dict(cases)


def _count_video_cases(cases: dict[str, int], statements: list[TruthStatement], order) -> None:
    by_video: dict[str, list[TruthStatement]] = defaultdict(list)
    for s in sorted(statements, key=order):
        if s.object_type == VIDEO_TYPE and s.verb_id in VIDEO_VERBS:
            by_video[s.object_id].append(s)
    for on_video in by_video.values():
        length = max((s.video_length for s in on_video if s.video_length is not None), default=None)
        for opener, closer in zip(on_video, on_video[1:] + [None]):
            if opener.verb_id != PLAYED:
                continue
            if opener.video_time is None:
                cases["played without a position"] += 1
            elif closer is None:
                cases["played, last statement on the video"] += 1
            elif closer.verb_id == SEEKED:
                cases["played closed by a seek"] += 1
            elif closer.verb_id not in CLOSE_AT_TIME:
                cases["played followed by another verb"] += 1
            elif length is not None and closer.video_time is not None and closer.video_time > length:
                cases["played closed past the video's length"] += 1
        segments = _segments(on_video, length)
        cases["video re-watched (segments overlap)"] += \
            sum(end - start for start, end in segments) > _union_length(segments) + 1e-9
