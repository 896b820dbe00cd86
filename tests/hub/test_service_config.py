"""The hub's command line as a service is configured: --db wherever it is written (or refused), a TOML file and
environment variables, read-only commands that never create a database, an owner-only database file, and a
service that refuses to start without what it needs."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from repcompanion.hub.cli import main
from repcompanion.hub.settings import ConfigError, env_name, every_key, load_config

BAD_URL = "postgresql+psycopg://nobody@127.0.0.1:1/none"


@pytest.fixture
def hub_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    assert main(["init", "--db", url]) == 0
    return url


@pytest.fixture(autouse=True)
def _private_data_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default database would live here: a test that silently used it would show up as a file."""
    monkeypatch.setenv(env_name("paths", "data_dir"), str(tmp_path / "default-data"))
    for key in (env_name("database", "url"), "REPCOMPANION_HUB_CONFIG"):
        monkeypatch.delenv(key, raising=False)


@pytest.mark.parametrize(
    "argv",
    [
        ["--db", "{url}", "followups", "secret"],
        ["followups", "--db", "{url}", "secret"],
        ["followups", "secret", "--db", "{url}"],
        ["--db", "{url}", "followups", "secret", "--db", "{url}"],
    ],
)
def test_db_is_honoured_before_or_after_the_command(
    argv: list[str], hub_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([a.replace("{url}", hub_url) for a in argv]) == 0
    assert len(capsys.readouterr().out.strip()) == 64  # the hub's engagement secret, from this database
    assert not (tmp_path / "default-data").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["--db", BAD_URL, "status"],
        ["status", "--db", BAD_URL],
        ["import", "--db", BAD_URL, "nppes", "/nonexistent.csv"],
        ["import", "nppes", "/nonexistent.csv", "--db", BAD_URL],
        ["--db", BAD_URL, "followups", "list"],
        ["user", "--db", BAD_URL, "list"],
    ],
)
def test_a_wrong_database_url_in_any_position_is_named_and_nothing_is_created(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Cannot reach the hub database at postgresql+psycopg://nobody@127.0.0.1:1/none" in err and "--db" in err
    assert not (tmp_path / "default-data").exists()


def test_db_given_twice_with_different_urls_is_refused(
    hub_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert main(["--db", hub_url, "status", "--db", other]) == 2
    assert "--db was given more than once with different values" in capsys.readouterr().err
    assert not (tmp_path / "other.db").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["status"],
        ["user", "list"],
        ["device", "list"],
        ["audit", "list"],
        ["dcr", "list"],
        ["orphans", "list"],
        ["followups", "list"],
        ["followups", "secret"],
        ["safety", "list"],
        ["model", "list"],
        ["journeys", "check"],
        ["export", "fhir", "--territory", "T-1", "--out", "x.json"],
    ],
)
def test_read_only_commands_never_create_a_database(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'typo.db'}"
    assert main([*argv, "--db", url]) == 2
    assert "There is no hub database at" in capsys.readouterr().err
    assert not (tmp_path / "typo.db").exists()
    assert main(argv) == 2  # the default database does not exist either, and is not made
    assert not (tmp_path / "default-data").exists()


def test_init_creates_the_database_readable_by_its_owner_only(tmp_path: Path) -> None:
    db = tmp_path / "data" / "hub.db"
    assert main(["init", "--db", f"sqlite:///{db}"]) == 0
    assert stat.S_IMODE(db.stat().st_mode) == 0o600 and stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    for side in (db.with_name("hub.db-wal"), db.with_name("hub.db-shm")):
        if side.exists():
            assert stat.S_IMODE(side.stat().st_mode) & 0o077 == 0
    db.chmod(0o644)
    assert main(["init", "--db", f"sqlite:///{db}"]) == 0
    assert stat.S_IMODE(db.stat().st_mode) == 0o600


def test_the_default_database_lives_in_the_configured_data_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    assert (tmp_path / "default-data" / "hub.db").is_file()
    assert main(["status"]) == 0 and '"log_head"' in capsys.readouterr().out


