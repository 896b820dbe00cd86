"""A missing extra or native module is a message saying what to install, never a traceback at start; a missing
shipped resource is an error naming it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from repcompanion.intel.journeys import default_journey_dir
from repcompanion.resources import (
    RESOURCES_ENV,
    MissingResourceError,
    model_path,
    package_root,
    resource_path,
    resources_root,
)

ROOT = Path(__file__).resolve().parents[1]


def _launch(entry: str, args: list[str], blocked: str) -> subprocess.CompletedProcess[str]:
    """``entry`` of repcompanion.launch with ``args``, in a Python where the module ``blocked`` cannot be imported."""
    code = (
        f"import sys; sys.modules[{blocked!r}] = None\n"
        f"from repcompanion.launch import {entry}\n"
        f"sys.argv = ['x', *{args!r}]\n"
        f"raise SystemExit({entry}())"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "REPCOMPANION_BLOCK_QT": "0"}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


@pytest.mark.parametrize(
    ("entry", "args", "blocked", "says"),
    [
        ("client", ["priorities"], "sqlcipher3", "SQLCipher, which encrypts the workspace on this computer, cannot"),
        ("client", ["app"], "PySide6", "pip install 'repcompanion[app]'"),
        ("hub", ["status"], "fastapi", "pip install 'repcompanion[hub]'"),
        ("hub", ["status"], "sqlalchemy", "the hub needs the 'sqlalchemy' package"),
    ],
)
def test_a_missing_module_is_a_message_not_a_traceback(entry: str, args: list[str], blocked: str, says: str) -> None:
    ran = _launch(entry, args, blocked)
    assert ran.returncode in (1, 3), ran.stderr  # 3: before the command starts; 1: the command said it
    assert says in ran.stderr and "Traceback" not in ran.stderr


def test_shipped_resources_and_models_are_found_inside_the_package() -> None:
    assert package_root() == ROOT / "src" / "repcompanion" / "resources"
    assert default_journey_dir() == resource_path("journeys") and (default_journey_dir() / "clinical.toml").is_file()
    assert model_path("propensity.skops").is_file() and model_path("safety_screener.skops").is_file()
    shipped = ["safety/lexicon.toml", "ui/style.qss", "email/layout.html", "hub/unsubscribe.html"]
    for name in [*shipped, "security/common-passwords.txt.gz"]:
        assert resource_path(*name.split("/")).is_file()


def test_a_missing_resource_is_an_error_that_names_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path))
    assert resources_root() == tmp_path
    with pytest.raises(MissingResourceError, match="resource journeys") as missing:
        default_journey_dir()
    assert str(tmp_path / "journeys") in missing.value.message and RESOURCES_ENV in (missing.value.hint or "")
    with pytest.raises(MissingResourceError, match=r"model nothing\.skops"):
        model_path("nothing.skops")
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path / "absent"))
    with pytest.raises(MissingResourceError, match="not a folder"):
        resource_path("journeys")
