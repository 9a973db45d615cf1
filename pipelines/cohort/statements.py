"""Builders of the xAPI statements the cohort emits: Open edX event-routing-backends (ERB) shapes for the MOOC, the
AI4T handbook tracker's shape for the handbook. One builder per statement kind; each returns a JSON-ready dict."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

import tincan

from pipelines.cohort.course import Course, Item, Module

XAPI_VERSION = "1.0.3"
# What FUN's ERB wrote into every statement in early 2023.
TRANSFORMER_VERSION = "event-routing-backends@5.3.1"

REGISTERED = "http://adlnet.gov/expapi/verbs/registered"
UNREGISTERED = "http://id.tincanapi.com/verb/unregistered"
PASSED = "http://adlnet.gov/expapi/verbs/passed"
FAILED = "http://adlnet.gov/expapi/verbs/failed"
NAVIGATED = "https://w3id.org/xapi/dod-isd/verbs/navigated"
VIEWED = "http://id.tincanapi.com/verb/viewed"
INITIALIZED = "http://adlnet.gov/expapi/verbs/initialized"
PLAYED = "https://w3id.org/xapi/video/verbs/played"
PAUSED = "https://w3id.org/xapi/video/verbs/paused"
SEEKED = "https://w3id.org/xapi/video/verbs/seeked"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"
TERMINATED = "http://adlnet.gov/expapi/verbs/terminated"
ATTEMPTED = "http://adlnet.gov/expapi/verbs/attempted"
EVALUATED = "https://w3id.org/xapi/acrossx/verbs/evaluated"
DOWNLOADED = "http://id.tincanapi.com/verb/downloaded"
VOIDED = "http://adlnet.gov/expapi/verbs/voided"

COURSE_TYPE = "http://adlnet.gov/expapi/activities/course"
MODULE_TYPE = "http://adlnet.gov/expapi/activities/module"
PAGE_TYPE = "http://activitystrea.ms/schema/1.0/page"
FILE_TYPE = "http://activitystrea.ms/schema/1.0/file"
VIDEO_TYPE = "https://w3id.org/xapi/video/activity-type/video"
INTERACTION_TYPE = "http://adlnet.gov/expapi/activities/cmi.interaction"

EXT_TRANSFORMER = "https://w3id.org/xapi/openedx/extension/transformer-version"
EXT_SESSION = "https://w3id.org/xapi/openedx/extensions/session-id"
EXT_ENROLLMENT_MODE = "https://w3id.org/xapi/acrossx/extensions/type"
EXT_ATTEMPT = "http://id.tincanapi.com/extension/attempt-id"
EXT_LENGTH = "https://w3id.org/xapi/video/extensions/length"
EXT_TIME = "https://w3id.org/xapi/video/extensions/time"
EXT_TIME_FROM = "https://w3id.org/xapi/video/extensions/time-from"
EXT_TIME_TO = "https://w3id.org/xapi/video/extensions/time-to"

HANDBOOK_PLATFORM = "AI4T Handbook"


def _display(verb_id: str) -> str:
    return verb_id.rsplit("/", 1)[1]


_ERB_VERBS = {
    v: {"display": {"en": _display(v)}, "id": v}
    for v in (REGISTERED, UNREGISTERED, PASSED, FAILED, NAVIGATED, VIEWED, INITIALIZED, PLAYED, PAUSED, SEEKED,
              COMPLETED, TERMINATED, ATTEMPTED, EVALUATED)
}
_VERB_NAMESPACES: dict[str, uuid.UUID] = {}


def fmt_time(ts: datetime) -> str:
    """ERB's timestamp style, e.g. 2023-01-10T09:12:33.123456+00:00; `ts` must be in UTC."""
    return ts.isoformat(timespec="microseconds")


