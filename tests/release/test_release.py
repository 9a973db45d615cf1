"""`lola release` (contract §5) on a generated cohort refreshed through the CLI: k-anonymity and ℓ-diversity checked
by brute force here (not by the code under test), the package by `frictionless`, bytes by rebuilding, ids and raw
identifiers by scanning every file."""

import csv
import filecmp
import json
import re
import subprocess
from collections import defaultdict
from pathlib import Path

import dagster as dg
import duckdb
import frictionless
import pytest

from pipelines.cohort import build_cohort
from tests.scan import canaries_found
from tests.test_end_to_end import KEY, _canaries, run

LEARNERS, SEED = 300, 4242
K, L = 5, 2
ROLES = {"id", "quasi-identifier", "sensitive", "other"}
FILES = {"learner_course.csv", "module_completion.csv", "weekly_engagement.csv", "datapackage.json", "codebook.md",
         "datasheet.md", "CITATION.cff", "disclosure_report.json", "SHA256SUMS"}
# Contract §5: every released column saying where or when a learner was is a quasi-identifier.
WHERE_OR_WHEN = {"course", "arm", "country", "enrolment_period"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A generated cohort, refreshed once; yields (folder, cohort, was the release materialized by the refresh)."""
    root = tmp_path_factory.mktemp("release")
    run("generate", "--out", "data", "--learners", str(LEARNERS), "--seed", str(SEED), cwd=root)
    run("refresh", "--all", cwd=root)
    return root, build_cohort(learners=LEARNERS, seed=SEED), _release_materializations(root)


def _release_materializations(root: Path) -> int:
    instance = dg.DagsterInstance.from_config(str(root / ".dagster"))
    try:
        return len(instance.fetch_materializations(dg.AssetKey("open_data_release"), limit=100).records)
    finally:
        instance.dispose()


@pytest.fixture(scope="module")
def released(lab):
    root = lab[0]
    result = run("release", "--out", "open-data", "--seed", "11", cwd=root)
    return root / "open-data", result


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def package(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def roles(folder: Path) -> dict[str, dict[str, str]]:
    """table → column → its declared role."""
    return {r["name"]: {f["name"]: f["lola:role"] for f in r["schema"]["fields"]} for r in package(folder)["resources"]}


def signatures(folder: Path) -> dict[str, tuple]:
    """Each release id's quasi-identifier values over every table in which it appears (contract §5)."""
    values = defaultdict(set)
    for table, columns in roles(folder).items():
        qis = sorted(c for c, role in columns.items() if role == "quasi-identifier")
        for row in read_csv(folder / f"{table}.csv"):
            values[row["release_id"]] |= {(table, c, row[c]) for c in qis}
    return {rid: tuple(sorted(v)) for rid, v in values.items()}


def test_release_writes_every_file_and_says_what_it_did(released):
    folder, result = released
    assert {p.name for p in folder.iterdir()} == FILES
    assert "k = 5" in result.stdout and "seed 11" in result.stdout
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert {line.split("  ", 1)[1] for line in (folder / "SHA256SUMS").read_text().splitlines()} == FILES - {"SHA256SUMS"}


def test_every_group_of_quasi_identifiers_holds_k_ids_brute_force(released):
    folder, _ = released
    columns = roles(folder)
    assert {c for c, role in columns["learner_course"].items() if role == "quasi-identifier"} == WHERE_OR_WHEN
    signature = signatures(folder)
    ids = list(signature)
    assert len(ids) > 100
    for rid in ids:  # every id against every id: no grouping code shared with the release's
        sharing = sum(1 for other in ids if signature[other] == signature[rid])
        assert sharing >= K, (rid, signature[rid], sharing)


def test_every_sensitive_field_is_l_diverse_in_every_group_brute_force(released):
    folder, _ = released
    signature = signatures(folder)
    checked = 0
    for table, columns in roles(folder).items():
        sensitive = [c for c, role in columns.items() if role == "sensitive"]
        groups = defaultdict(list)
        for row in read_csv(folder / f"{table}.csv"):
            # A row of a table with no quasi-identifier of its own is grouped by its id's, and by module.
            groups[(signature[row["release_id"]], row.get("module_position"))].append(row)
        for column in sensitive:
            for key, rows in groups.items():
                values = [row[column] for row in rows]
                known = {v for v in values if v != ""}
                assert len(known) >= L or not known, (table, column, key, values)
                checked += bool(known)
    assert checked > 20


def test_no_quasi_identifier_is_undeclared_and_nothing_tells_a_time_of_day(released):
    folder, _ = released
    for table, columns in roles(folder).items():
        rows = read_csv(folder / f"{table}.csv")
        for column, role in columns.items():
            if role != "quasi-identifier":
                # a calendar date, week, month, quarter or a time is a quasi-identifier (contract §5)
                dated = [r[column] for r in rows if re.search(r"\d{4}-(W?\d\d|Q\d)|\d\d:\d\d", r[column])]
                assert not dated, (table, column, dated[:3])
    assert not re.search(r"\d\d:\d\d:\d\d", "".join((folder / name).read_text() for name in FILES))


def test_the_package_is_a_valid_frictionless_data_package(released):
    folder, _ = released
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    for resource in package(folder)["resources"]:
        fields = resource["schema"]["fields"]
        assert all(f["type"] and f["description"] and f["lola:role"] in ROLES for f in fields), resource["name"]
        with (folder / resource["path"]).open(encoding="utf-8") as f:
            assert next(csv.reader(f)) == [field["name"] for field in fields]
    assert package(folder)["licenses"][0]["name"] == "CC-BY-4.0"


def test_the_documents_say_what_the_contract_asks(released):
    folder, _ = released
    datasheet = (folder / "datasheet.md").read_text(encoding="utf-8")
    for section in ("Motivation", "Composition", "Collection", "Preprocessing and disclosure control", "Uses",
                    "licence", "How to cite"):
        assert section.lower() in datasheet.lower(), section
    assert "CC BY 4.0" in datasheet
    codebook = (folder / "codebook.md").read_text(encoding="utf-8")
    con = duckdb.connect(str(released[0].parent / "warehouse" / "published" / "lola.duckdb"), read_only=True)
    try:
        registry = dict(con.execute("SELECT name, definition FROM metric_registry").fetchall())
    finally:
        con.close()
    assert registry["completed"] in codebook and registry["weekly_events"] in codebook
    citation = (folder / "CITATION.cff").read_text(encoding="utf-8")
    assert "cff-version: 1.2.0" in citation and "license: CC-BY-4.0" in citation and "authors:" in citation
    disclosure = json.loads((folder / "disclosure_report.json").read_text(encoding="utf-8"))
    assert disclosure["k"] == K and disclosure["l"] == L
    assert {q["column"] for q in disclosure["quasi_identifiers"]} == WHERE_OR_WHEN


def test_rows_reconcile_with_the_warehouse(released):
    """Rows released + suppressed = the warehouse's rows; an id's rows are suppressed in every table at once."""
    folder, _ = released
    disclosure = json.loads((folder / "disclosure_report.json").read_text(encoding="utf-8"))
    con = duckdb.connect(str(folder.parent / "warehouse" / "published" / "lola.duckdb"), read_only=True)
    try:
        warehouse = {"learner_course": "engagement_learner_course", "module_completion": "completion_learner_module",
                     "weekly_engagement": "engagement_learner_week"}
        for table, source in warehouse.items():
            (count,) = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0]
            released_rows = len(read_csv(folder / f"{table}.csv"))
            assert disclosure["rows"][table] == {"warehouse": count, "released": released_rows,
                                                 "suppressed": count - released_rows}, table
        # completion rate by arm among pairs with a known completion, computed here from the warehouse and the CSV
        expected = dict(((arm or "(outside the trial)"), (known, done)) for arm, known, done in con.execute(
            "SELECT arm, count(completed), count(*) FILTER (WHERE completed) FROM engagement_learner_course "
            "GROUP BY arm").fetchall())
    finally:
        con.close()
    by_arm = disclosure["information_loss"]["completion_rate_by_arm"]
    for arm, (known, done) in expected.items():
        assert (by_arm[arm]["warehouse"]["known"], by_arm[arm]["warehouse"]["completed"]) == (known, done)
    rows = read_csv(folder / "learner_course.csv")
    for arm, cells in by_arm.items():
        mine = [r["completed"] for r in rows if (r["arm"] or "(outside the trial)") == arm and r["completed"]]
        if cells["release"] and mine:
            assert cells["release"]["completion_rate"] == round(mine.count("true") / len(mine), 4)
    ids = {r["release_id"] for r in rows}
    for table in ("module_completion", "weekly_engagement"):
        assert {r["release_id"] for r in read_csv(folder / f"{table}.csv")} <= ids


