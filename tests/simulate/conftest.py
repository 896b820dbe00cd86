"""One default demo territory shared by the simulate tests (generation takes about a second)."""

from __future__ import annotations

import pytest

from repcompanion.simulate import DemoTerritory, generate_territory


@pytest.fixture(scope="session")
def demo() -> DemoTerritory:
    return generate_territory()
