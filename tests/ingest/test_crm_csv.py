"""CRM CSV exports with a TOML column mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from repcompanion.domain import AccountKind, Channel, GeoPrecision, Segment
from repcompanion.ingest import (
    DelimiterError,
    InMemorySink,
    MappingFileError,
    MissingColumnsError,
    TruncatedFileError,
    import_csv,
    import_nppes,
)
from tests.ingest.conftest import PRACTITIONERS

MAPPING = """
record = "hcp"
id_prefix = "VEEVA-"

[columns]
crm_id = "Account ID"
npi = "NPI"
first_name = "First"
last_name = "Last"
credentials = "Degree"
specialty_code = "Taxonomy"
line1 = "Street"
city = "City"
state = "State"
zip = "Zip"
segment = "Tier"
decile = "Decile"
preferred_channel = "Channel"
do_not_contact = "DNC"
email = "Email"

[values.segment]
High = "A"
Medium = "B"
Low = "C"

[values.preferred_channel]
"F2F" = "in_person"
"E-mail" = "email"
"""

HEADER = "Account ID,NPI,First,Last,Degree,Taxonomy,Street,City,State,Zip,Tier,Decile,Channel,DNC,Email"
ROWS = [
    "001A,1255334207,Richard,Soucier,M.D.,207RC0000X,114 Woodland St,Hartford,CT,6105,High,9,F2F,N,rs@example.org",
    "001B,,Ana,Lima,md,207Q00000X,1 Main St,Providence,RI,02903,Low,2,E-mail,Y,",
    "001C,1255334208,Bad,Npi,DO,,1 Elm St,Boston,MA,02108,Medium,5,F2F,N,",
    ",,No,Key,MD,,,,,,,,,,",
    "001E,,Zed,Decile,MD,,,,,,Low,11,F2F,N,",
    "001F,,Una,Segment,MD,,,,,,Platinum,1,F2F,N,",
]


@pytest.fixture
def crm(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "export.csv"
    data.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    mapping = tmp_path / "veeva.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return data, mapping


def test_mapped_rows_import_with_segments_deciles_and_reasons(crm: tuple[Path, Path]) -> None:
    data, mapping = crm
    sink = InMemorySink()
    report = import_csv(data, mapping, sink, territory_id="T1")
    assert report.rows_read == 6 and report.accounted()
    soucier = sink.hcps["NPI-1255334207"]
    assert (soucier.segment, soucier.decile, soucier.credentials) == (Segment.A, 9, "MD")
    assert soucier.address.zip == "06105" and soucier.address.geo_precision is GeoPrecision.ZIP_CENTROID
    assert soucier.specialty_label == "Cardiovascular Disease Physician"
    lima = sink.hcps["VEEVA-001B"]
    assert (lima.preferred_channel, lima.do_not_contact, lima.segment) == (Channel.EMAIL, True, Segment.C)
    assert "VEEVA-001C" in sink.hcps and sink.hcps["VEEVA-001C"].npi is None
    assert any("wrong check digit" in w for w in report.warnings)
    skipped = {(s.line, s.code) for s in report.skipped}
    assert skipped == {(5, "no_key"), (6, "bad_value"), (7, "bad_value")}
    assert any("Platinum" in s.reason and "[values.segment]" in s.reason for s in report.skipped)
    assert len(sink.alignments) == 3


def test_crm_row_updates_the_nppes_record_and_adds_commercial_data(
    crm: tuple[Path, Path], nppes_dir: Path, nucc
) -> None:
    data, mapping = crm
    sink = InMemorySink()
    import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    report = import_csv(data, mapping, sink, nucc=nucc)
    assert report.updated == 1
    soucier = sink.hcps["NPI-1255334207"]
    assert soucier.segment is Segment.A and soucier.email == "rs@example.org"
    # ...and a later NPPES refresh keeps what the CRM knew.
    import_nppes(nppes_dir / PRACTITIONERS, sink, nucc=nucc)
    assert sink.hcps["NPI-1255334207"].segment is Segment.A and sink.hcps["NPI-1255334207"].decile == 9


def test_reimport_updates_rather_than_duplicates(crm: tuple[Path, Path]) -> None:
    data, mapping = crm
    sink = InMemorySink()
    first = import_csv(data, mapping, sink)
    second = import_csv(data, mapping, sink)
    assert second.created == second.updated == 0 and second.unchanged == first.created == len(sink.hcps)


def test_account_mapping(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("Id;Name;Type;Zip\nH1;SAINT MARY HOSPITAL;hospital;06105\n", encoding="utf-8")
    (tmp_path / "a.toml").write_text(
        'record = "account"\ndelimiter = ";"\n[columns]\ncrm_id = "Id"\naccount_name = "Name"\n'
        'account_kind = "Type"\nzip = "Zip"\n',
        encoding="utf-8",
    )
    sink = InMemorySink()
    import_csv(tmp_path / "a.csv", tmp_path / "a.toml", sink)
    account = sink.accounts["CRM-H1"]
    assert (account.name, account.kind) == ("Saint Mary Hospital", AccountKind.HOSPITAL)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("record = \n", "not valid TOML"),
        ('record = "hcp"\n', "no [columns]"),
        ('[columns]\nlast_name = "Last"\nfavourite_colour = "Colour"\nnpi = "NPI"\n', "favourite_colour"),
        ('[columns]\nfirst_name = "First"\nnpi = "NPI"\n', "last_name"),
        ('[columns]\nlast_name = "Last"\n', "npi or crm_id"),
        ('record = "pharmacy"\n[columns]\nlast_name = "Last"\n', "record"),
        ('[columns]\nlast_name = "Last"\nnpi = "NPI"\n[values.segment]\nHigh = "Z"\n', "A, B, C or D"),
    ],
)
def test_bad_mapping_files_are_refused_before_reading_data(
    crm: tuple[Path, Path], tmp_path: Path, text: str, needle: str
) -> None:
    data, _ = crm
    bad = tmp_path / "bad.toml"
    bad.write_text(text, encoding="utf-8")
    sink = InMemorySink()
    with pytest.raises(MappingFileError) as caught:
        import_csv(data, bad, sink)
    assert needle in caught.value.message and not sink.hcps


def test_mapped_column_missing_from_the_csv(crm: tuple[Path, Path], tmp_path: Path) -> None:
    _, mapping = crm
    data = tmp_path / "partial.csv"
    data.write_text("Account ID,NPI,Last\n001A,1255334207,Soucier\n", encoding="utf-8")
    with pytest.raises(MissingColumnsError, match=r"line 1.*'First'"):
        import_csv(data, mapping, InMemorySink())


def test_wrong_delimiter_and_truncation(crm: tuple[Path, Path], tmp_path: Path) -> None:
    data, mapping = crm
    semi = tmp_path / "semi.csv"
    semi.write_text(data.read_text().replace(",", ";"), encoding="utf-8")
    with pytest.raises(DelimiterError, match="semicolons"):
        import_csv(semi, mapping, InMemorySink())
    cut = tmp_path / "cut.csv"
    cut.write_text(data.read_text()[:-30], encoding="utf-8")
    sink = InMemorySink()
    with pytest.raises(TruncatedFileError, match="line 7"), sink.transaction():
        import_csv(cut, mapping, sink)
    assert not sink.hcps
