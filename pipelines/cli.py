"""The `lola` command (contract §1). Every error a user can cause is one line on stderr, never a traceback."""

from __future__ import annotations

import functools
import json
import os
import sys
from datetime import date
from pathlib import Path

import click

from pipelines.config import Config, ConfigError, load_config
from pipelines.exit_codes import EXIT_BUSY, EXIT_CODES_HELP, EXIT_ENVIRONMENT, EXIT_FAILED, EXIT_OK, EXIT_USAGE
from pipelines.instance import prepare_instance, storage_name


JSON_OUTPUT = "lola.json_output"  # ctx.meta: the command prints one JSON object, its errors included
JSON_FLAGS = frozenset({"--json", "--totals"})


def _fail(message: str, code: int = EXIT_USAGE) -> None:
    click.echo(f"lola: {message}", err=True)
    context = click.get_current_context(silent=True)
    if context and context.meta.get(JSON_OUTPUT):
        click.echo(json.dumps({"exit_code": code, "error": message}))
    sys.exit(code)


class JsonCommand(click.Command):
    """A command whose --json (validate: --totals) makes stdout one JSON object whatever happens: an error, even in the
    arguments (seen before they are parsed), is then {"exit_code", "error"}, besides its line on stderr."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        ctx.meta[JSON_OUTPUT] = not JSON_FLAGS.isdisjoint(args)
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if not ctx.meta[JSON_OUTPUT]:
                raise
            _fail(exc.format_message())


def _user_error_types() -> tuple[type[Exception], ...]:
    """The errors a user can cause. Imported when an error happens: naming them must not slow every start-up."""
    from assets.files import UnreadableInput
    from pipelines.erase import ErasureError
    from pipelines.rotate_key import RotationError
    from schemas.rct_assignment import AssignmentError
    from schemas.course_structure import StructureError
    from schemas.pseudonyms import PseudonymKeyError
    from warehouse.key_check import KeyMismatch
    from warehouse.release.build import ReleaseRefused
    from warehouse.report.build import ReportRefused

    return (AssignmentError, ConfigError, ErasureError, KeyMismatch, PseudonymKeyError, ReleaseRefused,
            ReportRefused, RotationError, StructureError, UnreadableInput)


def user_errors(command):
    """Turn the errors a user or the machine can cause into one line and their exit code (pipelines.exit_codes)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except Exception as exc:
            from warehouse.db import EnvironmentFailure, environment_failure
            from warehouse.lock import WarehouseBusy

            if isinstance(exc, WarehouseBusy):
                _fail(str(exc), EXIT_BUSY)
            failure = exc if isinstance(exc, EnvironmentFailure) else environment_failure(exc)
            if failure is not None:
                _fail(str(failure), EXIT_ENVIRONMENT)
            if isinstance(exc, _user_error_types()):
                _fail(str(exc))
            if isinstance(exc, OSError):
                _fail(f"{exc.filename}: {exc.strerror}" if exc.filename else str(exc))
            if os.environ.get("LOLA_DEBUG"):  # a bug, not the user's input: one line, the traceback on request
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} (LOLA_DEBUG=1 shows the traceback)", EXIT_FAILED)

    return wrapper


config_option = click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                             help="Configuration file (default: ./lola.toml, or the built-in demo defaults).")


def _config(config_path: str | None) -> Config:
    return load_config(config_path)


def _dagster_home(config: Config) -> Path:
    return prepare_instance(config.dagster_home)


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXIT_CODES_HELP)
def main() -> None:
    """LOLA: xAPI traces of the AI4T MOOC and handbook → validated, pseudonymized DuckDB tables."""


@main.command(cls=JsonCommand)
@click.argument("paths", nargs=-1, required=True)
@click.option("--xapi-version", type=click.Choice(["1.0.3", "2.0.0"]), default=None,
              help="Rules to apply (default: each statement's `version`, else 1.0.3).")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that validate (default: one per core).")
@click.option("--totals", is_flag=True,
              help='Print one JSON object instead of the lines: {"statements", "valid", "invalid", "warnings", '
                   '"by_error"} (by_error: statements per error, array positions and quoted values left out).')
