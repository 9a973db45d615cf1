"""The reference tables written from the course structure file, in a real DuckDB file."""

import json

import duckdb

from assets.reference import load_reference_tables
from schemas.course_structure import load_structure

COURSE = {"title": "AI4T", "start": "2023-01-09", "end": "2023-03-31",
          "modules": [{"id": "https://lms.example.org/m1", "position": 1, "items": []}]}


def test_dim_course_carries_the_optional_language_of_each_run(tmp_path):
    path = tmp_path / "course_structure.json"
    path.write_text(json.dumps([{**COURSE, "course_id": "https://lms.example.org/course/FR", "language": "fr"},
                                {**COURSE, "course_id": "https://lms.example.org/course/XX"}]))
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    load_reference_tables(con, load_structure(path), {"mooc": False})
    assert con.execute("SELECT course_id, language FROM dim_course ORDER BY course_id").fetchall() == [
        ("https://lms.example.org/course/FR", "fr"), ("https://lms.example.org/course/XX", None)]
    con.close()
