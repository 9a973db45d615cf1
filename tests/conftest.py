"""Shared fixtures: a real Ralph LRS (tests/lrs/ralph.py) and a fault-injecting proxy in front of it."""
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.lrs.fault_proxy import FaultProxy
from tests.lrs.ralph import RalphLrs, running_ralph


@pytest.fixture(scope="session")
def ralph_lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RalphLrs]:
    """One Ralph for the whole session (~2 s to start): tests share it, so each should use its own activity id."""
    with running_ralph(tmp_path_factory.mktemp("ralph")) as lrs:
        yield lrs


@pytest.fixture
def fresh_ralph(tmp_path: Path) -> Iterator[RalphLrs]:
    """A new, empty Ralph for this test alone, for exact counts."""
    with running_ralph(tmp_path / "ralph") as lrs:
        yield lrs


@pytest.fixture
def fault_proxy() -> Iterator[Callable[..., FaultProxy]]:
    """A factory: `proxy = fault_proxy(lrs.root)` (or `fault_proxy(lrs.root, stall_seconds=1)`) starts a FaultProxy
    in front of that server; every proxy it made stops after the test. Point the client at `proxy.url_for(lrs.url)`."""
    with ExitStack() as proxies:
        yield lambda upstream, **options: proxies.enter_context(FaultProxy(upstream, **options))
