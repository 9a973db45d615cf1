"""lola.toml (contract §2): defaults, paths relative to the file, one-line errors naming the file and the key."""

from dataclasses import replace
from pathlib import Path

import pytest

from pipelines.config import ConfigError, load_config

EXAMPLE = Path(__file__).resolve().parents[2] / "lola.example.toml"


def test_defaults_serve_the_demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    config = load_config()
    assert config.warehouse_path == tmp_path / "warehouse" / "lola.duckdb"
    assert [(s.name, s.kind, s.handbook) for s in config.sources] == [("mooc", "files", False), ("handbook", "files", True)]
    assert config.dagster_home == tmp_path / ".dagster"


def test_relative_paths_are_relative_to_the_file(tmp_path, monkeypatch):
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    folder = tmp_path / "lab"
    folder.mkdir()
    (folder / "my.toml").write_text('[warehouse]\npath = "wh/x.duckdb"\ntimezone = "Europe/Rome"\n'
                                    '[[source]]\nname = "drops"\nkind = "files"\npath = "in"\n')
    config = load_config(folder / "my.toml")
    assert config.warehouse_path == folder / "wh" / "x.duckdb"
    assert config.published_dir == folder / "wh" / "published"
    assert config.sources[0].path == folder / "in"
    assert config.dagster_home == folder / ".dagster"


@pytest.mark.parametrize(("text", "message"), [
    ('[warehouse]\ntimezone = "Mars/Olympus"\n', "unknown time zone"),
    ('[[source]]\nname = "x"\nkind = "ftp"\n', r"\[\[source\]\] #1 \(x\) kind: expected one of files, lrs, got 'ftp'"),
    ('[[source]]\nname = "x"\n', r"\[\[source\]\] #1 \(x\) kind: required"),
    ('[[source]]\nname = "x"\nkind = "files"\n', "path: required"),
    ('[[source]]\nname = "x"\nkind = "files"\npath = "a"\n[[source]]\nname = "x"\nkind = "files"\npath = "b"\n', "unique"),
    ("[warehouse\n", "not valid TOML"),
    ('[warehouse]\nretention_days = -3\n', "retention_days"),
    ('[[source]]\nname = "Mooc-1"\nkind = "files"\npath = "a"\n', "lower-case letters"),
    ('[[source]]\nname = "mooc"\nkind = "lrs"\n', "url: required"),
    ('[[source]]\nname = "mooc"\nkind = "lrs"\nurl = "127.0.0.1:8100/xAPI/"\n', "http:// or https://"),
    ('[[source]]\nname = "mooc"\nkind = "lrs"\nurl = "http://h/xAPI/"\noverlap_seconds = -1\n', "overlap_seconds"),
    ('[[source]]\nname = "mooc"\nkind = "lrs"\nurl = "http://h/xAPI/"\nusername_env = 3\n', "environment variable"),
    # A typo is not a default silently kept: it names itself, and what the table does know.
    ('[warehouse]\nretention_day = 30\n', r"\[warehouse\] retention_day: unknown key; expected one of path, timezone, "
                                          "retention_days,"),
    ('[wharehouse]\npath = "w.duckdb"\n', r"unknown section \[wharehouse\]; expected \[warehouse\], \[course\]"),
    ('[[source]]\nname = "mooc"\nkind = "lrs"\nurl = "http://h/xAPI/"\npath = "data"\n',
     r"\[\[source\]\] #1 \(mooc\) path: unknown key"),
    # A value of the wrong type is the user's mistake, not an internal error.
    ('[[source]]\nname = "mooc"\nkind = "files"\npath = "a"\n'
     '[[source]]\nname = "handbook"\nkind = "files"\npath = 42\n',
     r"\[\[source\]\] #2 \(handbook\) path: expected the folder of statement files, got 42"),
    ('[warehouse]\nretention_days = "30"\n', r"retention_days: expected a whole number of days, more than 0, got '30'"),
    ('[[source]]\nname = "h"\nkind = "files"\npath = "a"\nanonymous_homepages = ["https://h.org", 3]\n',
     r"anonymous_homepages\[1\]: expected a list of homePages"),
    ('[course]\nstructure = false\n', r"\[course\] structure: expected"),
    ('[warehouse]\nmax_statement_bytes = 0\n', "max_statement_bytes: expected a whole number of bytes, more than 0"),
    ('[warehouse]\nlock_wait_seconds = -1\n', "lock_wait_seconds: expected a number of seconds, 0 or more"),
])
def test_bad_configuration_is_one_clear_line(tmp_path, text, message):
    path = tmp_path / "lola.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert "\n" not in str(info.value)
    assert str(info.value).startswith(f"{path}: ")


