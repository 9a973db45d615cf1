"""Harmless bends of the xAPI rules that real feeds send, Open edX's above all: accepted, with a warning.

This is the one list of what is a warning rather than fatal (docs/validation.md repeats it). Each bend gives one
warning line "<json-path>: <what> (<who sends it>); <how it is read>" and the statement as the pipeline reads it.
Every other broken rule is fatal: the statement goes to quarantine.
"""

import copy
import re
from collections.abc import Callable

from schemas.xapi import FORMATS

_UUID = re.compile(FORMATS["uuid"].pattern)
_SHA2 = re.compile(FORMATS["sha2"].pattern)
# A date-time with no time zone: xAPI 1.0.3 only says a timestamp SHOULD have one (2.0 makes it a MUST).
_NO_ZONE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:[.,][0-9]+)?)?$")
CONTEXT_ACTIVITY_KINDS = ("parent", "grouping", "category", "other")
UNIDENTIFIED_ACTIVITY = "urn:lola:unidentified-activity"

# A bend check: (statement, time zone required, its context activities) → [(warning, how to read it)].
Activities = list[tuple[str, dict, tuple[str, int | None]]]
Bend = Callable[[dict, bool, Activities], list[tuple[str, Callable[[dict], None]]]]


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _score_max_equals_min(statement: dict, _: bool, __: Activities):
    score = (statement.get("result") or {}).get("score") if isinstance(statement.get("result"), dict) else None
    if not isinstance(score, dict) or not (_number(score.get("min")) and _number(score.get("max"))):
        return []
    if score["min"] != score["max"] or (_number(score.get("raw")) and score["raw"] != score["min"]):
        return []
    return [("result.score.max: equals min (Open edX sends this for 0-point problems); read as no maximum",
             lambda s: s["result"]["score"].pop("max"))]


def _context_activities(statement: dict):
    """(path, list-or-object holder, key) of each context activity, for in-place edits on the copy."""
    context = statement.get("context")
    activities = context.get("contextActivities") if isinstance(context, dict) else None
    if not isinstance(activities, dict):
        return
    for kind in CONTEXT_ACTIVITY_KINDS:
        value = activities.get(kind)
        if isinstance(value, dict):
            yield f"context.contextActivities.{kind}", value, (kind, None)
        elif isinstance(value, list):
            for index, activity in enumerate(value):
                if isinstance(activity, dict):
                    yield f"context.contextActivities.{kind}[{index}]", activity, (kind, index)


def _context_activity(s: dict, where: tuple[str, int | None]) -> dict:
    kind, index = where
    value = s["context"]["contextActivities"][kind]
    return value if index is None else value[index]


def _group_activity(statement: dict, _: bool, activities: Activities):
    found = []
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") == "GroupActivity":
        found.append(("object.objectType: 'GroupActivity' is not an xAPI objectType (Open edX multi-question "
                      "problems); read as 'Activity'", lambda s: s["object"].__setitem__("objectType", "Activity")))
    for path, activity, where in activities:
        if activity.get("objectType") == "GroupActivity":
            found.append((f"{path}.objectType: 'GroupActivity' is not an xAPI objectType (Open edX multi-question "
                          "problems); read as 'Activity'",
                          lambda s, w=where: _context_activity(s, w).__setitem__("objectType", "Activity")))
    return found


def _context_activity_id_is_a_bare_uuid(statement: dict, _: bool, activities: Activities):
    # Open edX puts a per-learner exam attempt id (a bare UUID) here: a record key, so it is not kept either.
    # Any other non-IRI id stays fatal.
    return [(f"{path}.id: a bare UUID, not an IRI (Open edX exam attempts); the activity is kept without its id",
             lambda s, w=where: _context_activity(s, w).__setitem__("id", UNIDENTIFIED_ACTIVITY))
            for path, activity, where in activities
            if isinstance(activity.get("id"), str) and _UUID.fullmatch(activity["id"])]


def _time_without_zone(statement: dict, strict_zone: bool, _: Activities):
    if strict_zone:
        return []
    return [(f"{key}: no time zone (xAPI 1.0.3 only recommends one); read as UTC",
             lambda s, k=key: s.__setitem__(k, s[k] + "Z"))
            for key in ("timestamp", "stored")
            if isinstance(statement.get(key), str) and _NO_ZONE.fullmatch(statement[key])]


def _team_without_object_type(statement: dict, _: bool, __: Activities):
    found = []
    obj = statement.get("object")
    sub = obj if isinstance(obj, dict) and obj.get("objectType") == "SubStatement" else None
    for path, holder in (("", statement), ("object.", sub)):
        context = holder.get("context") if isinstance(holder, dict) else None
        team = context.get("team") if isinstance(context, dict) else None
        if isinstance(team, dict) and "objectType" not in team:
            found.append((f"{path}context.team: objectType is missing (a team is always a Group; the ADL "
                          "conformance suite accepts this); read as 'Group'",
                          lambda s, p=path: (s["object"] if p else s)["context"]["team"].__setitem__("objectType", "Group")))
    return found


def _sha2_not_hex(statement: dict, _: bool, __: Activities):
    attachments = statement.get("attachments")
    if not isinstance(attachments, list):
        return []
    return [(f"attachments[{i}].sha2: not a SHA-2 hash in hex (the ADL conformance suite accepts any string); "
             "kept as sent", lambda s: None)
            for i, a in enumerate(attachments)
            if isinstance(a, dict) and isinstance(a.get("sha2"), str) and not _SHA2.fullmatch(a["sha2"])]


BENDS: tuple[Bend, ...] = (
    _score_max_equals_min,
    _group_activity,
    _context_activity_id_is_a_bare_uuid,
    _time_without_zone,
    _team_without_object_type,
    _sha2_not_hex,
)


def tolerate(statement: dict, strict_zone: bool, in_place: bool = False) -> tuple[dict, list[str]]:
    """(statement as read, warnings). strict_zone: the rules in force require a time zone (xAPI 2.0).
    The input is copied before a bend is normalized, unless in_place (the caller owns a fresh parse of it)."""
    activities = list(_context_activities(statement))
    found = [bend for check in BENDS for bend in check(statement, strict_zone, activities)]
    if not found:
        return statement, []
    read = statement if in_place else copy.deepcopy(statement)
    for _, apply in found:
        apply(read)
    return read, [warning for warning, _ in found]