def test_configuration_file_environment_and_command_line_take_precedence_in_that_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "db-url").write_text(f"sqlite:///{tmp_path / 'from-file.db'}\n")
    config = tmp_path / "hub.toml"
    config.write_text(
        f'[database]\nurl_file = "{tmp_path / "db-url"}"\n[smtp]\nport = 587\nsecurity = "starttls"\n'
        '[server]\ncors_origins = ["https://a.example"]\n'
    )
    loaded = load_config(config)
    assert loaded.database.url == f"sqlite:///{tmp_path / 'from-file.db'}" and loaded.smtp.port == 587
    assert loaded.server.cors_origins == ("https://a.example",) and "from-file.db" not in repr(loaded)
    monkeypatch.setenv(env_name("smtp", "port"), "2525")
    monkeypatch.setenv(env_name("server", "cors_origins"), "https://b.example, https://c.example")
    assert load_config(config).smtp.port == 2525
    assert load_config(config).server.cors_origins == ("https://b.example", "https://c.example")
    assert main(["--config", str(config), "init"]) == 0
    assert (tmp_path / "from-file.db").is_file()
    assert main(["--config", str(config), "init", "--db", f"sqlite:///{tmp_path / 'given.db'}"]) == 0
    assert (tmp_path / "given.db").is_file()
    monkeypatch.setenv("REPCOMPANION_HUB_CONFIG", str(config))
    assert main(["status"]) == 0 and "from-file.db" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[smtp]\nprot = 25\n", "[smtp] has no key prot"),
        ("[mail]\nhost = 'x'\n", "unknown section [mail]"),
        ("[smtp]\nport = 'twenty-five'\n", "must be a number"),
        ("[smtp]\nsecurity = 'ssl'\n", "security must be none, starttls or tls"),
        ("[smtp\n", "not valid TOML"),
        ("[smtp]\npassword_file = '/nonexistent/secret'\n", "cannot be read"),
    ],
)
def test_a_bad_configuration_is_named_precisely(tmp_path: Path, text: str, says: str) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(text)
    with pytest.raises(ConfigError, match=says.replace("[", r"\[").replace("]", r"\]")):
        load_config(config)


def test_every_configuration_key_has_an_environment_variable() -> None:
    names = [env_name(section, key) for section, key, _ in every_key()]
    assert "REPCOMPANION_HUB_SMTP_PASSWORD" in names and "REPCOMPANION_HUB_DATABASE_URL" in names
    assert "REPCOMPANION_HUB_MODEL_KEY" in names and len(set(names)) == len(names)


def test_a_configuration_file_holding_a_secret_readable_by_others_is_warned_about(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text("[smtp]\npassword = 'hunter2-hunter2'\n")
    config.chmod(0o644)
    load_config(config)
    assert f"chmod 600 {config}" in capsys.readouterr().err
    config.chmod(0o600)
    load_config(config)
    assert capsys.readouterr().err == ""


def test_run_refuses_to_start_without_a_pharmacovigilance_mailbox(
    hub_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--db", hub_url]) == 2
    err = capsys.readouterr().err
    assert "No pharmacovigilance mailbox is configured" in err and "pv_mailbox" in err


def test_run_refuses_to_start_with_a_missing_journey_folder(
    hub_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv(env_name("safety", "pv_mailbox"), "pv@example.com")
    monkeypatch.setenv(env_name("followups", "journeys"), str(tmp_path / "no-journeys"))
    assert main(["run", "--db", hub_url]) == 2
    assert f"The journey folder {tmp_path / 'no-journeys'} does not exist" in capsys.readouterr().err


def test_seed_applies_the_password_policy_to_the_password_it_is_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("pw\n"))
    url = f"sqlite:///{tmp_path / 'seeded.db'}"
    assert main(["seed", "--reps", "1", "--hcps-per-rep", "2", "--password-stdin", "--db", url]) == 2
    assert "at least 12" in capsys.readouterr().err and not (tmp_path / "seeded.db").exists()


def test_no_test_here_wrote_to_the_real_user_data_folder() -> None:
    assert os.environ[env_name("paths", "data_dir")].endswith("default-data")
