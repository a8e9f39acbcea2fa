#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL for the test suite.
#   tests/pg_server.sh start DIR   -> prints shell assignments (UVPG_TEST_*) to eval
#   tests/pg_server.sh stop DIR
# The server runs as the `postgres` OS user when we are root (initdb refuses root), listens on
# 127.0.0.1 at a free port with its unix socket in DIR, and has one role per auth method.
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?directory}

bindir=$(pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/initdb" ] || bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bindir/initdb" ] || { echo "pg_server.sh: no PostgreSQL server binaries found" >&2; exit 1; }

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    # IPv6 loopback too, where the machine has it (some containers do not).
    listen="127.0.0.1"; ipv6=0
    if python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
        listen="127.0.0.1,::1"; ipv6=1
    fi
    as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '$listen'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
    cat >"$dir/data/pg_hba.conf" <<HBA
local all all trust
host all uvpg_password 127.0.0.1/32 password
host all uvpg_md5 127.0.0.1/32 md5
host all uvpg_scram 127.0.0.1/32 scram-sha-256
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
HBA
    as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    as_pg "$bindir/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt -v ON_ERROR_STOP=1 >/dev/null <<SQL
SET password_encryption = 'md5';
CREATE ROLE uvpg_md5 LOGIN PASSWORD 'md5_secret';
SET password_encryption = 'scram-sha-256';
CREATE ROLE uvpg_password LOGIN PASSWORD 'plain_secret';
CREATE ROLE uvpg_scram LOGIN PASSWORD 'scram_secret';
CREATE DATABASE uvpg_test;
SQL
    echo "UVPG_TEST_DSN='host=127.0.0.1 port=$port user=postgres dbname=uvpg_test'"
    echo "UVPG_TEST_HOST=127.0.0.1"
    echo "UVPG_TEST_PORT=$port"
    echo "UVPG_TEST_SOCKET_DIR='$dir'"
    echo "UVPG_TEST_AUTH=1"
    echo "UVPG_TEST_IPV6=$ipv6"
    echo "UVPG_TEST_PG_BINDIR='$bindir'"
    echo "UVPG_TEST_PGDATA='$dir/data'"
    ;;
stop)
    [ -f "$dir/data/postmaster.pid" ] && as_pg "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