def test_the_first_problem_and_how_many_more(tmp_path):
    path = tmp_path / "lola.toml"
    path.write_text('[warehouse]\nretention_day = 30\ntimezone = 1\n[wharehouse]\n')
    with pytest.raises(ConfigError, match=r"\(and 2 other problem\(s\)\)$"):
        load_config(path)


def test_the_new_warehouse_keys(tmp_path):
    path = tmp_path / "lola.toml"
    path.write_text("[warehouse]\nmax_statement_bytes = 4096\nlock_wait_seconds = 2.5\n")
    config = load_config(path)
    assert (config.max_statement_bytes, config.lock_wait_seconds) == (4096, 2.5)
    path.write_text("[warehouse]\nlock_wait_seconds = 0\n")
    assert (load_config(path).max_statement_bytes, load_config(path).lock_wait_seconds) == (1_048_576, 0)


def test_the_example_file_is_the_demo_defaults(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no lola.toml here: the defaults, with this folder as root
    (tmp_path / "example.toml").write_text(EXAMPLE.read_text())
    example = load_config(tmp_path / "example.toml")
    assert example.file == tmp_path / "example.toml"
    assert replace(example, file=None) == load_config()


def test_the_example_lrs_block_uncommented_loads(tmp_path):
    """What a lab does: the files `mooc` source replaced by the commented LRS one, uncommented."""
    blocks = EXAMPLE.read_text().split("\n\n")
    (lrs,) = [b for b in blocks if '# kind = "lrs"' in b]
    uncommented = "\n".join(line.removeprefix("# ") for line in lrs[lrs.index("# [[source]]"):].splitlines())
    kept = [b for b in blocks if b is not lrs and not b.startswith('[[source]]\nname = "mooc"')]
    (tmp_path / "lola.toml").write_text("\n\n".join([*kept, uncommented]))
    sources = {s.name: s for s in load_config(tmp_path / "lola.toml").sources}
    assert set(sources) == {"mooc", "handbook"}
    mooc = sources["mooc"]
    assert (mooc.kind, mooc.url, mooc.username_env, mooc.password_env, mooc.overlap_seconds) == (
        "lrs", "http://127.0.0.1:8100/xAPI/", "LOLA_MOOC_LRS_USERNAME", "LOLA_MOOC_LRS_PASSWORD", 900)


def test_a_named_file_must_exist(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_an_lrs_source_as_in_the_contract(tmp_path):
    path = tmp_path / "lola.toml"
    path.write_text('[[source]]\nname = "mooc"\nkind = "lrs"\nurl = "http://127.0.0.1:8100/xAPI/"\n'
                    'username_env = "LOLA_MOOC_LRS_USERNAME"\npassword_env = "LOLA_MOOC_LRS_PASSWORD"\n')
    (source,) = load_config(path).sources
    assert (source.kind, source.url, source.username_env, source.password_env, source.overlap_seconds) == (
        "lrs", "http://127.0.0.1:8100/xAPI/", "LOLA_MOOC_LRS_USERNAME", "LOLA_MOOC_LRS_PASSWORD", 900)


def test_the_statement_size_limit_is_read_from_the_warehouse_section(tmp_path):
    from assets.files import MAX_STATEMENT_BYTES

    path = tmp_path / "lola.toml"
    path.write_text("[warehouse]\n")
    assert load_config(path).max_statement_bytes == MAX_STATEMENT_BYTES == 1_048_576
    path.write_text("[warehouse]\nmax_statement_bytes = 65_536\n")
    assert load_config(path).max_statement_bytes == 65_536


@pytest.mark.parametrize("value", ["0", "-1", '"1 MB"', "true", "1.5"])
def test_a_statement_size_limit_must_be_a_positive_number_of_bytes(tmp_path, value):
    path = tmp_path / "lola.toml"
    path.write_text(f"[warehouse]\nmax_statement_bytes = {value}\n")
    with pytest.raises(ConfigError, match=r"\[warehouse\] max_statement_bytes: expected a whole number of bytes, more than 0"):
        load_config(path)
