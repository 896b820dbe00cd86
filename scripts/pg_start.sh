#!/usr/bin/env bash
# Start a throw-away PostgreSQL server for the hub tests and print its URL (postgresql+psycopg://...) on stdout.
#
#   scripts/pg_start.sh [DIR]     DIR: data folder to create (default: a new /tmp/repcompanion-pg.XXXXXX)
#   scripts/pg_stop.sh DIR        stops it and deletes DIR
#
# Installs the Debian package `postgresql` when no server binaries are found (needs root and apt).
# Runs the server as the `postgres` user when started as root (initdb refuses root), listening on a unix
# socket inside DIR and on 127.0.0.1 at a free port. Everything but the URL goes to stderr.
set -euo pipefail

log() { echo "pg_start: $*" >&2; }

find_bindir() {
    local d
    if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
        pg_config --bindir; return 0
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    command -v initdb >/dev/null 2>&1 && { dirname "$(readlink -f "$(command -v initdb)")"; return 0; }
    return 1
}

BINDIR="$(find_bindir || true)"
if [ -z "$BINDIR" ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        log "PostgreSQL is not installed and cannot be installed here (needs root and apt-get)."
        exit 3
    fi
    log "installing PostgreSQL (apt-get install -y postgresql)..."
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q postgresql >&2; then
        apt-get update -q >&2 && apt-get install -y -q postgresql >&2 || { log "apt-get install postgresql failed"; exit 3; }
    fi
    BINDIR="$(find_bindir || true)"
    [ -n "$BINDIR" ] || { log "PostgreSQL was installed but initdb was not found"; exit 3; }
fi

DIR="${1:-}"
if [ -z "$DIR" ]; then
    DIR="$(mktemp -d /tmp/repcompanion-pg.XXXXXX)"
else
    mkdir -p "$DIR"
fi
DIR="$(cd "$DIR" && pwd)"

RUN=()
OWNER="$(id -un)"
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir "$DIR" --shell /bin/sh postgres
    chown postgres: "$DIR"
    chmod 700 "$DIR"
    OWNER=postgres
    if command -v runuser >/dev/null 2>&1; then RUN=(runuser -u postgres --); else RUN=(su postgres -s /bin/sh -c); fi
fi
as_owner() {
    if [ "${#RUN[@]}" -eq 0 ]; then "$@";
    elif [ "${RUN[0]}" = runuser ]; then "${RUN[@]}" "$@";
    else "${RUN[@]}" "$(printf '%q ' "$@")"; fi
}

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
as_owner "$BINDIR/initdb" -D "$DIR/data" -U "$OWNER" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || as_owner "$BINDIR/initdb" -D "$DIR/data" -U "$OWNER" --auth=trust --encoding=UTF8 --no-locale >"$DIR/initdb.log" 2>&1 \
    || { log "initdb failed:"; cat "$DIR/initdb.log" >&2; exit 4; }
OPTS="-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=128MB"
as_owner "$BINDIR/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -o "$OPTS" -w -t 30 start >&2 \
    || { log "the server did not start:"; tail -20 "$DIR/server.log" >&2; exit 5; }
echo "$PORT" >"$DIR/port"
as_owner "$BINDIR/createdb" -h "$DIR" -p "$PORT" -U "$OWNER" repcompanion >&2
log "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') running in $DIR on 127.0.0.1:$PORT (stop: scripts/pg_stop.sh $DIR)"
echo "postgresql+psycopg://$OWNER@127.0.0.1:$PORT/repcompanion"
