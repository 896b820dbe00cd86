"""Shared fixtures for the intelligence tests: a small simulated territory and a model trained on it."""

from __future__ import annotations

import pytest

from repcompanion.intel.propensity import ModelBundle, new_propensity_model, training_examples
from repcompanion.intel.territory import IntelInputs


def inputs_of(demo) -> IntelInputs:
    return IntelInputs(
        hcps=demo.hcps,
        consents=demo.consents,
        events=demo.events,
        content=demo.content,
        products=demo.products,
        call_plans=demo.call_plans,
        day=demo.today,
    )


@pytest.fixture(scope="session")
def to_inputs():
    """The function turning a DemoTerritory into IntelInputs."""
    return inputs_of


@pytest.fixture(scope="session")
def small_demo():
    simulate = pytest.importorskip("repcompanion.simulate")
    return simulate.generate_territory(hcps=60, seed=5, years=1.0)


@pytest.fixture(scope="session")
def small_bundle(small_demo) -> ModelBundle:
    X, y = training_examples(inputs_of(small_demo))
    return ModelBundle(new_propensity_model().fit(X, y), "propensity", "test-model", {})
