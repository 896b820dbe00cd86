"""The company's master data from CSV or JSON: products, the approved content catalogue, consent and e-mail addresses.

Every row is checked on its own (required fields, codes, dates, e-mail syntax, template fields); a file with any
bad row is refused as a whole (``MasterDataError`` lists every problem by line) so nothing half-imported reaches a
laptop. References to what the hub already holds (a content item's product, a consent's HCP) are checked by the
hub's importer in the same transaction that writes the rows. See docs/ingest.md, "The company's master data".
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import string
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from repcompanion.domain import (
    TEMPLATE_FIELDS,
    Channel,
    Consent,
    ConsentId,
    ConsentState,
    Content,
    ContentId,
    HcpId,
    Product,
    ProductId,
)
from repcompanion.ingest.errors import MappingFileError, MasterDataError, NotCsvError
from repcompanion.ingest.normalize import NPI_ID_PREFIX, npi_is_valid, parse_us_date
from repcompanion.ingest.repair import Repairs
from repcompanion.ingest.report import ImportReport
from repcompanion.ingest.textfile import open_table

KINDS = ("products", "content", "consents", "emails")
#: the fields of each kind; required ones first (``npi`` or ``hcp_id`` names the HCP of consents and e-mails)
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "products": (("id", "name"), ("generic_name", "therapeutic_area", "sample_limit_per_visit")),
    "content": (
        ("id", "title", "product_id", "topics", "mlr_code", "approved_on", "expires_on"),
        ("channel", "specialties", "subject", "body", "html_body", "body_file", "html_file", "link", "attachment"),
    ),
    "consents": (("channel", "status", "captured_at", "source"), ("npi", "hcp_id", "expires_at", "proof", "id")),
    "emails": (("email",), ("npi", "hcp_id")),
}
HCP_KEYED = ("consents", "emails")
_SAFE_ID = re.compile(r"[A-Za-z0-9._:|@-]{1,128}")
_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[A-Za-z]{2,}")
_NUCC = re.compile(r"[0-9]{3}[0-9A-Z]{6}X")
_LIST_SPLIT = re.compile(r"\s*[;|,]\s*")
_OPT_IN = {"opt_in", "opt-in", "optin", "in", "yes", "y", "granted", "given", "true", "1", "opted in", "subscribed"}
_OPT_OUT = {"opt_out", "opt-out", "optout", "out", "no", "n", "revoked", "withdrawn", "false", "0", "opted out"}


@dataclass(slots=True)
class CatalogMapping:
    """Which input column (CSV header or JSON key) feeds which field, value translations, the CSV delimiter."""

    kind: str
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    delimiter: str = ","

    def column(self, name: str) -> str:
        return self.columns.get(name, name)


@dataclass(frozen=True, slots=True)
class HcpRef:
    """The HCP a consent or e-mail row names, by NPI or by the hub's HCP id."""

    npi: str = ""
    hcp_id: str = ""

    @property
    def key(self) -> str:
        return self.hcp_id or f"{NPI_ID_PREFIX}{self.npi}"

    def __str__(self) -> str:
        return f"NPI {self.npi}" if self.npi else f"HCP {self.hcp_id}"


@dataclass(frozen=True, slots=True)
class EmailAddress:
    hcp: HcpRef
    email: str


@dataclass(frozen=True, slots=True)
class ConsentRow:
    """A consent record whose HCP the hub still has to find (``hcp_id`` is filled in then)."""

    hcp: HcpRef
    consent: Consent


@dataclass(slots=True)
class MasterFile:
    """What a master-data file holds: ``(line, record)`` per row, and the report to account for every row."""

    kind: str
    rows: list[tuple[int, Any]]
    report: ImportReport


