"""The test LRS (a real Ralph 5.1.0) and the fault proxy work; Ralph's quirks that our LRS client meets still hold.

Most tests share the session's Ralph, so each one posts under its own registration and filters on it (the
`activity` and `verb` filters of Ralph's FS backend match nothing: see test_activity_and_verb_filters_match_nothing).
"""
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from tests.lrs.fault_proxy import FaultProxy
from tests.lrs.ralph import RalphLrs, make_statements, post_with_tincan

T0 = datetime(2024, 1, 1, tzinfo=timezone.utc)


def new_registration() -> str:
    return str(uuid.uuid4())


def ids(statements: list[dict]) -> list[str]:
    return [statement["id"] for statement in statements]


def all_pages(lrs: RalphLrs, **params) -> list[dict]:
    """Every page of GET statements, following `more` from the server root."""
    with lrs.client() as client:
        pages = [client.get(lrs.url + "statements", params=params).raise_for_status().json()]
        while pages[-1].get("more"):
            pages.append(client.get(urljoin(lrs.root, pages[-1]["more"])).raise_for_status().json())
    return pages


def page_sizes(lrs: RalphLrs, **params) -> list[int]:
    return [len(page["statements"]) for page in all_pages(lrs, **params)]


def first_page(lrs: RalphLrs, **params) -> list[dict]:
    with lrs.client() as client:
        return client.get(lrs.url + "statements", params=params).raise_for_status().json()["statements"]


# ---------------------------------------------------------------------------------------------------- Ralph


def test_250_statements_come_back_exactly_once_in_pages_of_100(fresh_ralph: RalphLrs) -> None:
    statements = make_statements(250)
    assert fresh_ralph.post(statements) == ids(statements)

    pages = all_pages(fresh_ralph, limit=100)

    assert [len(page["statements"]) for page in pages] == [100, 100, 50]
    assert sorted(ids([s for page in pages for s in page["statements"]])) == sorted(ids(statements))
    for page in pages[:-1]:
        more = urlsplit(page["more"])
        assert (more.scheme, more.netloc, more.path) == ("", "", "/xAPI/statements")  # relative to the server root
        assert parse_qs(more.query)["limit"] == ["100"]  # the query, plus pit_id=None&search_after=<last id>
    assert fresh_ralph.count() == 250


def test_a_full_last_page_is_followed_by_an_empty_one(ralph_lrs: RalphLrs) -> None:
    registration = new_registration()
    ralph_lrs.post(make_statements(4, registration))

    assert page_sizes(ralph_lrs, registration=registration, limit=2) == [2, 2, 0]


def test_a_limit_above_100_is_capped_at_100(ralph_lrs: RalphLrs) -> None:
    registration = new_registration()
    ralph_lrs.post(make_statements(150, registration))

    assert page_sizes(ralph_lrs, registration=registration, limit=500) == [100, 50]


def test_since_and_until_filter_on_timestamp_and_need_a_time_zone(ralph_lrs: RalphLrs) -> None:
    registration = new_registration()
    statements = make_statements(10, registration, start=T0)  # timestamps T0 … T0 + 9 s, stored now
    ralph_lrs.post(statements)

    def matching(**params) -> list[str]:
        return sorted(ids(first_page(ralph_lrs, registration=registration, **params)))

    # xAPI says `stored`; Ralph's FS backend compares `timestamp` (by `stored`, all ten would be after T0 + 4 s).
    after_4s, up_to_4s = sorted(ids(statements[5:])), sorted(ids(statements[:5]))
    assert matching(since="2024-01-01T00:00:04+00:00") == after_4s  # exclusive
    assert matching(since="2024-01-01T00:00:04Z") == after_4s
    assert matching(since="2024-01-01T01:00:04+01:00") == after_4s
    assert matching(until="2024-01-01T00:00:04+00:00") == up_to_4s  # inclusive
    with ralph_lrs.client() as client:  # a client of its own: uvicorn closes the connection after this 500
        naive = client.get(ralph_lrs.url + "statements",
                           params={"registration": registration, "since": "2024-01-01T00:00:04"})
    assert naive.status_code == 500 and naive.text == "Internal Server Error"


def test_order_is_oldest_first_and_ascending_reverses_each_page(ralph_lrs: RalphLrs) -> None:
    """xAPI's default is newest first. Ralph's FS backend serves its file's order, and `ascending`, whatever its
    value (it tests the raw string, so "false" counts as true), reverses each page, not the whole result."""
    registration = new_registration()
    statements = make_statements(4, registration)
    ralph_lrs.post(statements)
    first_two = ids(statements[:2])

    assert ids(first_page(ralph_lrs, registration=registration, limit=2)) == first_two
    assert ids(first_page(ralph_lrs, registration=registration, limit=2, ascending="true")) == first_two[::-1]
    assert ids(first_page(ralph_lrs, registration=registration, limit=2, ascending="false")) == first_two[::-1]


def test_activity_and_verb_filters_match_nothing(ralph_lrs: RalphLrs) -> None:
    """Ralph compares each statement's plain string with its own IRI object, which is never equal to it."""
    statements = make_statements(2, new_registration(), activity=f"https://lola.test/activities/{uuid.uuid4()}")
    ralph_lrs.post(statements)

    assert first_page(ralph_lrs, activity=statements[0]["object"]["id"]) == []
    assert first_page(ralph_lrs, verb=statements[0]["verb"]["id"]) == []


