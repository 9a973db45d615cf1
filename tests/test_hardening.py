"""What a new user broke in one afternoon ([J]), each through the real CLI, Dagster instance and DuckDB files:
another key on an existing warehouse, a killed run blocking the queue, two refreshes at once, exit codes that say
what went wrong (busy, disk full, read-only disk), a summary summed over refreshes, `lola dev -h`."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from pipelines.instance import PROJECT_DAGSTER_YAML
from tests.pipelines.test_cli import LOLA, assert_one_line_error, lola

KEY_A, KEY_B = "ab" * 32, "cd" * 32
PUBLISHED = Path("warehouse/published/lola.duckdb")
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> Path:
    """A generated cohort's input folder, shared read-only by the labs of this module."""
    root = tmp_path_factory.mktemp("cohort")
    assert lola("generate", "--out", "data", "--learners", "25", cwd=root).returncode == 0
    return root / "data"


def make_lab(root: Path, cohort: Path, toml: str = "") -> Path:
    """A lab folder: the cohort's input, and a lola.toml (the demo defaults, plus `toml`)."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(cohort, root / "data")
    (root / "lola.toml").write_text(toml)
    return root


def published(lab: Path, sql: str):
    con = duckdb.connect(str(lab / PUBLISHED), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_another_key_is_refused_and_an_erased_person_never_returns(tmp_path, cohort):
    lab = make_lab(tmp_path, cohort)
    assert lola("refresh", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A}).returncode == 0
    (pid, n_theirs), = published(lab, "SELECT learner_pid, count(*) FROM statements GROUP BY 1 ORDER BY 2 DESC LIMIT 1")
    erased = lola("erase", pid, cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A})
    assert erased.returncode == 0 and f"statements deleted: {n_theirs}" in erased.stdout, erased
    before = published(lab, "SELECT count(*), count(DISTINCT learner_pid) FROM statements")

    for args in (["refresh"], ["refresh", "--all"], ["erase", "https://lms.fun-mooc.fr|nobody"]):
        refused = lola(*args, cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_B})
        assert_one_line_error(refused)
        assert "not the key this warehouse was built with" in refused.stderr and "rotate-key" in refused.stderr
    (tmp_path / "ids.csv").write_text("email\na@example.org\n")
    assert_one_line_error(lola("pseudonymize", str(tmp_path / "ids.csv"), "email", cwd=lab,
                               env={"LOLA_PSEUDONYM_KEY": KEY_B}))
    assert published(lab, "SELECT count(*), count(DISTINCT learner_pid) FROM statements") == before

    again = lola("refresh", "--all", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A})
    assert again.returncode == 0, again.stderr
    assert published(lab, "SELECT count(*), count(DISTINCT learner_pid) FROM statements") == before
    assert published(lab, f"SELECT count(*) FROM statements WHERE learner_pid = '{pid}'") == [(0,)]


def test_rotating_with_no_erasure_to_carry_leaves_nothing_behind(tmp_path, cohort):
    lab = make_lab(tmp_path, cohort)
    assert lola("refresh", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A}).returncode == 0
    rotated = lola("rotate-key", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A, "LOLA_NEW_PSEUDONYM_KEY": KEY_B})
    assert rotated.returncode == 0, rotated.stderr
    assert "erasures carried over: 0 of 0" in rotated.stdout
    assert not (lab / "warehouse" / ".rotation").exists()
    assert lola("refresh", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_B}).returncode == 0
    assert_one_line_error(lola("refresh", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A}))


def runs(lab: Path) -> list[dg.DagsterRun]:
    if not (lab / ".dagster" / "dagster.yaml").exists():
        return []
    instance = dg.DagsterInstance.from_config(str(lab / ".dagster"))
    try:
        return list(instance.get_runs())
    finally:
        instance.dispose()


def run_of(lab: Path, run_id: str) -> dg.DagsterRun:
    return next(r for r in runs(lab) if r.run_id == run_id)


def wait_for(condition, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.5)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def test_a_killed_run_does_not_block_the_queue(tmp_path, cohort):
    """SIGKILL leaves the run STARTED; the daemon's orphaned_runs sensor marks it failed and the queue moves on."""
    lab = make_lab(tmp_path, cohort)
    (lab / ".dagster").mkdir()
    shutil.copyfile(PROJECT_DAGSTER_YAML, lab / ".dagster" / "dagster.yaml")
    runs(lab)  # the instance's storage made once here: two processes creating it at once would race
    env = {**os.environ, "LOLA_PSEUDONYM_KEY": KEY_A}
    env.pop("DAGSTER_HOME", None)
    refresh = subprocess.Popen([LOLA, "refresh"], cwd=lab, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    killed = wait_for(lambda: [r for r in runs(lab) if r.status == dg.DagsterRunStatus.STARTED], 120,
                      "the refresh's run to start")[0]
    refresh.send_signal(signal.SIGKILL)
    refresh.wait(timeout=30)
    assert [r.status for r in runs(lab) if r.run_id == killed.run_id] == [dg.DagsterRunStatus.STARTED]

    daemon_env = {**env, "DAGSTER_HOME": str(lab / ".dagster")}
    daemon = subprocess.Popen([BIN / "dagster-daemon", "run", "-m", "pipelines.definitions"], cwd=lab,
                              env=daemon_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        launch = subprocess.run([BIN / "dagster", "job", "launch", "-m", "pipelines.definitions", "-j", "refresh"],
                                cwd=lab, env=daemon_env, capture_output=True, text=True, timeout=120)
        assert launch.returncode == 0, launch.stderr
        (queued,) = [r.run_id for r in runs(lab) if r.run_id != killed.run_id]
        finished = wait_for(lambda: (run := run_of(lab, queued)).is_finished and run, 240, "the queued run to end")
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
    assert finished.status == dg.DagsterRunStatus.SUCCESS
    assert run_of(lab, killed.run_id).status == dg.DagsterRunStatus.FAILURE


@pytest.fixture(scope="module")
def reference_counts(tmp_path_factory, cohort):
    """What one refresh alone makes of the cohort: the expected end state of concurrent ones."""
    lab = make_lab(tmp_path_factory.mktemp("reference"), cohort)
    assert lola("refresh", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A}).returncode == 0
    return published(lab, COUNTS)


COUNTS = ("SELECT (SELECT count(*) FROM statements), (SELECT count(*) FROM quarantine), "
          "(SELECT count(*) FROM completion_learner_course), (SELECT count(*) FROM engagement_learner_week)")


@pytest.mark.parametrize("offset_s", [0, 3])
def test_two_refreshes_at_once_end_with_one_correct_warehouse(tmp_path, cohort, reference_counts, offset_s):
    lab = make_lab(tmp_path, cohort)
    env = {**os.environ, "LOLA_PSEUDONYM_KEY": KEY_A}
    first = subprocess.Popen([LOLA, "refresh"], cwd=lab, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    time.sleep(offset_s)
    second = lola("refresh", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A})
    out, err = first.communicate(timeout=300)
    assert (first.returncode, second.returncode) == (0, 0), (err, second.stderr)
    assert published(lab, COUNTS) == reference_counts


def test_a_busy_warehouse_exits_3_naming_its_holder(tmp_path, cohort):
    lab = make_lab(tmp_path, cohort, "[warehouse]\nlock_wait_seconds = 0\n")
    lock = lab / "warehouse" / "lola.duckdb.lock"
    first = subprocess.Popen([LOLA, "refresh"], cwd=lab, env={**os.environ, "LOLA_PSEUDONYM_KEY": KEY_A},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: lock.exists() and lock.read_text(), 60, "the first refresh to hold the lock")
        busy = lola("refresh", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A})
    finally:
        assert first.wait(timeout=300) == 0
    assert_one_line_error(busy, code=3)
    assert f"process {first.pid} (lola refresh" in busy.stderr and "lock_wait_seconds" in busy.stderr


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MiB file system of its own (tmpfs), for the disk-full and read-only cases; root only."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root): no disk to fill")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_exits_4_with_the_real_cause(tmp_path, small_disk):
    assert lola("generate", "--out", "data", "--learners", "300", cwd=tmp_path).returncode == 0
    (tmp_path / "lola.toml").write_text(f'[warehouse]\npath = "{small_disk}/lola.duckdb"\n')
    full = lola("refresh", cwd=tmp_path, env={"LOLA_PSEUDONYM_KEY": KEY_A})
    assert full.returncode == 4, full
    assert "No space left on device" in full.stderr and "cannot rollback" not in full.stdout + full.stderr
    assert "Traceback" not in full.stdout + full.stderr


