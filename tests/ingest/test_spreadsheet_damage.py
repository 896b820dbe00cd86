"""Provider files that went through a spreadsheet or pandas: values repaired, each kind of repair counted."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

from repcompanion.ingest import InMemorySink, import_csv, import_fhir, import_nppes
from repcompanion.ingest.repair import KINDS, Repairs, lost_digits
from tests.ingest.conftest import PRACTITIONERS
from tests.ingest.test_crm_csv import MAPPING

ZIP = "Provider Business Practice Location Address Postal Code"
PHONE = "Provider Business Practice Location Address Telephone Number"


@pytest.fixture(scope="module")
def clean(nppes_dir: Path) -> InMemorySink:
    sink = InMemorySink()
    import_nppes(nppes_dir / PRACTITIONERS, sink, states=["RI", "CT"])
    return sink


def test_a_file_pandas_read_and_wrote_back_imports_the_same_providers(
    nppes_dir: Path, clean: InMemorySink, tmp_path: Path
) -> None:
    """pd.read_csv + to_csv: an index column added, ZIPs read as integers (leading zeros gone)."""
    damaged = tmp_path / "pandas.csv"
    pd.read_csv(nppes_dir / PRACTITIONERS).to_csv(damaged)
    sink = InMemorySink()
    report = import_nppes(damaged, sink, states=["RI", "CT"])
    assert sink.hcps == clean.hcps
    assert report.repairs[KINDS["zip_leading_zero"]] > 500  # every CT and RI ZIP starts with 0
    assert "ZIP codes whose leading zero was lost" in report.summary_text()


def test_codes_npis_zips_and_phones_written_as_decimals_are_read_as_they_were(
    nppes_dir: Path, clean: InMemorySink, tmp_path: Path
) -> None:
    """Columns read as floats (what pandas does to a numeric column with a gap): 1.0, 1255334207.0, 6105.0."""
    frame = pd.read_csv(nppes_dir / PRACTITIONERS, dtype={"NPI": float, "Entity Type Code": float, ZIP: float})
    frame[PHONE] = [float(v) if isinstance(v, str) and v.isdigit() else v for v in frame[PHONE]]
    damaged = tmp_path / "floats.csv"
    frame.to_csv(damaged, index=False)
    with damaged.open(encoding="utf-8") as f:
        assert next(f) and next(f).startswith("1255334207.0,1.0,")
    sink = InMemorySink()
    report = import_nppes(damaged, sink, states=["RI", "CT"])
    assert sink.hcps == clean.hcps
    assert report.skipped_by_code().get("bad_row", 0) == 0  # not "entity type '1.0' is neither 1 nor 2"
    for kind in ("decimal_code", "npi_number", "zip_decimal", "phone_number"):
        assert report.repairs[KINDS[kind]] > 0, kind


def test_an_npi_a_spreadsheet_cut_to_scientific_notation_is_skipped_with_what_to_do(
    nppes_dir: Path, clean: InMemorySink, tmp_path: Path
) -> None:
    with (nppes_dir / PRACTITIONERS).open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    state = rows[0].index("Provider Business Practice Location Address State Name")
    ri = [r for r in rows[1:] if r[state] == "RI" and r[1] == "1"]
    lost, kept = ri[0], ri[1]
    lost_npi, kept_npi = lost[0], kept[0]
    lost[0] = f"{lost_npi[0]}.{lost_npi[1:3]}E+09"  # what a narrow Excel column saves: 1.25E+09
    kept[0] = f"{kept_npi[0]}.{kept_npi[1:]}E+09"  # every digit kept: recoverable
    lost[rows[0].index(ZIP)] = "'" + lost[rows[0].index(ZIP)]
    damaged = tmp_path / "excel.csv"
    with damaged.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    sink = InMemorySink()
    report = import_nppes(damaged, sink, states=["RI"])
    [skipped] = report.skipped
    assert skipped.code == "bad_npi" and "scientific notation" in skipped.reason and "as text" in skipped.reason
    assert f"NPI-{lost_npi}" not in sink.hcps
    assert sink.hcps[f"NPI-{kept_npi}"] == clean.hcps[f"NPI-{kept_npi}"]
    assert report.repairs[KINDS["npi_number"]] == 1 and report.accounted()


def test_crm_export_through_a_spreadsheet(tmp_path: Path) -> None:
    (tmp_path / "m.toml").write_text(MAPPING, encoding="utf-8")
    data = tmp_path / "crm.csv"
    data.write_text(
        "Account ID,NPI,First,Last,Degree,Taxonomy,Street,City,State,Zip,Tier,Decile,Channel,DNC,Email\n"
        "001A,1255334207.0,Richard,Soucier,M.D.,207RC0000X,114 Woodland St,Hartford,CT,6105.0,High,9.0,F2F,N,\n",
        encoding="utf-8",
    )
    sink = InMemorySink()
    report = import_csv(data, tmp_path / "m.toml", sink)
    hcp = sink.hcps["NPI-1255334207"]
    assert (hcp.address.zip, hcp.decile) == ("06105", 9)
    assert report.repairs == {KINDS["npi_number"]: 1, KINDS["zip_decimal"]: 1, KINDS["decimal_number"]: 1}


def test_fhir_written_by_a_script_from_a_spreadsheet() -> None:
    resource = {
        "resourceType": "Practitioner",
        "id": "p1",
        "identifier": [{"system": "http://hl7.org/fhir/sid/us-npi", "value": "1255334207"}],
        "name": [{"family": "Soucier", "given": ["Richard"]}],
        "telecom": [{"system": "phone", "value": "8607144820.0"}],
        "address": [{"line": ["114 Woodland St"], "city": "Hartford", "state": "CT", "postalCode": "6105.0"}],
    }
    sink = InMemorySink()
    report = import_fhir(json.loads(json.dumps(resource)), sink)
    hcp = sink.hcps["NPI-1255334207"]
    assert (hcp.address.zip, hcp.phone) == ("06105", "860-714-4820") and hcp.address.latitude is not None
    assert set(report.repairs) == {KINDS["zip_decimal"], KINDS["phone_number"]}


@pytest.mark.parametrize(
    ("method", "raw", "repaired", "kind"),
    [
        ("code", "1.0", "1", "decimal_code"),
        ("code", "1", "1", None),
        ("zip", "2134", "02134", "zip_leading_zero"),
        ("zip", "501", "00501", "zip_leading_zero"),
        ("zip", "21341208", "021341208", "zip_leading_zero"),
        ("zip", "2134.0", "02134", "zip_decimal"),
        ("zip", "02134", "02134", None),
        ("zip", "M5V 2T6", "M5V 2T6", None),
        ("zip", "'06105", "06105", "apostrophe"),
        ("phone", "8.605551234E+09", "8605551234", "phone_number"),
        ("npi", "1255334207.0", "1255334207", "npi_number"),
        ("number", "7.00", "7", "decimal_number"),
        ("number", "7.5", "7.5", None),
    ],
)
def test_each_repair(method: str, raw: str, repaired: str, kind: str | None) -> None:
    repairs = Repairs()
    assert getattr(repairs, method)(raw) == repaired
    assert dict(repairs.counts) == ({kind: 1} if kind else {})


def test_lost_digits_only_for_scientific_notation_that_dropped_some() -> None:
    assert lost_digits("1.26E+09", 10) and not lost_digits("1.255334207E+09", 10) and not lost_digits("125", 10)
