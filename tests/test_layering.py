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
