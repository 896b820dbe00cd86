#!/usr/bin/env bash
# Create the project's virtual environment; on Debian install python3-venv first when it is missing.
set -euo pipefail
python="${1:-python3}"
venv="${2:-.venv}"
if "$python" -m venv "$venv" 2>/dev/null; then
  exit 0
fi
rm -rf "$venv"
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "python3-venv is missing: installing it with apt-get" >&2
  apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
  "$python" -m venv "$venv"
else
  echo "Cannot create a virtual environment with $python. On Debian/Ubuntu run: sudo apt-get install python3-venv" >&2
  exit 1
fi
