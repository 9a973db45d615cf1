"""A real PostgreSQL server for a test, from the machine's binaries: initdb in a temporary folder, a free port on
127.0.0.1, password authentication. PostgreSQL refuses to run as root: as root, it runs as the `postgres` user."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.lrs.ralph import free_port

SERVER_USER = "postgres"


def unavailable_reason() -> str | None:
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        return "no PostgreSQL binaries (initdb, pg_ctl) on the PATH"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SERVER_USER)
        except KeyError:
            return f"running as root and there is no {SERVER_USER!r} user to run PostgreSQL as"
    return None


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", SERVER_USER, "--", *command] if os.geteuid() == 0 else command


@contextmanager
def running_postgres(database: str = "lola") -> Iterator[str]:
    """A server with one database; yields its URL (user `lola`, a random password)."""
    folder = Path(tempfile.mkdtemp(prefix="lola-pg-"))  # not under pytest's tmp: the server user must enter it
    password, port = secrets.token_hex(12), free_port()
    if os.geteuid() == 0:
        shutil.chown(folder, SERVER_USER)
    (folder / "password").write_text(password)
    data = str(folder / "data")
    run = lambda command: subprocess.run(_as_server_user(command), check=True, capture_output=True, timeout=120)
    try:
        run(["initdb", "-D", data, "-U", "lola", f"--pwfile={folder / 'password'}", "--auth=scram-sha-256",
             "-E", "UTF8"])
        run(["pg_ctl", "-D", data, "-l", str(folder / "log"), "-w", "start",
             "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"])
        try:
            subprocess.run(["createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "lola", database], check=True,
                           capture_output=True, env={**os.environ, "PGPASSWORD": password}, timeout=60)
            yield f"postgresql+psycopg2://lola:{password}@127.0.0.1:{port}/{database}"
        finally:
            run(["pg_ctl", "-D", data, "-m", "fast", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)
