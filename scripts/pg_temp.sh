#!/usr/bin/env bash
# A throwaway PostgreSQL for the demo and the tests: Debian's server binaries, a cluster in a
# directory of our own, listening on 127.0.0.1 only, trust authentication (loopback, throwaway).
# Nothing is written to /etc and no system service is touched (FACTS.md: no pg_createcluster).
#
#   scripts/pg_temp.sh run CMD [ARGS...]   start a cluster in a new temporary directory, run CMD with
#                                          PGHOST/PGPORT/PGUSER/PGDATABASE set, stop it, delete it;
#                                          exits with CMD's status
#   scripts/pg_temp.sh start DIR [PORT]    create (if new) and start a cluster in DIR; prints the
#                                          PG* variables as shell assignments
#   scripts/pg_temp.sh stop DIR            fast shutdown (the cluster and its data stay)
#   scripts/pg_temp.sh restart DIR         start a stopped cluster again on its port
set -euo pipefail

BIN=${PG_BIN:-}
if [ -z "$BIN" ]; then
  BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
fi
if [ -z "$BIN" ] || [ ! -x "$BIN/pg_ctl" ]; then
  echo "pg_temp: PostgreSQL server binaries not found (install with scripts/setup.sh)" >&2
  exit 1
fi

# initdb refuses to run as root: the cluster then belongs to the postgres system user.
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
owner_name() {
  if [ "$(id -u)" -eq 0 ]; then echo postgres; else id -un; fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local dir=$1 port=${2:-}
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$dir"; fi
  chmod 700 "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    [ -n "$port" ] || port=$(free_port)
    as_owner "$BIN/initdb" -D "$dir/data" --auth=trust --no-sync --encoding=UTF8 --locale=C.UTF-8 -U "$(owner_name)" >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    echo "$port" >"$dir/port"
  fi
  port=$(cat "$dir/port")
  # fsync stays on: the tests rely on committed rows surviving a server stop.
  as_owner "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $dir -c max_connections=40" start >/dev/null \
    || { tail -n 20 "$dir/server.log" >&2; exit 1; }
  if ! as_owner "$BIN/psql" -h 127.0.0.1 -p "$port" -U "$(owner_name)" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname='spotstream'" | grep -q 1; then
    as_owner "$BIN/createdb" -h 127.0.0.1 -p "$port" -U "$(owner_name)" spotstream
  fi
  echo "PGHOST=127.0.0.1 PGPORT=$port PGUSER=$(owner_name) PGDATABASE=spotstream"
}

stop() {
  local dir=$1
  [ -f "$dir/data/postmaster.pid" ] || return 0
  as_owner "$BIN/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
}

case "${1:-}" in
  start) shift; start "$@" ;;
  stop) shift; stop "$1" ;;
  restart) shift; start "$1" ;;
  run)
    shift
    dir=$(mktemp -d /tmp/spotstream-pg.XXXXXX)
    cleanup() { stop "$dir" || true; rm -rf "$dir"; }
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    vars=$(start "$dir")
    # shellcheck disable=SC2086
    export $vars
    echo "pg_temp: throwaway PostgreSQL on $PGHOST:$PGPORT (data in $dir, removed on exit)" >&2
    set +e
    "$@"
    rc=$?
    set -e
    exit $rc
    ;;
  *)
    sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
