"""lola.toml (contract §2): defaults, paths relative to the file, one-line errors."""

import pytest

from pipelines.config import ConfigError, load_config


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
    ('[[source]]\nname = "x"\nkind = "ftp"\n', "`kind` must be one of"),
    ('[[source]]\nname = "x"\nkind = "files"\n', "needs `path`"),
    ('[[source]]\nname = "x"\nkind = "files"\npath = "a"\n[[source]]\nname = "x"\nkind = "files"\npath = "b"\n', "unique"),
    ("[warehouse\n", "not valid TOML"),
    ('[warehouse]\nretention_days = -3\n', "retention_days"),
    ('[[source]]\nname = "Mooc-1"\nkind = "files"\npath = "a"\n', "lower-case letters"),
    ('[[source]]\nname = "mooc"\nkind = "lrs"\n', "needs `url`"),
    ('[[source]]\nname = "mooc"\nkind = "lrs"\nurl = "127.0.0.1:8100/xAPI/"\n', "http:// or https://"),
    ('[[source]]\nname = "mooc"\nkind = "lrs"\nurl = "http://h/xAPI/"\noverlap_seconds = -1\n', "overlap_seconds"),
    ('[[source]]\nname = "mooc"\nkind = "lrs"\nurl = "http://h/xAPI/"\nusername_env = 3\n', "environment variable"),
])
def test_bad_configuration_is_one_clear_line(tmp_path, text, message):
    path = tmp_path / "lola.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert "\n" not in str(info.value)


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
    with pytest.raises(ConfigError, match=r"\[warehouse\] max_statement_bytes must be a positive whole number"):
        load_config(path)
