"""`lola erase IDENTIFIER`: GDPR erasure of one person, then the marts and the analysts' copy rebuilt without them.

The identifier is turned into its learner pseudonym first, and only the pseudonym goes further: never into the
Dagster run (its config and logs are stored), never into the report.
"""

import re
from pathlib import Path

from pipelines.config import Config
from pipelines.refresh import RefreshRequest, preflight, run_refresh
from pipelines.resources import PseudonymKeyResource
from schemas.pseudonyms import KEY_ENV_VAR, Pseudonymizer, canonical_from_value
from warehouse.db import compact, writer
from warehouse.erasure import erase_learner
from warehouse.lock import writer_lock

_PSEUDONYM = re.compile(r"[0-9a-f]{32}")


class ErasureError(ValueError):
    """The identifier or the warehouse does not allow an erasure; one line for the user."""


def learner_pid_of(identifier: str, pseudonymizer: Pseudonymizer) -> str:
    """The learner pseudonym of an e-mail, an account as homePage|name, or a pseudonym itself."""
    value = identifier.strip()
    if _PSEUDONYM.fullmatch(value):
        return value
    try:
        canonical = canonical_from_value(value)
    except ValueError:
        raise ErasureError("IDENTIFIER: expected an e-mail address, an account as homePage|name, or a learner "
                           "pseudonym (32 hex digits)") from None
    return pseudonymizer.learner_pid(canonical)


def erase_person(config: Config, dagster_home: Path, identifier: str) -> tuple[int, str]:
    """(exit code, report): erase, then rebuild every derived table and the analysts' copy through a Dagster run,
    holding the writer lock throughout."""
    pseudonymizer = PseudonymKeyResource().pseudonymizer()
    learner_pid = learner_pid_of(identifier, pseudonymizer)
    if not config.warehouse_path.exists():
        raise ErasureError(f"no warehouse at {config.warehouse_path}: nothing to erase yet (run `lola refresh`)")
    with writer_lock(config.warehouse_path, config.lock_wait_seconds, purpose="lola erase"):
        preflight(config, [], KEY_ENV_VAR)  # what the rebuild needs: fail before erasing, not half-way
        with writer(config.warehouse_path, config.timezone) as con:
            erased = erase_learner(con, learner_pid, pseudonymizer.tombstone(learner_pid))
        compact(config.warehouse_path)
        rebuilt = run_refresh(config, dagster_home, RefreshRequest(sources=[], mode="incremental"))
    lines = [
        f"erased learner {learner_pid}" + (" (already erased before)" if erased.already_erased else ""),
        f"  statements deleted: {erased.statements}",
        f"  quarantine copies deleted: {erased.quarantined}",
        f"  other statements naming them, pseudonym removed: {erased.mentions}",
        "  tombstone kept: later refreshes, backfills and key rotations will not load them again",
        *(["  nothing of theirs was in the warehouse: if the identifier is misspelt, erase the right one too"]
          if not (erased.already_erased or erased.statements or erased.quarantined or erased.mentions) else []),
        "  marts and the analysts' copy rebuilt" if rebuilt.ok else rebuilt.report,
    ]
    return rebuilt.exit_code, "\n".join(lines)
