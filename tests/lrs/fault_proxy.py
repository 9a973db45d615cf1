"""An HTTP/1.1 proxy on 127.0.0.1 in front of an LRS, which injects faults into the GETs of its statements endpoint.

    with FaultProxy(lrs.root) as proxy:
        proxy.faults.extend(["500", "timeout", "ok", "repeat"])
        client = LrsClient(url=proxy.url_for(lrs.url), ...)

Every request is forwarded as it came (method, path and query, headers with Authorization, body). Each GET of
…/statements takes the next fault from `proxy.faults` ("ok" when it is empty):

    ok       forward
    500      answer 500 without forwarding
    429      answer 429 with `Retry-After: 0` without forwarding
    timeout  send nothing for `stall_seconds`, then close the connection
    drop     forward, then send the status line, the headers (with the full Content-Length) and only half the body,
             then close the connection
    repeat   answer the last page the upstream served for a statements GET, instead of forwarding
    html     answer 200 with a small HTML page (a captive portal, a wrong URL)
"""
import http.client
import threading
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterable
from urllib.parse import urlsplit

FAULTS = ("ok", "500", "429", "timeout", "drop", "repeat", "html")
# Headers about one connection, not the message: each side of the proxy has its own.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host"}
CAPTIVE_PORTAL = (b"<!DOCTYPE html>\n<html><head><title>Wi-Fi sign-in</title></head>"
                  b"<body><p>Please sign in to use this network.</p></body></html>\n")
UPSTREAM_TIMEOUT = 30


class FaultQueue(deque):
    """The faults for the next statements GETs, first in, first out. A name outside FAULTS is refused when queued."""

    def append(self, fault: str) -> None:
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}: expected one of {', '.join(FAULTS)}")
        super().append(fault)

    def extend(self, faults: Iterable[str]) -> None:
        for fault in faults:
            self.append(fault)

    def take(self) -> str:
        try:
            return self.popleft()
        except IndexError:
            return "ok"


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def _plain(status: int, text: str, *headers: tuple[str, str]) -> Reply:
    return Reply(status, [("Content-Type", "text/plain; charset=utf-8"), *headers], text.encode())


def _is_statements(path: str) -> bool:
    return urlsplit(path).path.rstrip("/").endswith("/statements")


class FaultProxy:
    """A context manager: the proxy listens from __enter__ to __exit__. See the module's docstring."""

    def __init__(self, upstream: str, stall_seconds: float = 3.0):
        self.upstream = urlsplit(upstream).netloc  # "127.0.0.1:PORT"
        self.stall_seconds = stall_seconds
        self.faults = FaultQueue()
        self.requests: list[tuple[str, str]] = []  # (method, path with query) of every request received
        self.last_page: Reply | None = None  # what "repeat" sends
        self.url = ""  # http://127.0.0.1:PORT, once entered
        self._stopping = threading.Event()  # ends a "timeout" stall early when the proxy stops

    def url_for(self, url: str) -> str:
        """The same URL on the proxy: url_for("http://127.0.0.1:8100/xAPI/") -> "http://127.0.0.1:PORT/xAPI/"."""
        parts = urlsplit(url)
        if parts.netloc != self.upstream:
            raise ValueError(f"{url} is not on the proxied server {self.upstream}")
        return self.url + url[len(f"{parts.scheme}://{parts.netloc}"):]

    def __enter__(self) -> "FaultProxy":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        # Polling every 50 ms (not 0.5 s) lets __exit__'s shutdown() return at once.
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def stall(self) -> None:
        self._stopping.wait(self.stall_seconds)

    def forward(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes) -> Reply:
        connection = http.client.HTTPConnection(self.upstream, timeout=UPSTREAM_TIMEOUT)
        try:
            connection.request(method, path, body=body or None,
                               headers={name: value for name, value in headers if name.lower() not in HOP_BY_HOP})
            response = connection.getresponse()
            return Reply(response.status, [(name, value) for name, value in response.getheaders()
                                           if name.lower() not in HOP_BY_HOP], response.read())
        except OSError as error:
            return _plain(502, f"FaultProxy: upstream {self.upstream}: {error}")
        finally:
            connection.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real LRS client sees it

    def _handle(self) -> None:
        proxy: FaultProxy = self.server.proxy
        proxy.requests.append((self.command, self.path))
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.command != "GET" or not _is_statements(self.path):
            self._send(proxy.forward(self.command, self.path, self.headers.items(), body))
            return
        fault = proxy.faults.take()
        if fault == "500":
            self._send(_plain(500, "Internal Server Error"))
        elif fault == "429":
            self._send(_plain(429, "Too Many Requests", ("Retry-After", "0")))
        elif fault == "timeout":
            proxy.stall()
            self.close_connection = True
        elif fault == "html":
            self._send(Reply(200, [("Content-Type", "text/html; charset=utf-8")], CAPTIVE_PORTAL))
        elif fault == "repeat":
            self._send(proxy.last_page or _plain(502, "FaultProxy: 'repeat' before any statements page"))
        else:
            page = proxy.forward(self.command, self.path, self.headers.items(), body)
            proxy.last_page = page
            if fault == "drop":
                self._send(page, body=page.body[:len(page.body) // 2])
                self.close_connection = True
            else:
                self._send(page)

    do_GET = do_POST = do_PUT = do_DELETE = _handle

    def _send(self, reply: Reply, body: bytes | None = None) -> None:
        """The status line, the headers with the full body's Content-Length, then `body` (all of it by default)."""
        self.send_response_only(reply.status)
        for name, value in reply.headers:
            if name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body if body is None else body)

    def log_message(self, format: str, *args) -> None:
        """Silent: tests read `proxy.requests`."""
