"""`lola report`: the HTML report of the analysts' copy.

A generated cohort is refreshed through the real CLI (the refresh writes the report beside the analysts' copy); each
figure's table is compared with the same aggregate computed here from the cohort's ground truth and the independent
reading of the contract in tests/reference_metrics.py; then the page itself (every figure drawn, its table, no
pseudonym, no identifier), in a real headless Chromium (no request, no console error), and the command's errors.
"""

from __future__ import annotations

import math
import re
import shutil
from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.browser import render
from tests.reference_metrics import (
    expected_engagement_weeks, expected_funnel, expected_learner_courses, expected_learner_videos,
    expected_rct, expected_rct_outcomes,
)
from tests.scan import canaries_found
from tests.test_end_to_end import KEY, _canaries, generated_and_refreshed, run, table
from warehouse.report import build
from warehouse.report.build import ReportRefused, figure_specs, read_figures

TIMEZONE = "Europe/Paris"
OUTSIDE = "outside the trial"
PSEUDONYM = re.compile(r"\b[0-9a-f]{32}\b")
# The figures' bins, written again from figures.yml's titles: minutes of time on task, sessions, handbook pages.
TIME_ON_TASK_BINS = [(0, "none"), (10 * 60, "under 10 min"), (30 * 60, "10–30 min"), (60 * 60, "30–60 min"),
                     (2 * 3600, "1–2 h"), (5 * 3600, "2–5 h"), (math.inf, "5 h or more")]
PAGES_BINS = [(0, "0"), (2, "1–2"), (5, "3–5"), (10, "6–10"), (20, "11–20"), (math.inf, "21 or more")]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A generated cohort refreshed once (the refresh writes the report): (folder, cohort, refresh output)."""
    return generated_and_refreshed(tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="module")
def figures(lab):
    root = lab[0]
    facts, read = read_figures(root / "warehouse" / "published", TIMEZONE)
    return facts, {f.name: [dict(zip(f.columns, row)) for row in f.rows] for f in read}


def _arms(cohort) -> dict[tuple[str, str], str]:
    """Account → arm, for the trial's teachers who have an account (contract §4.2: the assignment file)."""
    return {account: arm for account, (_, arm) in expected_rct(cohort).items()}


def _labels(root: Path) -> dict[str, str]:
    """A course's label as figures.yml's labels.sql describes it: its title and language, else its IRI."""
    rows = table(root, "SELECT course_id, title, language FROM dim_course_run")
    return {r["course_id"]: (r["title"] or r["course_id"]) + (f" ({r['language']})" if r["language"] else "")
            for r in rows}


def _bin(value: float, bins: list[tuple[float, str]], inclusive: bool) -> tuple[int, str]:
    for order, (bound, label) in enumerate(bins):
        if value <= bound if inclusive or order == 0 else value < bound:
            return order, label
    raise AssertionError(value)


def _shares(counts: dict[tuple[str, int, str], int]) -> dict[tuple[str, str], tuple[int, float]]:
    """(group, order, label) → count, made (group, label) → (count, share of the group)."""
    totals = Counter()
    for (group, _, _), n in counts.items():
        totals[group] += n
    return {(group, label): (n, n / totals[group]) for (group, _, label), n in counts.items()}


def _close(a, b) -> bool:
    if isinstance(b, float) or isinstance(a, float):
        return a is not None and b is not None and math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def assert_same(actual: dict, expected: dict) -> None:
    assert actual.keys() == expected.keys(), (sorted(actual.keys() ^ expected.keys(), key=str)[:5])
    wrong = [(k, actual[k], v) for k, v in expected.items()
             if not all(_close(a, b) for a, b in zip(actual[k], v, strict=True))]
    assert not wrong, wrong[:5]


def test_the_refresh_leaves_the_report_beside_the_analysts_copy(lab):
    root, _, refreshed = lab
    page = root / "warehouse" / "published" / "report" / "index.html"
    assert f"report: {page.relative_to(root)}" in refreshed or f"report: {page}" in refreshed, refreshed
    assert '<meta name="generator" content="LOLA report">' in page.read_text(encoding="utf-8")


