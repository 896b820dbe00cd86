"""FHIR R4 directory data: import, export, re-validation and round trips."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from repcompanion.domain import AccountKind, GeoPrecision
from repcompanion.ingest import InMemorySink, InvalidFhirError, export_fhir, import_fhir, import_nppes
from repcompanion.ingest.fhir_io import is_npi_system, validate
from tests.ingest.conftest import PRACTITIONERS

PRACTITIONER = {
    "resourceType": "Practitioner",
    "id": "p1",
    "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1255334207"}],
    "name": [{"family": "Soucier", "given": ["Richard"], "suffix": ["M.D."]}],
    "address": [{"line": ["114 Woodland St"], "city": "Hartford", "state": "CT", "postalCode": "06105-1208"}],
}


@pytest.mark.parametrize(
    "system",
    [
        "http://hl7.org/fhir/sid/us-npi",
        "https://hl7.org/fhir/sid/us-npi/",
        "http://hl7.org.fhir/sid/us-npi",
        "urn:oid:2.16.840.1.113883.4.6",
        "HTTP://HL7.ORG/FHIR/SID/US-NPI",
    ],
)
def test_npi_system_variants_are_recognised(system: str) -> None:
    assert is_npi_system(system)
    resource = copy.deepcopy(PRACTITIONER)
    resource["identifier"][0]["system"] = system
    sink = InMemorySink()
    import_fhir(resource, sink)
    assert sink.hcps["NPI-1255334207"].npi == "1255334207"


def test_other_identifier_systems_are_not_npis() -> None:
    assert not is_npi_system("http://www.acme.org/practitioners")
    assert not is_npi_system("http://hl7.org/fhir/sid/us-ssn")


def test_same_npi_maps_to_the_same_hcp_as_nppes(nppes_dir: Path, nucc) -> None:
    sink = InMemorySink()
    import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    report = import_fhir(PRACTITIONER, sink, nucc=nucc)
    assert (report.created, report.updated) == (0, 1)
    hcp = sink.hcps["NPI-1255334207"]
    assert hcp.credentials == "MD" and hcp.specialty_code == "207RC0000X"  # NPPES specialty kept by the merge


def test_plannet_examples_import_with_roles_merged(fhir_dir: Path, nucc) -> None:
    sink = InMemorySink()
    report = import_fhir(fhir_dir / "plannet", sink, nucc=nucc)
    assert report.accounted() and report.merged == 2
    washington = sink.hcps["NPI-1234567893"]
    assert (washington.first_name, washington.last_name, washington.credentials) == ("George", "Washington", "MD")
    assert washington.specialty_label == "Cardiology"
    assert washington.affiliations[0].account_id == "NPI-1345678910" and washington.affiliations[0].primary
    assert washington.address.zip == "20201"  # the role's practice location, not his home address
    schneider = sink.hcps["FHIR-Practitioner-plannet-practitioner-1232506780"]
    assert schneider.npi is None  # its example NPI fails the check digit
    assert (schneider.specialty_code, schneider.specialty_label) == ("1223G0001X", "General Practice Dentistry")
    assert any("wrong check digit" in w for w in report.warnings)
    hospital = sink.accounts["NPI-1345678910"]
    assert hospital.kind is AccountKind.HOSPITAL
    site = sink.accounts["FHIR-Location-loc-ffmh"]
    assert site.parent_id == hospital.id
    assert site.address.latitude == pytest.approx(38.8859395)  # swapped coordinates corrected
    codes = report.skipped_by_code()
    assert codes["unsupported"] >= 5 and codes["not_care"] >= 1


def test_us_core_examples_import_including_the_npi_system_typo(fhir_dir: Path, nucc) -> None:
    sink = InMemorySink()
    report = import_fhir(fhir_dir / "us_core", sink, nucc=nucc)
    assert report.accounted()
    assert "NPI-1245319599" in sink.hcps  # "http://hl7.org.fhir/sid/us-npi"
    assert {"NPI-1144221847", "NPI-1407071236", "NPI-1063494177"} <= set(sink.accounts)
    assert any("package.json" in w for w in report.warnings)


@pytest.mark.parametrize("folder", ["plannet", "us_core"])
def test_examples_export_revalidate_and_round_trip(fhir_dir: Path, nucc, folder: str) -> None:
    sink = InMemorySink()
    import_fhir(fhir_dir / folder, sink, nucc=nucc)
    bundle = export_fhir(sink.hcps.values(), sink.accounts.values(), nucc=nucc)
    assert bundle["type"] == "collection"
    validate(json.loads(json.dumps(bundle)), "re-read bundle")
    again = InMemorySink()
    report = import_fhir(json.dumps(bundle), again, nucc=nucc)
    assert report.accounted() and not report.skipped
    assert again.hcps == sink.hcps
    assert again.accounts == sink.accounts


def test_real_nppes_providers_round_trip_through_fhir(nppes_dir: Path, nucc, tmp_path: Path) -> None:
    sink = InMemorySink()
    import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    hcps = list(sink.hcps.values())[:300]
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(export_fhir(hcps, [], nucc=nucc)), encoding="utf-8")
    again = InMemorySink()
    import_fhir(path, again, nucc=nucc)
    for hcp in hcps:
        back = again.hcps[hcp.id]
        assert (back.npi, back.first_name, back.last_name) == (hcp.npi, hcp.first_name, hcp.last_name)
        assert (back.specialty_code, back.specialty_label) == (hcp.specialty_code, hcp.specialty_label)
        assert back.address == hcp.address
        if hcp.address.latitude is not None:
            assert back.address.geo_precision is GeoPrecision.ZIP_CENTROID


def test_providers_whose_specialty_the_taxonomy_does_not_know_export_as_valid_fhir(nppes_dir: Path) -> None:
    """Imported with the built-in NUCC subset, some real codes have no label: the export stays valid R4."""
    sink = InMemorySink()
    import_nppes(nppes_dir / PRACTITIONERS, sink, states=["RI"])
    unlabelled = [h for h in sink.hcps.values() if h.specialty_code and not h.specialty_label]
    assert unlabelled
    bundle = export_fhir(unlabelled, [])  # validates every resource, raising on an invalid one
    again = InMemorySink()
    import_fhir(bundle, again)
    assert {h.specialty_code for h in again.hcps.values()} == {h.specialty_code for h in unlabelled}


def test_invalid_resource_is_refused_by_name_and_nothing_is_imported(fhir_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bundle"
    folder.mkdir()
    for name in ("Organization-foundingfathers.json", "Practitioner-practitioner1.json"):
        (folder / name).write_text((fhir_dir / "plannet" / name).read_text())
    broken = copy.deepcopy(PRACTITIONER)
    broken["id"] = "broken"
    broken["name"] = [{"family": ["not", "a", "string"]}]
    (folder / "Practitioner-broken.json").write_text(json.dumps(broken))
    sink = InMemorySink()
    with pytest.raises(InvalidFhirError, match=r"Practitioner-broken\.json: Practitioner/broken .*name\.0\.family"):
        import_fhir(folder, sink)
    assert not sink.hcps and not sink.accounts


def test_invalid_entry_in_a_bundle_names_the_entry() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": PRACTITIONER}, {"resource": {"resourceType": "Organization", "active": "maybe"}}],
    }
    with pytest.raises(InvalidFhirError, match="entry") as caught:
        import_fhir(bundle, InMemorySink())
    assert "active" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "needle"),
    [("{not json", "line 1: not valid JSON"), ('{"resourceType": "Nonsense"}', "unknown FHIR resource type")],
)
def test_unreadable_fhir_input_is_refused(text: str, needle: str) -> None:
    with pytest.raises(InvalidFhirError, match=needle):
        import_fhir(text, InMemorySink())


def test_role_without_its_practitioner_is_skipped_with_a_reason() -> None:
    role = {"resourceType": "PractitionerRole", "id": "r1", "practitioner": {"reference": "Practitioner/missing"}}
    report = import_fhir(
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": role}]}, InMemorySink()
    )
    assert [(s.code, s.key) for s in report.skipped] == [("unresolved", "PractitionerRole/r1")]
    assert report.accounted()


def test_ndjson_bulk_export_imports(tmp_path: Path) -> None:
    path = tmp_path / "Practitioner.ndjson"
    other = copy.deepcopy(PRACTITIONER) | {"id": "p2", "identifier": [], "name": [{"family": "Nguyen"}]}
    path.write_text(json.dumps(PRACTITIONER) + "\n" + json.dumps(other) + "\n")
    sink = InMemorySink()
    import_fhir(path, sink)
    assert set(sink.hcps) == {"NPI-1255334207", "FHIR-Practitioner-p2"}
