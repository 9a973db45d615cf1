"""tests/browser.py's render() on small pages: each test fails against a harness that ignores what it checks."""
from pathlib import Path

from tests.browser import Region, render

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def write_page(folder: Path, body: str) -> Path:
    page = folder / "page.html"
    page.write_text(f"<!doctype html><html><head><meta charset='utf-8'><title>t</title></head>"
                    f"<body>{body}</body></html>", encoding="utf-8")
    return page


def test_counts_drawn_svgs_per_selector_and_takes_a_screenshot(tmp_path: Path) -> None:
    page = write_page(tmp_path, """
        <figure id="a"><svg width="200" height="100"><rect width="200" height="100" fill="teal"/></svg></figure>
        <figure id="b"></figure>
        <figure id="c"><svg width="0" height="0"></svg></figure>""")

    rendered = render(page, tmp_path / "shots" / "page.png",
                      selectors=["figure#a", "figure#b", "figure#c", "figure", "#absent"])

    assert rendered.svg_count == 2 and rendered.canvas_count == 0
    assert rendered.region("figure#a") == Region(matched=1, svgs=1, drawn=1)
    assert rendered.region("figure#b") == Region(matched=1, svgs=0, drawn=0)
    assert rendered.region("figure#c") == Region(matched=1, svgs=1, drawn=0)  # present, but nothing drawn
    assert rendered.region("figure") == Region(matched=3, svgs=2, drawn=1)
    assert rendered.region("#absent") == Region(matched=0, svgs=0, drawn=0)
    assert rendered.requests == [] and rendered.console_errors == []
    png = rendered.screenshot.read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > 2_000, len(png)


def test_records_and_aborts_every_request_that_would_leave_the_page(tmp_path: Path) -> None:
    # a file next to the page: it loads, unless aborted
    (tmp_path / "sibling.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg' width='9' height='9'/>")
    page = write_page(tmp_path, """
        <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        <script src="https://example.invalid/x.js"></script>
        <img src="http://127.0.0.1:9/y.png">
        <img src="sibling.svg">""")

    rendered = render(page, tmp_path / "page.png")

    assert sorted(rendered.requests) == [
        (tmp_path / "sibling.svg").as_uri(), "http://127.0.0.1:9/y.png", "https://example.invalid/x.js"]
    # ERR_FAILED is Playwright's abort; unaborted, these would fail with ERR_NAME_NOT_RESOLVED and ERR_UNSAFE_PORT,
    # and the sibling file would load without an error.
    assert rendered.console_errors == ["Failed to load resource: net::ERR_FAILED"] * 3


def test_collects_console_errors_and_uncaught_exceptions(tmp_path: Path) -> None:
    page = write_page(tmp_path, """
        <script>console.log("fine"); console.warn("careful"); console.error("boom");</script>
        <script>throw new Error("kaboom");</script>""")

    rendered = render(page, tmp_path / "page.png")

    assert rendered.console_errors == ["boom", "Error: kaboom"]
