"""Benchmarks: each module prints one JSON object."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported when called, so `python -m bench.startup`'s measured child loads nothing extra
    import pandas as pd

    from repcompanion.intel.territory import IntelInputs
    from repcompanion.simulate import DemoTerritory


def demo_inputs(demo: DemoTerritory, events: pd.DataFrame | None = None) -> IntelInputs:
    """The engine's inputs for a simulated territory on its last day of history (``events`` replaces its events)."""
    from repcompanion.intel.territory import IntelInputs

    return IntelInputs(
        hcps=demo.hcps,
        consents=demo.consents,
        events=demo.events if events is None else events,
        content=demo.content,
        products=demo.products,
        call_plans=demo.call_plans,
        day=demo.today,
    )
