"""`lola pseudonymize` as the lab's trusted third party runs it: the contract §3 vectors, what is kept, bad input.

That its output meets the warehouse (teachers' pids in the marts, dim_rct_assignment) is checked on the generated
cohort in tests/test_end_to_end.py, which has one.
"""

import csv
import io
from pathlib import Path

import pytest

from tests.pipelines.test_cli import assert_one_line_error, lola

KEY = bytes(range(32)).hex()  # the contract's test key, 000102...1f
MARIE = "94d5617a4f2b2c79004bc05a8aba48ee"          # mbox:marie.dupont@example.org
MARIE_FUN = "580e36baad5f606f593d307873db4b61"      # account:https://lms.fun-mooc.fr|marie.dupont42
SCHOOL = "eb323891bc6cdde2f18489396e370fb3"         # school:FR-0751234A


def pseudonymize(tmp_path: Path, text: str, *args: str, key: str | None = KEY):
    (tmp_path / "in.csv").write_text(text, encoding="utf-8")
    return lola("pseudonymize", str(tmp_path / "in.csv"), *args, cwd=tmp_path,
                env={"LOLA_PSEUDONYM_KEY": key} if key is not None else {"LOLA_PSEUDONYM_KEY": ""})


def column(output: str, name: str) -> list[str]:
    return [row[name] for row in csv.DictReader(io.StringIO(output))]


def test_learner_vectors_whatever_the_spelling(tmp_path):
    values = ["mailto:Marie.Dupont@Example.org", "Marie.Dupont@Example.org", " MAILTO:MARIE.DUPONT@EXAMPLE.ORG ",
              "https://lms.fun-mooc.fr/|marie.dupont42", "https://lms.fun-mooc.fr|marie.dupont42"]
    result = pseudonymize(tmp_path, "who\n" + "".join(f"{v}\n" for v in values), "who")
    assert result.returncode == 0, result.stderr
    assert column(result.stdout, "who") == [MARIE] * 3 + [MARIE_FUN] * 2


def test_school_codes_are_trimmed_and_upper_cased(tmp_path):
    result = pseudonymize(tmp_path, "school\n fr-0751234a \nFR-0751234A\n", "--kind", "school", "school")
    assert result.returncode == 0, result.stderr
    assert column(result.stdout, "school") == [SCHOOL, SCHOOL]


def test_only_the_column_changes_and_empty_cells_stay_empty(tmp_path):
    text = ('name,email,note\n'
            '"Dupont, Marie",marie.dupont@example.org,"said ""yes"""\n'
            'Nobody,,\n'
            '\n'
            'Zoé,mailto:Marie.Dupont@Example.org,é\n')
    result = pseudonymize(tmp_path, text, "email")
    assert result.returncode == 0, result.stderr
    assert result.stdout == (f'name,email,note\n"Dupont, Marie",{MARIE},"said ""yes"""\nNobody,,\n\nZoé,{MARIE},é\n')


def test_semicolons_and_a_byte_order_mark_as_spreadsheets_write_them(tmp_path):
    result = pseudonymize(tmp_path, "\ufeffemail;score\nmarie.dupont@example.org;3\n", "email")
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"email;score\n{MARIE};3\n"


@pytest.mark.parametrize(("text", "args", "message"), [
    ("id,email\n1,a@example.org\n2,marie\n", ["email"], "line 3 (email): not an e-mail address nor homePage|name"),
    ("id,email\n1,https://lms.fun-mooc.fr|\n", ["email"], "line 2 (email): not an e-mail address nor homePage|name"),
    ("id,email\n1,Marie <marie@example.org>\n", ["email"], "line 2 (email): not an e-mail address"),
    ('id,email\n1,"two\nlines"\n2,someone@example\n3,x y\n', ["email"], "line 2 (email)"),
    ("email\nhttps://handbook.example.org/anonymous|v1\n", ["email"], "line 2 (email): an account under an anonymous"),
    ("code\nmarie@example.org\n", ["--kind", "school", "code"], "line 2 (code): not a school code"),
    ("id,email\n1\n", ["email"], "line 2: 1 field(s) where the header has 2"),
])
def test_a_bad_value_is_one_line_naming_its_line_never_the_value(tmp_path, text, args, message):
    result = pseudonymize(tmp_path, text, *args)
    assert_one_line_error(result)
    assert message in result.stderr
    assert not result.stdout
    assert "marie" not in result.stderr.lower() and "v1" not in result.stderr and "lines" not in result.stderr


def test_a_line_number_counts_physical_lines(tmp_path):
    result = pseudonymize(tmp_path, 'note,email\n"a\nb",a@example.org\nc,nope\n', "email")
    assert_one_line_error(result)
    assert "line 4 (email)" in result.stderr


@pytest.mark.parametrize(("text", "column_name", "key", "message"), [
    ("id,email\n", "mail", KEY, "column 'mail' is not in the header line"),
    ("email,email\n", "email", KEY, "column 'email' appears more than once"),
    ("", "email", KEY, "empty, no header line"),
    ("email\n", "email", None, "LOLA_PSEUDONYM_KEY is not set"),
    ("email\n", "email", "ab" * 31, "at least 32 are required"),
])
def test_file_column_and_key_problems_are_one_line(tmp_path, text, column_name, key, message):
    result = pseudonymize(tmp_path, text, column_name, key=key)
    assert_one_line_error(result)
    assert message in result.stderr


def test_unreadable_files_are_one_line(tmp_path):
    assert_one_line_error(lola("pseudonymize", str(tmp_path / "missing.csv"), "email", cwd=tmp_path,
                               env={"LOLA_PSEUDONYM_KEY": KEY}))
    (tmp_path / "latin1.csv").write_bytes("email\nzoé@example.org\n".encode("latin-1"))
    result = lola("pseudonymize", str(tmp_path / "latin1.csv"), "email", cwd=tmp_path, env={"LOLA_PSEUDONYM_KEY": KEY})
    assert_one_line_error(result)
    assert "not UTF-8" in result.stderr


def test_out_writes_the_whole_file_or_leaves_the_old_one(tmp_path):
    out = tmp_path / "linked.csv"
    result = pseudonymize(tmp_path, "email\nmarie.dupont@example.org\n", "email", "--out", str(out))
    assert result.returncode == 0 and not result.stdout, result.stderr
    assert out.read_text() == f"email\n{MARIE}\n"
    bad = pseudonymize(tmp_path, "email\nmarie.dupont@example.org\nmarie\n", "email", "--out", str(out))
    assert_one_line_error(bad)
    assert out.read_text() == f"email\n{MARIE}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "linked.csv"]  # no partial file


def test_help():
    result = lola("pseudonymize", "--help")
    assert result.returncode == 0 and "--kind [learner|school]" in result.stdout and "--out" in result.stdout
