"""NPPES row rules: NPI check digit, deactivation, credentials, layouts by name, ZIP geocoding."""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from repcompanion.domain import GeoPrecision
from repcompanion.ingest import InMemorySink, Taxonomy, import_nppes, normalize_credentials, npi_is_valid
from repcompanion.ingest.normalize import npi_with_check_digit, zip5
from repcompanion.ingest.nppes_layout import nppes_header
from tests.ingest.conftest import nppes_text, provider_row


@given(st.from_regex(r"[1-2][0-9]{8}", fullmatch=True))
def test_npi_check_digit_accepts_exactly_one_last_digit(first9: str) -> None:
    valid = [d for d in "0123456789" if npi_is_valid(first9 + d)]
    assert valid == [npi_with_check_digit(first9)[-1]]


def test_known_real_npis_validate() -> None:
    assert npi_is_valid("1255334207") and npi_is_valid("1234567893")
    assert not npi_is_valid("1255334208") and not npi_is_valid("125533420") and not npi_is_valid("12553342O7")


def test_credential_spellings_normalize_to_one_form() -> None:
    assert {normalize_credentials(c) for c in ["M.D.", "MD", "md", "M.D", "Medical Doctor", " m.d. "]} == {"MD"}
    assert normalize_credentials("M.D., PH.D.") == "MD, PhD"
    assert normalize_credentials("MD PHD") == "MD, PhD"
    assert normalize_credentials("P.A.-C") == "PA-C"
    assert normalize_credentials("") == ""


@given(st.text(alphabet="MDPHOAC.,; -/", max_size=20))
def test_credential_normalization_is_idempotent(text: str) -> None:
    once = normalize_credentials(text)
    assert normalize_credentials(once) == once


def test_zip_plus_four_and_lost_leading_zero() -> None:
    assert zip5("061051208") == zip5("06105-1208") == zip5("6105") == "06105"
    assert zip5("") == zip5("123") == ""


def test_bad_npi_and_deactivated_rows_are_skipped_with_line_and_reason(write_nppes) -> None:
    rows = [
        provider_row(),
        provider_row(NPI="1255334208"),
        provider_row(**{"NPI": "1740283779", "NPI Deactivation Date": "05/01/2019"}),
        provider_row(
            **{"NPI": "1982607917", "NPI Deactivation Date": "03/16/2006", "NPI Reactivation Date": "03/20/2006"}
        ),
    ]
    sink = InMemorySink()
    report = import_nppes(write_nppes(rows), sink, nucc=Taxonomy.builtin())
    assert report.accounted() and report.rows_read == 4 and report.created == 2
    by_code = {s.code: s for s in report.skipped}
    assert by_code["bad_npi"].line == 3 and by_code["bad_npi"].key == "1255334208"
    assert by_code["deactivated"].line == 4 and "2019-05-01" in by_code["deactivated"].reason
    assert report.deactivated_keys() == ["1740283779"]
    assert set(sink.hcps) == {"NPI-1255334207", "NPI-1982607917"}


def test_primary_taxonomy_is_the_one_switched_on(write_nppes) -> None:
    row = provider_row(
        **{
            "Healthcare Provider Taxonomy Code_1": "207R00000X",
            "Healthcare Provider Primary Taxonomy Switch_1": "N",
            "Healthcare Provider Taxonomy Code_2": "207RC0000X",
            "Healthcare Provider Primary Taxonomy Switch_2": "Y",
        }
    )
    sink = InMemorySink()
    import_nppes(write_nppes([row]), sink)
    assert sink.hcps["NPI-1255334207"].specialty_code == "207RC0000X"


def test_v2_layout_is_detected_and_mapped_by_name(write_nppes) -> None:
    row = provider_row("v2", **{"Provider Sex Code": "M", "Certification Date": "01/02/2025"})
    sink = InMemorySink()
    report = import_nppes(write_nppes([row], version="v2"), sink)
    assert report.layout == "v2" and report.created == 1
    hcp = sink.hcps["NPI-1255334207"]
    assert (hcp.first_name, hcp.last_name, hcp.credentials) == ("Richard", "Soucier", "MD")
    assert hcp.address.zip == "06105" and hcp.address.geo_precision is GeoPrecision.ZIP_CENTROID