def test_the_same_seed_rebuilds_the_same_bytes_and_another_seed_other_ids(released, tmp_path):
    folder, _ = released
    root = folder.parent
    run("release", "--out", str(tmp_path / "again"), "--seed", "11", cwd=root)
    comparison = filecmp.dircmp(folder, tmp_path / "again")
    assert not comparison.left_only and not comparison.right_only
    assert all(filecmp.cmp(folder / n, tmp_path / "again" / n, shallow=False) for n in FILES)
    run("release", "--out", str(tmp_path / "other"), "--seed", "12", cwd=root)
    ids = {r["release_id"] for r in read_csv(folder / "learner_course.csv")}
    other = {r["release_id"] for r in read_csv(tmp_path / "other" / "learner_course.csv")}
    assert len(other) == len(ids) and not ids & other


def test_no_release_id_is_or_overlaps_a_warehouse_pseudonym(released):
    folder, _ = released
    con = duckdb.connect(str(folder.parent / "warehouse" / "published" / "lola.duckdb"), read_only=True)
    try:
        pseudonyms = {p for (p,) in con.execute(
            "SELECT learner_pid FROM dim_learner UNION SELECT school_pid FROM dim_rct_assignment "
            "UNION SELECT learner_pid FROM dim_rct_assignment").fetchall() if p}
    finally:
        con.close()
    assert len(pseudonyms) > LEARNERS / 2
    ids = {r["release_id"] for r in read_csv(folder / "learner_course.csv")}
    for rid in ids:
        # no shared run of 6 characters either way (pseudonyms are hex: ids must not be readable as one)
        assert not any(rid[i:i + 6] in p for p in pseudonyms for i in range(len(rid) - 5)), rid
    assert not canaries_found((folder / name for name in FILES), pseudonyms)