def test_a_read_only_disk_exits_4_with_the_real_cause(tmp_path, small_disk, cohort):
    lab = make_lab(tmp_path / "lab", cohort, f'[warehouse]\npath = "{small_disk}/wh/lola.duckdb"\n')
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    result = lola("refresh", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A})
    assert_one_line_error(result, code=4)
    assert "Read-only file system" in result.stderr


def test_help_documents_the_exit_codes():
    result = lola("--help")
    assert "3 the warehouse is busy" in result.stdout and "4 an environment failure" in result.stdout


def test_summary_reports_the_warehouse_as_it_is_now(tmp_path, cohort):
    lab = make_lab(tmp_path, cohort)
    for _ in range(2):  # the second refresh finds nothing new: nothing may double
        assert lola("refresh", cwd=lab, env={"LOLA_PSEUDONYM_KEY": KEY_A}).returncode == 0
    summary = lola("summary", cwd=lab).stdout
    (counted_mooc, pairs, learners), = published(
        lab, "SELECT (SELECT count(*) FROM statements WHERE source = 'mooc'), count(*), count(DISTINCT learner_pid) "
             "FROM completion_learner_course")
    assert f"mooc       counted {counted_mooc:>8,}" in summary
    assert f"learner-course pairs: {pairs:,} ({learners:,} learners" in summary
    assert "read        0  loaded        0" in summary  # the last refresh read nothing new


def test_dev_passes_dash_h_to_dagster():
    result = subprocess.run([LOLA, "dev", "-h"], capture_output=True, text=True, timeout=120)
    assert "Option '-h' requires an argument" in result.stderr, result
    assert "Open the Dagster UI" not in result.stdout


def test_an_lrs_that_is_down_exits_4(tmp_path):
    (tmp_path / "lola.toml").write_text('[course]\nstructure = ""\n[rct]\nassignment = ""\n'
                                        '[[source]]\nname = "mooc"\nkind = "lrs"\nurl = "http://127.0.0.1:9/xAPI/"\n')
    down = lola("refresh", cwd=tmp_path, env={"LOLA_PSEUDONYM_KEY": KEY_A})
    assert down.returncode == 4, down
    assert "mooc: GET http://127.0.0.1:9/xAPI/statements failed 5 times" in down.stderr