def test_weekly_active_learners_per_course_and_per_arm(lab, figures):
    root, cohort, _ = lab
    labels, arms = _labels(root), _arms(cohort)
    weeks = expected_engagement_weeks(cohort, TIMEZONE)
    per_course = Counter()
    for (account, course, week), row in weeks.items():
        per_course[(labels[course], week)] += row["n_events"] > 0
    actual = {(r["course"], r["week_start"]): (r["active_learners"],) for r in figures[1]["weekly_active_learners"]}
    assert_same(actual, {key: (n,) for key, n in per_course.items()})

    group_size = Counter(arms.get(a, OUTSIDE) for a in {account for account, _, _ in weeks})
    active: dict[tuple[str, object], set] = defaultdict(set)
    for (account, _, week), row in weeks.items():
        members = active[(arms.get(account, OUTSIDE), week)]
        if row["n_events"] > 0:
            members.add(account)
    expected = {(arm, week): (len(members), group_size[arm], len(members) / group_size[arm])
                for (arm, week), members in active.items()}
    actual = {(r["arm"], r["week_start"]): (r["active_learners"], r["learners_in_group"], r["share_active"])
              for r in figures[1]["weekly_active_learners_by_arm"]}
    assert_same(actual, expected)
    assert {"treatment", "control", OUTSIDE} <= {arm for arm, _ in actual}


def test_the_module_funnel_and_the_outcomes_by_arm_with_intention_to_treat_denominators(lab, figures):
    root, cohort, _ = lab
    labels = _labels(root)
    funnel = {(labels[course], order): (row["step"], row["learners"], row["share_of_registered"])
              for (course, order), row in expected_funnel(cohort, TIMEZONE).items()}
    actual = {(r["course"], r["step_order"]): (r["step"], r["learners"], r["share_of_registered"])
              for r in figures[1]["module_funnel"]}
    assert_same(actual, funnel)

    expected = {}
    for (arm, course), row in expected_rct_outcomes(cohort, TIMEZONE).items():
        for outcome in ("completed", "passed"):
            expected[(labels[course], arm, outcome)] = (row[outcome], row["teachers_assigned"],
                                                        row[outcome] / row["teachers_assigned"])
    actual = {(r["course"], r["arm"], r["outcome"]): (r["teachers"], r["teachers_assigned"], r["rate"])
              for r in figures[1]["outcomes_by_arm"]}
    assert_same(actual, expected)
    # the denominators are every assigned teacher, most of whom never came to the MOOC
    assigned = Counter(school.arm for school in cohort.schools for _ in school.teachers)
    assert {r["arm"]: r["teachers_assigned"] for r in figures[1]["outcomes_by_arm"]} == dict(assigned)


def test_time_on_task_sessions_and_handbook_use_by_arm(lab, figures):
    _, cohort, _ = lab
    arms = _arms(cohort)
    pairs = expected_learner_courses(cohort, bytes.fromhex(KEY), TIMEZONE)
    time_on_task, sessions, pages = Counter(), Counter(), {}
    for (account, _), row in pairs.items():
        arm = arms.get(account, OUTSIDE)
        time_on_task[(arm, *_bin(row["time_on_task_s"], TIME_ON_TASK_BINS, inclusive=False))] += 1
        n = row["n_sessions"]
        sessions[(arm, min(n, 11), "11 or more" if n > 10 else str(n))] += 1
        pages[(arm, account)] = row["handbook_pages_viewed"]
    handbook = Counter((arm, *_bin(n, PAGES_BINS, inclusive=True)) for (arm, _), n in pages.items())

    for name, label, counted, expected in (("time_on_task", "time_on_task", "pairs", time_on_task),
                                           ("sessions", "sessions", "pairs", sessions),
                                           ("handbook_use", "pages_viewed", "learners", handbook)):
        share = next(c for c in figures[1][name][0] if c.startswith("share_of"))
        actual = {(r["arm"], r[label]): (r[counted], r[share]) for r in figures[1][name]}
        assert_same(actual, _shares(expected))
    assert sum(sessions.values()) == len(pairs) > len(cohort.learners)


