"""A laptop with no system keyring (VDI, a support script): `repcompanion sync --password-stdin` logs in and syncs in
one run, and a plain `sync` says how to do it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import PASSWORD, LoopbackHub

ROOT = Path(__file__).resolve().parents[2]


def _repcompanion(args: list[str], tmp_path: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # no keyring at all, as on a VDI
        "REPCOMPANION_PASSPHRASE": "workspace passphrase for the VDI",
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    return subprocess.run(
        [sys.executable, "-c", "from repcompanion.launch import client; raise SystemExit(client())", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_sync_with_the_password_on_stdin_works_where_there_is_no_keyring(
    tmp_path: Path, loopback_hub: LoopbackHub
) -> None:
    ws = ["--workspace", str(tmp_path / "ws")]
    login = _repcompanion(["login", *ws, "--server", loopback_hub.url, "--user", "rep01", "--password-stdin"],
                          tmp_path, f"{PASSWORD}\n")  # fmt: skip
    assert login.returncode == 0, login.stderr
    assert "No system keyring is available" in login.stderr

    plain = _repcompanion(["sync", *ws], tmp_path)
    assert plain.returncode == 1
    assert "repcompanion sync --password-stdin" in plain.stderr and "Nothing was lost" in plain.stderr

    synced = _repcompanion(["sync", *ws, "--password-stdin"], tmp_path, f"{PASSWORD}\n")
    assert synced.returncode == 0, synced.stderr
    again = _repcompanion(["sync", *ws, "--password-stdin"], tmp_path, f"{PASSWORD}\n")
    assert again.returncode == 0, again.stderr

    wrong = _repcompanion(["sync", *ws, "--password-stdin"], tmp_path, "not the password\n")
    assert wrong.returncode == 1 and "did not accept user 'rep01'" in wrong.stderr
