"""The scrubbed copy of a statement: what the pipeline may keep on disk (contract §3).

This module is the one place that lists what is pseudonymized and what is dropped:
- every agent or group (actor, object, authority, instructor, team, members, inside sub-statements) becomes
  {"objectType", "learner_pid"} (+ scrubbed "member"): names and raw identifiers never survive;
- statement ids (top-level id, StatementRef objects, context.statement) are re-keyed;
- free text is dropped: result.response, and the name/description of learner-authored activities (forum threads);
- extension values that identify a person or a device are dropped (DROPPED_EXTENSIONS), and so is any extension
  string that looks like an e-mail or an IP address.
It walks malformed statements too, so a quarantined statement is scrubbed with the same rules.
"""

from __future__ import annotations

import re

from schemas.pseudonyms import IFI_PROPERTIES, Pseudonymizer

DROPPED_EXTENSIONS = frozenset({
    "https://w3id.org/xapi/openedx/extensions/session-id",
    "http://id.tincanapi.com/extension/ip-address",
    "http://id.tincanapi.com/extension/browser-info",
    "http://id.tincanapi.com/extension/user-agent",
    "https://w3id.org/xapi/openedx/extensions/username",
    "https://w3id.org/xapi/openedx/extensions/email",
})
LEARNER_AUTHORED_ACTIVITY_TYPES = frozenset({
    "http://id.tincanapi.com/activitytype/discussion",
})
# Something@domain.tld. A search tries the pattern at every position; to stay linear in the string it starts only
# where a run of non-blank, non-@ characters starts (the lookbehind) and takes that run whole (possessive), instead
# of walking every suffix of a long run. It finds exactly what `[^@\s]+@[^@\s]+\.[^@\s]+` finds.
_EMAIL = re.compile(r"(?<![^@\s])[^@\s]++@[^@\s]+\.[^@\s]+")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_IPV6 = re.compile(r"\b(?:[0-9a-fA-F]{1,4}:){3,7}[0-9a-fA-F]{1,4}\b")


def _looks_personal(value: object) -> bool:
    return isinstance(value, str) and bool(_EMAIL.search(value) or _IPV4.search(value) or _IPV6.search(value))


def _is_agent(value: dict) -> bool:
    return value.get("objectType") in ("Agent", "Group") or any(p in value for p in IFI_PROPERTIES) or "member" in value


class Scrubber:
    """scan_every_string: look for e-mails and IP addresses in every string, not only in extension values.
    Needed for quarantined statements, whose structure cannot be trusted; valid ones hold free text only in
    the places this module drops by position, and in extensions."""

    def __init__(self, pseudonymizer: Pseudonymizer, scan_every_string: bool = True):
        self._pz = pseudonymizer
        self._scan_all = scan_every_string

    def statement(self, statement: object) -> object:
        """Scrubbed copy of a parsed statement (any JSON value)."""
        if not isinstance(statement, dict):
            return None if isinstance(statement, str) else statement
        return self._statement(statement)

    def _statement(self, statement: dict) -> dict:
        out = {}
        for key, value in statement.items():
            if key == "id":
                out[key] = self._statement_id(value)
            elif key in ("actor", "authority"):
                out[key] = self._any(value)
            elif key == "object":
                out[key] = self._object(value)
            elif key == "result":
                out[key] = self._result(value)
            elif key == "context":
                out[key] = self._context(value)
            else:
                out[key] = self._any(value)
        return out

    def _statement_id(self, value: object) -> object:
        return self._pz.statement_pid(value) if isinstance(value, str) else None

    def _agent(self, agent: dict) -> dict:
        out = {"objectType": agent.get("objectType") if agent.get("objectType") in ("Agent", "Group") else "Agent",
               "learner_pid": self._pz.agent_pid(agent)}
        if isinstance(agent.get("member"), list):
            out["member"] = [self._any(m) for m in agent["member"]]
        return out

    def _object(self, obj: object) -> object:
        if not isinstance(obj, dict):
            return self._any(obj)
        kind = obj.get("objectType")
        if kind == "StatementRef":
            return {"objectType": kind, "id": self._statement_id(obj.get("id"))}
        if kind == "SubStatement":
            return self._statement(obj)
        if _is_agent(obj):
            return self._agent(obj)
        return self._activity(obj)

    def _activity(self, activity: dict) -> dict:
        out = {}
        for key, value in activity.items():
            if key == "definition" and isinstance(value, dict):
                learner_authored = value.get("type") in LEARNER_AUTHORED_ACTIVITY_TYPES
                out[key] = self._members(value, dropped=("name", "description") if learner_authored else ())
            else:
                out[key] = self._any(value)
        return out

    def _result(self, result: object) -> object:
        if not isinstance(result, dict):
            return self._any(result)
        return self._members(result, dropped=("response",))

    def _members(self, mapping: dict, dropped: tuple[str, ...]) -> dict:
        """A definition or result: its extensions scrubbed as extensions, the dropped members left out."""
        return {k: self._extensions(v) if k == "extensions" else self._any(v)
                for k, v in mapping.items() if k not in dropped}

    def _context(self, context: object) -> object:
        if not isinstance(context, dict):
            return self._any(context)
        out = {}
        for key, value in context.items():
            if key == "statement" and isinstance(value, dict):
                out[key] = self._object({**value, "objectType": "StatementRef"})
            elif key == "contextActivities" and isinstance(value, dict):
                out[key] = {k: [self._object(a) for a in v] if isinstance(v, list) else self._object(v)
                            for k, v in value.items()}
            elif key == "extensions":
                out[key] = self._extensions(value)
            else:
                out[key] = self._any(value)
        return out

    def _extensions(self, extensions: object) -> object:
        if not isinstance(extensions, dict):
            return self._any(extensions)
        return {k: self._any(v, scan=True) for k, v in extensions.items()
                if k not in DROPPED_EXTENSIONS and not _looks_personal(v)}

    def _any(self, value: object, scan: bool = False) -> object:
        """Generic walk: agents anywhere are pseudonymized, personal-looking strings are dropped where scanned."""
        if isinstance(value, dict):
            if _is_agent(value):
                return self._agent(value)
            return {k: self._any(v, scan) for k, v in value.items()}
        if isinstance(value, list):
            return [self._any(v, scan) for v in value]
        if (scan or self._scan_all) and _looks_personal(value):
            return None
        return value