def test_columns_are_found_by_name_in_any_order(tmp_path) -> None:
    header = nppes_header("v2")
    row = provider_row("v2")
    order = list(range(len(header)))
    random.Random(3).shuffle(order)
    path = tmp_path / "shuffled.csv"
    path.write_text(nppes_text([[row[i] for i in order]], header=[header[i] for i in order]), encoding="utf-8")
    sink = InMemorySink()
    import_nppes(path, sink)
    assert sink.hcps["NPI-1255334207"].address.city == "Hartford"


def test_unknown_zip_and_foreign_address_have_no_coordinates_and_a_reason(write_nppes) -> None:
    rows = [
        provider_row(**{"Provider Business Practice Location Address Postal Code": "00000"}),
        provider_row(
            **{
                "NPI": "1740283779",
                "Provider Business Practice Location Address State Name": "ONTARIO",
                "Provider Business Practice Location Address Postal Code": "M5V 2T6",
                "Provider Business Practice Location Address Country Code (If outside U.S.)": "CA",
            }
        ),
    ]
    sink = InMemorySink()
    report = import_nppes(write_nppes(rows), sink)
    assert [(n.line, n.reason) for n in report.no_coordinates] == [
        (2, "ZIP code not in the offline ZIP table"),
        (3, "address outside the US"),
    ]
    assert all(h.address.latitude is None for h in sink.hcps.values())


def test_individual_without_last_name_is_skipped(write_nppes) -> None:
    report = import_nppes(write_nppes([provider_row(**{"Provider Last Name (Legal Name)": ""})]), InMemorySink())
    assert [s.code for s in report.skipped] == ["no_name"] and report.accounted()


def test_short_row_in_the_middle_is_skipped_not_fatal(tmp_path) -> None:
    text = nppes_text([provider_row(), provider_row(NPI="1740283779")])
    lines = text.split("\r\n")
    lines.insert(2, '"1982607917","1","oops"')
    path = tmp_path / "short.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    sink = InMemorySink()
    report = import_nppes(path, sink)
    assert report.accounted() and report.created == 2
    assert [(s.line, s.code) for s in report.skipped] == [(3, "bad_row")]


def test_values_with_embedded_commas_and_quotes_use_the_csv_path(write_nppes) -> None:
    row = provider_row(**{"Provider First Line Business Practice Location Address": 'SUITE "A", 1 MAIN ST'})
    path = write_nppes([])
    header_line = path.read_text(encoding="utf-8")
    quoted = ",".join('"' + v.replace('"', '""') + '"' for v in row)
    path.write_text(header_line + quoted + "\r\n", encoding="utf-8")
    sink = InMemorySink()
    import_nppes(path, sink)
    assert sink.hcps["NPI-1255334207"].address.line1 == 'SUITE "A", 1 MAIN ST'


_ROW_KINDS = st.sampled_from(["ok", "bad_npi", "deactivated", "reactivated", "other_state", "org", "no_name"])


@given(st.lists(_ROW_KINDS, min_size=1, max_size=25))
def test_every_row_is_created_updated_skipped_or_filtered(kinds: list[str]) -> None:
    rows = []
    for number, kind in enumerate(kinds):
        npi = npi_with_check_digit(f"1{number:08d}")
        values = {"NPI": npi}
        if kind == "bad_npi":
            values["NPI"] = npi[:-1] + str((int(npi[-1]) + 1) % 10)
        elif kind == "deactivated":
            values["NPI Deactivation Date"] = "01/02/2020"
        elif kind == "reactivated":
            values |= {"NPI Deactivation Date": "01/02/2020", "NPI Reactivation Date": "02/02/2020"}
        elif kind == "other_state":
            values["Provider Business Practice Location Address State Name"] = "NY"
        elif kind == "org":
            values |= {"Entity Type Code": "2", "Provider Organization Name (Legal Business Name)": "X CLINIC"}
        elif kind == "no_name":
            values["Provider Last Name (Legal Name)"] = ""
        rows.append(provider_row(**values))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "npidata.csv"
        path.write_text(nppes_text(rows), encoding="utf-8")
        sink = InMemorySink()
        report = import_nppes(path, sink, states=["CT"])
    assert report.accounted()
    assert report.rows_read == len(kinds)
    assert report.filtered == kinds.count("other_state")
    assert len(sink.hcps) == sum(k in ("ok", "reactivated") for k in kinds)
    assert len(sink.accounts) == kinds.count("org")
