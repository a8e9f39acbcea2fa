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
build/bench/uvpg-bench --dsn "$UVPG_TEST_DSN"
