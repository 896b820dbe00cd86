"""Real provider files into the hub (one transaction each) and a territory out as FHIR R4."""

from __future__ import annotations

import json

import pytest

from repcompanion.hub import HubDb
from repcompanion.hub.cli import main
from repcompanion.hub.imports import export_territory, import_into_hub
from repcompanion.ingest import InMemorySink, import_fhir


def _counts(db: HubDb) -> dict[str, int]:
    with db.read() as conn:
        return {
            t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
            for t in ("hcps", "accounts", "alignments", "changes")
        }


def test_nppes_sample_imports_aligns_and_reimports_as_updates(shared_data, db_url, tmp_path, capsys):
    nppes = shared_data / "nppes" / "davinci_sample-nppes-practitioner_20181204-data.csv"
    nucc = shared_data / "nppes" / "davinci_nucc_provider_taxonomy.csv"
    args = [
        "import",
        "nppes",
        str(nppes),
        "--territory",
        "T-RI",
        "--create-territory",
        "--state",
        "RI",
        "--nucc",
        str(nucc),
        "--db",
        db_url,
        "--report",
        str(tmp_path / "r.json"),
    ]
    assert main(args) == 0
    assert "rows read 2000: created 218" in capsys.readouterr().out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["accounted"] and report["created"] == 218
    db = HubDb(db_url)
    first = _counts(db)
    assert first["hcps"] == first["alignments"] == 218
    assert main(args) == 0
    assert "created 0, updated 218" in capsys.readouterr().out
    again = _counts(db)
    assert again["hcps"] == 218 and again["alignments"] == 218
    assert again["changes"] > first["changes"]  # updates travel to the laptops too
    out = tmp_path / "t.json"
    assert export_territory(db, "T-RI", out) >= 218
    assert json.loads(out.read_text())["resourceType"] == "Bundle"
    sink = InMemorySink()
    assert import_fhir(out, sink).accounted()
    assert len(sink.hcps) == 218
    db.dispose()


def test_a_bad_file_imports_nothing(db_url, tmp_path, capsys):
    bad = tmp_path / "providers.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    db = HubDb(db_url)
    db.migrate()
    before = _counts(db)
    assert main(["import", "nppes", str(bad), "--territory", "T-X", "--create-territory", "--db", db_url]) == 2
    assert "nothing" in capsys.readouterr().err.lower()
    assert _counts(db) == before
    with pytest.raises(Exception, match="territory"):
        import_into_hub(db, "fhir", bad, territory_id="T-missing")
    db.dispose()
