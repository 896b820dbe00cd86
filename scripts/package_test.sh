#!/usr/bin/env bash
# Smoke-test the packaged app: build it if needed, then run --version and a demo screenshot offscreen.
set -euo pipefail
cd "$(dirname "$0")/.."
APP=dist/repcompanion/repcompanion
if [ ! -x "$APP" ] || [ "${REBUILD:-0}" = 1 ]; then
    scripts/package.sh
fi
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
export QT_QPA_PLATFORM=offscreen
# A headless build machine has no keyring: the workspace key then comes from a passphrase.
export REPCOMPANION_PASSPHRASE="${REPCOMPANION_PASSPHRASE:-package-test-passphrase}"
# Keep the test's logs and settings out of the real user folders.
export XDG_DATA_HOME="$TMP/data" XDG_STATE_HOME="$TMP/state" XDG_CONFIG_HOME="$TMP/config" XDG_CACHE_HOME="$TMP/cache"

"$APP" --version
"$APP" demo --workspace "$TMP/ws" --hcps 50 --screenshot "$TMP/x.png" --view today
python3 - "$TMP/x.png" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
width, height = struct.unpack(">II", data[16:24])
assert width > 200 and height > 200, (width, height)
print(f"screenshot ok: {width}x{height}, {len(data)} bytes")
PY
# The workspace the packaged app wrote must be encrypted (SQLCipher bundled and used), not a plain SQLite file.
if [ "$(head -c 15 "$TMP/ws/workspace.db")" = "SQLite format 3" ]; then
    echo "encrypted at rest: NO (plain SQLite header in workspace.db)" >&2
    if [ "${REQUIRE_ENCRYPTED:-1}" = 1 ]; then exit 1; fi
else
    echo "encrypted at rest: yes"
fi
echo "package test passed"
