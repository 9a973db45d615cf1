"""An xAPI LRS client: pages of statements from `GET statements`, over httpx, with timeouts, retries and clear errors.

Streaming: at most two pages are held (the one being landed, the next one fetched meanwhile), each statement kept as
its raw JSON bytes (the validator reads bytes), so memory does not grow with the number of pages. Paging follows the
LRS's `more` links, absolute or relative.
"""

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

import httpx
import msgspec

from assets.ingest import SourceUnavailable

XAPI_VERSION = "1.0.3"  # what we ask for; the statements keep their own version
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 60.0
PULL_SWITCH_INTERVAL_S = 0.0005


class LrsError(SourceUnavailable):
    """The LRS cannot be read; its message is one line for the user."""


class LrsRefused(LrsError):
    """The LRS answers, but not to this configuration: credentials refused, no statements resource there."""


class _StatementResult(msgspec.Struct):
    statements: list[msgspec.Raw]
    more: str | None = None


class _Stored(msgspec.Struct):
    stored: str | None = None


_result = msgspec.json.Decoder(_StatementResult)
_stored = msgspec.json.Decoder(_Stored)


@dataclass(frozen=True)
class Page:
    statements: list[bytes]  # each statement's JSON, as the LRS sent it
    latest_stored: datetime | None  # the latest readable `stored` on the page
    server_time: datetime | None  # the LRS's clock (its Date header) when it answered
    more: str | None  # the link to the next page, as sent


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # per request, the first one included
    backoff_s: float = 0.5  # doubled after each failure
    max_backoff_s: float = 10.0

    def delay(self, attempt: int) -> float:
        return min(self.backoff_s * 2 ** attempt, self.max_backoff_s)


@contextmanager
def _quick_thread_switches() -> Iterator[None]:
    """While pages are landed, the thread fetching the next one must get the GIL back as soon as its answer arrives:
    at Python's default 5 ms switch interval, each page waited for the landing thread's time slice (measured)."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(PULL_SWITCH_INTERVAL_S)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def isoformat_utc(moment: datetime) -> str:
    # Always with its offset: Ralph answers a time without a zone with a 500.
    return moment.astimezone(timezone.utc).isoformat()


class LrsClient:
    def __init__(self, url: str, username: str | None, password: str | None, *, name: str = "lrs",
                 timeout_s: float = 30.0, page_size: int = 100, retry: RetryPolicy = RetryPolicy()):
        self.name = name
        self.statements_url = urljoin(url if url.endswith("/") else url + "/", "statements")
        self.page_size = page_size
        self.retry = retry
        self.requests = 0  # GETs sent, retries included
        auth = httpx.BasicAuth(username, password) if username is not None else None
        self._http = httpx.Client(auth=auth, timeout=httpx.Timeout(timeout_s),
                                  headers={"X-Experience-API-Version": XAPI_VERSION, "Accept": "application/json"})

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "LrsClient":
        return self

    def __exit__(self, *_) -> None:
        self.close()

    def pages(self, since: datetime | None = None, until: datetime | None = None) -> Iterator[Page]:
        """Statements stored after `since` and up to `until` (either may be None), oldest first, a page at a time.
        The next page is fetched while the caller works on this one: at most two pages are held."""
        params = {"limit": str(self.page_size), "ascending": "true"}
        if since is not None:
            params["since"] = isoformat_utc(since)
        if until is not None:
            params["until"] = isoformat_utc(until)
        followed: dict[str, int] = {}
        with _quick_thread_switches(), ThreadPoolExecutor(1, thread_name_prefix=f"lrs-{self.name}") as prefetch:
            next_page = prefetch.submit(self._fetch, self.statements_url, params)
            while True:
                page, url = next_page.result()
                # Ralph may end with an empty page that still has a `more` link.
                more = url if page.more and page.statements else None
                if more:
                    followed[more] = followed.get(more, 0) + 1
                    if followed[more] > self.retry.attempts:  # a repeated page is survivable, an endless loop is not
                        raise LrsError(f"{self.name}: the LRS keeps sending the same `more` link; paging stopped")
                    next_page = prefetch.submit(self._fetch, more, None)
                yield page
                if not more:
                    return

    def _fetch(self, url: str, params: dict | None) -> tuple[Page, str | None]:
        """A page, and the absolute URL of the next one."""
        response = self._get(url, params)
        page = self._page(response)
        return page, urljoin(str(response.url), page.more) if page.more else None

    def _get(self, url: str, params: dict | None) -> httpx.Response:
        last_problem, last_response = "", None
        for attempt in range(self.retry.attempts):
            if attempt:
                time.sleep(self._wait(attempt - 1, last_response))
            last_response = None
            self.requests += 1
            try:
                response = self._http.get(url, params=params)  # reads the body: a dropped one fails here
            except httpx.TimeoutException:
                last_problem = "timed out"
                continue
            except httpx.TransportError as exc:
                last_problem = f"connection failed ({type(exc).__name__})"
                continue
            if response.status_code in RETRY_STATUSES:
                last_problem, last_response = f"HTTP {response.status_code}", response
                continue
            self._raise_for_status(response)
            return response
        raise LrsError(f"{self.name}: GET {self.statements_url} failed {self.retry.attempts} times; "
                       f"last: {last_problem}")

    def _wait(self, failures: int, response: httpx.Response | None) -> float:
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after is not None:
            try:
                return min(max(float(retry_after), 0.0), MAX_RETRY_AFTER_S)
            except ValueError:
                pass  # an HTTP date: fall back to our own backoff
        return self.retry.delay(failures)

    def _raise_for_status(self, response: httpx.Response) -> None:
        status = response.status_code
        if status in (401, 403):
            raise LrsRefused(f"{self.name}: the LRS refused our credentials (HTTP {status}) at {self.statements_url}; "
                           "check the username and password environment variables of this source")
        if status == 404:
            raise LrsRefused(f"{self.name}: no xAPI statements resource at {self.statements_url} (HTTP 404); "
                           "check the source's url (it should end with the xAPI base, e.g. .../xAPI/)")
        if status >= 400:
            raise LrsError(f"{self.name}: the LRS answered HTTP {status} at {self.statements_url}")

    def _page(self, response: httpx.Response) -> Page:
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind != "application/json":
            raise LrsError(f"{self.name}: {self.statements_url} did not answer with xAPI statements "
                           f"(content type {kind or 'missing'}); check the source's url")
        try:
            result = _result.decode(response.content)
        except msgspec.DecodeError:
            raise LrsError(f"{self.name}: {self.statements_url} answered JSON that is not an xAPI StatementResult "
                           "(an object with a `statements` array)") from None
        statements = [bytes(raw) for raw in result.statements]
        return Page(statements, _latest_stored(statements), _server_time(response), result.more)


def _latest_stored(statements: list[bytes]) -> datetime | None:
    """The latest `stored` among the statements; those without a readable one are the validator's business."""
    latest = None
    for statement in statements:
        try:
            stored = _stored.decode(statement).stored
            moment = datetime.fromisoformat(stored) if stored else None
        except (msgspec.DecodeError, ValueError, TypeError):
            continue
        if moment is not None and moment.tzinfo is not None and (latest is None or moment > latest):
            latest = moment
    return latest


def _server_time(response: httpx.Response) -> datetime | None:
    try:
        return parsedate_to_datetime(response.headers["Date"])
    except (KeyError, TypeError, ValueError, IndexError):
        return None
