"""The Dagster instance's folder ($DAGSTER_HOME, by default .dagster/ beside lola.toml) and its dagster.yaml.

The project's dagster.yaml keeps runs, events and schedules in SQLite inside that folder: right for one person on one
machine. With LOLA_DAGSTER_POSTGRES_URL set, they go to PostgreSQL instead (dagster-postgres), so that a daemon, a
webserver and the people running `lola` on other accounts or machines share one scheduler. The URL, which holds a
password, stays in the environment: the file names the variable, never its value.
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.config import ConfigError

PROJECT_DAGSTER_YAML = Path(__file__).resolve().parents[1] / "dagster.yaml"
POSTGRES_URL_ENV_VAR = "LOLA_DAGSTER_POSTGRES_URL"
# dagster-postgres drives PostgreSQL with psycopg2; SQLAlchemy 2.1 reads a plain postgresql:// as psycopg 3.
POSTGRES_URL_SCHEME = "postgresql+psycopg2://"
POSTGRES_STORAGE = f"""
# Written by lola because {POSTGRES_URL_ENV_VAR} is set: runs, events and schedules in PostgreSQL (docs/operations.md).
storage:
  postgres:
    postgres_url:
      env: {POSTGRES_URL_ENV_VAR}
"""


def instance_yaml() -> str:
    text = PROJECT_DAGSTER_YAML.read_text(encoding="utf-8")
    url = os.environ.get(POSTGRES_URL_ENV_VAR)
    if not url:
        return text
    if not url.startswith(POSTGRES_URL_SCHEME):  # the value itself is never shown: it holds a password
        raise ConfigError(f"{POSTGRES_URL_ENV_VAR} must start with {POSTGRES_URL_SCHEME} "
                          "(e.g. postgresql+psycopg2://lola:PASSWORD@db.example.org:5432/dagster)")
    return text + POSTGRES_STORAGE


def storage_name() -> str:
    return f"PostgreSQL ({POSTGRES_URL_ENV_VAR})" if os.environ.get(POSTGRES_URL_ENV_VAR) else "SQLite, in the folder"


def prepare_instance(home: Path) -> Path:
    """The instance folder, its dagster.yaml written when it differs from what this environment asks for."""
    home.mkdir(parents=True, exist_ok=True)
    target, text = home / "dagster.yaml", instance_yaml()
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return home
