#!/usr/bin/env bash
# The main job: installs what is missing, builds uvpg, starts a throwaway PostgreSQL, runs the
# examples against it, then the benchmark (every workload, with build/bench.json and build/bench.svg).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh libpq-dev  # libpq: only the benchmark links it, as the reference
# The benchmark is built only where libpq was found when build/ was set up: an older build/
# (set up before libpq was installed) is set up again, with the benchmark required this time.
if [ ! -f build/build.ninja ]; then
    meson setup build -Dbench=enabled
elif ! ninja -C build -t targets all 2>/dev/null | grep -q '^bench/uvpg-bench:'; then
    meson setup --reconfigure build -Dbench=enabled
fi
ninja -C build
pgdir=$(mktemp -d /tmp/uvpg-main-pg.XXXXXX)
trap 'tests/pg_server.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT  # with the pgbench tables, ~200 MB
# Not `eval "$(...)"`, which would run on after a failed start with no UVPG_TEST_* set.
if ! vars=$(tests/pg_server.sh start "$pgdir"); then
    echo "main.sh: could not start PostgreSQL" >&2
    for log in "$pgdir"/server.log "$pgdir"/initdb.log; do
        [ -f "$log" ] && { echo "--- tail of $log" >&2; tail -n 30 "$log" >&2; }
    done
    exit 1
fi
eval "$vars"
export UVPG_EXAMPLE_DSN="$UVPG_TEST_DSN"
for ex in build/examples/*; do
    [ -x "$ex" ] && [ -f "$ex" ] || continue
    echo "== $(basename "$ex")"
    "$ex"
done
echo "== uvpg-bench"
# Every workload once, A/B interleaved with libpq (pgbench for W2), sized to stay within about ten
# minutes on 2 cores: 3 repetitions, 5 s timed phases, W8 on 2,000,000 rows (the tool's default
# is 10,000,000). The figures also go to build/bench.json and build/bench.svg.
# W1-W8 on plain TCP (the server offers TLS, and both drivers would otherwise take it under
# sslmode=prefer); TLS has its own lines below.
bench_args=(--dsn "$UVPG_TEST_DSN sslmode=disable" --repeat 3 --duration 5 --w8-rows 2000000
            --json build/bench.json --plot build/bench.svg)
if [ "${UVPG_TEST_SSL:-0}" = 1 ]; then
    # TLS workloads: TCP + TLS (verify-full) + SCRAM-SHA-256-PLUS, on the server's TLS-only database.
    tls_dsn="host=localhost port=$UVPG_TEST_PORT dbname=$UVPG_TEST_SSL_SCRAM_DB user=$UVPG_TEST_SSL_SCRAM_USER"
    tls_dsn="$tls_dsn password=$UVPG_TEST_SSL_SCRAM_PASSWORD sslmode=verify-full sslrootcert=$UVPG_TEST_SSL_ROOT"
    bench_args+=(--tls-dsn "$tls_dsn")
fi
build/bench/uvpg-bench "${bench_args[@]}"
