"""Reading delimited text files the way real exports come: sniffed, decoded per line, checked whole."""

from __future__ import annotations

import csv
import io
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from repcompanion.ingest.errors import DelimiterError, NotCsvError, TruncatedFileError
from repcompanion.ingest.report import ImportReport

SNIFF_BYTES = 8192
TAIL_BYTES = 1 << 16
_COUNT_LINES_UP_TO = 256 << 20  # below this size a truncation message can name the line number

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (or an Excel .xlsx workbook)"),
    (b"PK\x05\x06", "an empty ZIP archive"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\xd0\xcf\x11\xe0", "an old Excel/Office document"),
    (b"SQLite format 3", "an SQLite database"),
    (b"\xff\xfe", "UTF-16 text (Excel 'Unicode Text')"),
    (b"\xfe\xff", "UTF-16 text"),
)
_OTHER_DELIMITERS = {";": "semicolons", "\t": "tabs", "|": "vertical bars (|)", ",": "commas"}

csv.field_size_limit(1 << 24)


@dataclass(slots=True)
class Decoding:
    """How a file's lines were decoded: UTF-8, with per-line fallback to Windows-1252/Latin-1."""

    fallback_lines: int = 0
    first_fallback_line: int = 0
    encoding: str = "utf-8"

    def note_in(self, report: ImportReport, name: str) -> None:
        """Record the encoding and a warning in ``report`` when any line fell back from UTF-8."""
        if not self.fallback_lines:
            return
        report.encoding = self.encoding
        report.warnings.append(
            f"{name}: {self.fallback_lines} line(s) were not valid UTF-8 (first: line "
            f"{self.first_fallback_line}); they were read as Windows-1252/Latin-1. "
            "Check accented names; save the file as UTF-8 to avoid this."
        )


@dataclass(slots=True)
class TextTable:
    """An opened table: its header, and a stream of (line number, fields) rows."""

    path: Path
    what: str
    header: list[str]
    delimiter: str
    decoding: Decoding = field(default_factory=Decoding)
    size: int = 0
    _lines: Iterator[str] | None = None
    _file: io.BufferedReader | None = None

    def position(self) -> int:
        """Bytes read so far (for progress), 0 once the file is closed."""
        f = self._file
        return f.tell() if f is not None and not f.closed else self.size

    def rows(self, *, quoted_fast_path: bool = False, fields_needed: int = 0) -> Iterator[tuple[int, list[str]]]:
        """Rows with their first physical line number (the header is line 1).

        With ``quoted_fast_path`` a line in the NPPES shape (every value in double quotes, no quote
        inside a value) is split directly, up to ``fields_needed`` fields; any other line goes
        through the csv module. A row with the wrong number of fields is yielded as it is (the
        caller skips it) unless it is the unterminated last line: then the file is truncated.
        """
        assert self._lines is not None, "rows() can be iterated once"
        lines, self._lines = self._lines, None
        ncols = len(self.header)
        delimiter = self.delimiter
        sep = '"' + delimiter + '"'
        quotes, seps = 2 * ncols, ncols - 1
        maxsplit = max(fields_needed - 1, 0) if fields_needed and fields_needed < ncols else -1
        line_no = 1
        for line in lines:
            line_no += 1
            if (
                quoted_fast_path
                and line.startswith('"')
                and line.count('"') == quotes
                and line.count(sep) == seps
                and line.rstrip("\r\n").endswith('"')
            ):
                yield line_no, line.rstrip("\r\n")[1:-1].split(sep, maxsplit)
                continue
            if not line.strip():
                continue
            reader = csv.reader(itertools.chain((line,), lines), delimiter=delimiter, strict=False)
            try:
                fields = next(reader)
            except csv.Error as exc:
                raise TruncatedFileError(
                    f"{self.what} {self.path.name}, line {line_no}: a quoted value that starts on this "
                    f"line never ends ({exc})."
                ) from exc
            last_line_read = line_no + reader.line_num - 1
            if len(fields) != ncols and not _ends_with_newline(line, reader.line_num):
                raise TruncatedFileError(
                    f"{self.what} {self.path.name} ends in the middle of a row: line {line_no} has "
                    f"{len(fields)} of {ncols} columns and no line end."
                )
            yield line_no, fields
            line_no = last_line_read


def _ends_with_newline(first_line: str, lines_used: int) -> bool:
    # A multi-line record ended on a later line; only the first line is at hand, so trust csv then.
    return lines_used > 1 or first_line.endswith(("\n", "\r"))


