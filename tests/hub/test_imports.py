"""Real provider files into the hub (one transaction each) and a territory out as FHIR R4."""

from __future__ import annotations

import json

import pytest

from repcompanion.hub import HubDb
from repcompanion.hub.admin import dcr
from repcompanion.hub.cli import main
from repcompanion.hub.sync import export_territory, import_into_hub
from repcompanion.ingest import InMemorySink, import_fhir


def _counts(db: HubDb) -> dict[str, int]:
    with db.read() as conn:
        return {
            t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar_one()
            for t in ("hcps", "accounts", "alignments", "changes")
        }


def test_nppes_sample_imports_aligns_and_an_unchanged_reimport_writes_nothing(shared_data, db_url, tmp_path, capsys):
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
    assert main(["init", "--db", db_url]) == 0  # only init creates a hub database
    assert main(args) == 0
    assert "rows read 2000: created 218" in capsys.readouterr().out
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["accounted"] and report["created"] == 218
    db = HubDb(db_url)
    first = _counts(db)
    assert first["hcps"] == first["alignments"] == 218
    assert main(args) == 0
    assert "created 0, updated 0, unchanged 218" in capsys.readouterr().out
    assert _counts(db) == first  # nothing new to send to the laptops
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


def _practitioner(path, *, phone: str, city: str = "Hartford") -> None:
    resource = {
        "resourceType": "Practitioner",
        "id": "p1",
        "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1255334207"}],
        "name": [{"family": "Soucier", "given": ["Richard"], "suffix": ["M.D."]}],
        "telecom": [{"system": "phone", "value": phone}],
        "address": [{"line": ["114 Woodland St"], "city": city, "state": "CT", "postalCode": "06105-1208"}],
    }
    path.write_text(json.dumps(resource), encoding="utf-8")


def test_a_value_set_by_an_accepted_request_stays_until_the_source_changes_it(hub, tmp_path) -> None:
    from tests.hub.test_dcr import hcp_row, propose

    src = tmp_path / "p.json"
    _practitioner(src, phone="860-555-0100")
    assert import_into_hub(hub.db, "fhir", src, territory_id="T-001").created == 1
    rep = hub.rep()
    propose(rep, "NPI-1255334207", "DCR-PHONE", {"phone": "860 555 0199"})
    dcr.accept_dcr(hub.db, "DCR-PHONE", decided_by="ann")
    assert hcp_row(hub, "NPI-1255334207")["phone"] == "860-555-0199"

    again = import_into_hub(hub.db, "fhir", src, territory_id="T-001")  # the source still says ...0100
    assert (again.unchanged, again.kept, again.replaced) == (1, 1, [])
    assert hcp_row(hub, "NPI-1255334207")["phone"] == "860-555-0199"

    _practitioner(src, phone="860-555-0100", city="West Hartford")  # another field changes: the request's stays
    moved = import_into_hub(hub.db, "fhir", src, territory_id="T-001")
    assert (moved.updated, moved.kept) == (1, 1)
    assert (hcp_row(hub, "NPI-1255334207")["phone"], hcp_row(hub, "NPI-1255334207")["city"]) == (
        "860-555-0199",
        "West Hartford",
    )

    _practitioner(src, phone="860-555-0142", city="West Hartford")  # the source's own value changes: it wins
    changed = import_into_hub(hub.db, "fhir", src, territory_id="T-001")
    assert changed.updated == 1
    [replaced] = changed.replaced
    assert (replaced.field, replaced.request_value, replaced.source_value, replaced.dcr_id) == (
        "phone",
        "860-555-0199",
        "860-555-0142",
        "DCR-PHONE",
    )
    assert "phone: source '860-555-0142' replaced '860-555-0199' (set by DCR-PHONE)" in changed.summary_text()
    assert hcp_row(hub, "NPI-1255334207")["phone"] == "860-555-0142"
    changes, _ = rep.pull_all()
    latest = [c for c in changes if c["table"] == "hcps" and c["id"] == "NPI-1255334207"][-1]
    assert latest["row"]["phone"] == "860-555-0142"  # and the rep's laptop gets it
