"""Keyed pseudonyms, exactly as fixed by contract §3 so that other tools can link files to the warehouse.

K_kind = HMAC-SHA256(master_key, "lola/<kind>/v1"); a pseudonym is hex(HMAC-SHA256(K_kind, canonical))[:32].
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable

KEY_ENV_VAR = "LOLA_PSEUDONYM_KEY"
MIN_KEY_BYTES = 32
_HEX = re.compile(r"^[0-9a-fA-F]*$")
IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")


class PseudonymKeyError(ValueError):
    """The master key is missing or unusable; the message is safe to show (it never holds the key)."""


def parse_master_key(text: str | None, name: str = KEY_ENV_VAR) -> bytes:
    """Decode a key read from the environment variable `name`: hex when it is an even-length string of hex digits,
    else standard base64."""
    if not text or not text.strip():
        raise PseudonymKeyError(f"{name} is not set: export a secret key of at least {MIN_KEY_BYTES} bytes "
                                f"(hex or base64), e.g. `export {name}=$(openssl rand -hex 32)`")
    text = text.strip()
    if len(text) % 2 == 0 and _HEX.match(text):
        key = bytes.fromhex(text)
    else:
        try:
            key = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise PseudonymKeyError(f"{name} is neither hex nor standard base64") from None
    if len(key) < MIN_KEY_BYTES:
        raise PseudonymKeyError(f"{name} decodes to {len(key)} bytes; at least {MIN_KEY_BYTES} are required")
    return key


def _strip_home_page(home_page: str) -> str:
    return home_page.rstrip("/")


def canonical_agent_id(agent: object) -> str | None:
    """The canonical inverse functional identifier of an agent or identified group, or None when it has none.

    Works on malformed agents too (quarantine copies are pseudonymized the same way), as long as the
    identifier is a string (or an account with string parts).
    """
    if not isinstance(agent, dict):
        return None
    mbox = agent.get("mbox")
    if isinstance(mbox, str):
        address = mbox[len("mailto:"):] if mbox.lower().startswith("mailto:") else mbox
        return "mbox:" + address.lower()
    sha1 = agent.get("mbox_sha1sum")
    if isinstance(sha1, str):
        return "mbox_sha1sum:" + sha1.lower()
    openid = agent.get("openid")
    if isinstance(openid, str):
        return "openid:" + openid
    account = agent.get("account")
    if isinstance(account, dict):
        home_page, name = account.get("homePage"), account.get("name")
        if isinstance(home_page, str) and isinstance(name, str):
            return "account:" + _strip_home_page(home_page) + "|" + name
    return None


def canonical_from_value(value: str) -> str:
    """Canonical learner identifier from a value in a CSV cell: an e-mail (with or without mailto:) or homePage|name."""
    value = value.strip()
    if "|" in value:
        home_page, _, name = value.partition("|")
        return canonical_agent_id({"account": {"homePage": home_page, "name": name}})
    if "@" in value:
        return canonical_agent_id({"mbox": value})
    raise ValueError("expected an e-mail address or an account as homePage|name")


class Pseudonymizer:
    """Derives the per-purpose sub-keys once, then pseudonymizes learners, schools and statement ids."""

    def __init__(self, master_key: bytes, anonymous_home_pages: Iterable[str] = ()):
        self._learner_key = self._sub_key(master_key, "learner")
        self._school_key = self._sub_key(master_key, "school")
        self._statement_key = self._sub_key(master_key, "statement")
        self._erasure_key = self._sub_key(master_key, "erasure")
        # Stored with the warehouse, to tell a different key from the one it was built with (never the key itself).
        self.key_check = self._sub_key(master_key, "key-check").hex()
        self._anonymous = frozenset("account:" + _strip_home_page(h) + "|" for h in anonymous_home_pages)
        self._learner_cache: dict[str, str] = {}
        self._erased: frozenset[str] = frozenset()  # tombstones of erased learners (see leave_out)
        self._erased_pids: dict[str, bool] = {}

    @staticmethod
    def _sub_key(master_key: bytes, kind: str) -> bytes:
        return hmac.new(master_key, f"lola/{kind}/v1".encode(), hashlib.sha256).digest()

    @staticmethod
    def _digest(key: bytes, message: str) -> str:
        return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()[:32]

    def learner_pid(self, canonical: str) -> str:
        pid = self._learner_cache.get(canonical)
        if pid is None:
            pid = self._learner_cache[canonical] = self._digest(self._learner_key, canonical)
        return pid

    def is_anonymous(self, canonical: str) -> bool:
        return canonical.startswith("account:") and canonical[: canonical.index("|") + 1] in self._anonymous

    def leave_out(self, tombstones: Iterable[str]) -> None:
        """Erased learners: from now on they get no pseudonym, wherever they appear (instructor, team member...)."""
        self._erased = frozenset(tombstones)
        self._erased_pids.clear()

    def agent_pid(self, agent: object) -> str | None:
        """learner_pid of an agent; None for agents without identifier, anonymous visitors and erased learners."""
        pid = self._identified_pid(agent)
        return None if pid is not None and self.is_erased_pid(pid) else pid

    def is_erased(self, agent: object) -> bool:
        pid = self._identified_pid(agent)
        return pid is not None and self.is_erased_pid(pid)

    def is_erased_pid(self, pid: str) -> bool:
        if not self._erased:
            return False
        erased = self._erased_pids.get(pid)
        if erased is None:
            erased = self._erased_pids[pid] = self.tombstone(pid) in self._erased
        return erased

    def _identified_pid(self, agent: object) -> str | None:
        canonical = canonical_agent_id(agent)
        if canonical is None or self.is_anonymous(canonical):
            return None
        return self.learner_pid(canonical)

    def tombstone(self, learner_pid: str) -> str:
        """What `lola erase` keeps of an erased learner: a keyed hash of their pseudonym, so that the pseudonym
        itself is nowhere once they are erased, yet their statements can be recognized and left out."""
        return self._digest(self._erasure_key, learner_pid)

    def school_pid(self, school_code: str) -> str:
        return self._digest(self._school_key, "school:" + school_code.strip().upper())

    def statement_pid(self, statement_id: str) -> str:
        h = self._digest(self._statement_key, statement_id.lower())
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