def test_no_raw_identifier_reaches_the_release(lab, released):
    folder, _ = released
    _, cohort, _ = lab
    canaries = _canaries(cohort)
    assert len(canaries) > LEARNERS
    assert not canaries_found((folder / name for name in FILES), canaries)


def test_the_release_is_an_asset_the_nightly_refresh_leaves_alone(lab, released):
    root, _, materialized_by_refresh = lab
    assert materialized_by_refresh == 0
    assert _release_materializations(root) >= 1


def test_bad_input_is_refused_and_a_failed_check_leaves_nothing(released, tmp_path):
    folder, _ = released
    root = folder.parent
    low_k = run("release", "--out", str(tmp_path / "low"), "--k", "4", cwd=root, check=False)
    assert low_k.returncode == 2 and low_k.stderr.startswith("lola: ") and "k >= 5" in low_k.stderr
    assert not (tmp_path / "low").exists()
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "mine.txt").write_text("keep me")
    refused = run("release", "--out", str(foreign), cwd=root, check=False)
    assert refused.returncode == 2 and (foreign / "mine.txt").read_text() == "keep me"
    # k larger than the cohort: no generalization can make groups that big, so the release fails its check
    impossible = run("release", "--out", str(tmp_path / "big"), "--k", "100000", cwd=root, check=False)
    assert impossible.returncode == 1, impossible.stdout + impossible.stderr
    assert impossible.stderr.startswith("lola: ") and "Traceback" not in impossible.stderr
    assert not (tmp_path / "big").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["notes"]


def test_a_new_release_replaces_an_earlier_one(released, tmp_path):
    folder, _ = released
    target = tmp_path / "release"
    run("release", "--out", str(target), "--seed", "1", cwd=folder.parent)
    first = (target / "learner_course.csv").read_bytes()
    run("release", "--out", str(target), "--seed", "2", cwd=folder.parent)
    assert (target / "learner_course.csv").read_bytes() != first
    assert {p.name for p in target.iterdir()} == FILES and [p.name for p in tmp_path.iterdir()] == ["release"]


def test_the_release_own_check_catches_a_group_below_k_or_a_uniform_group(released, tmp_path):
    """The check run on the written files before a release is put in place (warehouse.release.build)."""
    from warehouse.release.anonymize import DisclosureFailure
    from warehouse.release.build import verify_release

    folder, _ = released
    verify_release(folder, K)
    rows = read_csv(folder / "learner_course.csv")
    for name, change in {"below k": {"country": "ZZ"}, "uniform": {}}.items():
        copy = tmp_path / name
        copy.mkdir()
        for file in FILES:
            (copy / file).write_bytes((folder / file).read_bytes())
        if name == "uniform":  # every known `passed` of the first group made equal to the first row's
            first = rows[0]
            key = tuple(first[c] for c in WHERE_OR_WHEN)
            known = next(r["passed"] for r in rows if tuple(r[c] for c in WHERE_OR_WHEN) == key and r["passed"])
            edited = [{**r, "passed": known if r["passed"] and tuple(r[c] for c in WHERE_OR_WHEN) == key
                       else r["passed"]} for r in rows]
        else:
            edited = [{**rows[0], **change}, *rows[1:]]
        with (copy / "learner_course.csv").open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(edited)
        with pytest.raises(DisclosureFailure):
            verify_release(copy, K)
