#!/usr/bin/env bash
# The main job: installs what is missing, builds uvpg, starts a throwaway PostgreSQL, runs the
# examples against it, then the benchmark (when bench/ has one).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh libpq-dev  # libpq: only the benchmark links it, as the reference
[ -f build/build.ninja ] || meson setup build
ninja -C build
pgdir=$(mktemp -d /tmp/uvpg-main-pg.XXXXXX)
trap 'tests/pg_server.sh stop "$pgdir"' EXIT
eval "$(tests/pg_server.sh start "$pgdir")"
export UVPG_EXAMPLE_DSN="$UVPG_TEST_DSN"
for ex in build/examples/*; do
    [ -x "$ex" ] && [ -f "$ex" ] || continue
    echo "== $(basename "$ex")"
    "$ex"
done
echo "== uvpg-bench"
if [ "${UVPG_TEST_SSL:-0}" = 1 ]; then
    # TLS workloads: TCP + TLS (verify-full) + SCRAM-SHA-256-PLUS, on the server's TLS-only database.
    tls_dsn="host=localhost port=$UVPG_TEST_PORT dbname=$UVPG_TEST_SSL_SCRAM_DB user=$UVPG_TEST_SSL_SCRAM_USER"
    tls_dsn="$tls_dsn password=$UVPG_TEST_SSL_SCRAM_PASSWORD sslmode=verify-full sslrootcert=$UVPG_TEST_SSL_ROOT"
    build/bench/uvpg-bench --dsn "$UVPG_TEST_DSN" --tls-dsn "$tls_dsn"
else
    build/bench/uvpg-bench --dsn "$UVPG_TEST_DSN" --workload W2,W4
fi
