"""The core imports no Qt: checked in the same process the non-UI tests run in."""

from __future__ import annotations

import importlib
import os
import pkgutil

import pytest

import repcompanion

CORE = ("domain", "protocol", "store", "intel", "sync", "ingest", "simulate", "workspace", "hub")


@pytest.mark.skipif(os.environ.get("REPCOMPANION_BLOCK_QT") != "1", reason="run by `make test` with Qt blocked")
def test_every_core_module_imports_without_qt():
    for pkg in CORE:
        try:
            module = importlib.import_module(f"repcompanion.{pkg}")
        except ModuleNotFoundError as exc:
            if exc.name == f"repcompanion.{pkg}":
                continue
            raise
        for info in pkgutil.walk_packages(module.__path__, prefix=f"repcompanion.{pkg}."):
            if info.name.endswith("__main__") or ".migrations." in info.name:
                continue
            importlib.import_module(info.name)
    with pytest.raises(ImportError):
        importlib.import_module("PySide6")


def test_version_is_exposed():
    assert repcompanion.__version__.count(".") == 2


def test_every_test_in_the_qt_job_needs_qt():
    """A test under tests/ui runs only in the Qt job; one that needs no Qt belongs where the core's tests run."""
    import ast
    from pathlib import Path

    qt_free = []
    for path in sorted((Path(__file__).parent / "ui").glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {
            alias.name if isinstance(node, ast.Import) else node.module or ""
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for alias in node.names
        }
        uses_qt = any(m.startswith(("PySide6", "repcompanion.ui", "tests.ui")) for m in imported)
        fixtures = {a.arg for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) for a in node.args.args}
        if not uses_qt and not fixtures & {"qtbot", "window", "qapp"}:
            qt_free.append(path.name)
    assert qt_free == [], f"these need no Qt; move them out of tests/ui: {qt_free}"
