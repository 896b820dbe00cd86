"""Files that cannot be imported fail with a message naming the line, and nothing is imported."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from repcompanion.domain import IngestError
from repcompanion.ingest import (
    DelimiterError,
    ImportCancelledError,
    InMemorySink,
    MissingColumnsError,
    NotCsvError,
    TruncatedFileError,
    import_nppes,
)
from repcompanion.ingest.nppes_layout import nppes_header
from tests.ingest.conftest import PRACTITIONERS, nppes_text, provider_row


def _assert_fails_and_imports_nothing(path: Path, error: type[IngestError], *needles: str) -> IngestError:
    sink = InMemorySink()
    with pytest.raises(error) as caught, sink.transaction():
        import_nppes(path, sink)
    assert not sink.hcps and not sink.accounts and not sink.alignments
    message = caught.value.user_message()
    for needle in needles:
        assert needle in message, message
    return caught.value


def test_truncated_real_file_names_the_line(nppes_dir: Path, tmp_path: Path) -> None:
    data = (nppes_dir / PRACTITIONERS).read_bytes()
    cut = tmp_path / "cut.csv"
    cut.write_bytes(data[: len(data) * 3 // 5])
    expected_line = data[: len(data) * 3 // 5].count(b"\n") + 1
    _assert_fails_and_imports_nothing(cut, TruncatedFileError, f"line {expected_line}", "Download or copy it again")


def test_truncated_inside_a_quoted_value(write_nppes, tmp_path: Path) -> None:
    text = nppes_text([provider_row(), provider_row(NPI="1740283779")])
    path = tmp_path / "open_quote.csv"
    path.write_text(text[: text.rindex("SOUCIER") + 3], encoding="utf-8")
    _assert_fails_and_imports_nothing(path, TruncatedFileError, "line 3", "unclosed quoted value")


def test_latin1_bytes_are_read_as_windows_1252_with_a_warning(tmp_path: Path) -> None:
    rows = [provider_row(), provider_row(NPI="1740283779", **{"Provider First Name": "JOSÉ"})]
    path = tmp_path / "latin1.csv"
    path.write_bytes(nppes_text(rows).encode("latin-1"))
    sink = InMemorySink()
    report = import_nppes(path, sink)
    assert sink.hcps["NPI-1740283779"].first_name == "José"
    assert report.accounted() and report.created == 2
    assert any("line 3" in w and "Windows-1252" in w for w in report.warnings), report.warnings
    assert "windows-1252" in report.encoding


def test_semicolon_separated_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "semicolons.csv"
    path.write_text(nppes_text([provider_row()]).replace('","', '";"'), encoding="utf-8")
    _assert_fails_and_imports_nothing(path, DelimiterError, "line 1", "semicolons")


def test_missing_columns_are_named(tmp_path: Path) -> None:
    header = nppes_header("v1")
    drop = header.index("Provider Business Practice Location Address Postal Code")
    row = provider_row()
    del header[drop], row[drop]
    path = tmp_path / "missing.csv"
    path.write_text(nppes_text([row], header=header), encoding="utf-8")
    _assert_fails_and_imports_nothing(
        path, MissingColumnsError, "line 1", '"Provider Business Practice Location Address Postal Code"'
    )


def test_header_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "pl_pfile.csv"
    path.write_text('"NPI","Provider Secondary Practice Location Address- Address Line 1"\r\n"1255334207","X"\r\n')
    _assert_fails_and_imports_nothing(path, MissingColumnsError, "npidata_pfile")


@pytest.mark.parametrize(
    ("name", "payload", "kind"),
    [
        ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "PNG image"),
        ("data.bin", bytes(range(256)) * 4, "binary file"),
        ("empty.csv", b"", "empty"),
    ],
)
def test_non_csv_files_are_refused(tmp_path: Path, name: str, payload: bytes, kind: str) -> None:
    path = tmp_path / name
    path.write_bytes(payload)
    _assert_fails_and_imports_nothing(path, NotCsvError, kind)


def test_zip_archive_is_refused_with_what_to_do(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("npidata_pfile_20240101-20240107.csv", nppes_text([provider_row()]))
    path = tmp_path / "NPPES_Data_Dissemination.zip"
    path.write_bytes(buffer.getvalue())
    error = _assert_fails_and_imports_nothing(path, NotCsvError, "ZIP archive", "line 1")
    assert "npidata_pfile" in error.hint


def test_cancelling_raises_and_the_transaction_rolls_back(nppes_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr("repcompanion.ingest.nppes.CHECK_EVERY", 100)
    sink = InMemorySink()
    with pytest.raises(ImportCancelledError, match="line"), sink.transaction():
        import_nppes(nppes_dir / PRACTITIONERS, sink, cancelled=lambda: True)
    assert not sink.hcps


def test_progress_is_reported_and_ends_at_one(nppes_dir: Path, monkeypatch) -> None:
    monkeypatch.setattr("repcompanion.ingest.nppes.CHECK_EVERY", 500)
    seen: list[float] = []
    import_nppes(nppes_dir / PRACTITIONERS, InMemorySink(), progress=lambda f, _m: seen.append(f))
    assert len(seen) >= 4 and seen == sorted(seen) and seen[-1] == 1.0
