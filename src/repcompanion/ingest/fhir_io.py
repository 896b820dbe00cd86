"""Reading and validating FHIR R4 JSON (Bundle, single resource, NDJSON, folder) with fhir.resources R4B."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from repcompanion.ingest.errors import InvalidFhirError
from repcompanion.ingest.normalize import npi_is_valid
from repcompanion.ingest.textfile import sniff_binary

NPI_SYSTEM = "http://hl7.org/fhir/sid/us-npi"
NPI_OID = "urn:oid:2.16.840.1.113883.4.6"
#: Our own identifier system: keeps record ids stable through an export and re-import.
RECORD_ID_SYSTEM = "urn:repcompanion:record-id"
GEOLOCATION_URL = "http://hl7.org/fhir/StructureDefinition/geolocation"
MAX_ERRORS_SHOWN = 3


@dataclass(slots=True)
class SourcedResource:
    """A resource as JSON, with where it came from (file, bundle entry, NDJSON line)."""

    where: str
    data: dict[str, Any]

    @property
    def type(self) -> str:
        return str(self.data.get("resourceType", ""))

    @property
    def ref(self) -> str:
        return f"{self.type}/{self.data.get('id', '')}"


def is_npi_system(system: str) -> bool:
    """The official NPI system and the variants real files use (http/https, trailing slash,
    the ``hl7.org.fhir`` typo, the OID, any ``.../sid/us-npi``)."""
    s = system.strip().lower().rstrip("/")
    if s in (NPI_OID, NPI_OID.removeprefix("urn:oid:")):
        return True
    s = s.replace("https://", "http://").replace("hl7.org.fhir", "hl7.org/fhir")
    return s == NPI_SYSTEM or s.endswith("/sid/us-npi")


def npi_of(resource: dict[str, Any]) -> tuple[str | None, str | None]:
    """(valid NPI, rejected NPI): the NPI identifier's value if its check digit is right."""
    rejected = None
    for identifier in resource.get("identifier") or []:
        system = str(identifier.get("system") or "")
        codes = [c.get("code") for c in (identifier.get("type") or {}).get("coding") or []]
        if not (is_npi_system(system) or (not system and "NPI" in codes)):
            continue
        value = str(identifier.get("value") or "").strip()
        if npi_is_valid(value):
            return value, None
        rejected = rejected or value
    return None, rejected


def record_id_of(resource: dict[str, Any]) -> str | None:
    for identifier in resource.get("identifier") or []:
        if identifier.get("system") == RECORD_ID_SYSTEM and identifier.get("value"):
            return str(identifier["value"])
    return None


def validate(resource: dict[str, Any], where: str) -> None:
    """Raise InvalidFhirError unless ``resource`` is a valid FHIR R4 (R4B classes) resource."""
    from fhir.resources.R4B import get_fhir_model_class
    from pydantic import ValidationError

    kind = resource.get("resourceType")
    label = f"{where}: {kind}/{resource.get('id', '?')}"
    if not isinstance(kind, str) or not kind:
        raise InvalidFhirError(f"{where}: not a FHIR resource (no resourceType).")
    try:
        model = get_fhir_model_class(kind)
    except ValueError as exc:
        raise InvalidFhirError(f"{label}: unknown FHIR resource type {kind!r}.") from exc
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:MAX_ERRORS_SHOWN]
        )
        more = exc.error_count() - MAX_ERRORS_SHOWN
        tail = f" (and {more} more)" if more > 0 else ""
        raise InvalidFhirError(f"{label} is not valid FHIR R4: {problems}{tail}.") from exc


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidFhirError(f"{where}, line {exc.lineno}: not valid JSON ({exc.msg}).") from exc


def _flatten(data: Any, where: str) -> Iterator[SourcedResource]:
    if not isinstance(data, dict):
        raise InvalidFhirError(f"{where}: expected a JSON object (a FHIR resource or Bundle).")
    if data.get("resourceType") == "Bundle":
        for number, entry in enumerate(data.get("entry") or [], start=1):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if isinstance(resource, dict):
                yield from _flatten(resource, f"{where}, entry {number}")
        return
    yield SourcedResource(where, data)


def load_resources(source: str | os.PathLike[str] | dict[str, Any]) -> tuple[list[SourcedResource], list[str]]:
    """Resources from a parsed JSON object, JSON text, a .json/.ndjson file or a folder of them,
    each validated; Bundles are validated whole and then unpacked. Returns (resources, warnings)."""
    warnings: list[str] = []
    if isinstance(source, dict):
        validate(source, "input")
        return list(_flatten(source, "input")), warnings
    if isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        data = _parse_json(source, "input")
        validate(data, "input")
        return list(_flatten(data, "input")), warnings
    path = Path(source)
    files = sorted(path.glob("*.json")) + sorted(path.glob("*.ndjson")) if path.is_dir() else [path]
    out: list[SourcedResource] = []
    for file in files:
        sniff_binary(file, "FHIR file")
        text = file.read_text(encoding="utf-8-sig")
        if file.suffix == ".ndjson":
            for number, line in enumerate(text.splitlines(), start=1):
                if line.strip():
                    where = f"{file.name}, line {number}"
                    data = _parse_json(line, where)
                    validate(data, where)
                    out.extend(_flatten(data, where))
            continue
        data = _parse_json(text, file.name)
        if path.is_dir() and isinstance(data, dict) and "resourceType" not in data:
            warnings.append(f"{file.name} is not a FHIR resource (no resourceType); ignored")
            continue
        validate(data, file.name)
        out.extend(_flatten(data, file.name))
    return out, warnings


__all__ = [
    "GEOLOCATION_URL",
    "NPI_OID",
    "NPI_SYSTEM",
    "RECORD_ID_SYSTEM",
    "SourcedResource",
    "is_npi_system",
    "load_resources",
    "npi_of",
    "record_id_of",
    "validate",
]
