"""The example systemd units in packaging/systemd parse, say what systemd needs, and each ExecStart runs."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = sorted((ROOT / "packaging" / "systemd").glob("repcompanion-hub*.*"))


def parse_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """A unit file as systemd reads it: sections of keys, each key possibly repeated (comments and blanks skipped)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        assert current is not None, f"{path.name}:{number}: a setting outside any section"
        key, sep, value = line.partition("=")
        assert sep and key.strip() and key.strip().isidentifier(), f"{path.name}:{number}: not KEY=VALUE: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def test_the_units_are_the_service_the_backup_and_its_timer() -> None:
    assert [u.name for u in UNITS] == [
        "repcompanion-hub-backup.service",
        "repcompanion-hub-backup.timer",
        "repcompanion-hub.service",
    ]


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_each_unit_parses_and_has_what_systemd_needs(unit: Path) -> None:
    sections = parse_unit(unit)
    assert sections["Unit"]["Description"]
    if unit.suffix == ".timer":
        assert sections["Timer"]["OnCalendar"] and sections["Install"]["WantedBy"] == ["timers.target"]
        assert (unit.parent / unit.name.replace(".timer", ".service")).is_file()
        return
    service = sections["Service"]
    assert service["Type"][0] in ("exec", "oneshot") and service["User"][0] != "root"
    assert service.get("UMask") == ["0077"]  # whatever it writes is its own
    assert service["ExecStart"]


def test_the_hub_service_runs_run_with_its_configuration_and_secrets_as_credentials() -> None:
    service = parse_unit(ROOT / "packaging" / "systemd" / "repcompanion-hub.service")["Service"]
    [start] = service["ExecStart"]
    assert shlex.split(start)[1:] == ["--config", "/etc/repcompanion-hub/hub.toml", "run"]
    credentials = {c.split(":")[0] for c in service["LoadCredential"]}
    assert {"database-url", "smtp-password"} <= credentials
    env = dict(e.split("=", 1) for e in service["Environment"])
    assert env["REPCOMPANION_HUB_DATABASE_URL_FILE"] == "%d/database-url"
    assert env["REPCOMPANION_HUB_SMTP_PASSWORD_FILE"] == "%d/smtp-password"


def _command(start: str) -> list[str]:
    """The ExecStart with --help, to run here: our console script through this checkout with every option of the unit
    (so they must parse), another program as installed (its --help comes first, as pg_dump wants)."""
    argv = shlex.split(start.lstrip("-@+!"))
    name = Path(argv[0]).name
    if name == "repcompanion-hub":
        script = "from repcompanion.launch import hub; raise SystemExit(hub())"
        return [sys.executable, "-c", script, *argv[1:], "--help"]
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed here")
    return [found, "--help"]


@pytest.mark.parametrize("unit", [u for u in UNITS if u.suffix == ".service"], ids=lambda p: p.name)
def test_each_exec_start_runs_with_help(unit: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for start in parse_unit(unit)["Service"]["ExecStart"]:
        ran = subprocess.run(_command(start), capture_output=True, text=True, env=env, timeout=120)
        assert ran.returncode == 0, f"{start} --help: {ran.stderr}"
        assert "usage" in ran.stdout.lower() or "Usage" in ran.stdout