def test_responses_carry_no_xapi_version_header(ralph_lrs: RalphLrs) -> None:
    with ralph_lrs.client() as client:
        posted = client.post(ralph_lrs.url + "statements", json=make_statements(1, new_registration()))
        read = client.get(ralph_lrs.url + "statements", params={"limit": 1})
    for response in (posted, read):
        assert response.status_code == 200
        assert "X-Experience-API-Version" not in response.headers


def test_tincan_posts_statements_that_read_back(ralph_lrs: RalphLrs) -> None:
    registration = new_registration()
    statements = make_statements(3, registration)

    post_with_tincan(ralph_lrs, statements)

    stored = first_page(ralph_lrs, registration=registration)
    assert sorted(ids(stored)) == sorted(ids(statements))
    assert {s["timestamp"] for s in stored} == {s["timestamp"] for s in statements}


# ---------------------------------------------------------------------------------------------------- fault proxy


@pytest.fixture(scope="module")
def seeded(ralph_lrs: RalphLrs) -> str:
    """The registration of three statements: a GET of them with limit=2 has a `more` link."""
    registration = new_registration()
    ralph_lrs.post(make_statements(3, registration))
    return registration


@pytest.fixture
def proxy(ralph_lrs: RalphLrs, fault_proxy) -> FaultProxy:
    return fault_proxy(ralph_lrs.root)


def get_through(proxy: FaultProxy, client: httpx.Client, lrs: RalphLrs, registration: str) -> httpx.Response:
    return client.get(proxy.url_for(lrs.url) + "statements", params={"registration": registration, "limit": 2})


def test_ok_forwards_every_request_as_it_came(ralph_lrs: RalphLrs, proxy: FaultProxy, seeded: str) -> None:
    assert proxy.url_for(ralph_lrs.url) == proxy.url + "/xAPI/"
    with ralph_lrs.client() as client:
        direct = client.get(ralph_lrs.url + "statements", params={"registration": seeded, "limit": 2})
        proxied = get_through(proxy, client, ralph_lrs, seeded)
        posted = client.post(proxy.url_for(ralph_lrs.url) + "statements", json=make_statements(2, new_registration()))
    anonymous = httpx.get(proxy.url_for(ralph_lrs.url) + "statements")

    assert proxied.status_code == 200 and proxied.json() == direct.json()
    assert posted.status_code == 200 and len(posted.json()) == 2  # body and Authorization forwarded
    assert anonymous.status_code == 401
    assert proxy.requests == [("GET", f"/xAPI/statements?registration={seeded}&limit=2"),
                              ("POST", "/xAPI/statements"), ("GET", "/xAPI/statements")]


def test_500_and_429_answer_without_forwarding(ralph_lrs: RalphLrs, proxy: FaultProxy, seeded: str) -> None:
    proxy.faults.extend(["500", "429"])
    with ralph_lrs.client() as client:
        whoami = client.get(proxy.url + "/whoami")  # not a statements GET: takes no fault
        replies = [get_through(proxy, client, ralph_lrs, seeded) for _ in range(3)]

    assert whoami.status_code == 200
    assert [reply.status_code for reply in replies] == [500, 429, 200]  # then the queue is empty: "ok"
    assert replies[1].headers["Retry-After"] == "0"
    assert len(replies[2].json()["statements"]) == 2


def test_timeout_sends_nothing(ralph_lrs: RalphLrs, proxy: FaultProxy, seeded: str) -> None:
    proxy.faults.append("timeout")
    with ralph_lrs.client(timeout=httpx.Timeout(5, read=1)) as client, pytest.raises(httpx.ReadTimeout):
        get_through(proxy, client, ralph_lrs, seeded)


def test_drop_cuts_the_body_short(ralph_lrs: RalphLrs, proxy: FaultProxy, seeded: str) -> None:
    proxy.faults.append("drop")
    with ralph_lrs.client() as client:
        with pytest.raises(httpx.RemoteProtocolError):
            get_through(proxy, client, ralph_lrs, seeded)
        assert get_through(proxy, client, ralph_lrs, seeded).status_code == 200


def test_repeat_serves_the_previous_page_again(ralph_lrs: RalphLrs, proxy: FaultProxy, seeded: str) -> None:
    proxy.faults.extend(["ok", "repeat"])
    with ralph_lrs.client() as client:
        first = get_through(proxy, client, ralph_lrs, seeded)
        next_page = urljoin(proxy.url, first.json()["more"])
        repeated, second = client.get(next_page), client.get(next_page)

    assert repeated.status_code == 200 and repeated.content == first.content
    assert len(second.json()["statements"]) == 1 and ids(second.json()["statements"])[0] not in ids(
        first.json()["statements"])


def test_html_is_a_200_that_is_not_json(ralph_lrs: RalphLrs, proxy: FaultProxy, seeded: str) -> None:
    proxy.faults.append("html")
    with ralph_lrs.client() as client:
        reply = get_through(proxy, client, ralph_lrs, seeded)

    assert reply.status_code == 200 and reply.headers["Content-Type"].startswith("text/html")
    with pytest.raises(ValueError):
        reply.json()


def test_an_unknown_fault_is_refused_when_queued(proxy: FaultProxy) -> None:
    with pytest.raises(ValueError, match="unknown fault '404'"):
        proxy.faults.append("404")
