#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds with warnings as errors, starts a
# throwaway PostgreSQL (unless UVPG_TEST_DSN points at one), runs every test once plainly and
# once under AddressSanitizer + UndefinedBehaviorSanitizer, and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/deps.sh || exit 1

build() {  # build DIR [meson options...]
    local dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
    fi
    ninja -C "$dir" >"$dir.ninja.log" 2>&1 || { tail -n 60 "$dir.ninja.log"; return 1; }
}

passed=0; failed=0
run_suite() {  # run_suite DIR LABEL
    local dir=$1 label=$2 exe out rc line p f
    for exe in "$dir"/tests/test_*; do
        [ -x "$exe" ] && [ -f "$exe" ] || continue
        out=$(cd "$root" && timeout 600 "$exe" 2>&1); rc=$?
        line=$(printf '%s\n' "$out" | grep -E '^\[doctest\] test cases:' | tail -n 1)
        p=$(printf '%s' "$line" | sed -nE 's/.*\| *([0-9]+) passed.*/\1/p'); p=${p:-0}
        f=$(printf '%s' "$line" | sed -nE 's/.*\| *([0-9]+) failed.*/\1/p'); f=${f:-0}
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash or sanitizer report
        if [ "$rc" -ne 0 ]; then
            printf '%s\n' "$out" | tail -n 80
            echo "FAILED: $label $(basename "$exe") (exit $rc)"
        else
            echo "ok: $label $(basename "$exe"): $p passed"
        fi
        passed=$((passed + p)); failed=$((failed + f))
    done
}

pgdir=""
cleanup() { [ -n "$pgdir" ] && tests/pg_server.sh stop "$pgdir"; }
trap cleanup EXIT
if [ -z "${UVPG_TEST_DSN:-}" ]; then
    pgdir=$(mktemp -d /tmp/uvpg-test-pg.XXXXXX)
    vars=$(tests/pg_server.sh start "$pgdir") || { echo "could not start PostgreSQL"; echo "0 passed, 1 failed"; exit 1; }
    set -a  # every UVPG_TEST_* the script prints, the TLS files included
    eval "$vars"
    set +a
fi

export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0

if build build; then
    run_suite build plain
    pkg_out=$(tests/packaging.sh build); echo "$pkg_out"
    passed=$((passed + $(printf '%s\n' "$pkg_out" | grep -c '^ok:')))
    failed=$((failed + $(printf '%s\n' "$pkg_out" | grep -c '^FAILED:')))
else
    echo "FAILED: plain build"; failed=$((failed + 1))
fi
if build build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug; then
    run_suite build-asan asan+ubsan
else
    echo "FAILED: sanitizer build"; failed=$((failed + 1))
fi

# libFuzzer targets on every parser entry point, briefly (clang is needed; without it, skipped).
if command -v clang++ >/dev/null 2>&1; then
    fuzz_out=$(fuzz/build_and_run.sh "${UVPG_FUZZ_SECONDS:-10}" 2>&1); echo "$fuzz_out" | tail -n 40
    passed=$((passed + $(printf '%s\n' "$fuzz_out" | grep -c '^ok: fuzz')))
    failed=$((failed + $(printf '%s\n' "$fuzz_out" | grep -c '^FAILED: fuzz')))
else
    echo "skipped: fuzz (no clang++)"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
