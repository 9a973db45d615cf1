"""What `lola` shows a person at a terminal, with rich: progress and spinners on stderr, colour in reports.

Only an interactive terminal gets any of it (rich decides: a TTY that is not TERM=dumb; TTY_INTERACTIVE=0 turns it
off, NO_COLOR keeps it colourless): a script, a scheduler or a test reading the output sees plain text, unchanged.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from rich.console import Console
from rich.progress import Progress, ProgressColumn, SpinnerColumn, Task, TextColumn, TimeElapsedColumn
from rich.text import Text

# The words of a report a person should not miss.
REPORT_STYLES = {r"\bFAILED\b|\bstep \S+ failed\b": "bold red", r"\bWARNED\b|\bLATE\b": "yellow"}


class _RateColumn(ProgressColumn):
    """Statements a second, over rich's recent window (the whole run's until it has one): a stream has no total to
    draw a bar against."""

    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or task.completed / max(task.elapsed or 0, 1e-3):,.0f}/s")


@contextmanager
def statements_progress() -> Iterator[Callable[[int, int], None]]:
    """Yields advance(statements, invalid_so_far): a spinner with the count, the invalid ones and the rate."""
    console = Console(stderr=True)
    columns = (SpinnerColumn(), TextColumn("{task.completed:,.0f} statements, {task.fields[invalid]:,} invalid"),
               _RateColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not console.is_interactive) as progress:
        task = progress.add_task("validate", total=None, invalid=0)
        yield lambda statements, invalid: progress.update(task, advance=statements, invalid=invalid)


@contextmanager
def running(what: str) -> Iterator[Callable[[str], None]]:
    """Yields show_step(name): a spinner saying what runs and which step, with the elapsed time; gone at the end,
    so that the report printed next stands alone."""
    # While its steps run, Dagster points stderr (fd 2) at the run's compute log: the spinner draws on a copy of the
    # terminal's descriptor, and leaves sys.stdout and sys.stderr alone, so that the log gets what it always got.
    with os.fdopen(os.dup(sys.stderr.fileno()), "w") as terminal:
        console = Console(file=terminal)
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                      transient=True, redirect_stdout=False, redirect_stderr=False,
                      disable=not console.is_interactive) as progress:
            task = progress.add_task(what, total=None)
            yield lambda step: progress.update(task, description=f"{what}: {step}")


def echo_report(report: str, err: bool = False) -> None:
    """The report as plain text, or at a terminal with REPORT_STYLES in colour (never re-wrapped)."""
    console = Console(stderr=err, highlight=False, soft_wrap=True)
    if not console.is_terminal:
        click.echo(report, err=err)
        return
    text = Text(report)
    for pattern, style in REPORT_STYLES.items():
        text.highlight_regex(pattern, style)
    console.print(text)
