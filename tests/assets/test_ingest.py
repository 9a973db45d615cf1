"""Landing a file source into a real DuckDB file: nothing lost, nothing doubled, counts reconcile."""

import gzip
import hashlib
import json
import os
import tracemalloc
from datetime import date, datetime, timezone
from pathlib import Path

import duckdb
import pytest

from assets.files import read_file
from assets.ingest import Mode, WorkerDied, land_file_source
from schemas.pseudonyms import Pseudonymizer
from schemas.rows import LANDED_COLUMNS, RowBuilder
from schemas.validation import check_json
from warehouse.db import writer
from warehouse.erasure import erase_learner

KEY = bytes(range(32))
TZ = "Europe/Paris"


def statement(n: int, day: int = 10, **changes) -> dict:
    s = {
        "id": f"00000000-0000-4000-8000-{n:012d}",
        "actor": {"objectType": "Agent", "account": {"homePage": "https://lms.fun-mooc.fr", "name": f"learner{n % 3}"}},
        "verb": {"id": "http://id.tincanapi.com/verb/viewed", "display": {"en": "viewed"}},
        "object": {"id": f"https://lms.fun-mooc.fr/xblock/page{n}", "objectType": "Activity",
                   "definition": {"type": "http://activitystrea.ms/schema/1.0/page"}},
        "timestamp": f"2023-01-{day:02d}T10:00:00+00:00",
        "version": "1.0.3",
    }
    s.update(changes)
    return s


