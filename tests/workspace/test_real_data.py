"""Real providers into a workspace (NPPES), and the territory out again as FHIR R4."""

from __future__ import annotations

import json

from repcompanion.cli import main
from repcompanion.workspace import Workspace


def test_demo_from_real_nppes_providers(shared_data, tmp_path, capsys):
    nppes = shared_data / "nppes" / "davinci_sample-nppes-practitioner_20181204-data.csv"
    nucc = shared_data / "nppes" / "davinci_nucc_provider_taxonomy.csv"
    folder = tmp_path / "w"
    args = ["demo", "--workspace", str(folder), "--from-nppes", str(nppes), "--state", "RI", "--nucc", str(nucc)]
    assert main(args) == 0
    assert "rows read 2000" in capsys.readouterr().err
    with Workspace.open(folder) as ws:
        hcps = ws.directory.hcps()
        assert 150 <= len(hcps) <= 218  # RI providers, active and located
        assert all(h.address.state == "RI" and h.npi and h.address.latitude for h in hcps)
        assert all(h.specialty_label for h in hcps)
        assert "engagement history simulated" in ws.summary().demo
        assert ws.store.integrity_problems() == []
        assert ws.directory.timeline(hcps[0].id)


def test_export_fhir_round_trips_names_and_npis(tmp_path):
    ws = Workspace.create_demo(tmp_path / "w", hcps=30, seed=5)
    hcps = {h.npi: h for h in ws.directory.hcps()}
    ws.close()
    out = tmp_path / "bundle.json"
    assert main(["export", "fhir", "--workspace", str(tmp_path / "w"), "--out", str(out)]) == 0
    bundle = json.loads(out.read_text())
    assert bundle["resourceType"] == "Bundle"
    with Workspace.open(tmp_path / "again") as other:
        report = other.importing.import_file("fhir", out).value
        assert report.accounted()
        back = {h.npi: h for h in other.directory.hcps()}
    assert set(back) == set(hcps)
    for npi, h in hcps.items():
        assert (back[npi].first_name, back[npi].last_name) == (h.first_name, h.last_name)
        assert back[npi].specialty_code == h.specialty_code
        assert back[npi].address.zip == h.address.zip
