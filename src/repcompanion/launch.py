"""The console scripts ``repcompanion`` and ``repcompanion-hub``: a missing extra or native module is a message, not a
traceback (an install of ``repcompanion[hub]`` has no Qt, one of ``repcompanion[client]`` no web server)."""

from __future__ import annotations

import sys
from collections.abc import Callable

from repcompanion.domain.errors import RepCompanionError

#: the extra that installs each optional top-level module
EXTRAS: dict[str, str] = {
    **dict.fromkeys(("fastapi", "starlette", "uvicorn", "sqlalchemy", "alembic", "psycopg", "anyio"), "hub"),
    **dict.fromkeys(("httpx", "keyring", "ortools", "icalendar", "sqlcipher3"), "client"),
    **dict.fromkeys(("PySide6", "shiboken6"), "app"),
}


def missing_module_message(exc: ImportError, command: str) -> str:
    """What to tell the user when ``command`` cannot import a module: which one, and what to install."""
    name = (exc.name or str(exc)).split(".")[0]
    extra = EXTRAS.get(name)
    if extra is None:
        return (
            f"{command}: a module RepCompanion needs cannot be loaded ({exc}). Reinstall RepCompanion "
            "(pip install --force-reinstall 'repcompanion[...]' with the extras you use)."
        )
    what = {"hub": "the hub", "client": "the laptop command line", "app": "the desktop app"}[extra]
    return (
        f"{command}: {what} needs the '{name}' package, which is not installed or cannot be loaded ({exc}). "
        f"Install it with: pip install 'repcompanion[{extra}]'"
    )


def _run(command: str, load: Callable[[], Callable[[], int]]) -> int:
    try:
        main = load()
    except ImportError as exc:
        print(missing_module_message(exc, command), file=sys.stderr)
        return 3
    except RepCompanionError as exc:  # e.g. a native module that is present but will not load
        print(f"{command}: {exc.user_message()}", file=sys.stderr)
        return 3
    try:
        return main()
    except ImportError as exc:  # a command that loads an optional part late (``repcompanion app`` loads Qt)
        if (exc.name or "").split(".")[0] not in EXTRAS:
            raise
        print(missing_module_message(exc, command), file=sys.stderr)
        return 3


def client() -> int:
    """``repcompanion``: the laptop's command line and the desktop app."""

    def load() -> Callable[[], int]:
        from repcompanion.cli import main

        return main

    return _run("repcompanion", load)


def hub() -> int:
    """``repcompanion-hub``: the central service and its administration."""

    def load() -> Callable[[], int]:
        from repcompanion.hub.cli import main

        return main

    return _run("repcompanion-hub", load)


__all__ = ["EXTRAS", "client", "hub", "missing_module_message"]
