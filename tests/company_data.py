"""A small company's master data written as its CRM and MLR systems export it: products, approved content (with
an HTML body in its own file), consent and e-mail addresses for given NPIs — fixtures for import tests."""

from __future__ import annotations

import csv
from pathlib import Path

PRODUCTS = [
    {"Product ID": "P-NEF", "Brand": "Nefrovia", "Generic": "nefrolimab", "Area": "Nephrology", "Samples": "2"},
    {"Product ID": "P-GLY", "Brand": "Glytessa", "Generic": "glytazone", "Area": "Cardiometabolic", "Samples": "4"},
]
CONTENT_HEADER = [
    "Content ID", "Title", "Product ID", "Topics", "Channel", "MLR Code", "Approved", "Expires", "Specialties",
    "Subject", "Text body", "HTML file", "Link",
]  # fmt: skip
CONTENT = [
    [
        "NEF-EFF-01", "Nefrovia: eGFR outcomes at 52 weeks", "P-NEF", "efficacy;clinical_data", "email",
        "US-NEF-0112 v2", "2026-01-15", "2027-06-30", "",
        "Nefrovia 52-week results, {first_name}",
        "Dear Dr {last_name},\n\nAs discussed, the 52-week eGFR results of Nefrovia are summarised at the link "
        "below.\n\nUnsubscribe: {unsubscribe_url}",
        "nef-eff-01.html", "https://example.com/nefrovia/52-weeks",
    ],
    [
        "GLY-EFF-01", "Glytessa: HbA1c reduction at 24 weeks", "P-GLY", "efficacy", "email",
        "US-GLY-0040 v1", "2026-02-01", "2027-02-01", "",
        "Glytessa 24-week data",
        "Dear Dr {last_name},\n\nThe Glytessa 24-week HbA1c data.\n\nUnsubscribe: {unsubscribe_url}",
        "", "",
    ],
]  # fmt: skip
HTML = (
    "<p>Dear Dr {last_name},</p><p>As discussed, the <b>52-week eGFR results</b> of Nefrovia.</p>"
    '<p><a href="{unsubscribe_url}">Unsubscribe</a></p>'
)
MAPPING = """kind = "content"

[columns]
id = "Content ID"
title = "Title"
product_id = "Product ID"
topics = "Topics"
channel = "Channel"
mlr_code = "MLR Code"
approved_on = "Approved"
expires_on = "Expires"
specialties = "Specialties"
subject = "Subject"
body = "Text body"
html_file = "HTML file"
link = "Link"
"""
PRODUCT_MAPPING = """kind = "products"

[columns]
id = "Product ID"
name = "Brand"
generic_name = "Generic"
therapeutic_area = "Area"
sample_limit_per_visit = "Samples"
"""


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_company_files(folder: Path, npis: list[str]) -> dict[str, Path]:
    """products.csv, content.csv (+ its mapping and HTML file), consents.csv and emails.csv for ``npis``:
    every NPI has an e-mail address and an e-mail opt-in given through the company's consent portal."""
    folder.mkdir(parents=True, exist_ok=True)
    header = list(PRODUCTS[0])
    write_csv(folder / "products.csv", header, [[p[h] for h in header] for p in PRODUCTS])
    (folder / "products.toml").write_text(PRODUCT_MAPPING, encoding="utf-8")
    (folder / "nef-eff-01.html").write_text(HTML, encoding="utf-8")
    write_csv(folder / "content.csv", CONTENT_HEADER, CONTENT)
    (folder / "content.toml").write_text(MAPPING, encoding="utf-8")
    write_csv(
        folder / "consents.csv",
        ["npi", "channel", "status", "captured_at", "source", "expires_at", "proof"],
        [[n, "email", "opt_in", "2026-03-01", "consent portal", "2028-03-01", f"portal form {n}"] for n in npis],
    )
    write_csv(folder / "emails.csv", ["npi", "email"], [[n, f"dr.{n}@clinic.example.org"] for n in npis])
    return {
        "products": folder / "products.csv",
        "products_mapping": folder / "products.toml",
        "content": folder / "content.csv",
        "content_mapping": folder / "content.toml",
        "consents": folder / "consents.csv",
        "emails": folder / "emails.csv",
    }
