"""Field clean-up shared by all importers: NPI check digit, record ids, credentials, names, ZIPs."""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from repcompanion.domain import AccountId, HcpId

#: Ids of imported records. The same NPI gives the same id in NPPES, FHIR and CSV imports, so a
#: second import (from any of them) updates the record instead of duplicating it.
NPI_ID_PREFIX = "NPI-"

_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # Luhn: the digit doubled, digits of the result summed
_NPI_PREFIX_SUM = 24  # Luhn contribution of the card-issuer prefix 80840 that NPIs carry


def npi_is_valid(npi: str) -> bool:
    """True for a 10-digit NPI whose last digit is the Luhn check digit over ``80840`` + 9 digits."""
    if len(npi) != 10 or not npi.isdigit():
        return False
    d = [ord(c) - 48 for c in npi]
    total = (
        _NPI_PREFIX_SUM
        + _DOUBLED[d[8]]
        + d[7]
        + _DOUBLED[d[6]]
        + d[5]
        + _DOUBLED[d[4]]
        + d[3]
        + _DOUBLED[d[2]]
        + d[1]
        + _DOUBLED[d[0]]
    )
    return (10 - total % 10) % 10 == d[9]


def npi_with_check_digit(first9: str) -> str:
    """The valid NPI that starts with these 9 digits (for generated test and benchmark data)."""
    for last in "0123456789":
        if npi_is_valid(first9 + last):
            return first9 + last
    raise ValueError(f"not nine digits: {first9!r}")


def hcp_id_for_npi(npi: str) -> HcpId:
    return HcpId(NPI_ID_PREFIX + npi)


def account_id_for_npi(npi: str) -> AccountId:
    return AccountId(NPI_ID_PREFIX + npi)


#: Canonical spelling of credentials, keyed by the letters only (dots and spaces removed, upper case).
_CREDENTIALS = {
    "MD": "MD",
    "MEDICALDOCTOR": "MD",
    "DO": "DO",
    "PHD": "PhD",
    "PHARMD": "PharmD",
    "PSYD": "PsyD",
    "AUD": "AuD",
    "EDD": "EdD",
    "DRPH": "DrPH",
    "DNP": "DNP",
    "DPM": "DPM",
    "DDS": "DDS",
    "DMD": "DMD",
    "OD": "OD",
    "DC": "DC",
    "DPT": "DPT",
    "PT": "PT",
    "RPT": "RPT",
    "MPT": "MPT",
    "MSPT": "MSPT",
    "OT": "OT",
    "OTR": "OTR",
    "OTR/L": "OTR/L",
    "PA": "PA",
    "PAC": "PA-C",
    "PA-C": "PA-C",
    "PHYSICIANASSISTANT": "PA",
    "NP": "NP",
    "ANP": "ANP",
    "FNP": "FNP",
    "RNP": "RNP",
    "APRN": "APRN",
    "CRNA": "CRNA",
    "CNM": "CNM",
    "CNS": "CNS",
    "RN": "RN",
    "LPN": "LPN",
    "BSN": "BSN",
    "MSN": "MSN",
    "RPH": "RPh",
    "RD": "RD",
    "LD": "LD",
    "LCSW": "LCSW",
    "LICSW": "LICSW",
    "LMHC": "LMHC",
    "MSW": "MSW",
    "MPH": "MPH",
    "MBA": "MBA",
    "MS": "MS",
    "MA": "MA",
    "MSC": "MSc",
    "BS": "BS",
    "FACC": "FACC",
    "FACP": "FACP",
    "FACS": "FACS",
    "FAAP": "FAAP",
    "MBBS": "MBBS",
    "JR": "Jr",
    "SR": "Sr",
}
_CRED_SPLIT = re.compile(r"[,;]+|\s+-\s+")


@lru_cache(maxsize=8192)
def normalize_credentials(text: str) -> str:
    """``"M.D."``, ``"md"``, ``"M.D., PH.D."`` → ``"MD"``, ``"MD"``, ``"MD, PhD"`` (unknown ones upper-cased)."""
    out: list[str] = []
    # Dots go first: removed later, they could join a " - " that splits the result differently next time.
    for part in _CRED_SPLIT.split(text.replace(".", "")):
        part = part.strip(" -/")
        if not part:
            continue
        key = re.sub(r"\s", "", part).upper()
        if key in _CREDENTIALS:
            tokens = [_CREDENTIALS[key]]
        else:
            pieces = [p.upper() for p in re.split(r"[\s/]+", part) if p]
            if len(pieces) > 1 and all(p in _CREDENTIALS for p in pieces):
                tokens = [_CREDENTIALS[p] for p in pieces]
            else:
                tokens = [" ".join(part.upper().split()).strip(" -/")]
        for token in tokens:
            if token and token not in out:
                out.append(token)
    return ", ".join(out)


def tidy_name(text: str) -> str:
    """Trim and collapse spaces; ALL-CAPS registry names become title case (``O'BRIEN`` → ``O'Brien``)."""
    text = text.strip()
    if "  " in text or "\t" in text:
        text = " ".join(text.split())
    if text.isupper():
        text = text.title()
    return text


@lru_cache(maxsize=65536)
def tidy_city(text: str) -> str:
    return tidy_name(text)


def zip5(postal: str) -> str:
    """The 5-digit ZIP of a US postal code (ZIP+4 with or without dash; a lost leading zero restored)."""
    digits = "".join(c for c in postal if c.isdigit())
    if len(digits) in (4, 8):  # a spreadsheet dropped the leading zero of a New England ZIP
        digits = "0" + digits
    return digits[:5] if len(digits) >= 5 else ""


def format_phone(text: str) -> str:
    if len(text) == 10 and text.isdigit():  # the NPPES form
        return f"{text[:3]}-{text[3:6]}-{text[6:]}"
    digits = "".join(c for c in text if c.isdigit())
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    if len(digits) == 10:
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return text.strip()


def parse_us_date(text: str) -> date | None:
    """``MM/DD/YYYY`` (NPPES) or ISO ``YYYY-MM-DD``; None when blank or unreadable."""
    text = text.strip()
    if not text:
        return None
    try:
        if "/" in text:
            month, day, year = text.split("/")
            return date(int(year), int(month), int(day))
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


__all__ = [
    "NPI_ID_PREFIX",
    "account_id_for_npi",
    "format_phone",
    "hcp_id_for_npi",
    "normalize_credentials",
    "npi_is_valid",
    "npi_with_check_digit",
    "parse_us_date",
    "tidy_city",
    "tidy_name",
    "zip5",
]
