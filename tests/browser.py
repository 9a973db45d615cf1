"""Render a local HTML file in a real headless Chromium, for tests that check what a browser shows.

Playwright drives the machine's Chromium (Debian's `chromium` package) and never downloads one. Every request
other than the page itself is recorded and aborted, so a rendered page cannot reach the network, and a test can
assert the page is self-contained with `rendered.requests == []`.

    rendered = render(report_html, tmp_path / "report.png", selectors=["figure#weekly_active"])
    assert rendered.requests == [] and rendered.console_errors == []
    assert rendered.region("figure#weekly_active").drawn == 1
"""
import functools
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import pytest
from playwright.sync_api import ConsoleMessage, Error, Request, Route, sync_playwright

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_HINT = "install it with `apt-get install chromium` (Debian) or put chromium on PATH"
APT_UPDATE_SECONDS = 300
APT_INSTALL_SECONDS = 900
# Another apt (a machine's own set-up, unattended-upgrades) may hold the dpkg lock: wait this long for it.
APT_LOCK_WAIT_SECONDS = 300
APT_LOCK_RETRY_SECONDS = 10
APT_LOCK_BUSY = re.compile(r"Could not get lock|Unable to acquire the dpkg|Unable to lock")
TIMEOUT_MS = 60_000  # for launch, navigation, each wait and the screenshot: nothing can hang a test
VIEWPORT = {"width": 1280, "height": 900}

# For each selector: its matches, the <svg> elements in or under them, and the matches holding an svg or canvas
# that the browser laid out with a non-zero width and height (drawn, not merely present).
COUNT_REGIONS_JS = """selectors => Object.fromEntries(selectors.map(selector => {
    const graphics = (element, kinds) => [
        ...(element.matches(kinds) ? [element] : []), ...element.querySelectorAll(kinds)];
    const isDrawn = graphic => {
        const box = graphic.getBoundingClientRect();
        return box.width > 0 && box.height > 0;
    };
    const matches = [...document.querySelectorAll(selector)];
    return [selector, {
        matched: matches.length,
        svgs: matches.reduce((count, match) => count + graphics(match, "svg").length, 0),
        drawn: matches.filter(match => graphics(match, "svg, canvas").some(isDrawn)).length,
    }];
}))"""


@dataclass(frozen=True)
class Region:
    """What the rendered page holds under one CSS selector."""
    matched: int  # elements matching the selector
    svgs: int  # <svg> elements that are, or are inside, a match
    drawn: int  # matches holding at least one svg or canvas with a non-zero bounding box


@dataclass(frozen=True)
class Rendered:
    """What a headless Chromium saw when it rendered a page."""
    requests: list[str]  # every URL requested other than the page's own and data: URLs; all were aborted
    # console messages of type error (an aborted request logs "Failed to load resource: net::ERR_FAILED"),
    # then the page's uncaught errors as "Name: message"
    console_errors: list[str]
    svg_count: int
    canvas_count: int
    regions: dict[str, Region]  # one per selector given to render()
    screenshot: Path  # a full-page PNG

    def region(self, selector: str) -> Region:
        if selector not in self.regions:
            raise KeyError(f"{selector!r} was not among render()'s selectors: {sorted(self.regions)}")
        return self.regions[selector]


def _run_apt_get(args: list[str], timeout: float) -> str | None:
    """Run apt-get, waiting (bounded) while another apt holds the lock; None on success, else why it failed."""
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    give_up_at = time.monotonic() + APT_LOCK_WAIT_SECONDS
    while True:
        try:
            done = subprocess.run(["apt-get", *args], env=environment, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return f"`apt-get {' '.join(args)}` took over {timeout} s"
        if done.returncode == 0:
            return None
        if not APT_LOCK_BUSY.search(done.stderr) or time.monotonic() > give_up_at:
            last_line = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
            return f"`apt-get {' '.join(args)}` failed ({last_line})"
        time.sleep(APT_LOCK_RETRY_SECONDS)


@functools.cache
def _find_or_install_chromium() -> tuple[str | None, str]:
    """(path, "") when Chromium is there or could be installed, else (None, why not): computed once a session."""
    def on_path() -> str | None:
        return next(filter(None, map(shutil.which, CHROMIUM_NAMES)), None)

    if found := on_path():
        return found, ""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return None, (f"No Chromium on PATH ({', '.join(CHROMIUM_NAMES)}) and installing it needs root and "
                      f"apt-get: {INSTALL_HINT}.")
    failure = (_run_apt_get(["update", "-qq"], APT_UPDATE_SECONDS)
               or _run_apt_get(["install", "-y", "-qq", "--no-install-recommends", "chromium"], APT_INSTALL_SECONDS))
    if failure:
        return None, f"No Chromium on PATH and installing it failed: {failure}; {INSTALL_HINT}."
    if found := on_path():
        return found, ""
    return None, f"apt-get installed chromium but none of {', '.join(CHROMIUM_NAMES)} is on PATH; {INSTALL_HINT}."


def chromium_executable() -> str:
    """The system Chromium's path, installing Debian's package when root; skips the calling test when there is none."""
    path, why_missing = _find_or_install_chromium()
    if path is None:
        pytest.skip(why_missing)  # every caller skips, not only the first: the cache keeps the reason
    return path


def render(page: Path, screenshot: Path, selectors: Iterable[str] = ()) -> Rendered:
    """Open `page` in headless Chromium, let it load, and report what it requested, logged, drew and looked like."""
    page_url = page.resolve().as_uri()
    selectors = list(selectors)
    requests: list[str] = []
    console_messages: list[str] = []
    page_errors: list[str] = []

    def record(request: Request) -> None:
        if request.url != page_url and not request.url.startswith("data:"):
            requests.append(request.url)

    def keep_local(route: Route) -> None:
        if route.request.url == page_url or route.request.url.startswith("data:"):
            route.continue_()
        else:
            route.abort()

    def record_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console_messages.append(message.text)

    def record_page_error(error: Error) -> None:
        page_errors.append(f"{error.name}: {error.message}" if error.name else error.message)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium_executable(), headless=True, timeout=TIMEOUT_MS,
            # Chromium's sandbox refuses to start as root (CI runs as root)
            args=["--no-sandbox"] if os.geteuid() == 0 else [])
        try:
            # service workers blocked, so every request of the page goes through the route below
            context = browser.new_context(viewport=VIEWPORT, service_workers="block")
            context.set_default_timeout(TIMEOUT_MS)
            context.route("**/*", keep_local)  # on the context, so frames and pop-ups are held too
            tab = context.new_page()
            tab.on("request", record)
            tab.on("console", record_console)
            tab.on("pageerror", record_page_error)
            tab.goto(page_url, wait_until="load")
            tab.wait_for_load_state("networkidle")
            counts = tab.evaluate(COUNT_REGIONS_JS, ["svg", "canvas", *selectors])
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            tab.screenshot(path=screenshot, full_page=True)
        finally:
            browser.close()
    return Rendered(
        requests=requests,
        console_errors=console_messages + page_errors,
        svg_count=counts["svg"]["matched"],
        canvas_count=counts["canvas"]["matched"],
        regions={selector: Region(**counts[selector]) for selector in selectors},
        screenshot=screenshot,
    )