@config_option
@user_errors
def validate(paths: tuple[str, ...], xapi_version: str | None, workers: int | None, totals: bool,
             config_path: str | None) -> None:
    """Validate xAPI statements without storing anything: one JSON line per statement, or --totals.

    PATH is a .json file (one statement or an array), a .ndjson/.jsonl file (.gz allowed), a directory, or - for
    NDJSON on stdin. Each line: {"source", "valid", "errors", "warnings"}; warnings are harmless rule bends that
    the pipeline accepts. At a terminal, stderr shows the statements done, the invalid ones and the rate.
    Exit 0 when all are valid, 1 when some are not, 2 on a usage or read error.
    """
    from assets.files import read_blocks
    from pipelines.terminal import statements_progress
    from pipelines.validate_report import Totals, default_workers, report_many

    seen = Totals()
    with statements_progress() as advance:
        for report, block_totals in report_many(read_blocks(list(paths)), xapi_version, workers or default_workers()):
            if not totals:
                sys.stdout.buffer.write(report)
            seen.add(block_totals)
            advance(block_totals.statements, seen.invalid)
    if totals:
        click.echo(json.dumps(seen.as_json()))
    sys.exit(EXIT_FAILED if seen.invalid else EXIT_OK)


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True, help="Folder to write into.")
@click.option("--learners", type=click.IntRange(min=1), default=1000, show_default=True)
@click.option("--seed", type=int, default=42, show_default=True)
@config_option
@user_errors
def generate(out_dir: str, learners: int, seed: int, config_path: str | None) -> None:
    """Write a synthetic AI4T cohort: MOOC and handbook statements (NDJSON), the course structure, the RCT file."""
    from pipelines.cohort import build_cohort, write_cohort

    summary = write_cohort(build_cohort(learners=learners, seed=seed), Path(out_dir))
    files = summary.pop("files")
    click.echo(f"generated {out_dir}/: " + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in summary.items()))
    for relative, lines in files.items():
        click.echo(f"  {relative}: {lines:,} statements")


@main.command()
@click.argument("csv_path", metavar="CSV", type=click.Path(dir_okay=False))
@click.argument("column")
@click.option("--kind", type=click.Choice(["learner", "school"]), default="learner", show_default=True,
              help="learner: e-mail or homePage|name → learner_pid; school: the school's code → school_pid.")
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="Write to this file (replaced atomically) instead of stdout.")
@config_option
@user_errors
def pseudonymize(csv_path: str, column: str, kind: str, out_path: str | None, config_path: str | None) -> None:
    """Write CSV with COLUMN's identifiers replaced by the warehouse's pseudonyms, to link survey or RCT files.

    Learner values: an e-mail address (with or without mailto:) or an account as homePage|name; school values:
    the school's code. Empty cells stay empty; the header, the other columns and the row order are kept. The key is
    LOLA_PSEUDONYM_KEY, as for `refresh`. Exit 0; 2 on a bad value (with its line), nothing written.
    """
    from schemas.csv_pseudonyms import CsvError, pseudonymize_column, read_csv, to_csv, write_atomically
    from schemas.pseudonyms import KEY_ENV_VAR, Pseudonymizer, parse_master_key

    # The configuration names the anonymous homePages, whose accounts the warehouse leaves without pseudonym.
    config = _config(config_path)
    pz = Pseudonymizer(parse_master_key(os.environ.get(KEY_ENV_VAR)), config.anonymous_homepages)
    _refuse_another_key(config, pz.key_check)
    try:
        text = to_csv(pseudonymize_column(read_csv(Path(csv_path)), column, kind, pz))
    except CsvError as exc:
        _fail(f"{csv_path}: {exc}")
    if out_path:
        write_atomically(Path(out_path), text)
    else:
        sys.stdout.buffer.write(text.encode("utf-8"))


def _refuse_another_key(config: Config, key_check: str) -> None:
    """Pseudonyms made with another key than the warehouse's would link nothing: refuse them (warehouse.key_check)."""
    from schemas.pseudonyms import KEY_ENV_VAR
    from warehouse.db import connect
    from warehouse.key_check import verify_key
    from warehouse.lock import writer_lock

    if not config.warehouse_path.exists():
        return
    with writer_lock(config.warehouse_path, config.lock_wait_seconds, purpose="lola pseudonymize"):
        con = connect(config.warehouse_path, config.timezone, read_only=True)
        try:
            verify_key(con, key_check, KEY_ENV_VAR, record=False)
        finally:
            con.close()


@main.command(cls=JsonCommand)
@click.option("--source", "source_name", default=None, help="Only this source (default: every configured source).")
@click.option("--date", "day", default=None, metavar="YYYY-MM-DD",
              help="Backfill one local day: forget its statements, then read them again (every file; an LRS's "
                   "statements stored that day).")
@click.option("--all", "everything", is_flag=True, help="Forget the landed data and read every source again.")
@click.option("-q", "--quiet", is_flag=True, help="Print nothing unless something is wrong.")
@click.option("--json", "as_json", is_flag=True,
              help='Print only one JSON object, whatever happens: {"exit_code", "ok", "run_id", "sources", "checks", '
                   '"failed_steps", "warehouse", "analysts_copy"}, or {"exit_code", "error"} (docs/cli.md).')
