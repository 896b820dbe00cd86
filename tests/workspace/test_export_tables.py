"""`repcompanion export tables`: every table of an encrypted workspace as CSV or JSON for support, notes left out."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from repcompanion.cli import main
from repcompanion.workspace import Workspace

NOTE = "Patient of Dr Chen had a seizure after the first dose."


def test_every_table_is_exported_and_notes_stay_out_unless_asked(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "ws"
    ws = Workspace.create_demo(folder, hcps=12, seed=3, today=date(2026, 11, 20))
    hcp = ws.directory.hcps()[0]
    ws.visits.save_draft(replace(ws.visits.new(hcp.id), topics=("efficacy",), notes=NOTE))
    n_hcps = len(ws.directory.hcps())
    ws.close()

    assert main(["export", "tables", "--workspace", str(folder), "--out", str(tmp_path / "csv")]) == 0
    assert "Notes and other free text were left out" in capsys.readouterr().out
    with (tmp_path / "csv" / "hcps.csv").open(encoding="utf-8") as f:
        assert len(list(csv.DictReader(f))) == n_hcps
    with (tmp_path / "csv" / "call_reports.csv").open(encoding="utf-8") as f:
        [draft] = [r for r in csv.DictReader(f) if r["status"] == "draft"]
    assert draft["notes"] == f"<{len(NOTE)} characters left out>"
    assert not any(p.name.startswith("hcps_fts") for p in (tmp_path / "csv").iterdir())
    assert NOTE not in "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "csv").iterdir())

    assert main(["export", "tables", "--workspace", str(folder), "--out", str(tmp_path / "json"), "--format", "json",
                 "--include-notes"]) == 0  # fmt: skip
    reports = json.loads((tmp_path / "json" / "call_reports.json").read_text(encoding="utf-8"))
    assert any(r["notes"] == NOTE for r in reports)
