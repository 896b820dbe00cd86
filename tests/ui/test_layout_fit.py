"""Every view and dialog fits a field laptop: 1280×720, 1366×768 and 1024×768, at 100% and 125% scaling.

Each scale runs ``tests.ui.fit_check`` in its own process (Qt reads ``QT_SCALE_FACTOR`` once, when it starts).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("scale", ["1", "1.25"])
def test_every_view_and_dialog_fits_the_screen(tmp_path: Path, scale: str) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=scale)
    env.setdefault("REPCOMPANION_PASSPHRASE", "fit-check-passphrase")  # no keyring in the child process
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT), env.get("PYTHONPATH", "")])
    done = subprocess.run(
        [sys.executable, "-m", "tests.ui.fit_check", "--workspace", str(tmp_path / "w"), "--create-demo", "60"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["scale"] == float(scale)
    names = {c.split(" @ ")[0] for c in result["checked"]}
    expected = {"Today", "Directory", "HCP", "Plan my day", "My numbers", "Log a visit", "Drafts", "Settings",
                "Log in", "Refused uploads", "Dismiss", "Snooze", "Adverse-event report", "Passphrase",
                "Record consent", "Suggest a correction"}  # fmt: skip
    assert names == expected
    assert len(result["checked"]) == len(expected) * 3  # three screens each
    assert result["problems"] == [], "\n".join(result["problems"])


def test_the_check_flags_a_window_that_does_not_fit(qtbot: object) -> None:
    from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

    from tests.ui.fit_check import fit_problems

    top = QWidget()
    top.setAccessibleName("Too wide")
    lay = QVBoxLayout(top)
    wide = QPushButton("x" * 300)  # a button cannot shrink below its text
    lay.addWidget(wide)
    lay.addWidget(QLabel("fits"))
    top.show()
    problems = fit_problems(top, 400, 200)
    top.close()
    assert any("cannot shrink" in p for p in problems) and any("QPushButton" in p for p in problems)