@config_option
@user_errors
def refresh(source_name: str | None, day: str | None, everything: bool, quiet: bool, as_json: bool,
            config_path: str | None) -> None:
    """Materialize the pipeline through Dagster: ingest → validate → pseudonymize → warehouse → checks.

    Without --date or --all, only new or changed files are read. At a terminal, stderr shows the step running.
    Exit 0 ok, 1 a blocking check failed, 2 config error.
    """
    from pipelines.refresh import RefreshRequest, run_refresh
    from pipelines.terminal import echo_report, running

    if day and everything:
        _fail("--date and --all are exclusive")
    try:
        parsed_day = date.fromisoformat(day) if day else None
    except ValueError:
        _fail(f"--date: expected YYYY-MM-DD, got {day!r}")
    config = _config(config_path)
    sources = [config.source(source_name).name] if source_name else [s.name for s in config.sources]
    mode = "all" if everything else "date" if parsed_day else "incremental"
    with running("refresh") as show_step:
        outcome = run_refresh(config, _dagster_home(config), RefreshRequest(sources, mode, parsed_day),
                              on_step=show_step)
    if as_json:
        click.echo(json.dumps(outcome.as_json()))
    elif not quiet or not outcome.ok:
        echo_report(outcome.report, err=not outcome.ok)
    sys.exit(outcome.exit_code)


@main.command()
@click.argument("identifier")
@config_option
@user_errors
def erase(identifier: str, config_path: str | None) -> None:
    """GDPR erasure of one person: IDENTIFIER is an e-mail, an account as homePage|name, or a learner pseudonym.

    Deletes their statements and quarantine copies, removes their pseudonym from other statements, keeps a keyed
    tombstone so that no later refresh brings them back, rebuilds the marts and the analysts' copy, and reports what
    it removed. The sources are never changed. Exit 0; 1 if the rebuild failed; 2 on a bad identifier.
    """
    from pipelines.erase import erase_person

    config = _config(config_path)
    exit_code, report = erase_person(config, _dagster_home(config), identifier)
    click.echo(report, err=exit_code != EXIT_OK)
    sys.exit(exit_code)


@main.command(name="rotate-key")
@config_option
@user_errors
def rotate_key(config_path: str | None) -> None:
    """Move the warehouse to a new pseudonymization key, read from LOLA_NEW_PSEUDONYM_KEY.

    Rebuilds the warehouse from the sources (never changed) with the new key beside the current one, carries the
    erasures over (recognized with the old key, LOLA_PSEUDONYM_KEY, while reading), then swaps it in with its
    analysts' copy. Afterwards set LOLA_PSEUDONYM_KEY to the new key; the old one can be destroyed.
    Exit 0; 1 if the rebuild failed (nothing changed); 2 on a missing or equal key.
    """
    from pipelines.rotate_key import rotate_key as rotate

    config = _config(config_path)
    exit_code, report = rotate(config, _dagster_home(config))
    click.echo(report, err=exit_code != EXIT_OK)
    sys.exit(exit_code)


@main.command()
@click.option("--out", "out_dir", type=click.Path(), required=True,
              help="Folder to write the release into: new, empty, or an earlier release (replaced).")
@click.option("--seed", type=int, default=None,
              help="Draws the release ids: the same seed and warehouse rebuild the same bytes (default: a fresh one).")
@click.option("--k", "k", type=int, default=5, show_default=True,
              help="Each group of ids sharing quasi-identifiers holds at least k ids (5 at least).")
@config_option
@user_errors
def release(out_dir: str, seed: int | None, k: int, config_path: str | None) -> None:
    """Write the open-data release (contract §5) from the analysts' copy: anonymized CSV tables, datapackage.json,
    codebook, datasheet, CITATION.cff, disclosure report and SHA256SUMS, ready to publish under CC BY 4.0.

    Quasi-identifiers are generalized and, where needed, rows suppressed until every group holds k ids, and sensitive
    fields are kept 2-diverse in each group; the written files are checked again before the folder is put in place.
    Exit 0; 1 when a disclosure check fails (nothing written); 2 on bad input (k below 5, a folder holding other
    files, no analysts' copy).
    """
    from pipelines.release import run_release
    from pipelines.terminal import running

    config = _config(config_path)
    with running("release") as show_step:
        outcome = run_release(config, _dagster_home(config), Path(out_dir), seed, k, on_step=show_step)
    click.echo(outcome.report, err=outcome.exit_code != EXIT_OK)
    sys.exit(outcome.exit_code)


@main.command()
@click.option("--out", "out_dir", type=click.Path(), default=None,
              help="Folder to write index.html into (made if missing). Default: the report folder beside the "
                   "analysts' copy, which every refresh updates.")
@config_option
@user_errors
def report(out_dir: str | None, config_path: str | None) -> None:
    """Write the HTML report of the analysts' copy: weekly activity, the module funnel, outcomes by RCT arm, time on
    task, sessions, video retention, handbook use and data quality, each plot with its reading and its table.

    One self-contained page (no script, nothing loaded from the network), aggregates only: it opens offline and can
    be attached or published. Exit 0; 2 when there is no analysts' copy yet or the folder holds another index.html.
    """
    from warehouse.report.build import build_report

    config = _config(config_path)
    page = build_report(config.published_dir, Path(out_dir) if out_dir else config.report_dir, config.timezone)
    click.echo(f"report: {page}\n  open it in a browser (it needs no server and no network)")


