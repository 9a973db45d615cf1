"""Writes a built cohort to disk, byte for byte the same for the same cohort."""

from __future__ import annotations

import csv
import gzip
import io
import json
from collections import Counter
from pathlib import Path

from pipelines.cohort.simulate import Cohort

STRUCTURE_FILE = "course_structure.json"
RCT_FILE = "rct_assignment.csv"
RCT_COLUMNS = ("school_code", "school_name", "country", "arm", "teacher_name", "teacher_email", "fun_username")


def _ndjson(lines: list[str]) -> bytes:
    return "".join(f"{line}\n" for line in lines).encode("utf-8")


def _rct_csv(cohort: Cohort) -> bytes:
    """The assignment file as the lab receives it from the schools: one row per teacher, identifiers in clear."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(RCT_COLUMNS)
    for school in cohort.schools:
        for teacher in school.teachers:
            writer.writerow((school.code, school.name, school.country, school.arm, teacher.full_name, teacher.email,
                             teacher.fun_username or ""))
    return buffer.getvalue().encode("utf-8")


def write_cohort(cohort: Cohort, out_dir: Path) -> dict:
    """Write the statement files, the course structure and the RCT assignment under `out_dir` (created if needed,
    our files overwritten); returns counts only, never identifiers."""
    out_dir = Path(out_dir)
    for relative, lines in cohort.files.items():
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        content = _ndjson(lines)
        if relative.endswith(".gz"):
            # mtime=0 and no file name in the header keep the archive reproducible.
            with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
                gz.write(content)
        else:
            path.write_bytes(content)
    (out_dir / STRUCTURE_FILE).write_text(json.dumps(cohort.structure, ensure_ascii=False, indent=2) + "\n",
                                          encoding="utf-8")
    (out_dir / RCT_FILE).write_bytes(_rct_csv(cohort))
    sources = Counter(t.source for t in cohort.statements)
    fates = Counter(t.fate for t in cohort.statements)
    return {
        "learners": len(cohort.learners),
        "schools": len(cohort.schools),
        "rct_teachers": sum(len(s.teachers) for s in cohort.schools),
        "rct_teachers_in_mooc": sum(t.fun_username is not None for s in cohort.schools for t in s.teachers),
        "courses": len(cohort.structure),
        "mooc_lines": sources["mooc"],
        "handbook_lines": sources["handbook"],
        **{fate: fates[fate] for fate in ("counted", "invalid", "duplicate", "voided", "voiding")},
        "files": {relative: len(lines) for relative, lines in cohort.files.items()},
    }
