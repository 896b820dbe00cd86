"""Values damaged by a spreadsheet or pandas on the way (``1.0`` for 1, ``2134.0`` for 02134, phones as floats).

Importers call these only on a value that failed its normal check, so clean files pay nothing. Each repair is
counted by kind in ``ImportReport.repairs``; a value whose digits are gone (an NPI saved as ``1.26E+09``) is not
guessed: ``lost_digits`` says so and the row is skipped with that reason.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal, InvalidOperation

_DECIMAL = re.compile(r"[+]?(\d+)\.0*")
_SCIENTIFIC = re.compile(r"[+]?(\d)(?:\.(\d+))?[eE][+]?(\d+)")

#: why a row whose NPI lost digits is skipped (after the NPI itself)
LOST_NPI = (
    "was saved in scientific notation by a spreadsheet and lost its last digits: "
    "format the NPI column as text (or export from the source again) and import again"
)
#: report wording of each kind of repair
KINDS = {
    "decimal_code": "codes written as decimals (1.0 read as 1)",
    "decimal_number": "whole numbers written as decimals (7.0 read as 7)",
    "zip_leading_zero": "ZIP codes whose leading zero was lost (2134 read as 02134)",
    "zip_decimal": "ZIP codes written as decimals (2134.0 read as 02134)",
    "phone_number": "phone numbers written as numbers (8605551234.0 read as 860-555-1234)",
    "npi_number": "NPIs written as decimals or in scientific notation with every digit kept",
    "apostrophe": "values a spreadsheet prefixed with an apostrophe ('06105)",
}


def lost_digits(text: str, wanted: int) -> bool:
    """True when ``text`` is scientific notation that kept fewer than ``wanted`` significant digits."""
    m = _SCIENTIFIC.fullmatch(text.strip())
    return m is not None and 1 + len(m.group(2) or "") < wanted


def _whole(text: str) -> str | None:
    """The digits of a whole number written as ``12.0`` or ``1.2E+3`` (exactly), else None."""
    m = _DECIMAL.fullmatch(text)
    if m is not None:
        return m.group(1)
    if _SCIENTIFIC.fullmatch(text):
        try:
            value = Decimal(text)
        except InvalidOperation:
            return None
        if value == value.to_integral_value():
            return str(int(value))
    return None


class Repairs:
    """Repairs made while reading one file, counted by kind (see ``KINDS``)."""

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def _unquote(self, text: str) -> str:
        if text.startswith("'"):
            self.counts["apostrophe"] += 1
            return text[1:]
        return text

    def code(self, text: str) -> str:
        """A code such as an entity type, ``1.0`` → ``1``; other text unchanged."""
        text = self._unquote(text.strip())
        whole = _whole(text)
        if whole is None or whole == text:
            return text
        self.counts["decimal_code"] += 1
        return whole

    def number(self, text: str) -> str:
        """A whole number such as a decile, ``7.0`` → ``7``; other text unchanged."""
        text = self._unquote(text.strip())
        whole = _whole(text)
        if whole is None or whole == text:
            return text
        self.counts["decimal_number"] += 1
        return whole

    def npi(self, text: str) -> str:
        """An NPI from ``1234567893.0``, ``1.234567893E+09`` or ``'1234567893``; other text unchanged."""
        text = self._unquote(text.strip())
        whole = _whole(text)
        if whole is None or whole == text:
            return text
        self.counts["npi_number"] += 1
        return whole

    def zip(self, text: str) -> str:
        """A US ZIP or ZIP+4 with its lost leading zeros restored (``2134.0``, ``2134``, ``21341208``)."""
        text = self._unquote(text.strip())
        whole = _whole(text)
        kind = "zip_leading_zero"
        if whole is not None and whole != text:
            text, kind = whole, "zip_decimal"
        if text.isdigit() and len(text) in (3, 4, 7, 8):
            self.counts[kind] += 1
            return text.zfill(5 if len(text) <= 5 else 9)
        if kind == "zip_decimal":
            self.counts[kind] += 1
        return text

    def phone(self, text: str) -> str:
        """A phone number written as a number (``8605551234.0``, ``8.605551234E+09``) → its digits."""
        text = self._unquote(text.strip())
        whole = _whole(text)
        if whole is None or whole == text:
            return text
        self.counts["phone_number"] += 1
        return whole

    def into(self, repairs: dict[str, int]) -> None:
        """Add these counts to a report's ``repairs`` (keyed by the wording in ``KINDS``)."""
        for kind, n in self.counts.items():
            repairs[KINDS[kind]] = repairs.get(KINDS[kind], 0) + n


__all__ = ["KINDS", "LOST_NPI", "Repairs", "lost_digits"]
