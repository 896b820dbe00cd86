"""App logging: a rotating file in the platform log folder, with personal data and secrets redacted.

Every record passes ``RedactingFilter`` on the file handler, whatever logger wrote it:

- registered HCP names (the workspace registers its HCPs' names when it opens) → ``[name]``
- e-mail addresses → ``[email]``; phone numbers written with separators or a ``+`` → ``[phone]``
  (a bare 10-digit NPI is public and kept)
- note text: any argument wrapped in ``NoteText`` and any ``extra`` field named note/notes/note_text
  → ``[note: N chars]``
- tokens and secrets: ``Bearer …``, JWT-shaped strings, ``token=…``/``password: …`` pairs and ``extra`` fields
  with those names → ``[secret]``. Tokens must never be logged on purpose; this is the safety net.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import platformdirs

from repcompanion.workspace.paths import APP_NAME

if TYPE_CHECKING:
    from repcompanion.store import Store

LOG_FILE = "repcompanion.log"
DEFAULT_MAX_BYTES = 2_000_000
DEFAULT_BACKUPS = 5
FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

NOTE_FIELDS = frozenset({"note", "notes", "note_text"})
SECRET_FIELDS = frozenset(
    {"token", "access_token", "refresh_token", "password", "passphrase", "secret", "authorization", "key"}
)

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(
    r"\+\d{1,3}(?:[\s.-]?\(?\d{1,5}\)?){2,6}(?!\w)"
    r"|(?<![\w+])(?:\(\d{2,4}\)\s?|\d{2,4}[\s.-])\d{2,4}[\s.-]\d{3,4}(?:[\s.-]\d{2,4})?(?!\w)"
)
_BEARER = re.compile(r"(?i)\bbearer\s+[\w.~+/=-]+")
_JWT = re.compile(r"\beyJ[\w-]+\.[\w-]+\.[\w-]+")
_SECRET_PAIR = re.compile(
    r"(?i)\b(access_token|refresh_token|token|password|passphrase|secret|api[_-]?key)(\"?\s*[:=]\s*\"?)[^\s\",&]+"
)


class NoteText(str):
    """Marks a log argument as note text, which the log file never shows: ``log.info("saved %s", NoteText(t))``."""

    __slots__ = ()


def user_log_folder() -> Path:
    """The platform log folder, e.g. ~/.local/state/RepCompanion/log on Linux."""
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


class RedactingFilter(logging.Filter):
    """Rewrites each record's message so no personal data or secret reaches a handler."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._names: set[str] = set()
        self._name_re: re.Pattern[str] | None = None
        self.register_names(names)

    def register_names(self, names: Iterable[str]) -> None:
        """Add names to redact (whole words, any case). Pass full names and surnames."""
        with self._lock:
            self._names.update(n.strip() for n in names if n and len(n.strip()) >= 2)
            ordered = sorted(self._names, key=len, reverse=True)
            self._name_re = (
                re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in ordered) + r")(?!\w)", re.IGNORECASE)
                if ordered
                else None
            )

    def redact(self, text: str) -> str:
        text = _BEARER.sub("Bearer [secret]", text)
        text = _JWT.sub("[secret]", text)
        text = _SECRET_PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}[secret]", text)
        text = _EMAIL.sub("[email]", text)
        text = _PHONE.sub("[phone]", text)
        pattern = self._name_re
        if pattern is not None:
            text = pattern.sub("[name]", text)
        return text

    def _arg(self, value: object) -> object:
        if isinstance(value, NoteText):
            return f"[note: {len(value)} chars]"
        return value

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, dict):
            args = {k: self._arg(v) for k, v in args.items()}
        elif args:
            args = tuple(self._arg(a) for a in args)
        msg = record.msg
        if isinstance(msg, NoteText):
            msg = self._arg(msg)
        try:
            text = str(msg) % args if args else str(msg)
        except (TypeError, ValueError):
            text = f"{msg} {args}"
        record.msg = self.redact(text)
        record.args = None
        for field in NOTE_FIELDS & record.__dict__.keys():
            value = record.__dict__[field]
            record.__dict__[field] = f"[note: {len(str(value))} chars]" if value else value
        for field in SECRET_FIELDS & record.__dict__.keys():
            record.__dict__[field] = "[secret]"
        if record.exc_info:
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


_installed: tuple[logging.Handler, RedactingFilter] | None = None


def configure_logging(
    *,
    folder: Path | None = None,
    level: int = logging.INFO,
    max_bytes: int = DEFAULT_MAX_BYTES,
    backups: int = DEFAULT_BACKUPS,
    names: Iterable[str] = (),
) -> RedactingFilter:
    """Send the root logger to ``<folder or platform log folder>/repcompanion.log``, rotating at ``max_bytes``.

    Calling it again replaces the previous handler. Returns the filter, so the workspace can register the
    names of its HCPs (``logs.redactor().register_names(...)``).
    """
    global _installed
    folder = Path(folder) if folder else user_log_folder()
    folder.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(
        folder / LOG_FILE, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )
    handler.setFormatter(logging.Formatter(FORMAT))
    redacting = RedactingFilter(names)
    handler.addFilter(redacting)
    root = logging.getLogger()
    if _installed is not None:
        root.removeHandler(_installed[0])
        _installed[0].close()
    root.addHandler(handler)
    if root.level == logging.NOTSET or root.level > level:
        root.setLevel(level)
    _installed = (handler, redacting)
    return redacting


def redactor() -> RedactingFilter | None:
    """The filter of the installed log handler (None before ``configure_logging``)."""
    return _installed[1] if _installed else None


def register_hcp_names(names: Iterable[tuple[str, str]]) -> None:
    """Redact these HCPs in the log from now on: ``(first_name, last_name)`` pairs; no-op without logging."""
    active = redactor()
    if active is None:
        return
    variants: list[str] = []
    for first, last in names:
        full = f"{first} {last}".strip()
        variants += [full, f"{last}, {first}".strip(", "), last]
    active.register_names(variants)


def register_store_names(store: Store) -> int:
    """Register every HCP name held in a workspace store (call after opening it); returns how many."""
    if redactor() is None:
        return 0
    names = store.hcp_names()
    register_hcp_names(names)
    return len(names)


def shutdown_logging() -> None:
    """Detach and close the file handler (tests, app exit)."""
    global _installed
    if _installed is not None:
        logging.getLogger().removeHandler(_installed[0])
        _installed[0].close()
        _installed = None


__all__ = [
    "LOG_FILE",
    "NoteText",
    "RedactingFilter",
    "configure_logging",
    "redactor",
    "register_hcp_names",
    "register_store_names",
    "shutdown_logging",
    "user_log_folder",
]
