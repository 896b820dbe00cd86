#!/usr/bin/env bash
# Make sure Debian's Chromium is installed for the console's browser tests, and print its path on stdout.
#
#   scripts/browser_install.sh
#
# The tests drive it with Playwright (pointed at this binary; Playwright's own browser download is not used, as it
# cannot reach its servers from a closed network). Installs the Debian package `chromium` with apt-get when no
# binary is found: as root directly, else through sudo when it needs no password. Everything but the path goes to
# stderr; exit status 3 says it could not be installed (the tests then skip, saying why).
set -euo pipefail

log() { echo "browser_install: $*" >&2; }

find_chromium() {
    local c
    for c in "${REPCOMPANION_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
        [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
    done
    return 1
}

if path="$(find_chromium)"; then
    echo "$path"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    log "Chromium is not installed and this system has no apt-get: install Chromium and set REPCOMPANION_CHROMIUM."
    exit 3
fi
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        SUDO=(sudo -n)
    else
        log "Chromium is not installed; installing it needs root: run 'sudo apt-get install chromium'."
        exit 3
    fi
fi
log "installing Chromium (apt-get install -y chromium)..."
export DEBIAN_FRONTEND=noninteractive
if ! "${SUDO[@]}" apt-get install -y -q chromium >&2; then
    "${SUDO[@]}" apt-get update -q >&2 && "${SUDO[@]}" apt-get install -y -q chromium >&2 \
        || { log "apt-get install chromium failed"; exit 3; }
fi
path="$(find_chromium)" || { log "chromium was installed but no binary was found"; exit 3; }
log "$("$path" --version 2>/dev/null || echo chromium) at $path"
echo "$path"