def test_video_retention_in_course_order(lab, figures):
    root, cohort, _ = lab
    labels = _labels(root)
    watched: dict[tuple[str, str], list] = defaultdict(list)
    for (_, course, video), row in expected_learner_videos(cohort, bytes.fromhex(KEY)).items():
        watched[(course, video)].append(row["share_watched"])
    expected = {}
    for course in cohort.structure:
        videos = sorted((module["position"], item["id"], item["title"]) for module in course["modules"]
                        for item in module["items"] if item["type"] == "video")
        for order, (position, video, title) in enumerate(videos, start=1):
            shares = [s for s in watched[(course["course_id"], video)] if s is not None]
            expected[(labels[course["course_id"]], order)] = (
                position, title, len(watched[(course["course_id"], video)]),
                sum(shares) / len(shares) if shares else None)
    actual = {(r["course"], r["video_order"]): (r["module_position"], r["video"], r["viewers"],
                                                r["mean_share_watched"])
              for r in figures[1]["video_retention"]}
    assert_same(actual, expected)


def test_data_quality_checks_quarantine_and_reconciliation(lab, figures):
    root, cohort, refreshed = lab
    passed = int(re.search(r"checks: (\d+) passed, 0 failed", refreshed).group(1))
    checks = figures[1]["checks"]
    assert {r["result"] for r in checks} == {"passed"} and sum(r["checks"] for r in checks) == passed

    fates = Counter((s.source, s.fate) for s in cohort.statements)
    expected = {}
    for source in ("mooc", "handbook"):
        read = sum(n for (src, _), n in fates.items() if src == source)
        outcomes = {"loaded": sum(fates[(source, f)] for f in ("counted", "voided", "voiding")),
                    "quarantined": fates[(source, "invalid")], "duplicate": fates[(source, "duplicate")],
                    "erased": 0, "expired": 0}
        expected |= {(source, outcome): (n, read, True) for outcome, n in outcomes.items()}
    actual = {(r["source"], r["outcome"]): (r["statements"], r["read"], r["balanced"])
              for r in figures[1]["reconciliation"]}
    assert_same(actual, expected)

    # every quarantined statement has at least one reason; a reason kind never counts more than were quarantined
    reasons = figures[1]["quarantine_reasons"]
    by_source = Counter()
    for r in reasons:
        by_source[r["source"]] += r["statements"]
        assert r["statements"] <= fates[(r["source"], "invalid")]
    assert by_source["mooc"] >= fates[("mooc", "invalid")] > 0
    assert not any(PSEUDONYM.search(r["reason"]) for r in reasons)


def test_the_headline_facts(lab, figures):
    _, cohort, _ = lab
    facts = figures[0]
    assert facts["counted statements"] == sum(s.fate == "counted" for s in cohort.statements)
    assert facts["teachers in the trial"] == sum(len(school.teachers) for school in cohort.schools)


class _Page(HTMLParser):
    """The figures of the page: per section id, its heading, reading, <svg> count and table rows."""

    def __init__(self):
        super().__init__()
        self.sections: dict[str, dict] = {}
        self._current: dict | None = None
        self._capture: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "figure" in (attrs.get("class") or ""):
            self._current = self.sections.setdefault(attrs["id"], {"title": "", "reading": "", "svgs": 0, "rows": 0})
        elif self._current is not None:
            if tag == "h3":
                self._capture = "title"
            elif tag == "p" and attrs.get("class") == "reading":
                self._capture = "reading"
            elif tag == "svg":
                self._current["svgs"] += 1
            elif tag == "tr":
                self._current["rows"] += 1

    def handle_endtag(self, tag):
        if tag in ("h3", "p"):
            self._capture = None
        elif tag == "section":
            self._current = None

    def handle_data(self, data):
        if self._current is not None and self._capture:
            self._current[self._capture] += data


