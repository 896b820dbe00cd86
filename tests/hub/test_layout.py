"""The hub's rooms: each names what it holds in a one-line docstring and a public API, and imports only rooms below."""

from __future__ import annotations

import importlib
import pkgutil

import grimp
import pytest

import repcompanion.hub

#: top to bottom; a room may import the rooms of lower layers, never those of its own layer or above
LAYERS = (
    "cli",
    "api",
    "console",
    "admin",
    "sync",
    {"followups", "safety", "models", "auth"},
    "delivery",
    "db",
    {"errors", "settings"},
)
ROOMS = sorted(m.name for m in pkgutil.iter_modules(repcompanion.hub.__path__) if m.ispkg)


def test_every_module_of_the_hub_belongs_to_a_layer() -> None:
    named = {room for layer in LAYERS for room in ({layer} if isinstance(layer, str) else layer)}
    assert {m.name for m in pkgutil.iter_modules(repcompanion.hub.__path__)} == named


def test_the_hubs_rooms_import_only_the_rooms_below_them() -> None:
    graph = grimp.build_graph("repcompanion")
    illegal = graph.find_illegal_dependencies_for_layers(layers=LAYERS, containers={"repcompanion.hub"})
    assert not illegal, sorted(f"{d.importer} -> {d.imported}" for d in illegal)


@pytest.mark.parametrize("room", ROOMS)
def test_each_room_says_what_it_holds_and_exports_a_public_api(room: str) -> None:
    package = importlib.import_module(f"repcompanion.hub.{room}")
    doc = (package.__doc__ or "").strip()
    assert doc and "\n" not in doc, f"{room}: a one-line docstring"
    exported = getattr(package, "__all__", None)
    assert exported, f"{room}: no __all__"
    for name in exported:
        assert hasattr(package, name), f"{room}.{name}"