def erb_statement_id(actor_key: str, verb_id: str, timestamp: str) -> str:
    """ERB's id formula: uuid5(uuid5(NAMESPACE_DNS, verb), actor + "-" + timestamp), so ids are reproducible."""
    namespace = _VERB_NAMESPACES.get(verb_id)
    if namespace is None:
        namespace = _VERB_NAMESPACES[verb_id] = uuid.uuid5(uuid.NAMESPACE_DNS, json.dumps(_ERB_VERBS[verb_id]))
    return str(uuid.uuid5(namespace, f"{actor_key}-{timestamp}"))


def fun_actor(home_page: str, name: str) -> dict:
    return {"objectType": "Agent", "account": {"homePage": home_page, "name": name}}


@dataclass(frozen=True)
class Session:
    """One sitting of a learner in a course: what every ERB statement of that sitting shares."""

    actor: dict
    actor_key: str  # the actor as JSON, which ERB hashes into statement ids
    session_id: str  # the LMS session key, 32 hex digits
    course: Course
    parent: list  # context.contextActivities.parent

    @classmethod
    def open(cls, actor: dict, session_id: str, course: Course) -> Session:
        parent = [{"id": course.course_id, "objectType": "Activity",
                   "definition": {"name": {"en-US": course.title}, "type": COURSE_TYPE}}]
        return cls(actor, json.dumps(actor), session_id, course, parent)


def _erb(session: Session, verb_id: str, obj: dict, ts: datetime, stored: datetime, *,
         result: dict | None = None, context_extensions: dict | None = None, in_course: bool = True) -> dict:
    """The envelope every ERB statement shares; `in_course` puts the course into contextActivities.parent."""
    timestamp = fmt_time(ts)
    extensions = {EXT_TRANSFORMER: TRANSFORMER_VERSION, EXT_SESSION: session.session_id}
    if context_extensions:
        extensions.update(context_extensions)
    context = {"contextActivities": {"parent": session.parent}, "extensions": extensions} if in_course \
        else {"extensions": extensions}
    statement = {"id": erb_statement_id(session.actor_key, verb_id, timestamp), "actor": session.actor,
                 "context": context, "object": obj}
    if result is not None:
        statement["result"] = result
    statement.update(timestamp=timestamp, verb=_ERB_VERBS[verb_id], version=XAPI_VERSION, stored=fmt_time(stored))
    return statement


def _course_object(course: Course) -> dict:
    return {"definition": {"name": {"en": course.title}, "type": COURSE_TYPE}, "id": course.course_id,
            "objectType": "Activity"}


def enrolment(actor: dict, course: Course, verb_id: str, ts: datetime, stored: datetime,
              session_id: str | None) -> dict:
    """registered / unregistered on the course activity, built with tincan to prove the shape interoperates."""
    account = actor["account"]
    extensions = {EXT_TRANSFORMER: TRANSFORMER_VERSION}
    if session_id is not None:
        extensions[EXT_SESSION] = session_id
    statement = tincan.Statement(
        id=erb_statement_id(json.dumps(actor), verb_id, fmt_time(ts)),
        actor=tincan.Agent(object_type="Agent",
                           account=tincan.AgentAccount(home_page=account["homePage"], name=account["name"])),
        verb=tincan.Verb(id=verb_id, display=tincan.LanguageMap({"en": _display(verb_id)})),
        object=tincan.Activity(
            id=course.course_id, object_type="Activity",
            definition=tincan.ActivityDefinition(
                name=tincan.LanguageMap({"en": course.title}), type=COURSE_TYPE,
                extensions=tincan.Extensions({EXT_ENROLLMENT_MODE: "audit"}))),
        context=tincan.Context(extensions=tincan.Extensions(extensions)),
        timestamp=ts,
        stored=stored,
        version=XAPI_VERSION,
    )
    return json.loads(statement.to_json())


def course_outcome(session: Session, passed: bool, grade_percent: int, ts: datetime, stored: datetime) -> dict:
    """passed / failed on the course activity, with the course grade (ERB's grade events carry no parent)."""
    result = {"score": {"scaled": grade_percent / 100, "raw": float(grade_percent), "min": 0.0, "max": 100.0},
              "success": passed}
    return _erb(session, PASSED if passed else FAILED, _course_object(session.course), ts, stored, result=result,
                in_course=False)


