#!/usr/bin/env bash
# Build the one-folder desktop app into dist/repcompanion/ with PyInstaller (needs the `package` extra).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
PY="$VENV/bin/python"
if ! "$PY" -c "import PyInstaller" 2>/dev/null; then
    echo "PyInstaller is missing: $PY -m pip install -e '.[package]'" >&2
    exit 1
fi
if [ ! -f packaging/icon.png ]; then
    QT_QPA_PLATFORM=offscreen "$PY" packaging/render_icon.py
fi
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/repcompanion.spec
end=$(date +%s)
size=$(du -sh dist/repcompanion | cut -f1)
echo "Built dist/repcompanion in $((end - start)) s ($size)."
