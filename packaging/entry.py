"""Frozen-app entry point: the `repcompanion` command line (PyInstaller needs a script, not a module)."""

from repcompanion.launch import client

raise SystemExit(client())