def sniff_binary(path: Path, what: str) -> bytes:
    """The file's first bytes; raise NotCsvError for empty, binary, image or archive files."""
    try:
        with path.open("rb") as f:
            head = f.read(SNIFF_BYTES)
    except FileNotFoundError as exc:
        raise NotCsvError(f"{what} {path} does not exist.", hint="Check the path and try again.") from exc
    except IsADirectoryError as exc:
        raise NotCsvError(f"{what} {path} is a folder, not a file.") from exc
    if not head.strip():
        raise NotCsvError(f"{what} {path.name} is empty (line 1 has no header).")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise NotCsvError(f"{what} {path.name} is {kind}, not a CSV text file (line 1).")
    if b"\x00" in head:
        raise NotCsvError(f"{what} {path.name} is a binary file, not a CSV text file (NUL bytes in line 1).")
    return head


def decoded_lines(raw_lines: Iterator[bytes], decoding: Decoding) -> Iterator[str]:
    """Decode each line as UTF-8, falling back to Windows-1252 (then Latin-1) line by line."""
    for number, raw in enumerate(raw_lines, start=1):
        try:
            yield raw.decode("utf-8")
        except UnicodeDecodeError:
            if not decoding.fallback_lines:
                decoding.first_fallback_line = number
                decoding.encoding = "utf-8 with windows-1252 lines"
            decoding.fallback_lines += 1
            try:
                yield raw.decode("cp1252")
            except UnicodeDecodeError:
                yield raw.decode("latin-1")


def open_table(path: str | os.PathLike[str], *, what: str, delimiter: str = ",") -> TextTable:
    """Open a delimited text file: reject non-text files, read and check the header, check the tail.

    Raises NotCsvError, DelimiterError or TruncatedFileError before any row is read, so a caller
    has written nothing when they occur.
    """
    path = Path(path)
    sniff_binary(path, what)
    size = path.stat().st_size
    check_tail(path, what, size, delimiter)
    f = path.open("rb")
    decoding = Decoding()
    lines = decoded_lines(_closing_lines(f), decoding)
    first = next(lines, "")
    first = first.removeprefix("\ufeff")
    header = [h.strip() for h in next(csv.reader([first], delimiter=delimiter))] if first.strip() else []
    if len(header) <= 1:
        for other, name in _OTHER_DELIMITERS.items():
            if other != delimiter and first.count(other) >= 2:
                f.close()
                raise DelimiterError(
                    f"{what} {path.name}, line 1: the columns are separated by {name}, "
                    f"not {_OTHER_DELIMITERS.get(delimiter, repr(delimiter))}."
                )
    return TextTable(path, what, header, delimiter, decoding, size, lines, f)


def _closing_lines(f: io.BufferedReader) -> Iterator[bytes]:
    with f:
        yield from f


def check_tail(path: Path, what: str, size: int, delimiter: str) -> None:
    """Raise TruncatedFileError when the last line is a partial row (no line end, unclosed quote)."""
    with path.open("rb") as f:
        f.seek(max(0, size - TAIL_BYTES))
        tail = f.read()
    if tail.endswith((b"\n", b"\r")):
        return
    last = tail.rsplit(b"\n", 1)[-1].decode("utf-8", errors="replace")
    with path.open("rb") as f:
        header_line = f.readline().decode("utf-8", errors="replace").removeprefix("\ufeff")
    ncols = len(next(csv.reader([header_line], delimiter=delimiter), []))
    unclosed_quote = last.count('"') % 2 == 1
    try:
        nfields = len(next(csv.reader([last], delimiter=delimiter, strict=True)))
    except csv.Error:
        nfields = -1
    if ncols > 1 and (unclosed_quote or nfields < ncols) and last.strip() and tail.count(b"\n"):
        where = f"line {_count_lines(path) + 1}" if size <= _COUNT_LINES_UP_TO else "the last line"
        got = "an unclosed quoted value" if unclosed_quote or nfields < 0 else f"{nfields} of {ncols} columns"
        raise TruncatedFileError(f"{what} {path.name} ends in the middle of a row: {where} has {got} and no line end.")


def _count_lines(path: Path) -> int:
    count = 0
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            count += chunk.count(b"\n")
    return count


__all__ = ["Decoding", "TextTable", "check_tail", "decoded_lines", "open_table", "sniff_binary"]
