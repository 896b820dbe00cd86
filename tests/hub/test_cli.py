"""The repcompanion-hub command line: every command documented, helpful errors, a realign that clients see."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path
from typing import Any

import pytest

from repcompanion.hub.cli import build_parser, main

#: every parser level's description, sub-commands and arguments, as released (regenerate it when the command line
#: changes on purpose, and check the diff: issue 17 added --db/--config at every level, run, user, device and orphans)
CLI_SURFACE = Path(__file__).with_name("cli_surface.json")


def cli_surface(parser: argparse.ArgumentParser, path: str = "repcompanion-hub") -> dict[str, Any]:
    """What a user of the command line sees of ``parser`` and every sub-parser below it, keyed by command path."""
    arguments: list[dict[str, Any]] = []
    commands: list[tuple[str, str | None]] = []  # in the order --help lists them
    below: dict[str, Any] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                commands.append((name, helps.get(name)))
                below.update(cli_surface(sub, f"{path} {name}"))
            continue
        arguments.append(
            {
                "flags": list(action.option_strings) or [action.dest],
                "action": type(action).__name__,
                "nargs": action.nargs,
                "required": action.required,
                "default": None if callable(action.default) else repr(action.default),
                "type": getattr(action.type, "__name__", None),
                "choices": list(action.choices) if action.choices else None,
                "metavar": action.metavar,
                "help": action.help,
            }
        )
    defaults = {k: v for k, v in parser._defaults.items() if not callable(v)}
    here = {"description": parser.description, "commands": commands, "arguments": arguments, "defaults": defaults}
    return {path: here, **below}


def test_every_released_command_and_option_is_still_there_as_it_was() -> None:
    """Scripts written for the released hub keep working: new commands and options may be added, none removed
    or changed (cli_surface.json is the released one)."""
    released = json.loads(CLI_SURFACE.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(cli_surface(build_parser())))
    for path, surface in released.items():
        assert path in now, f"{path!r} is gone"
        here = now[path]
        assert here["description"] == surface["description"], path
        assert [c for c in here["commands"] if c in surface["commands"]] == surface["commands"], path
        for argument in surface["arguments"]:
            assert argument in here["arguments"], f"{path}: {argument['flags']} changed or is gone"
        assert surface["defaults"].items() <= here["defaults"].items(), path


def test_every_command_has_help_text() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, command in sub.choices.items():  # type: ignore[union-attr]
        assert command.description, name
        for action in command._actions:
            if action.dest not in ("help", "user_command"):
                assert action.help, f"{name} {action.dest}"


def test_init_seed_user_realign_status_on_a_fresh_sqlite_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'hub.db'}"
    assert main(["init", "--db", db]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough pass phrase\n"))
    assert main(["seed", "--reps", "2", "--hcps-per-rep", "3", "--years", "0.2", "--db", db, "--password-stdin"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough pass phrase\n"))
    assert main(["user", "add", "ann", "--territory", "T-002", "--password-stdin", "--db", db]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough pass phrase\n"))
    assert main(["user", "add", "ann", "--territory", "T-002", "--password-stdin", "--db", db]) == 2
    assert "already a user called ann" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("long enough pass phrase\n"))
    assert main(["user", "add", "bob", "--territory", "T-404", "--password-stdin", "--db", db]) == 2
    assert "no territory T-404" in capsys.readouterr().err
    assert main(["status", "--db", db]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["hcps_per_territory"] == {"T-001": 3, "T-002": 3}
    from repcompanion.hub.db import HubDb

    with HubDb(db).read() as conn:
        hcp = conn.exec_driver_sql("SELECT hcp_id FROM alignments WHERE territory_id = 'T-001' LIMIT 1").scalar()
    assert main(["realign", "--hcp", hcp, "--from", "T-001", "--to", "T-002", "--db", db]) == 0
    assert main(["realign", "--hcp", hcp, "--from", "T-001", "--to", "T-002", "--db", db]) == 2
    assert "is not in territory T-001" in capsys.readouterr().err
    assert main(["status", "--db", db]) == 0
    assert json.loads(capsys.readouterr().out)["hcps_per_territory"] == {"T-001": 2, "T-002": 4}


def test_an_unreachable_database_says_so_and_names_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"]) == 2
    err = capsys.readouterr().err
    assert "Cannot reach the hub database at" in err and "Check --db" in err
