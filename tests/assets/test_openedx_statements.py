"""The 90 statements Open edX really emits (../shared/openedx-statements): nothing lost, harmless bends kept with
a warning, and none of the identifiers listed in pii.txt reaches any table."""

import shutil
from pathlib import Path

import duckdb
import pytest

from assets.ingest import land_file_source
from schemas.pseudonyms import Pseudonymizer
from schemas.rows import RowBuilder
from tests.scan import row_text
from warehouse.db import writer

SHARED = Path(__file__).resolve().parents[3] / "shared" / "openedx-statements"
pytestmark = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared Open edX statements not found at {SHARED} "
                                                            "(the ../shared checkout is absent)")


def pii() -> list[str]:
    lines = (SHARED / "pii.txt").read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_real_open_edx_statements_land_without_their_identifiers(tmp_path):
    shutil.copy(SHARED / "statements.ndjson", tmp_path / "statements.ndjson")
    with writer(tmp_path / "wh.duckdb", "Europe/Paris") as con:
        report = land_file_source(con, "mooc", tmp_path / "statements.ndjson", RowBuilder(Pseudonymizer(bytes(32))),
                                  "run", "Europe/Paris")
        # 65 distinct ids: 64 valid first occurrences + the one with no object id; the variants that reuse an id
        # with other content are conflicts; 3 lines repeat a statement exactly (same content, keys reordered), and
        # 2 repeat a rejected line byte for byte: 5 duplicates, one quarantine row per rejected body.
        assert (report.read, report.loaded, report.quarantined, report.duplicates) == (90, 64, 21, 5)
        assert con.execute("SELECT count(*) FROM quarantine").fetchone()[0] == report.quarantined
        warned = con.execute("SELECT count(*) FROM landed_statements WHERE len(warnings) > 0").fetchone()[0]
        assert warned == 19  # 17 multi-question problems (GroupActivity) and 2 exam attempts, kept rather than lost
        values = pii()
        assert len(values) == 94
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            text = row_text(con, f'"{table}"')
            for value in values:
                hits = con.execute(f'SELECT count(*) FROM "{table}" WHERE contains({text}, ?)', [value]).fetchone()[0]
                assert hits == 0, (table, value)