def test_the_page_shows_every_figure_with_its_reading_and_table_and_no_identifier(lab, figures):
    root, cohort, _ = lab
    page = root / "warehouse" / "published" / "report" / "index.html"
    html = page.read_text(encoding="utf-8")
    parsed = _Page()
    parsed.feed(html)
    specs = figure_specs()
    assert list(parsed.sections) == [spec["name"] for spec in specs]
    for spec in specs:
        section = parsed.sections[spec["name"]]
        assert section["title"] == spec["title"] and section["reading"] == " ".join(spec["reading"].split())
        assert section["svgs"] == 1, spec["name"]
        assert section["rows"] == 1 + len(figures[1][spec["name"]]), spec["name"]  # the header row, then the data
        for channel in ("x", "y"):  # a quantitative axis says its unit, and the drawn chart shows the title
            encoding = spec["chart"]["encoding"][channel]
            if encoding["type"] == "quantitative":
                assert re.search(r"\(.+\)", encoding["title"]) and f">{encoding['title']}<" in html, spec["name"]
    assert "<script" not in html.lower()
    assert not PSEUDONYM.search(html)
    assert not canaries_found([page], _canaries(cohort))


def test_the_page_draws_every_plot_offline_in_a_browser(lab, tmp_path):
    root = lab[0]
    sections = [f"section#{spec['name']}" for spec in figure_specs()]
    rendered = render(root / "warehouse" / "published" / "report" / "index.html", tmp_path / "report.png", sections)
    assert rendered.requests == [] and rendered.console_errors == []
    assert {s: rendered.region(s).drawn for s in sections} == {s: 1 for s in sections}
    assert rendered.screenshot.stat().st_size > 50_000


def test_lola_report_writes_a_page_elsewhere_and_again(lab, tmp_path):
    root = lab[0]
    out = tmp_path / "shared" / "weekly"
    first = run("report", "--out", str(out), cwd=root)
    assert str(out / "index.html") in first.stdout and (out / "index.html").stat().st_size > 50_000
    run("report", "--out", str(out), cwd=root)  # its own page is replaced
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]


def test_lola_report_refuses_what_it_must_not_overwrite_or_cannot_read(lab, tmp_path):
    root = lab[0]
    foreign = tmp_path / "site"
    foreign.mkdir()
    (foreign / "index.html").write_text("<p>the lab's home page</p>")
    refused = run("report", "--out", str(foreign), cwd=root, check=False)
    assert refused.returncode == 2 and "is not a LOLA report" in refused.stderr and "Traceback" not in refused.stderr
    assert (foreign / "index.html").read_text() == "<p>the lab's home page</p>"

    empty = tmp_path / "no-warehouse-yet"
    empty.mkdir()
    missing = run("report", "--out", "report", cwd=empty, check=False)
    assert missing.returncode == 2 and "no analysts' copy" in missing.stderr and not (empty / "report").exists()


def _with_extra_figure(tmp_path: Path, monkeypatch, name: str, sql: str) -> None:
    """The report's figures and one more, read from a copy of warehouse/report/."""
    figures_dir = tmp_path / "figures"
    shutil.copytree(build.HERE, figures_dir)
    (figures_dir / f"{name}.sql").write_text(sql)
    with (figures_dir / "figures.yml").open("a", encoding="utf-8") as f:
        f.write(f"  - {{name: {name}, section: Extra, title: Extra, reading: one line, chart: {{mark: bar}}}}\n")
    monkeypatch.setattr(build, "HERE", figures_dir)


def test_a_figure_without_rows_says_so_instead_of_a_plot(lab, tmp_path, monkeypatch):
    """As on a warehouse without a course structure (no funnel, no videos) or without a trial (no arms)."""
    _with_extra_figure(tmp_path, monkeypatch, "nobody", "SELECT course_id FROM warehouse.dim_course_run WHERE false")
    page = build.build_report(lab[0] / "warehouse" / "published", tmp_path / "out", TIMEZONE)
    parsed = _Page()
    parsed.feed(html := page.read_text(encoding="utf-8"))
    assert parsed.sections["nobody"]["svgs"] == 0 and parsed.sections["nobody"]["rows"] == 1
    assert html.count("Nothing to draw") == 1


def test_a_figure_whose_query_returns_pseudonyms_is_refused(lab, tmp_path, monkeypatch):
    root = lab[0]
    _with_extra_figure(tmp_path, monkeypatch, "learners",
                       "SELECT learner_pid, n_events FROM warehouse.engagement_learner_course")
    with pytest.raises(ReportRefused, match="learner_pid.*aggregates only"):
        build.build_report(root / "warehouse" / "published", tmp_path / "out", TIMEZONE)
    assert not (tmp_path / "out").exists()
