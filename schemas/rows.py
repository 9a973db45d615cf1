"""One valid xAPI statement → one pseudonymized row of the warehouse's `landed_statements` table.

Only values that are safe on disk leave this module: pseudonyms instead of identifiers, no names, no free text.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable
from datetime import datetime

import msgspec

from schemas.pseudonyms import Pseudonymizer
from schemas.scrub import Scrubber
from schemas.vocabulary import COURSE_OBJECT_CATEGORIES, COURSE_TYPE, VERB_CATEGORIES, VOIDED

VIDEO_EXT = "https://w3id.org/xapi/video/extensions/"
# Statements without an id (allowed in a file drop; an LRS would assign one) get a stable id from their content,
# so the same statement dropped twice is still a duplicate.
_CONTENT_ID_NAMESPACE = uuid.UUID("0f3c2a4e-5b1d-4c8e-9a7f-6d2e1b0c9a88")

# (column, DuckDB type) of landed_statements, in order; warehouse/landing.sql declares the same table.
LANDED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("statement_pid", "VARCHAR"),
    ("source", "VARCHAR"),
    ("learner_pid", "VARCHAR"),
    ("actor_type", "VARCHAR"),
    ("verb_id", "VARCHAR"),
    ("object_kind", "VARCHAR"),
    ("object_id", "VARCHAR"),
    ("object_type", "VARCHAR"),
    ("course_id", "VARCHAR"),
    ("language", "VARCHAR"),  # context.language, an RFC 5646 tag; NULL when absent
    ("timestamp", "TIMESTAMPTZ"),
    ("stored", "TIMESTAMPTZ"),
    ("result_success", "BOOLEAN"),
    ("result_completion", "BOOLEAN"),
    ("result_score_scaled", "DOUBLE"),
    ("result_score_raw", "DOUBLE"),
    ("result_score_min", "DOUBLE"),
    ("result_score_max", "DOUBLE"),
    ("result_duration_s", "DOUBLE"),
    ("has_result", "BOOLEAN"),
    ("video_time_s", "DOUBLE"),
    ("video_time_from_s", "DOUBLE"),
    ("video_time_to_s", "DOUBLE"),
    ("video_length_s", "DOUBLE"),
    ("voided_statement_pid", "VARCHAR"),
    ("xapi_version", "VARCHAR"),
    ("id_from_content", "BOOLEAN"),
    ("content_sha256", "VARCHAR"),
    ("statement_json", "JSON"),
    ("warnings", "VARCHAR[]"),  # harmless rule bends accepted (schemas.tolerance); empty when none
    ("run_id", "VARCHAR"),
)

_DURATION = re.compile(
    r"^P(?:(?P<years>\d+(?:\.\d+)?)Y)?(?:(?P<months>\d+(?:\.\d+)?)M)?(?:(?P<weeks>\d+(?:\.\d+)?)W)?"
    r"(?:(?P<days>\d+(?:\.\d+)?)D)?(?:T(?:(?P<hours>\d+(?:\.\d+)?)H)?(?:(?P<minutes>\d+(?:\.\d+)?)M)?"
    r"(?:(?P<seconds>\d+(?:\.\d+)?)S)?)?$"
)
# Calendar units have no fixed length; these are the usual conventions (a year of 365 days, a month of 30).
_SECONDS = {"years": 31_536_000, "months": 2_592_000, "weeks": 604_800, "days": 86_400,
            "hours": 3_600, "minutes": 60, "seconds": 1}


def duration_seconds(value: object) -> float | None:
    if not isinstance(value, str):
        return None
    match = _DURATION.match(value)
    if not match:
        return None
    return sum(float(v) * _SECONDS[k] for k, v in match.groupdict().items() if v is not None)


def parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def content_sha256(statement: dict) -> str:
    """Hash of the statement's content, ignoring what an LRS adds on storage (stored, authority)."""
    content = {k: v for k, v in statement.items() if k not in ("stored", "authority")}
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def statement_time(statement: dict) -> datetime | None:
    """A statement's time: its timestamp, else its stored (contract §4)."""
    return parse_time(statement.get("timestamp")) or parse_time(statement.get("stored"))


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _bool(value: object) -> bool | None:
    return value if isinstance(value, bool) else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _activities(context: dict) -> list[dict]:
    found = []
    for key in ("parent", "grouping"):
        value = (context.get("contextActivities") or {}).get(key)
        found.extend(value if isinstance(value, list) else [value] if isinstance(value, dict) else [])
    return found


