"""Fixtures for the ingest tests: the real NPPES/NUCC/FHIR files and small hand-made NPPES files."""

from __future__ import annotations

from pathlib import Path

import pytest

from repcompanion.ingest import Taxonomy, load_nucc
from repcompanion.ingest.nppes_layout import nppes_header

PRACTITIONERS = "davinci_sample-nppes-practitioner_20181204-data.csv"
ORGANIZATIONS = "davinci_sample-nppes-organization-data.csv"
NUCC = "davinci_nucc_provider_taxonomy.csv"


@pytest.fixture(scope="session")
def nppes_dir(shared_data: Path) -> Path:
    return shared_data / "nppes"


@pytest.fixture(scope="session")
def fhir_dir(shared_data: Path) -> Path:
    return shared_data / "fhir"


@pytest.fixture(scope="session")
def nucc(nppes_dir: Path) -> Taxonomy:
    return load_nucc(nppes_dir / NUCC)


def provider_row(version: str = "v1", **values: str) -> list[str]:
    """One NPPES row (all columns) for an individual in Hartford, CT, with ``values`` by column name."""
    header = nppes_header(version)
    base = {
        "NPI": "1255334207",
        "Entity Type Code": "1",
        "Provider Last Name (Legal Name)": "SOUCIER",
        "Provider First Name": "RICHARD",
        "Provider Credential Text": "M.D.",
        "Provider First Line Business Practice Location Address": "114 WOODLAND ST",
        "Provider Business Practice Location Address City Name": "HARTFORD",
        "Provider Business Practice Location Address State Name": "CT",
        "Provider Business Practice Location Address Postal Code": "061051208",
        "Provider Business Practice Location Address Country Code (If outside U.S.)": "US",
        "Healthcare Provider Taxonomy Code_1": "207RC0000X",
        "Healthcare Provider Primary Taxonomy Switch_1": "Y",
    }
    base.update(values)
    unknown = set(base) - set(header)
    assert not unknown, f"not NPPES {version} columns: {unknown}"
    return [base.get(name, "") for name in header]


def nppes_text(rows: list[list[str]], version: str = "v1", header: list[str] | None = None) -> str:
    header = header or nppes_header(version)
    lines = [",".join(f'"{v}"' for v in row) for row in [header, *rows]]
    return "\r\n".join(lines) + "\r\n"


@pytest.fixture
def write_nppes(tmp_path: Path):
    """write_nppes(rows, version="v1", name=...) → path of a small NPPES file."""

    def write(rows: list[list[str]], version: str = "v1", name: str = "npidata.csv") -> Path:
        path = tmp_path / name
        path.write_text(nppes_text(rows, version), encoding="utf-8", newline="")
        return path

    return write
