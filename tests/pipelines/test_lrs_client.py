"""LrsClient against a real Ralph LRS: every statement once, a page at a time, through faults, with clear errors."""

import json
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest

from pipelines.lrs import LrsClient, LrsError, RetryPolicy
from tests.lrs.fault_proxy import FaultProxy
from tests.lrs.ralph import RalphLrs, make_statements, running_ralph

QUICK_RETRY = RetryPolicy(attempts=4, backoff_s=0.01)
COUNT = 250


@pytest.fixture(scope="module")
def lrs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RalphLrs]:
    """An LRS holding exactly COUNT statements, for this module alone."""
    with running_ralph(tmp_path_factory.mktemp("ralph-client")) as ralph:
        ralph.post(make_statements(COUNT))
        yield ralph


def client_for(lrs: RalphLrs, url: str | None = None, **options) -> LrsClient:
    return LrsClient(url or lrs.url, lrs.username, lrs.password, name="mooc", retry=QUICK_RETRY, **options)


def ids(client: LrsClient, **window) -> list[str]:
    return [json.loads(s)["id"] for page in client.pages(**window) for s in page.statements]


def test_every_statement_once_in_pages_of_at_most_100(lrs: RalphLrs) -> None:
    with client_for(lrs) as client:
        pages = list(client.pages())
    got = [json.loads(s)["id"] for page in pages for s in page.statements]
    assert len(got) == len(set(got)) == COUNT
    assert all(len(page.statements) <= 100 for page in pages) and len(pages) >= 3
    assert client.requests == len(pages)
    assert all(page.server_time is not None for page in pages)  # Ralph's Date header: the LRS's clock


def test_pages_are_fetched_as_they_are_read(lrs: RalphLrs) -> None:
    with client_for(lrs) as client:
        pages = client.pages()
        next(pages)
        assert client.requests <= 2  # this page, and at most the next one fetched ahead
        pages.close()


def test_since_selects_later_statements(lrs: RalphLrs) -> None:
    with client_for(lrs) as client:
        pages = list(client.pages())
        statements = [json.loads(s) for page in pages for s in page.statements]
        # Ralph compares `since` with each statement's timestamp (xAPI says `stored`): take a time between two.
        middle = sorted(statements, key=lambda s: s["timestamp"])[99]
        later = ids(client, since=datetime.fromisoformat(middle["timestamp"]))
    assert len(later) == COUNT - 100


@pytest.mark.parametrize("faults", [
    ["500", "ok", "429", "ok", "500", "500"],
    ["timeout", "ok", "timeout"],
    ["drop", "ok", "drop", "drop"],
    ["ok", "repeat", "ok", "repeat"],
])
def test_faults_are_survived_without_losing_a_statement(lrs: RalphLrs, fault_proxy: Callable[..., FaultProxy],
                                                        faults: list[str]) -> None:
    proxy = fault_proxy(lrs.root, stall_seconds=2)
    proxy.faults.extend(faults)
    with client_for(lrs, proxy.url_for(lrs.url), timeout_s=1) as client:
        got = ids(client)
    assert set(got) == set(ids(client_for(lrs)))
    assert len(got) == COUNT + 100 * faults.count("repeat")  # a repeated page is read twice
    assert client.requests > 3


@pytest.mark.parametrize(("faults", "message"), [
    (["500"] * 4, "failed 4 times; last: HTTP 500"),
    (["timeout"] * 4, "failed 4 times; last: timed out"),
    (["html"], "did not answer with xAPI statements"),
])
def test_what_cannot_be_survived_is_one_clear_error(lrs: RalphLrs, fault_proxy: Callable[..., FaultProxy],
                                                    faults: list[str], message: str) -> None:
    proxy = fault_proxy(lrs.root, stall_seconds=1.5)
    proxy.faults.extend(faults)
    with client_for(lrs, proxy.url_for(lrs.url), timeout_s=1) as client, pytest.raises(LrsError) as error:
        list(client.pages())
    assert message in str(error.value) and "\n" not in str(error.value)


def test_wrong_credentials_and_wrong_url_are_named(lrs: RalphLrs) -> None:
    with LrsClient(lrs.url, lrs.username, "not-the-password", name="mooc") as client:
        with pytest.raises(LrsError, match="refused our credentials \\(HTTP 401\\)"):
            list(client.pages())
        assert client.requests == 1  # refused credentials are not retried
    with client_for(lrs, lrs.root + "not-xapi/") as client, pytest.raises(LrsError, match="HTTP 404"):
        list(client.pages())


def test_a_statement_result_that_is_not_one_is_refused(lrs: RalphLrs) -> None:
    # Ralph's own /whoami answers JSON, but not a StatementResult: pointed at it, the client says so.
    with client_for(lrs) as client:
        client.statements_url = lrs.root + "whoami"
        with pytest.raises(LrsError, match="not an xAPI StatementResult"):
            list(client.pages())