def module_navigated(session: Session, module: Module, ts: datetime, stored: datetime) -> dict:
    obj = {"definition": {"name": {"en": module.title}, "type": MODULE_TYPE}, "id": module.id,
           "objectType": "Activity"}
    return _erb(session, NAVIGATED, obj, ts, stored)


def page_viewed(session: Session, item: Item, ts: datetime, stored: datetime) -> dict:
    obj = {"definition": {"name": {"en": item.title}, "type": PAGE_TYPE}, "id": item.id, "objectType": "Activity"}
    return _erb(session, VIEWED, obj, ts, stored)


def video_event(session: Session, item: Item, verb_id: str, ts: datetime, stored: datetime, *,
                time: float | None = None, time_from: float | None = None, time_to: float | None = None) -> dict:
    """A statement of the xAPI video profile; the result carries the playhead as each verb needs it (none when the
    player reported no position), the context the video's length when the player reports one."""
    result: dict | None
    if verb_id == SEEKED:
        result = {"extensions": {EXT_TIME_FROM: time_from, EXT_TIME_TO: time_to}}
    elif verb_id == COMPLETED:
        minutes, seconds = divmod(item.duration_s, 60)
        result = {"extensions": {EXT_TIME: time}, "completion": True, "duration": f"PT{minutes:02d}M{seconds:02d}S"}
    elif verb_id == INITIALIZED or time is None:
        result = None
    else:
        result = {"extensions": {EXT_TIME: time}}
    obj = {"definition": {"type": VIDEO_TYPE}, "id": item.id, "objectType": "Activity"}
    length = {EXT_LENGTH: float(item.duration_s)} if item.length_in_context else None
    return _erb(session, verb_id, obj, ts, stored, result=result, context_extensions=length)


def problem_attempted(session: Session, item: Item, ts: datetime, stored: datetime) -> dict:
    """The browser-side problem_check: no result, so it is not an attempt for the metrics."""
    obj = {"definition": {"interactionType": "other", "type": INTERACTION_TYPE}, "id": item.id,
           "objectType": "Activity"}
    return _erb(session, ATTEMPTED, obj, ts, stored)


def problem_evaluated(session: Session, item: Item, attempt: int, raw: int, max_score: int, response: str,
                      ts: datetime, stored: datetime) -> dict:
    """The server-side problem_check, graded."""
    obj = {"definition": {"extensions": {EXT_ATTEMPT: attempt}, "description": {"en-US": item.prompt},
                          "interactionType": item.interaction_type, "type": INTERACTION_TYPE},
           "id": item.id, "objectType": "Activity"}
    result = {"response": response,
              "score": {"max": max_score, "min": 0, "raw": raw, "scaled": round(raw / max_score, 4)},
              "success": raw == max_score}
    return _erb(session, EVALUATED, obj, ts, stored, result=result)


def voiding(statement_id: str, actor: dict, target_id: str, ts: datetime, stored: datetime) -> dict:
    return {"id": statement_id, "actor": actor, "verb": {"display": {"en-US": "voided"}, "id": VOIDED},
            "object": {"objectType": "StatementRef", "id": target_id}, "timestamp": fmt_time(ts),
            "version": XAPI_VERSION, "stored": fmt_time(stored)}


def handbook_event(statement_id: str, actor: dict, verb_id: str, object_id: str, object_type: str, title: str,
                   language: str, ts: datetime) -> dict:
    """A page view or the PDF download on the handbook site (`language` is the site's language, the title is the
    English one the tracker reports); no course, and no LRS `stored` in the tracker's files."""
    return {"id": statement_id, "actor": actor,
            "verb": {"id": verb_id, "display": {"en-US": _display(verb_id)}},
            "object": {"objectType": "Activity", "id": object_id,
                       "definition": {"type": object_type, "name": {"en": title}}},
            "context": {"platform": HANDBOOK_PLATFORM, "language": language},
            "timestamp": fmt_time(ts), "version": XAPI_VERSION}
