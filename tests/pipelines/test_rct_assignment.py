"""The RCT assignment file → dim_rct_assignment's rows, and its `[rct]` configuration."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.config import ConfigError, load_config
from schemas.rct_assignment import AssignmentError, RctAssignment, assignment_frame
from schemas.pseudonyms import Pseudonymizer

KEY = bytes(range(32))
FUN = "https://lms.fun-mooc.fr"
HEADER = "school_code,school_name,country,arm,teacher_name,teacher_email,fun_username\n"


def frame(tmp_path, text: str, home_page: str = FUN):
    (tmp_path / "rct.csv").write_text(text, encoding="utf-8")
    return assignment_frame(RctAssignment(tmp_path / "rct.csv", home_page), Pseudonymizer(KEY))


def test_one_row_per_teacher_with_pseudonyms_only(tmp_path):
    rows = frame(tmp_path, HEADER + "fr-0751234a,\"Collège Jean Moulin, Paris\",FR,treatment,Marie Dupont,"
                                    "marie.dupont@example.org,marie.dupont42\n"
                                    "FR-0751234A,\"Collège Jean Moulin, Paris\",FR,treatment,Léa Martin,"
                                    "Lea.Martin@Example.org,\n").to_dicts()
    pz = Pseudonymizer(KEY)
    assert rows == [
        {"school_pid": "eb323891bc6cdde2f18489396e370fb3", "learner_pid": "580e36baad5f606f593d307873db4b61",
         "arm": "treatment", "country": "FR"},  # the FUN account: the learner_pid of Marie's statements
        {"school_pid": "eb323891bc6cdde2f18489396e370fb3", "learner_pid": pz.learner_pid("mbox:lea.martin@example.org"),
         "arm": "treatment", "country": "FR"},  # never took the MOOC: her e-mail's pseudonym
    ]


def test_no_file_means_no_rows(tmp_path):
    assert frame(tmp_path, HEADER).is_empty()
    assert assignment_frame(RctAssignment(tmp_path / "none.csv", FUN), Pseudonymizer(KEY)).columns == [
        "school_pid", "learner_pid", "arm", "country"]
    assert assignment_frame(None, Pseudonymizer(KEY)).is_empty()


@pytest.mark.parametrize(("text", "message"), [
    ("school_code,teacher_email\nFR-1,a@example.org\n", "missing column(s) country, arm, fun_username"),
    (HEADER + "FR-1,S,FR,,T,a@example.org,\n", "line 2 (arm): empty"),
    (HEADER + "FR-1,S,FR,control,T,a@example.org,\n,S,FR,control,T,b@example.org,\n", "line 3 (school_code): empty"),
    (HEADER + "FR-1,S,FR,control,T,,\n", "line 2: neither teacher_email nor fun_username"),
    (HEADER + "FR-1,S,FR,control,T,not-an-address,\n",
     "line 2 (teacher_email): not an e-mail address nor homePage|name"),
    (HEADER + "FR-1,S,FR,control,T,a@example.org,ab\nFR-2,S,FR,control,T,b@example.org,ab\n",
     "line 3: the same teacher as line 2"),
])
def test_a_bad_file_is_one_line_naming_the_file_and_line(tmp_path, text, message):
    with pytest.raises(AssignmentError) as info:
        frame(tmp_path, text)
    assert str(info.value) == f"rct assignment {tmp_path / 'rct.csv'}: {message}"


def test_refresh_with_a_bad_assignment_file_is_a_startup_error(tmp_path):
    (tmp_path / "lola.toml").write_text('[rct]\nassignment = "rct.csv"\n[course]\nstructure = ""\n'
                                        '[[source]]\nname = "mooc"\nkind = "files"\npath = "."\n')
    (tmp_path / "rct.csv").write_text("school_code,teacher_email\nFR-1,a@example.org\n", encoding="utf-8")
    result = subprocess.run([str(Path(sys.executable).with_name("lola")), "refresh"], cwd=tmp_path, timeout=300,
                            capture_output=True, text=True, env={**os.environ, "LOLA_PSEUDONYM_KEY": "ab" * 32})
    assert result.returncode == 2 and result.stderr.startswith("lola: rct assignment ") and "Traceback" not in result.stderr


def test_rct_configuration(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert load_config().rct == RctAssignment(tmp_path / "data" / "rct_assignment.csv", FUN)  # the demo's
    (tmp_path / "lola.toml").write_text('[rct]\nassignment = "trial/assignment.csv"\n'
                                        'account_homepage = "https://lms.example.org/"\n')
    config = load_config(tmp_path / "lola.toml")
    assert config.rct == RctAssignment(tmp_path / "trial" / "assignment.csv", "https://lms.example.org/")
    (tmp_path / "lola.toml").write_text('[rct]\nassignment = ""\n')
    assert load_config(tmp_path / "lola.toml").rct is None
    (tmp_path / "lola.toml").write_text('[rct]\naccount_homepage = "lms.fun-mooc.fr"\n')
    with pytest.raises(ConfigError, match=r"\[rct\] account_homepage"):
        load_config(tmp_path / "lola.toml")