def course_id(statement: dict) -> str | None:
    """The object of enrolment and outcome statements, else the parent/grouping activity of type course."""
    obj = statement.get("object") or {}
    if VERB_CATEGORIES.get(statement["verb"]["id"]) in COURSE_OBJECT_CATEGORIES:
        return obj.get("id")
    for activity in _activities(statement.get("context") or {}):
        if (activity.get("definition") or {}).get("type") == COURSE_TYPE:
            return activity.get("id")
    return None


class RowBuilder:
    def __init__(self, pseudonymizer: Pseudonymizer):
        self._pz = pseudonymizer
        self._valid_scrubber = Scrubber(pseudonymizer, scan_every_string=False)
        self._any_scrubber = Scrubber(pseudonymizer, scan_every_string=True)

    def statement_pid(self, statement: dict) -> tuple[str, bool]:
        """(pseudonymized id, whether the id was derived from the content because the statement had none)."""
        if isinstance(statement.get("id"), str):
            return self._pz.statement_pid(statement["id"]), False
        return self._pz.statement_pid(str(uuid.uuid5(_CONTENT_ID_NAMESPACE, content_sha256(statement)))), True

    def leave_out(self, tombstones: Iterable[str]) -> None:
        """Erased learners (their tombstones): no pseudonym for them in the rows and scrubbed copies built next."""
        self._pz.leave_out(tombstones)

    def is_erased(self, agent: object) -> bool:
        return self._pz.is_erased(agent)

    def scrubbed_json(self, statement: object, valid: bool = False) -> str:
        scrubber = self._valid_scrubber if valid else self._any_scrubber
        return msgspec.json.encode(scrubber.statement(statement)).decode()  # compact, UTF-8; 4x json.dumps

    def row(self, statement: dict, source: str, sha256: str, warnings: list[str]) -> dict:
        """The landed row of a valid statement, as the validator read it; sha256 is the content hash of the
        statement as sent (see content_sha256)."""
        actor = statement["actor"]
        obj = statement["object"]
        result = statement.get("result") or {}
        score = result.get("score") or {}
        result_ext = result.get("extensions") or {}
        context = statement.get("context") or {}
        context_ext = context.get("extensions") or {}
        object_kind = obj.get("objectType", "Activity")
        pid, from_content = self.statement_pid(statement)
        is_ref = object_kind == "StatementRef"
        return {
            "statement_pid": pid,
            "source": source,
            "learner_pid": self._pz.agent_pid(actor),
            "actor_type": actor.get("objectType", "Agent"),
            "verb_id": statement["verb"]["id"],
            "object_kind": object_kind,
            # Activities keep their IRI; a StatementRef's target is re-keyed; agents and sub-statements have none.
            "object_id": self._pz.statement_pid(obj["id"]) if is_ref else obj.get("id") if object_kind == "Activity" else None,
            "object_type": (obj.get("definition") or {}).get("type"),
            "course_id": course_id(statement),
            "language": _text(context.get("language")),
            "timestamp": statement_time(statement),
            "stored": parse_time(statement.get("stored")),
            "result_success": _bool(result.get("success")),
            "result_completion": _bool(result.get("completion")),
            "result_score_scaled": _number(score.get("scaled")),
            "result_score_raw": _number(score.get("raw")),
            "result_score_min": _number(score.get("min")),
            "result_score_max": _number(score.get("max")),
            "result_duration_s": duration_seconds(result.get("duration")),
            "has_result": bool(result),
            "video_time_s": _number(result_ext.get(VIDEO_EXT + "time")),
            "video_time_from_s": _number(result_ext.get(VIDEO_EXT + "time-from")),
            "video_time_to_s": _number(result_ext.get(VIDEO_EXT + "time-to")),
            "video_length_s": _number(context_ext.get(VIDEO_EXT + "length")),
            "voided_statement_pid": self._pz.statement_pid(obj["id"]) if is_ref and statement["verb"]["id"] == VOIDED else None,
            "xapi_version": statement.get("version"),
            "id_from_content": from_content,
            "content_sha256": sha256,
            "statement_json": self.scrubbed_json(statement, valid=True),
            "warnings": warnings,
        }
