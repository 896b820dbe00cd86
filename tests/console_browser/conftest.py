"""A console hub served by uvicorn on 127.0.0.1 (random port) and Debian's chromium driven by Playwright; both skip
with the reason when chromium cannot be installed (scripts/browser_install.sh)."""

from __future__ import annotations

import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hub import console_data
from tests.hub.console_data import ConsoleHub

ROOT = Path(__file__).resolve().parents[2]
#: Chromium as root on a machine without a sandbox, and nothing that reaches for Google's servers
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip


def chromium_path() -> str:
    """The chromium binary (installed by scripts/browser_install.sh when missing); skips saying why it is not there."""
    try:
        proc = subprocess.run(
            ["bash", str(ROOT / "scripts" / "browser_install.sh")], capture_output=True, text=True, timeout=900
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"scripts/browser_install.sh could not run: {exc}")
    if proc.returncode != 0 or not proc.stdout.strip():
        pytest.skip(f"Chromium could not be installed: {proc.stderr.strip()[-400:]}")
    return proc.stdout.strip().splitlines()[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="package")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ConsoleHub, str]]:
    """The console test hub (tests/hub/console_data) behind a real uvicorn server: (hub, base URL)."""
    import uvicorn

    hub = console_data.build(f"sqlite:///{tmp_path_factory.mktemp('console-browser') / 'hub.db'}")
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(hub.client.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield hub, f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    hub.close()


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    path = chromium_path()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # the dev extra installs it
        pytest.skip(f"Playwright is not installed: {exc}")
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
