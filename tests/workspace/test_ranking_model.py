"""Ranking uses the compiled model kept in the workspace: scikit-learn is loaded once per model file, not per day."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta

import pytest

from repcompanion.intel.propensity import default_model_path, load_model
from repcompanion.workspace import Workspace
from repcompanion.workspace.ranking_model import ranking_model

DAY = date(2026, 11, 24)

CREATE = """
import sys
from datetime import date, timedelta
from pathlib import Path
from repcompanion.workspace import Workspace
Workspace.create_demo(Path(sys.argv[1]), hcps=40, seed=3, today=date(2026, 11, 24)).close()
"""

RANK_ANOTHER_DAY = """
import sys
from datetime import date, timedelta
from pathlib import Path
from repcompanion.workspace import Workspace
with Workspace.open(Path(sys.argv[1])) as ws:
    ranking = ws.ranking.priorities(date(2026, 11, 27))  # not the cached day: the engine is built
print(len(ranking), sorted(m for m in ("sklearn", "scipy", "skops") if m in sys.modules))
"""


def test_a_reopened_workspace_ranks_a_new_day_without_scikit_learn(tmp_path):
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",  # never the developer's real keyring
        "REPCOMPANION_PASSPHRASE": "scorer-test-passphrase",
    }
    subprocess.run([sys.executable, "-c", CREATE, str(tmp_path)], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [sys.executable, "-c", RANK_ANOTHER_DAY, str(tmp_path)], capture_output=True, text=True, env=env, check=True
    )
    count, modules = out.stdout.strip().split(" ", 1)
    assert int(count) > 0 and modules == "[]"


def test_the_compiled_model_ranks_exactly_like_the_fitted_one(tmp_path, monkeypatch):
    from repcompanion.workspace import ranking_model as ranking_model_module

    Workspace.create_demo(tmp_path, hcps=40, seed=3, today=DAY).close()
    with Workspace.open(tmp_path) as ws:
        compiled = ws.ranking.priorities(DAY + timedelta(days=1))
    monkeypatch.setattr(ranking_model_module, "ranking_model", lambda store, folder: load_model(default_model_path()))
    with Workspace.open(tmp_path) as ws:
        ws.store.conn.execute("DELETE FROM ranking_cache")
        full = ws.ranking.priorities(DAY + timedelta(days=1))
    assert [(s.hcp_id, s.action, s.content_id) for s in compiled] == [(s.hcp_id, s.action, s.content_id) for s in full]
    for a, b in zip(compiled, full, strict=True):
        assert a.logit == pytest.approx(b.logit, abs=1e-9)
        assert a.contributions == pytest.approx(b.contributions, abs=1e-9)


def test_a_damaged_compiled_model_is_compiled_again(tmp_path):
    Workspace.create_demo(tmp_path, hcps=20, seed=3, today=DAY).close()
    with Workspace.open(tmp_path) as ws:
        first = ranking_model(ws.store, ws.folder)
        ws.store.conn.execute("UPDATE model_scorers SET payload = x'00ff'")
        again = ranking_model(ws.store, ws.folder)
        assert again.version == first.version
        (payload,) = ws.store.conn.execute("SELECT payload FROM model_scorers").fetchone()
        assert payload != b"\x00\xff"
