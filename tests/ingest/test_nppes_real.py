"""The 2,000 real NPPES providers and 40 organizations import completely and honestly."""

from __future__ import annotations

import csv
from pathlib import Path

from repcompanion.domain import AccountKind, GeoPrecision
from repcompanion.ingest import InMemorySink, import_nppes
from tests.ingest.conftest import ORGANIZATIONS, PRACTITIONERS


def test_real_practitioners_import_and_every_row_is_accounted_for(nppes_dir: Path, nucc) -> None:
    sink = InMemorySink()
    report = import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    assert report.rows_read == 2000
    assert report.accounted()
    assert report.created + report.updated == len(sink.hcps)
    assert report.layout == "v1"
    assert all(h.id == f"NPI-{h.npi}" for h in sink.hcps.values())


def test_real_specialties_resolve_through_the_nucc_file(nppes_dir: Path, nucc) -> None:
    sink = InMemorySink()
    import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    hcps = list(sink.hcps.values())
    assert all(h.specialty_code for h in hcps)
    assert all(h.specialty_label == nucc.label(h.specialty_code) != "" for h in hcps)
    soucier = sink.hcps["NPI-1255334207"]
    assert (soucier.specialty_code, soucier.specialty_label) == ("207RC0000X", "Cardiovascular Disease Physician")


def test_every_real_hcp_has_coordinates_or_a_stated_reason(nppes_dir: Path, nucc) -> None:
    sink = InMemorySink()
    report = import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    reasons = {f"NPI-{n.key}": n.reason for n in report.no_coordinates}
    for hcp in sink.hcps.values():
        located = hcp.address.latitude is not None and hcp.address.longitude is not None
        assert located == (hcp.address.geo_precision is GeoPrecision.ZIP_CENTROID)
        assert located != (hcp.id in reasons), hcp
    assert sum(h.address.latitude is not None for h in sink.hcps.values()) >= 1990


def test_real_credentials_are_normalized(nppes_dir: Path, nucc) -> None:
    sink = InMemorySink()
    import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    creds = {h.credentials for h in sink.hcps.values()}
    assert "MD" in creds and "DO" in creds
    assert not {"M.D.", "M.D", "D.O.", "MEDICAL DOCTOR", "PH.D."} & creds
    assert all("." not in c for c in creds)


def test_reactivated_npis_stay_active(nppes_dir: Path, nucc) -> None:
    # The sample has 30 NPIs deactivated in 2006 and reactivated days later: they are current.
    sink = InMemorySink()
    report = import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    assert "NPI-1184627184" in sink.hcps
    assert report.deactivated_keys() == []


def test_reimporting_the_same_file_changes_nothing_instead_of_duplicating(nppes_dir: Path, nucc) -> None:
    sink = InMemorySink()
    first = import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    second = import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    assert second.created == second.updated == 0
    assert second.unchanged == first.created == len(sink.hcps)
    assert second.accounted()


def test_state_and_zip_filters_count_what_they_leave_out(nppes_dir: Path, nucc) -> None:
    sink = InMemorySink()
    report = import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc, states=["ri"], territory_id="T-RI")
    assert report.accounted()
    assert report.created == 218 and report.filtered == 2000 - 218
    assert {h.address.state for h in sink.hcps.values()} == {"RI"}
    assert len(sink.alignments) == 218
    assert {a.territory_id for a in sink.alignments} == {"T-RI"}

    hartford = InMemorySink()
    report = import_nppes(nppes_dir / PRACTITIONERS, hartford, nucc=nucc, zip_prefixes=["061"])
    assert report.accounted() and report.created > 0
    assert all(h.address.zip.startswith("061") for h in hartford.hcps.values())


def test_taxonomy_filter_matches_codes_and_prefixes(nppes_dir: Path, nucc) -> None:
    with (nppes_dir / PRACTITIONERS).open(newline="") as f:
        rows = list(csv.reader(f))[1:]
    expected = {r[0] for r in rows if any(r[47 + 4 * i].startswith("207R") for i in range(15))}
    sink = InMemorySink()
    report = import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc, taxonomies=["207R"])
    assert report.accounted() and 0 < report.created < 2000
    assert {h.npi for h in sink.hcps.values()} == expected
    exact = InMemorySink()
    import_nppes(nppes_dir / PRACTITIONERS, exact, nucc=nucc, taxonomies=["207RC0000X"])
    assert "NPI-1255334207" in exact.hcps
    assert len(exact.hcps) < len(sink.hcps)


def test_organization_sample_imports_as_accounts(nppes_dir: Path, nucc) -> None:
    sink = InMemorySink()
    report = import_nppes(nppes_dir / ORGANIZATIONS, sink, nucc=nucc)
    assert report.rows_read == 40 and report.accounted()
    assert len(sink.accounts) == report.created == 40 and not sink.hcps
    kinds = {a.kind for a in sink.accounts.values()}
    assert AccountKind.HOSPITAL in kinds and AccountKind.CLINIC in kinds
    vassar = sink.accounts["NPI-1235131442"]
    assert vassar.name == "Vassar Health Connecticut, Inc." and vassar.npi == "1235131442"
    assert vassar.address.geo_precision is GeoPrecision.ZIP_CENTROID


def test_summary_text_names_counts_and_reasons(nppes_dir: Path, nucc) -> None:
    report = import_nppes(nppes_dir / PRACTITIONERS, InMemorySink(), nucc=nucc)
    text = report.summary_text()
    assert "rows read 2000" in text and "without coordinates" in text
    assert report.to_dict()["accounted"] is True
