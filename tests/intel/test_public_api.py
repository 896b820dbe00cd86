"""Each intel package's public API: every exported name resolves, and the light ones import no heavy library."""

from __future__ import annotations

import ast
import importlib
import inspect
import subprocess
import sys

import pytest

PACKAGES = ("intel", "intel.territory", "intel.propensity", "intel.nba", "intel.plan", "intel.safety", "intel.journeys")


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves(package):
    module = importlib.import_module(f"repcompanion.{package}")
    assert module.__all__ == sorted(set(module.__all__), key=module.__all__.index), "no name exported twice"
    for name in module.__all__:
        assert getattr(module, name) is not None


@pytest.mark.parametrize("package", ("intel", "intel.propensity"))
def test_names_loaded_on_first_use_are_the_ones_type_checkers_see(package):
    module = importlib.import_module(f"repcompanion.{package}")
    typed: dict[str, str] = {}
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            for stmt in node.body:
                assert isinstance(stmt, ast.ImportFrom)
                typed.update({alias.name: stmt.module for alias in stmt.names})
    assert set(typed) == set(module._LAZY)
    for name, source in typed.items():
        assert getattr(module, name) is getattr(importlib.import_module(source), name)
    assert set(module._LAZY) <= set(module.__all__)


def test_the_light_entry_points_load_neither_pandas_nor_scikit_learn():
    code = (
        "import sys\n"
        "import repcompanion.intel, repcompanion.intel.journeys, repcompanion.intel.safety\n"
        "from repcompanion.intel.propensity import default_model_path, load_model, ModelBundle\n"
        "print(sorted(m for m in ('numpy', 'pandas', 'sklearn', 'scipy', 'skops', 'ortools') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_an_unknown_name_is_an_attribute_error():
    import repcompanion.intel as intel
    from repcompanion.intel import propensity

    with pytest.raises(AttributeError, match="no attribute 'rank'"):
        _ = intel.rank
    with pytest.raises(AttributeError, match="no attribute 'Engine'"):
        _ = propensity.Engine