@main.command(cls=JsonCommand)
@click.option("--json", "as_json", is_flag=True,
              help="Print the same facts as one JSON object (docs/cli.md), or {\"exit_code\", \"error\"}.")
@config_option
@user_errors
def summary(as_json: bool, config_path: str | None) -> None:
    """Summarize the analysts' copy of the warehouse: counts, learners, completion per module, where to look next."""
    from pipelines.summary import summary_facts, summary_json, summary_text

    facts = summary_facts(_config(config_path))
    click.echo(summary_json(facts) if as_json else summary_text(facts))


@main.command()
@click.option("--out", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder to write the copy into (made if missing).")
@config_option
@user_errors
def backup(out_dir: str, config_path: str | None) -> None:
    """Copy the warehouse, consistent, into OUT as lola-<UTC time>.duckdb, holding the writer lock (a refresh running
    is waited for, as another writer would be). The copy holds pseudonyms only; keep the key elsewhere
    (docs/operations.md: restore). Exit 0; 2 without a warehouse; 3 when the warehouse stays busy."""
    from datetime import datetime, timezone

    from warehouse.db import back_up, connect
    from warehouse.lock import writer_lock

    config = _config(config_path)
    if not config.warehouse_path.exists():
        raise ConfigError(f"no warehouse at {config.warehouse_path} yet: run `lola refresh` first")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"lola-{datetime.now(timezone.utc):%Y%m%dT%H%M%SZ}.duckdb"
    with writer_lock(config.warehouse_path, config.lock_wait_seconds, purpose="lola backup"):
        back_up(config.warehouse_path, target)
    con = connect(target, config.timezone, read_only=True)
    try:
        landed, quarantined = con.execute("SELECT (SELECT count(*) FROM landed_statements), "
                                          "(SELECT count(*) FROM quarantine)").fetchall()[0]
    finally:
        con.close()
    click.echo(f"backup: {target} ({target.stat().st_size / 2**20:,.1f} MiB; {landed:,} statements landed, "
               f"{quarantined:,} in quarantine)")


@main.command()
@config_option
@user_errors
def instance(config_path: str | None) -> None:
    """Write the Dagster instance's folder for this configuration (as refresh does) and print its path, for a
    service that starts the daemon or the webserver on it (docs/operations.md); where runs are kept depends on
    LOLA_DAGSTER_POSTGRES_URL."""
    home = _dagster_home(_config(config_path))
    click.echo(f"DAGSTER_HOME={home}  # runs, events and schedules: {storage_name()}")


COMPLETION_SHELLS = ("bash", "zsh", "fish")


@main.command()
@click.argument("shell", type=click.Choice(COMPLETION_SHELLS), required=False)
@config_option  # taken as by every command (contract §1); the script depends on no configuration
def completion(shell: str | None, config_path: str | None) -> None:
    """Print the script that completes lola's commands, options and arguments in SHELL (default: the one in $SHELL).

    \b
    Install it once:
      bash, in ~/.bashrc:  eval "$(lola completion bash)"
      zsh, in ~/.zshrc:    eval "$(lola completion zsh)"
      fish:                lola completion fish > ~/.config/fish/completions/lola.fish
    """
    from click.shell_completion import get_completion_class

    shell = shell or Path(os.environ.get("SHELL", "")).name
    if shell not in COMPLETION_SHELLS:
        _fail(f"name the shell: lola completion {'|'.join(COMPLETION_SHELLS)} ($SHELL is {shell or 'not set'})")
    # The variable click's completion reads: _LOLA_COMPLETE=bash_complete lola ... answers the shell.
    click.echo(get_completion_class(shell)(main, {}, "lola", "_LOLA_COMPLETE").source())


# -h is `dagster dev`'s host option: only --help is LOLA's here.
@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["--help"]})
@click.argument("dagster_args", nargs=-1, type=click.UNPROCESSED)
@config_option
@user_errors
def dev(dagster_args: tuple[str, ...], config_path: str | None) -> None:
    """Open the Dagster UI on this configuration's instance; other options go to `dagster dev` (-h HOST, -p PORT)."""
    config = _config(config_path)
    env = {**os.environ, "DAGSTER_HOME": str(_dagster_home(config))}
    if config_path:
        env["LOLA_CONFIG"] = str(Path(config_path).resolve())
    dagster = Path(sys.executable).with_name("dagster")
    os.execve(dagster, [str(dagster), "dev", "-m", "pipelines.definitions", *dagster_args], env)
