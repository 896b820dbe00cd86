"""Suite-wide setup: with REPCOMPANION_BLOCK_QT=1 PySide6 cannot be imported, proving the core needs no Qt."""

from __future__ import annotations

import importlib.abc
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


class _BlockQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):  # type: ignore[no-untyped-def]
        if name.split(".")[0] in {"PySide6", "shiboken6"}:
            raise ImportError(f"{name} is blocked: the non-UI tests must not need Qt")
        return None


if os.environ.get("REPCOMPANION_BLOCK_QT") == "1":
    sys.meta_path.insert(0, _BlockQt())

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str | None]:
    """URL of a real PostgreSQL server for the tests, or None (tests using ``tests.pg.pg_schema`` then skip)."""
    from tests.pg import start_server

    yield from start_server()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real third-party data beside the repository; tests using it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real data not found at {SHARED_DATA} (../shared/data beside the repository)")
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _memory_keyring():
    """One in-memory keyring for the session, so encrypted workspaces (and copies of them) open without a
    passphrase prompt; tests about tokens install their own backend."""
    import keyring

    from tests.keyrings import MemoryKeyring

    backend = MemoryKeyring()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    """How long the install tests spent building the wheel and installing it (tests/test_install.py)."""
    from tests.test_install import INSTALL_TIMES

    times = config.stash.get(INSTALL_TIMES, [])
    if times:
        terminalreporter.write_line("install tests: " + ", ".join(f"{what} {seconds:.0f} s" for what, seconds in times))