def write_ndjson(path: Path, lines: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
    if path.suffix == ".gz":
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    root = tmp_path / "drop"
    write_ndjson(root / "a.ndjson", [
        statement(1), statement(2), statement(3, day=11),
        statement(1),                                             # exact duplicate
        statement(2, verb={"id": "http://adlnet.gov/expapi/verbs/experienced"}),  # same id, other content
        '{"id": "truncated',                                      # not JSON
        {k: v for k, v in statement(4).items() if k != "verb"},   # invalid: no verb
    ])
    write_ndjson(root / "sub" / "b.ndjson.gz", [statement(5, day=12)])
    (root / "c.json").write_text(json.dumps([statement(6), statement(7, day=11)]))
    return root


def land(tmp_path: Path, root: Path, mode: Mode = Mode.INCREMENTAL, day: date | None = None, run_id: str = "run"):
    with writer(tmp_path / "wh.duckdb", TZ) as con:
        return land_file_source(con, "mooc", root, RowBuilder(Pseudonymizer(KEY)), run_id, TZ, mode, day)


def query(tmp_path: Path, sql: str):
    con = duckdb.connect(str(tmp_path / "wh.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_statement_is_loaded_quarantined_or_a_duplicate(tmp_path, drop):
    report = land(tmp_path, drop)
    assert (report.files_read, report.read, report.loaded, report.quarantined, report.duplicates) == (3, 10, 6, 3, 1)
    assert report.reconciles
    assert query(tmp_path, "SELECT count(*), count(DISTINCT statement_pid) FROM landed_statements") == [(6, 6)]
    reasons = sorted(r[0][0].split(":")[0] for r in query(tmp_path, "SELECT reasons FROM quarantine"))
    assert reasons == ["$", "id", "verb"]
    conflict = query(tmp_path, "SELECT reasons[1] FROM quarantine WHERE reasons[1] LIKE 'id:%'")[0][0]
    assert "other content" in conflict
    locations = sorted(r[0] for r in query(tmp_path, "SELECT location FROM quarantine"))
    assert locations == ["a.ndjson:5", "a.ndjson:6", "a.ndjson:7"]


def test_a_second_run_reads_nothing_new(tmp_path, drop):
    land(tmp_path, drop, run_id="first")
    again = land(tmp_path, drop, run_id="second")
    assert (again.files_read, again.read) == (0, 0)
    assert query(tmp_path, "SELECT count(*) FROM landed_statements") == [(6,)]


def test_a_changed_file_is_reported_and_only_its_new_statements_load(tmp_path, drop):
    land(tmp_path, drop, run_id="first")
    write_ndjson(drop / "sub" / "b.ndjson.gz", [statement(5, day=12), statement(8, day=12)])
    again = land(tmp_path, drop, run_id="second")
    assert again.changed_files == ["sub/b.ndjson.gz"]
    assert (again.read, again.loaded, again.duplicates) == (2, 1, 1)


def test_all_rebuilds_the_same_tables_without_doubling_quarantine(tmp_path, drop):
    land(tmp_path, drop, run_id="first")
    before = query(tmp_path, "SELECT statement_pid, content_sha256 FROM landed_statements ORDER BY 1")
    report = land(tmp_path, drop, Mode.ALL, run_id="second")
    assert (report.read, report.loaded, report.quarantined, report.duplicates) == (10, 6, 3, 1)
    assert query(tmp_path, "SELECT statement_pid, content_sha256 FROM landed_statements ORDER BY 1") == before
    assert query(tmp_path, "SELECT count(*) FROM quarantine") == [(3,)]


def test_date_backfill_reloads_one_local_day(tmp_path, drop):
    land(tmp_path, drop, run_id="first")
    report = land(tmp_path, drop, Mode.DATE, date(2023, 1, 11), run_id="second")
    # The two statements of 11 January load again; the five other lines already landed and the three bodies already
    # in quarantine are duplicates.
    assert (report.read, report.loaded, report.quarantined, report.duplicates) == (10, 2, 0, 8)
    assert report.reconciles
    assert query(tmp_path, "SELECT count(*) FROM landed_statements") == [(6,)]
    assert query(tmp_path, "SELECT count(*) FROM quarantine") == [(3,)]
    assert_quarantine_rows_match_the_counts(tmp_path)


def test_an_interrupted_run_leaves_the_warehouse_as_it_was(tmp_path, drop):
    land(tmp_path, drop, run_id="first")
    write_ndjson(drop / "new.ndjson", [statement(20), statement(21)])
    calls = []

    def failing_check(data):
        calls.append(data)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return check_json(data)

    with writer(tmp_path / "wh.duckdb", TZ) as con, pytest.raises(RuntimeError):
        land_file_source(con, "mooc", drop, RowBuilder(Pseudonymizer(KEY)), "killed", TZ, check=failing_check)
    assert query(tmp_path, "SELECT count(*) FROM landed_statements") == [(6,)]
    assert query(tmp_path, "SELECT count(*) FROM ingested_files WHERE file_path = 'new.ndjson'") == [(0,)]
    assert land(tmp_path, drop, run_id="rerun").loaded == 2


def test_landed_rows_hold_pseudonyms_not_identifiers(tmp_path, drop):
    land(tmp_path, drop)
    dump = " ".join(str(row) for row in query(tmp_path, "SELECT * FROM landed_statements"))
    dump += " ".join(str(row) for row in query(tmp_path, "SELECT * FROM quarantine"))
    for n in range(3):
        assert f"learner{n}" not in dump
    assert "00000000-0000-4000-8000-" not in dump


def test_a_warehouse_made_by_an_older_version_gains_the_new_columns(tmp_path, drop):
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE TABLE landed_statements (statement_pid VARCHAR, source VARCHAR)")
    con.close()
    assert land(tmp_path, drop).loaded == 6
    assert query(tmp_path, "SELECT count(*) FROM landed_statements WHERE warnings IS NOT NULL") == [(6,)]


def test_the_statement_language_is_landed(tmp_path):
    root = tmp_path / "drop"
    write_ndjson(root / "a.ndjson", [statement(1, context={"language": "fr-FR"}), statement(2)])
    assert land(tmp_path, root).loaded == 2
    assert query(tmp_path, "SELECT language FROM landed_statements ORDER BY language NULLS LAST") == [("fr-FR",), (None,)]


def test_an_older_warehouse_gains_the_language_column_empty_for_what_it_held(tmp_path):
    older = ", ".join(f"{name} {kind}" for name, kind in LANDED_COLUMNS if name != "language")
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute(f"CREATE TABLE landed_statements ({older})")
    con.execute("INSERT INTO landed_statements (statement_pid, source) VALUES ('landed-before', 'mooc')")
    con.close()
    root = tmp_path / "drop"
    write_ndjson(root / "a.ndjson", [statement(1, context={"language": "it"})])
    assert land(tmp_path, root).loaded == 1
    assert query(tmp_path, "SELECT statement_pid = 'landed-before', language FROM landed_statements ORDER BY 1") == [
        (False, "it"), (True, None)]


def land_with_retention(tmp_path: Path, root: Path, horizon: datetime, run_id: str):
    with writer(tmp_path / "wh.duckdb", TZ) as con:
        return land_file_source(con, "mooc", root, RowBuilder(Pseudonymizer(KEY)), run_id, TZ, Mode.ALL,
                                retention=datetime.now(timezone.utc) - horizon)


def test_statements_older_than_the_retention_are_not_kept(tmp_path, drop):
    report = land_with_retention(tmp_path, drop, datetime(2023, 1, 11, tzinfo=timezone.utc), "first")
    # the valid statements of 10 January: 1, 2, 6, and the later copies of 1 (same) and of 2 (conflicting)
    assert (report.expired, report.loaded, report.quarantined) == (5, 3, 2) and report.reconciles
    assert query(tmp_path, "SELECT count(*) FROM landed_statements WHERE \"timestamp\" < '2023-01-11'") == [(0,)]
    assert query(tmp_path, "SELECT count(*) FROM landed_statements") == [(3,)]

    later = land_with_retention(tmp_path, drop, datetime(2023, 1, 12, tzinfo=timezone.utc), "second")
    assert (later.expired, later.loaded) == (7, 1) and later.reconciles  # 3 and 7 of 11 January too
    assert query(tmp_path, "SELECT n_expired FROM ingest_runs WHERE run_id = 'second'") == [(7,)]


def test_the_retention_removes_what_was_landed_before(tmp_path, drop):
    land(tmp_path, drop, run_id="first")
    with writer(tmp_path / "wh.duckdb", TZ) as con:
        report = land_file_source(con, "mooc", drop, RowBuilder(Pseudonymizer(KEY)), "second", TZ,
                                  retention=datetime.now(timezone.utc) - datetime(2023, 1, 11, tzinfo=timezone.utc))
    assert report.read == 0 and report.removed_by_retention >= 3  # the 10 January rows, and old quarantine copies
    assert query(tmp_path, "SELECT count(*) FROM landed_statements WHERE \"timestamp\" < '2023-01-11'") == [(0,)]


def test_an_erased_learner_is_left_out_of_later_statements_wherever_they_appear(tmp_path, drop):
    land(tmp_path, drop, run_id="first")
    pz = Pseudonymizer(KEY)
    erased_account = {"account": {"homePage": "https://lms.fun-mooc.fr", "name": "learner1"}}
    erased_pid = pz.agent_pid(erased_account)
    with writer(tmp_path / "wh.duckdb", TZ) as con:
        erase_learner(con, erased_pid, pz.tombstone(erased_pid))
    instructed = statement(30, context={"instructor": {"objectType": "Agent", **erased_account}})  # learner0 acts
    write_ndjson(drop / "later.ndjson", [statement(31), instructed])  # 31 % 3 == 1: learner1 acts
    report = land(tmp_path, drop, run_id="later")
    assert (report.read, report.loaded, report.erased) == (2, 1, 1) and report.reconciles
    assert query(tmp_path, f"SELECT count(*) FROM landed_statements WHERE contains(statement_json::VARCHAR, "
                           f"'{erased_pid}') OR learner_pid = '{erased_pid}'") == [(0,)]


def assert_quarantine_rows_match_the_counts(tmp_path: Path) -> None:
    """Table by table: each run wrote as many quarantine rows as it counted quarantined."""
    counted = dict(query(tmp_path, "SELECT run_id, n_quarantined FROM ingest_runs"))
    rows = dict(query(tmp_path, "SELECT run_id, count(*) FROM quarantine GROUP BY run_id"))
    assert {run: rows.get(run, 0) for run in counted} == counted


def test_the_same_rejected_body_read_again_is_a_duplicate(tmp_path):
    invalid = json.dumps({k: v for k, v in statement(1).items() if k != "verb"})
    write_ndjson(tmp_path / "drop" / "a.ndjson", [invalid, statement(2), invalid, invalid])
    report = land(tmp_path, tmp_path / "drop")
    assert (report.read, report.loaded, report.quarantined, report.duplicates) == (4, 1, 1, 2) and report.reconciles
    assert query(tmp_path, "SELECT count(*), min(location) FROM quarantine") == [(1, "a.ndjson:1")]
    assert_quarantine_rows_match_the_counts(tmp_path)


NOTE = "https://example.org/ext/note"


def statement_of_size(n: int, size: int) -> bytes:
    """A valid statement of exactly `size` bytes of JSON, grown by a long extension string that the scrubber keeps."""
    def with_note(note: str) -> bytes:
        return json.dumps(statement(n, context={"extensions": {NOTE: note}})).encode()

    return with_note("a" * (size - len(with_note(""))))


def test_a_statement_over_the_maximum_is_quarantined_unread_and_the_rest_lands(tmp_path):
    at_limit, over = statement_of_size(1, 5_000), statement_of_size(2, 5_001)
    item = json.loads(statement_of_size(5, 7_000))
    as_kept = json.dumps(item, separators=(",", ":")).encode()  # an item of a .json array is kept re-encoded
    root = tmp_path / "drop"
    root.mkdir()
    (root / "a.ndjson").write_bytes(at_limit + b"\n" + over + b"\n" + json.dumps(statement(3)).encode() + b"\n")
    (root / "b.json").write_text(json.dumps([statement(4), item]))
    with writer(tmp_path / "wh.duckdb", TZ) as con:
        report = land_file_source(con, "mooc", root, RowBuilder(Pseudonymizer(KEY)), "run", TZ,
                                  max_statement_bytes=5_000)
    assert (report.read, report.loaded, report.quarantined) == (5, 3, 2) and report.reconciles
    assert query(tmp_path, "SELECT location, reasons, raw_sha256, statement_pid, statement_json FROM quarantine "
                           "ORDER BY location") == [
        ("a.ndjson:2", ["$: the statement is 5,001 bytes, over the maximum of 5,000 (max_statement_bytes)"],
         hashlib.sha256(over).hexdigest(), None, None),
        ("b.json#1", [f"$: the statement is {len(as_kept):,} bytes, over the maximum of 5,000 (max_statement_bytes)"],
         hashlib.sha256(as_kept).hexdigest(), None, None),
    ]


def test_an_oversized_line_is_measured_without_being_held(tmp_path):
    line = b'{"id": "' + b"x" * (20 << 20) + b'"}'
    path = tmp_path / "big.ndjson.gz"
    path.write_bytes(gzip.compress(b"\n" + line + b"\r\n" + json.dumps(statement(1)).encode() + b"\n", 1))
    expected = (len(line) + 1, hashlib.sha256(line + b"\r").hexdigest())  # as read: all but the newline
    del line
    tracemalloc.start()
    try:
        read = list(read_file(path, "big.ndjson.gz", max_bytes=1 << 20))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [r.location for r in read] == ["big.ndjson.gz:2", "big.ndjson.gz:3"]
    assert (read[0].size, read[0].raw_sha256) == expected
    assert json.loads(read[1].data) == statement(1)
    assert peak < 8 << 20  # a few chunks, not the 20 MiB line


def statements_gzip(numbers: range) -> bytes:
    return gzip.compress(b"".join((json.dumps(statement(n)) + "\n").encode() for n in numbers))


def bad_block_type(data: bytes) -> bytes:
    """The same gzip with its first deflate block made invalid: zlib fails on it."""
    return data[:10] + b"\xff" + data[11:]


@pytest.mark.parametrize(("content", "read_before_it_broke"), [
    pytest.param(lambda: (json.dumps(statement(40)) + "\n").encode(), False, id="not-gzip"),
    pytest.param(lambda: statements_gzip(range(40, 240))[:800], True, id="truncated"),
    pytest.param(lambda: bad_block_type(statements_gzip(range(40, 240))), False, id="corrupt-deflate"),
])
def test_a_file_that_cannot_be_read_is_quarantined_and_the_rest_lands(tmp_path, drop, content, read_before_it_broke):
    broken = content()
    (drop / "broken.ndjson.gz").write_bytes(broken)
    report = land(tmp_path, drop, run_id="first")
    assert (report.files_read, report.files_quarantined) == (3, 1) and report.reconciles
    # What was read before the break stays read and landed: the first lines of the file, in order.
    from_broken = report.read - 10
    assert (from_broken > 0) == read_before_it_broke
    landed = {r[0] for r in query(tmp_path, "SELECT statement_pid FROM landed_statements")}
    landed_numbers = {n for n in range(40, 240) if Pseudonymizer(KEY).statement_pid(statement(n)["id"]) in landed}
    assert landed_numbers == set(range(40, 40 + from_broken))
    assert query(tmp_path, "SELECT file_path, file_sha256, size_bytes, run_id FROM quarantined_files") == [
        ("broken.ndjson.gz", hashlib.sha256(broken).hexdigest(), len(broken), "first")]
    (reason,), = query(tmp_path, "SELECT reason FROM quarantined_files")
    assert reason.startswith("cannot be read as gzip (") and broken[:2].decode("latin-1") not in reason
    assert query(tmp_path, "SELECT n_files_quarantined FROM ingest_runs") == [(1,)]

    again = land(tmp_path, drop, run_id="second")
    assert (again.files_read, again.files_quarantined, again.read, again.changed_files) == (0, 0, 0, [])

    write_ndjson(drop / "broken.ndjson.gz", [statement(n) for n in range(40, 240)])  # a good copy: tried again
    fixed = land(tmp_path, drop, run_id="third")
    assert (fixed.files_read, fixed.files_quarantined, fixed.read, fixed.loaded) == (1, 0, 200, 200 - from_broken)

    everything = land(tmp_path, drop, Mode.ALL, run_id="fourth")
    assert everything.files_quarantined == 0 and query(tmp_path, "SELECT count(*) FROM quarantined_files") == [(0,)]


@pytest.mark.parametrize(("name", "make", "reason"), [
    pytest.param("export.ndjson", lambda path: path.write_bytes(statements_gzip(range(40, 240))),
                 "binary content (a NUL byte in its first 8 KiB)", id="gzip-without-.gz"),
    pytest.param("utf16.json", lambda path: path.write_text(json.dumps(statement(40)), encoding="utf-16"),
                 "binary content (a NUL byte in its first 8 KiB)", id="utf-16"),
    pytest.param("gone.ndjson", lambda path: path.symlink_to(path.with_name("moved-away.ndjson")),
                 "cannot be read (No such file or directory)", id="dangling-link"),
])
def test_a_file_that_is_not_statement_text_is_quarantined_whole(tmp_path, drop, name, make, reason):
    make(drop / name)
    report = land(tmp_path, drop)
    assert (report.files_read, report.files_quarantined, report.read, report.loaded) == (3, 1, 10, 6)
    assert report.reconciles
    (path, stored_reason), = query(tmp_path, "SELECT file_path, reason FROM quarantined_files")
    assert (path, stored_reason[:len(reason)]) == (name, reason)


def test_a_commit_that_fails_reports_its_own_error(tmp_path, drop):
    """DuckDB ends a transaction itself when its COMMIT fails (a full disk, a conflict with another writer): that
    error must surface, not the "cannot rollback - no transaction is active" of a ROLLBACK after it."""
    with writer(tmp_path / "wh.duckdb", TZ) as con:
        con.execute("CREATE UNIQUE INDEX one_row_per_content ON ingested_files (source, file_path, file_sha256)")
    checked = []

    def check_racing_another_writer(data: bytes):
        checked.append(data)
        if len(checked) == 8:  # a.ndjson's 7 lines are landed: another writer records a.ndjson too, and commits
            other = duckdb.connect(str(tmp_path / "wh.duckdb"))
            other.execute("INSERT INTO ingested_files (source, file_path, file_sha256) VALUES ('mooc', 'a.ndjson', ?)",
                          [hashlib.sha256((drop / "a.ndjson").read_bytes()).hexdigest()])
            other.close()
        return check_json(data)

    with writer(tmp_path / "wh.duckdb", TZ) as con, pytest.raises(duckdb.Error, match="duplicate key") as raised:
        land_file_source(con, "mooc", drop, RowBuilder(Pseudonymizer(KEY)), "run", TZ,
                         check=check_racing_another_writer)
    assert "Failed to commit" in str(raised.value)
    assert query(tmp_path, "SELECT count(*) FROM ingest_runs") == [(0,)]
    assert query(tmp_path, "SELECT run_id FROM ingested_files") == [(None,)]  # the other writer's row only


def a_large_mixed_drop(root: Path) -> tuple[int, int, int]:
    """600 statements across many chunks: new ones, exact copies, conflicting copies and invalid bodies (one of them
    read three times), each kind spread over the run. Returns (loaded, quarantined, duplicates) counted here from
    the contract's rules, walking the lines in order."""
    lines, first_content, rejected = [], {}, set()
    loaded = quarantined = duplicates = 0
    for n in range(600):
        if n % 13 == 0:
            line = json.dumps({k: v for k, v in statement(n % 39, day=n % 28 + 1).items() if k != "verb"})
        elif n % 11 == 0:
            line = json.dumps(statement(n - 1, day=(n - 1) % 28 + 1,
                                        verb={"id": "http://adlnet.gov/expapi/verbs/experienced"}))
        elif n % 7 == 0:
            line = json.dumps(statement(n // 2, day=n // 2 % 28 + 1))
        else:
            line = json.dumps(statement(n, day=n % 28 + 1))
        lines.append(line)
        value = json.loads(line)
        if "verb" not in value:
            quarantined, duplicates = quarantined + (line not in rejected), duplicates + (line in rejected)
            rejected.add(line)
        elif value["id"] not in first_content:
            first_content[value["id"]] = value
            loaded += 1
        elif first_content[value["id"]] == value:
            duplicates += 1
        else:
            quarantined += 1
    write_ndjson(root / "a.ndjson", lines)
    return loaded, quarantined, duplicates


def test_landing_in_worker_processes_gives_the_same_warehouse_as_landing_in_one(tmp_path, monkeypatch):
    import assets.ingest
    expected = a_large_mixed_drop(tmp_path / "drop")
    monkeypatch.setattr(assets.ingest, "CHUNK_STATEMENTS", 40)   # many chunks, the pool from the second one
    monkeypatch.setattr(assets.ingest, "STAGED_ROWS_TO_SETTLE", 150)  # settled several times along the run
    tables = {}
    for workers in (1, 2):
        monkeypatch.setattr(assets.ingest, "MAX_WORKERS", workers)
        folder = tmp_path / f"workers{workers}"
        folder.mkdir()
        report = land(folder, tmp_path / "drop")
        assert (report.read, report.loaded, report.quarantined, report.duplicates) == (600, *expected)
        assert report.reconciles
        tables[workers] = (query(folder, "SELECT * FROM landed_statements ORDER BY ALL"),
                           query(folder, "SELECT * EXCLUDE (received_at) FROM quarantine ORDER BY ALL"))
        assert_quarantine_rows_match_the_counts(folder)
    assert len(tables[1][0]) == expected[0] and len(tables[1][1]) == expected[1]
    assert tables[1] == tables[2]


def dies_on_the_marker(data: bytes):
    """A validator whose worker process dies on one statement, as an out-of-memory kill would end it."""
    if b"die-here" in data:
        os._exit(9)
    return check_json(data)


def test_a_worker_that_dies_fails_the_landing_instead_of_hanging(tmp_path):
    statements = [statement(n) for n in range(1, 9_001)]
    statements[6_000]["object"]["id"] = "https://example.org/die-here"  # in the second chunk: a worker's
    write_ndjson(tmp_path / "drop" / "a.ndjson", statements)
    with writer(tmp_path / "wh.duckdb", TZ) as con:
        with pytest.raises(WorkerDied, match="a landing worker process ended abruptly"):
            land_file_source(con, "mooc", tmp_path / "drop", RowBuilder(Pseudonymizer(KEY)), "run", TZ,
                             check=dies_on_the_marker)
    # Rolled back whole: no run recorded, and not even the landed_statements table its transaction made.
    assert query(tmp_path, "SELECT (SELECT count(*) FROM ingest_runs), (SELECT count(*) FROM duckdb_tables() "
                           "WHERE table_name = 'landed_statements')") == [(0, 0)]