def load_catalog_mapping(path: str | os.PathLike[str], kind: str) -> CatalogMapping:
    """Read a TOML mapping (``[columns]`` field = "input column", ``[values.FIELD]``, ``delimiter``)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError as exc:
        raise MappingFileError(f"mapping file {path} does not exist.") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MappingFileError(f"mapping file {path.name} is not valid TOML: {exc}.") from exc
    stated = data.get("kind", kind)
    if stated != kind:
        raise MappingFileError(f"mapping file {path.name} is for {stated!r}, not {kind!r}.")
    required, optional = FIELDS[kind]
    columns = data.get("columns", {})
    if not isinstance(columns, dict) or not all(isinstance(v, str) and v for v in columns.values()):
        raise MappingFileError(f'mapping file {path.name}: [columns] maps field = "input column" (text).')
    unknown = sorted(set(columns) - set(required) - set(optional))
    if unknown:
        raise MappingFileError(
            f"mapping file {path.name}, [columns]: unknown field(s) {', '.join(unknown)}; {kind} may use "
            f"{', '.join((*required, *optional))}."
        )
    values = data.get("values", {})
    if not isinstance(values, dict) or not all(isinstance(v, dict) for v in values.values()):
        raise MappingFileError(f"mapping file {path.name}: [values.FIELD] tables map input values to ours.")
    delimiter = str(data.get("delimiter", ","))
    delimiter = "\t" if delimiter in ("\\t", "tab") else delimiter
    if len(delimiter) != 1:
        raise MappingFileError(f"mapping file {path.name}: delimiter must be one character, got {delimiter!r}.")
    return CatalogMapping(
        kind,
        {k: str(v) for k, v in columns.items()},
        {k: {str(a): str(b) for a, b in v.items()} for k, v in values.items()},
        delimiter,
    )


def read_master_file(path: str | os.PathLike[str], kind: str, mapping: CatalogMapping | None = None) -> MasterFile:
    """Parse and check every row of a CSV or JSON file of ``kind``; MasterDataError if any row is bad."""
    if kind not in KINDS:
        raise MappingFileError(f"there is no master data kind {kind!r}; use one of {', '.join(KINDS)}.")
    path = Path(path)
    mapping = mapping or CatalogMapping(kind)
    report = ImportReport(source=str(path), fmt=kind, layout="JSON" if _is_json(path) else "CSV")
    raw_rows = _json_rows(path, kind) if _is_json(path) else _csv_rows(path, kind, mapping)
    parse = _PARSERS[kind]
    repairs = Repairs()
    rows: list[tuple[int, Any]] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in raw_rows:
        report.rows_read += 1
        get = _getter(raw, mapping)
        try:
            record = parse(get, path.parent, repairs)
        except _RowProblem as exc:
            problems.append(f"line {line}: {exc}")
            continue
        key = _row_key(kind, record)
        if key in seen:
            problems.append(f"line {line}: {key} is also on line {seen[key]}; give each {kind[:-1]} one row")
            continue
        seen[key] = line
        rows.append((line, record))
    repairs.into(report.repairs)
    if report.rows_read == 0:
        problems.append(f"the file holds no {kind} rows")
    if problems:
        raise bad_rows(kind, path, problems)
    return MasterFile(kind, rows, report)


def bad_rows(kind: str, path: Path, problems: list[str]) -> MasterDataError:
    shown = "; ".join(problems[:20]) + (f"; and {len(problems) - 20} more" if len(problems) > 20 else "")
    error = MasterDataError(f"{kind} file {path.name}: {len(problems)} problem(s), so nothing was imported: {shown}.")
    error.problems = problems
    return error


class _RowProblem(ValueError):
    """What is wrong with one row (the row's line is added by the caller)."""


Getter = Callable[[str], str]


def _is_json(path: Path) -> bool:
    if path.suffix.lower() in (".json", ".ndjson", ".jsonl"):
        return True
    try:
        with path.open("rb") as f:
            head = f.read(64).lstrip()
    except OSError as exc:
        raise NotCsvError(f"cannot read {path}: {exc.strerror or exc}.") from exc
    return head[:1] in (b"[", b"{")


def _json_rows(path: Path, kind: str) -> Iterator[tuple[int, Mapping[str, Any]]]:
    text = path.read_text(encoding="utf-8-sig")
    try:
        if path.suffix.lower() in (".ndjson", ".jsonl"):
            items: Any = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            items = json.loads(text)
    except json.JSONDecodeError as exc:
        raise NotCsvError(f"{path.name} is not valid JSON: {exc.msg} at line {exc.lineno}.") from exc
    if isinstance(items, dict):
        items = items.get(kind, items.get("items"))
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise NotCsvError(
            f'{path.name}: expected a JSON array of objects (or {{"{kind}": [...]}}), one object per {kind[:-1]}.'
        )
    yield from enumerate(items, start=1)


def _csv_rows(path: Path, kind: str, mapping: CatalogMapping) -> Iterator[tuple[int, Mapping[str, Any]]]:
    table = open_table(path, what=f"{kind} file", delimiter=mapping.delimiter)
    header = [h.strip() for h in table.header]
    for line, row in table.rows():
        if len(row) != len(header):
            raise NotCsvError(
                f"{kind} file {path.name}, line {line}: {len(row)} columns, the header has {len(header)}."
            )
        yield line, dict(zip(header, row, strict=True))


def _getter(raw: Mapping[str, Any], mapping: CatalogMapping) -> Getter:
    keyed = {_key(k): v for k, v in raw.items()}

    def get(name: str) -> Any:
        value = keyed.get(_key(mapping.column(name)))
        if value is None:
            return ""
        if isinstance(value, str):
            value = value.strip()
            return mapping.values.get(name, {}).get(value, value)
        return value

    return get


def _key(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def _text(get: Getter, name: str) -> str:
    value = get(name)
    return value if isinstance(value, str) else str(value)


def _required(get: Getter, name: str) -> str:
    value = _text(get, name)
    if not value:
        raise _RowProblem(f"no {name.replace('_', ' ')}")
    return value


def _id(get: Getter, name: str = "id") -> str:
    value = _required(get, name)
    if not _SAFE_ID.fullmatch(value):
        raise _RowProblem(f"{name} {value!r} may hold only letters, digits and . _ : | @ - (at most 128)")
    return value


def _list(get: Getter, name: str) -> tuple[str, ...]:
    value = get(name)
    if isinstance(value, list):
        return tuple(str(v).strip() for v in value if str(v).strip())
    return tuple(v for v in _LIST_SPLIT.split(str(value)) if v) if value else ()


def _date(get: Getter, name: str) -> date:
    text = _required(get, name)
    parsed = parse_us_date(text)
    if parsed is None:
        raise _RowProblem(f"{name.replace('_', ' ')} {text!r} is not a date (use 2026-12-31 or 12/31/2026)")
    return parsed


def _moment(text: str, name: str) -> datetime:
    """A date (midnight UTC) or an ISO date-time (UTC when it names no offset)."""
    try:
        if len(text) <= 10:
            day = parse_us_date(text)
            if day is None:
                raise ValueError(text)
            return datetime(day.year, day.month, day.day, tzinfo=UTC)
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise _RowProblem(f"{name.replace('_', ' ')} {text!r} is not a date or date-time (use ISO 8601)") from None
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _channel(get: Getter, default: str = "") -> Channel:
    text = (_text(get, "channel") or default).lower().replace("-", "_").replace(" ", "_")
    aliases = {"e_mail": "email", "mail": "email", "f2f": "in_person", "face_to_face": "in_person", "remote": "remote"}
    try:
        return Channel(aliases.get(text, text))
    except ValueError:
        allowed = ", ".join(c.value for c in Channel)
        raise _RowProblem(f"channel {text!r} is not one of {allowed}") from None


def _hcp(get: Getter, repairs: Repairs) -> HcpRef:
    npi, hcp_id = _text(get, "npi"), _text(get, "hcp_id")
    if npi:
        npi = npi if npi_is_valid(npi) else repairs.npi(npi)
        if not npi_is_valid(npi):
            raise _RowProblem(f"NPI {npi!r} is not 10 digits with a valid check digit")
        return HcpRef(npi=npi)
    if hcp_id:
        return HcpRef(hcp_id=hcp_id)
    raise _RowProblem("no NPI and no HCP id")


def _template(text: str, what: str) -> str:
    try:
        used = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError as exc:
        raise _RowProblem(
            f"the {what} is not a valid template ({exc}); write a literal brace as {{{{ or }}}}"
        ) from None
    bad = sorted(used - TEMPLATE_FIELDS)
    if bad:
        fields = ", ".join("{" + f + "}" for f in sorted(TEMPLATE_FIELDS))
        raise _RowProblem(f"the {what} uses {', '.join('{' + b + '}' for b in bad)}; only {fields} can be filled in")
    return text


def _body(get: Getter, inline: str, file_field: str, folder: Path) -> str:
    text = _text(get, inline)
    name = _text(get, file_field)
    if name:
        what = file_field.replace("_", " ")
        if text:
            raise _RowProblem(f"give {inline.replace('_', ' ')} or {what}, not both")
        try:
            text = (folder / name).resolve().read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise _RowProblem(f"{what} {name!r} does not exist (next to the data file)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise _RowProblem(f"{what} {name!r} cannot be read as UTF-8 text: {exc}") from None
    return _template(text, inline.replace("_", " ")) if text else ""


def _product(get: Getter, folder: Path, repairs: Repairs) -> Product:
    limit = repairs.number(_text(get, "sample_limit_per_visit") or "0")
    if not limit.isdigit():
        raise _RowProblem(f"sample limit per visit {limit!r} is not a whole number")
    return Product(
        ProductId(_id(get)),
        _required(get, "name"),
        _text(get, "generic_name"),
        _text(get, "therapeutic_area"),
        int(limit),
    )


def _content(get: Getter, folder: Path, repairs: Repairs) -> Content:
    content_id, title, product = _id(get), _required(get, "title"), _id(get, "product_id")
    mlr = _text(get, "mlr_code")
    if not mlr:
        raise _RowProblem(f"content {content_id} has no MLR approval code; only approved content can be loaded")
    approved, expires = _date(get, "approved_on"), _date(get, "expires_on")
    if expires < approved:
        raise _RowProblem(f"content {content_id} expires on {expires} before it was approved on {approved}")
    topics = _list(get, "topics")
    if not topics:
        raise _RowProblem(f"content {content_id} has no topics (what a rep discusses that it follows up on)")
    specialties = tuple(s.upper() for s in _list(get, "specialties"))
    wrong = [s for s in specialties if not _NUCC.fullmatch(s)]
    if wrong:
        raise _RowProblem(f"specialties {', '.join(wrong)} are not NUCC taxonomy codes (like 207RC0000X)")
    channel = _channel(get, "email")
    try:
        body = _body(get, "body", "body_file", folder)
        html = _body(get, "html_body", "html_file", folder)
        subject = _template(_text(get, "subject"), "subject")
    except _RowProblem as exc:
        raise _RowProblem(f"content {content_id}: {exc}") from None
    if channel is Channel.EMAIL and not subject:
        raise _RowProblem(f"e-mail content {content_id} has no subject")
    if channel is Channel.EMAIL and not (body or html):
        raise _RowProblem(f"e-mail content {content_id} has no approved body (body, html_body or their files)")
    link = _text(get, "link")
    if link and not re.match(r"https?://[^\s]+$", link):
        raise _RowProblem(f"link {link!r} is not an http(s) address")
    return Content(
        ContentId(content_id),
        title,
        ProductId(product),
        topics,
        channel,
        mlr,
        approved,
        expires,
        specialties,
        subject,
        body,
        html_body=html,
        link=link,
        attachment=_text(get, "attachment"),
    )


def _consent(get: Getter, folder: Path, repairs: Repairs) -> ConsentRow:
    who = _hcp(get, repairs)
    channel = _channel(get)
    status = _required(get, "status")
    state = _state(status)
    captured = _moment(_required(get, "captured_at"), "captured_at")
    expires_text = _text(get, "expires_at")
    expires = _moment(expires_text, "expires_at") if expires_text else None
    if expires is not None and expires <= captured:
        raise _RowProblem(f"the consent expires ({expires.date()}) before it was given ({captured.date()})")
    source = _required(get, "source")
    proof = _text(get, "proof")
    given_id = _text(get, "id")
    if given_id and not _SAFE_ID.fullmatch(given_id):
        raise _RowProblem(f"id {given_id!r} may hold only letters, digits and . _ : | @ - (at most 128)")
    digest = hashlib.sha256(f"{who.key}|{channel.value}|{state.value}|{captured.isoformat()}|{source}".encode())
    consent_id = ConsentId(given_id or f"CONS-{digest.hexdigest()[:20]}")
    return ConsentRow(who, Consent(consent_id, HcpId(who.key), channel, state, captured, source, expires, proof))


def _state(text: str) -> ConsentState:
    lowered = text.lower().strip()
    if lowered in _OPT_IN:
        return ConsentState.OPT_IN
    if lowered in _OPT_OUT:
        return ConsentState.OPT_OUT
    raise _RowProblem(f"status {text!r} is neither an opt-in nor an opt-out (map it under [values.status])")


def _email(get: Getter, folder: Path, repairs: Repairs) -> EmailAddress:
    who = _hcp(get, repairs)
    address = _required(get, "email")
    if not _EMAIL.fullmatch(address):
        raise _RowProblem(f"{address!r} is not an e-mail address")
    return EmailAddress(who, address)


_PARSERS: dict[str, Callable[[Getter, Path, Repairs], Any]] = {
    "products": _product,
    "content": _content,
    "consents": _consent,
    "emails": _email,
}


def _row_key(kind: str, record: Any) -> str:
    if kind == "emails":
        return str(record.hcp)
    if kind == "consents":
        return f"consent {record.consent.id}"
    return f"{kind[:-1]} {record.id}"


__all__ = [
    "FIELDS",
    "HCP_KEYED",
    "KINDS",
    "CatalogMapping",
    "ConsentRow",
    "EmailAddress",
    "HcpRef",
    "MasterFile",
    "bad_rows",
    "load_catalog_mapping",
    "read_master_file",
]
