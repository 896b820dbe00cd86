"""Dates and times as the rep's system writes them: one format, from the system locale, used everywhere."""

from __future__ import annotations

import re
from datetime import date, datetime, time

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime
from PySide6.QtWidgets import QDateEdit

_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def locale() -> QLocale:
    return QLocale.system()


def date_format() -> str:
    """The system's short date format with the full year (``M/d/yyyy``, ``dd/MM/yyyy``, ``dd.MM.yyyy``…)."""
    text = locale().dateFormat(QLocale.FormatType.ShortFormat)
    return text if "yyyy" in text else text.replace("yy", "yyyy")


def time_format() -> str:
    return locale().timeFormat(QLocale.FormatType.ShortFormat)


def day_text(d: date | datetime | None) -> str:
    """``d`` in the system's date format ("—" for none)."""
    if d is None:
        return "—"
    if isinstance(d, datetime):
        d = d.astimezone().date() if d.tzinfo else d.date()
    return locale().toString(QDate(d.year, d.month, d.day), date_format())


def weekday_text(d: date) -> str:
    """``Monday 12/7/2026``: the day's name and its date."""
    return f"{locale().dayName(d.isoweekday())} {day_text(d)}"


def time_text(t: time | datetime) -> str:
    """A time of day in the system's format (a datetime: on the clock it carries)."""
    if isinstance(t, datetime):
        t = t.timetz()
    return locale().toString(QTime(t.hour, t.minute), time_format())


def moment_text(at: datetime | None) -> str:
    """A date and time on the laptop's clock, in the system's formats."""
    if at is None:
        return "—"
    local = at.astimezone() if at.tzinfo else at
    return f"{day_text(local.date())} {time_text(local.time())}"


def localized(text: str) -> str:
    """``text`` with every ISO day in it (2026-12-07, as the rules and the hub write them) in the system's format."""

    def local(m: re.Match[str]) -> str:
        try:
            return day_text(date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            return m[0]

    return _ISO_DAY.sub(local, text)


def day_of(edit: QDateEdit) -> date:
    """The day a date field shows."""
    d = edit.date()
    return date(d.year(), d.month(), d.day())


def qdate(d: date) -> QDate:
    return QDate(d.year, d.month, d.day)


def qdatetime(at: datetime) -> QDateTime:
    return QDateTime(at)


__all__ = [
    "date_format",
    "day_of",
    "day_text",
    "localized",
    "moment_text",
    "qdate",
    "qdatetime",
    "time_format",
    "time_text",
    "weekday_text",
]
