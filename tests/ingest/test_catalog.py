"""Master-data files as companies export them: CSV or JSON, column mappings and value translations, every bad row
named by its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from repcompanion.domain import Channel, ConsentState
from repcompanion.ingest import MappingFileError, MasterDataError
from repcompanion.ingest.catalog import load_catalog_mapping, read_master_file
from tests.company_data import write_company_files

NPI = "1255334207"


def test_content_from_csv_with_a_mapping_and_an_html_file(tmp_path: Path) -> None:
    files = write_company_files(tmp_path, [NPI])
    parsed = read_master_file(files["content"], "content", load_catalog_mapping(files["content_mapping"], "content"))
    [(line1, nef), (line2, gly)] = parsed.rows
    assert (line1, line2) == (2, 7)  # the first row's text body spans five lines
    assert nef.topics == ("efficacy", "clinical_data") and nef.html_body.startswith("<p>Dear Dr {last_name}")
    assert gly.html_body == "" and gly.channel is Channel.EMAIL
    assert parsed.report.rows_read == 2


def test_json_consents_with_translated_status_values_and_derived_stable_ids(tmp_path: Path) -> None:
    rows = [
        {"NPI": NPI, "Channel": "E-mail", "Status": "Subscribed", "Date": "03/01/2026", "Origin": "webinar form"},
        {"NPI": NPI, "Channel": "F2F", "Status": "Revoked", "Date": "2026-04-02T10:30:00Z", "Origin": "call centre"},
    ]
    (tmp_path / "consents.json").write_text(json.dumps({"consents": rows}), encoding="utf-8")
    (tmp_path / "m.toml").write_text(
        '[columns]\nnpi = "NPI"\nchannel = "Channel"\nstatus = "Status"\ncaptured_at = "Date"\nsource = "Origin"\n',
        encoding="utf-8",
    )
    mapping = load_catalog_mapping(tmp_path / "m.toml", "consents")
    first = read_master_file(tmp_path / "consents.json", "consents", mapping)
    [(_, email), (_, visit)] = first.rows
    assert (email.consent.channel, email.consent.state) == (Channel.EMAIL, ConsentState.OPT_IN)
    assert (visit.consent.channel, visit.consent.state) == (Channel.IN_PERSON, ConsentState.OPT_OUT)
    assert email.consent.captured_at.isoformat() == "2026-03-01T00:00:00+00:00"
    again = read_master_file(tmp_path / "consents.json", "consents", mapping)
    assert [r.consent.id for _, r in again.rows] == [r.consent.id for _, r in first.rows]  # a re-import is a no-op


def test_every_bad_row_is_named_and_nothing_is_returned(tmp_path: Path) -> None:
    (tmp_path / "emails.csv").write_text(
        "npi,email\n1255334207,a@b.org\n1255334208,c@d.org\n,e@f.org\n1255334207,x@y.org\n", encoding="utf-8"
    )
    with pytest.raises(MasterDataError) as caught:
        read_master_file(tmp_path / "emails.csv", "emails")
    assert caught.value.problems == [
        "line 3: NPI '1255334208' is not 10 digits with a valid check digit",
        "line 4: no NPI and no HCP id",
        "line 5: NPI 1255334207 is also on line 2; give each email one row",
    ]


def test_a_missing_html_file_and_an_unknown_mapping_field_are_refused(tmp_path: Path) -> None:
    files = write_company_files(tmp_path, [NPI])
    (tmp_path / "nef-eff-01.html").unlink()
    with pytest.raises(MasterDataError, match=r"html file 'nef-eff-01\.html' does not exist"):
        read_master_file(files["content"], "content", load_catalog_mapping(files["content_mapping"], "content"))
    (tmp_path / "bad.toml").write_text('[columns]\ncolour = "Colour"\n', encoding="utf-8")
    with pytest.raises(MappingFileError, match="unknown field"):
        load_catalog_mapping(tmp_path / "bad.toml", "products")


def test_an_empty_or_non_json_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p.json").write_text('{"products": "none"}', encoding="utf-8")
    with pytest.raises(Exception, match="expected a JSON array of objects"):
        read_master_file(tmp_path / "p.json", "products")
    (tmp_path / "p.csv").write_text("id,name\n", encoding="utf-8")
    with pytest.raises(MasterDataError, match="holds no products rows"):
        read_master_file(tmp_path / "p.csv", "products")
