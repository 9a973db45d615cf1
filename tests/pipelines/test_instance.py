"""The Dagster instance: SQLite in its folder by default; with LOLA_DAGSTER_POSTGRES_URL, a real PostgreSQL server
(started here) keeps the runs, and a refresh through the CLI is read back from it by another process."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import psycopg2
import pytest

from tests.postgres import running_postgres, unavailable_reason

LOLA = str(Path(sys.executable).with_name("lola"))


def lola(folder: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([LOLA, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=600)


def test_the_default_instance_keeps_its_runs_in_its_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("LOLA_DAGSTER_POSTGRES_URL", "DAGSTER_HOME")}
    shown = lola(tmp_path, env, "instance")
    assert shown.returncode == 0
    assert shown.stdout == f"DAGSTER_HOME={tmp_path / '.dagster'}  # runs, events and schedules: SQLite, in the folder\n"
    assert "postgres" not in (tmp_path / ".dagster" / "dagster.yaml").read_text()


def test_a_postgresql_url_of_another_driver_is_a_clear_error(tmp_path):
    env = {**os.environ, "LOLA_DAGSTER_POSTGRES_URL": "postgresql://lola:hunter2@db:5432/dagster"}
    refused = lola(tmp_path, env, "instance")
    assert refused.returncode == 2 and refused.stdout == "" and "hunter2" not in refused.stderr
    assert refused.stderr == ("lola: LOLA_DAGSTER_POSTGRES_URL must start with postgresql+psycopg2:// "
                              "(e.g. postgresql+psycopg2://lola:PASSWORD@db.example.org:5432/dagster)\n")


@pytest.mark.skipif(unavailable_reason() is not None, reason=str(unavailable_reason()))
def test_a_refresh_is_kept_in_postgresql_and_read_back(tmp_path):
    with running_postgres("dagster") as url:
        env = {**{k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"},
               "LOLA_PSEUDONYM_KEY": "ef" * 32, "LOLA_DAGSTER_POSTGRES_URL": url}
        assert lola(tmp_path, env, "generate", "--out", "data", "--learners", "3").returncode == 0
        assert lola(tmp_path, env, "instance").stdout.endswith("PostgreSQL (LOLA_DAGSTER_POSTGRES_URL)\n")
        refresh = lola(tmp_path, env, "refresh")
        assert refresh.returncode == 0, refresh.stdout + refresh.stderr

        home = tmp_path / ".dagster"
        os.environ["LOLA_DAGSTER_POSTGRES_URL"] = url  # what the instance's dagster.yaml names
        try:
            with dg.DagsterInstance.from_config(str(home)) as instance:
                run, = instance.get_runs()
                checks = instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION)
        finally:
            del os.environ["LOLA_DAGSTER_POSTGRES_URL"]
        assert (run.job_name, run.status) == ("refresh", dg.DagsterRunStatus.SUCCESS) and checks
        with psycopg2.connect(url.replace("+psycopg2", "")) as con, con.cursor() as cursor:
            cursor.execute("SELECT run_id, status FROM runs")
            assert cursor.fetchall() == [(run.run_id, "SUCCESS")]
        written = [p for p in home.rglob("*") if p.is_file()]
        assert not [p for p in written if p.suffix == ".db"]  # no SQLite run or event storage
        password = url.split(":")[2].split("@")[0]
        assert not [p for p in written if password.encode() in p.read_bytes()]
