#!/usr/bin/env bash
# Stop a server started by scripts/pg_start.sh and delete its folder:  scripts/pg_stop.sh DIR
set -euo pipefail
DIR="${1:?usage: scripts/pg_stop.sh DIR}"
[ -d "$DIR/data" ] || { echo "pg_stop: $DIR holds no server started by pg_start.sh" >&2; exit 1; }
BINDIR=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r) "$(dirname "$(readlink -f "$(command -v pg_ctl || echo /nonexistent)")")"; do
    [ -x "$d/pg_ctl" ] && { BINDIR="$d"; break; }
done
[ -n "$BINDIR" ] || { echo "pg_stop: pg_ctl not found" >&2; exit 1; }
if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$BINDIR/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
else
    "$BINDIR/pg_ctl" -D "$DIR/data" -m fast -w stop >&2 || true
fi
case "$DIR" in
    /tmp/*) rm -rf "$DIR" ;;
    *) echo "pg_stop: left $DIR in place (not under /tmp)" >&2 ;;
esac
