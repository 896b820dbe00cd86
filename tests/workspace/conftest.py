"""Demo workspaces made once per size for the whole run; each test opens its own copy."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from repcompanion.workspace import Workspace

#: The day the shared demo workspaces are made on (and pinned to, where a test asks).
DEMO_DAY = date(2026, 11, 24)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int], Path]:
    """``demo_template(hcps)``: a demo workspace of that size (seed 5, made on :data:`DEMO_DAY`), made on first
    use; tests must not change it, only copies of it."""
    made: dict[int, Path] = {}

    def template(hcps: int) -> Path:
        if hcps not in made:
            folder = tmp_path_factory.mktemp(f"demo-{hcps}")
            Workspace.create_demo(folder, hcps=hcps, seed=5, today=DEMO_DAY).close()
            made[hcps] = folder
        return made[hcps]

    return template


def open_copy(folder: Path, tmp_path: Path, *, pin: date | None = None) -> Iterator[Workspace]:
    """A private copy of ``folder`` opened (its day pinned to ``pin`` when given), closed afterwards."""
    shutil.copytree(folder, tmp_path / "w")
    ws = Workspace.open(tmp_path / "w")
    if pin is not None:
        ws.pin_today(pin)
    yield ws
    ws.close()


@pytest.fixture
def folder(demo_template: Callable[[int], Path]) -> Path:
    """The 40-HCP demo workspace, the default of this folder's tests (a module may define its own)."""
    return demo_template(40)


@pytest.fixture
def ws(folder: Path, tmp_path: Path) -> Iterator[Workspace]:
    """A private copy of ``folder`` pinned to :data:`DEMO_DAY` (a module may define its own)."""
    yield from open_copy(folder, tmp_path, pin=DEMO_DAY)
