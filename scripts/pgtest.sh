#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL 15 cluster.
#
#   scripts/pgtest.sh run -- CMD ARGS…
#
# Creates a temporary directory, initdb's a cluster there listening only on a Unix socket in that
# directory (no TCP), creates a database and exports
# COUNTINGHOUSE_TEST_POSTGRES=postgresql://postgres@/countinghouse_test?host=<socketdir>
# (the `postgres` superuser, trust authentication on the socket), runs CMD, and always stops the
# server and removes the directory, exiting with CMD's status. PostgreSQL refuses to run as root, so
# when run as root the server runs as the `postgres` system user (created by Debian's package).
set -euo pipefail

usage() {
    echo "usage: $0 run -- CMD [ARGS…]" >&2
    exit 2
}

[[ $# -ge 3 && $1 == run && $2 == -- ]] || usage
shift 2

find_bindir() {
    local candidate
    if [[ -n ${PG_BINDIR:-} && -x $PG_BINDIR/initdb ]]; then echo "$PG_BINDIR"; return; fi
    for candidate in /usr/lib/postgresql/15/bin $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -Vr) \
        /usr/local/pgsql/bin /usr/pgsql-15/bin; do
        if [[ -x $candidate/initdb && -x $candidate/pg_ctl ]]; then echo "$candidate"; return; fi
    done
    if command -v pg_config >/dev/null 2>&1; then
        candidate=$(pg_config --bindir)
        if [[ -x $candidate/initdb ]]; then echo "$candidate"; return; fi
    fi
    if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
    echo "pgtest: no PostgreSQL server binaries (initdb, pg_ctl) found; install postgresql-15" >&2
    exit 1
}

BINDIR=$(find_bindir)
WORKDIR=$(mktemp -d "${TMPDIR:-/tmp}/countinghouse-pg.XXXXXX")
DATADIR=$WORKDIR/data
SOCKDIR=$WORKDIR
LOG=$WORKDIR/server.log
STARTED=0

if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || { echo "pgtest: running as root needs the postgres system user" >&2; exit 1; }
    chown postgres: "$WORKDIR"
    chmod 700 "$WORKDIR"
    as_server() { runuser -u postgres -- "$@"; }
else
    as_server() { "$@"; }
fi

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [[ $STARTED -eq 1 ]]; then
        as_server "$BINDIR/pg_ctl" -D "$DATADIR" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$WORKDIR"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

as_server "$BINDIR/initdb" -D "$DATADIR" -U postgres --auth=trust --encoding=UTF8 --locale=C >"$LOG" 2>&1 \
    || { cat "$LOG" >&2; echo "pgtest: initdb failed" >&2; exit 1; }
# The socket directory must be reachable by the connecting user (root, or the current user), and
# the server (running as postgres when we are root) appends to the log.
chmod 755 "$WORKDIR"
[[ $(id -u) -eq 0 ]] && chown postgres: "$LOG"
STARTED=1
as_server "$BINDIR/pg_ctl" -D "$DATADIR" -l "$LOG" -w -t 60 \
    -o "-c listen_addresses='' -k $SOCKDIR -c fsync=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null || { cat "$LOG" >&2; echo "pgtest: the server did not start" >&2; exit 1; }
as_server "$BINDIR/createdb" -h "$SOCKDIR" -U postgres countinghouse_test \
    || { echo "pgtest: createdb failed" >&2; exit 1; }

export COUNTINGHOUSE_TEST_POSTGRES="postgresql://postgres@/countinghouse_test?host=$SOCKDIR"
# For tests that take the server away mid-run and bring it back (the nightly run's retries): the
# commands that stop and start this server.
as_server_prefix=""
[[ $(id -u) -eq 0 ]] && as_server_prefix="runuser -u postgres --"
export COUNTINGHOUSE_TEST_POSTGRES_STOP="$as_server_prefix $BINDIR/pg_ctl -D $DATADIR -m fast -w stop"
export COUNTINGHOUSE_TEST_POSTGRES_START="$as_server_prefix $BINDIR/pg_ctl -D $DATADIR -l $LOG -w -t 60 -o \"-c listen_addresses='' -k $SOCKDIR -c fsync=off -c full_page_writes=off -c max_connections=200\" start"
echo "pgtest: PostgreSQL ($BINDIR) at $COUNTINGHOUSE_TEST_POSTGRES" >&2
set +e
"$@"
status=$?
set -e
exit "$status"
