#!/usr/bin/env bash
# The whole test suite: installs what is missing, builds with warnings as errors, starts a
# throwaway PostgreSQL (unless UVPG_TEST_DSN points at one), runs every test once plainly and
# once under AddressSanitizer + UndefinedBehaviorSanitizer, the tests where threads meet under
# ThreadSanitizer, compiles every C++ snippet of the docs, runs the fuzz targets briefly, checks
# the layering, clang-tidy and the format, and ends with "N passed, N failed, N skipped".
# A test case that could not run here (UVPG_SKIP in tests/support.hpp: no TLS, no per-method
# roles on an outside server) counts as skipped, never passed; with UVPG_TEST_NO_SKIP=1 (.ci/run)
# it fails instead.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
scripts/deps.sh || exit 1

build() {  # [BUILD_TARGETS="..."] build DIR [meson options...]: every target, or those named
    local dir=$1; shift
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" -Dwerror=true "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
    fi
    # shellcheck disable=SC2086  # target names have no spaces
    ninja -C "$dir" ${BUILD_TARGETS:-} >"$dir.ninja.log" 2>&1 || { tail -n 60 "$dir.ninja.log"; return 1; }
}

passed=0; failed=0; skipped=0
suite_run=()  # a command run_suite puts before each test binary
run_suite() {  # run_suite DIR LABEL [TEST...]: every test binary of DIR, or those named
    local dir=$1 label=$2 exe out rc line p f s exes=()
    shift 2
    for exe in "$@"; do exes+=("$dir/tests/$exe"); done
    [ ${#exes[@]} -gt 0 ] || exes=("$dir"/tests/test_*)
    for exe in "${exes[@]}"; do
        [ -x "$exe" ] && [ -f "$exe" ] || continue
        out=$(cd "$root" && timeout 600 ${suite_run[@]+"${suite_run[@]}"} "$exe" 2>&1); rc=$?
        line=$(printf '%s\n' "$out" | grep -E '^\[doctest\] test cases:' | tail -n 1)
        p=$(printf '%s' "$line" | sed -nE 's/.*\| *([0-9]+) passed.*/\1/p'); p=${p:-0}
        f=$(printf '%s' "$line" | sed -nE 's/.*\| *([0-9]+) failed.*/\1/p'); f=${f:-0}
        if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # a crash or sanitizer report
        # doctest counts a test case that returned early as passed: take the skipped ones out
        # (once each, however many subcases printed the line).
        s=$(printf '%s\n' "$out" | grep -E '^SKIPPED: ' | sort -u | wc -l)
        if [ "$s" -gt 0 ]; then
            printf '%s\n' "$out" | grep -E '^SKIPPED: ' | sort -u | sed "s/^SKIPPED: /skipped: $label $(basename "$exe"): /"
            p=$((p > s ? p - s : 0))
        fi
        if [ "$rc" -ne 0 ]; then
            printf '%s\n' "$out" | tail -n 80
            echo "FAILED: $label $(basename "$exe") (exit $rc)"
        else
            echo "ok: $label $(basename "$exe"): $p passed$([ "$s" -gt 0 ] && echo ", $s skipped")"
        fi
        passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    done
}

pgdir=""
cleanup() { [ -n "$pgdir" ] && tests/pg_server.sh stop "$pgdir"; }
trap cleanup EXIT
if [ -z "${UVPG_TEST_DSN:-}" ]; then
    pgdir=$(mktemp -d /tmp/uvpg-test-pg.XXXXXX)
    if ! vars=$(tests/pg_server.sh start "$pgdir"); then
        echo "FAILED: could not start PostgreSQL"
        for log in "$pgdir"/server.log "$pgdir"/initdb.log; do
            [ -f "$log" ] && { echo "--- tail of $log"; tail -n 30 "$log"; }
        done
        echo "0 passed, 1 failed, 0 skipped"
        exit 1
    fi
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

# ThreadSanitizer where threads meet: SCRAM's key derivation runs on libuv's thread pool
# (uv_queue_work in lib/conn/startup.cpp) in the SCRAM logins of test_connect,
# test_saslprep_login and test_tls (SCRAM over TLS, -PLUS); test_pool's connections log in the
# same way, many at once. Only those are built here.
tsan_tests=(test_connect test_saslprep_login test_tls test_pool)
export TSAN_OPTIONS=halt_on_error=0:second_deadlock_stack=1
if BUILD_TARGETS="${tsan_tests[*]/#/tests/}" build build-tsan -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug; then
    # g++ 12's TSan cannot place its shadow memory under more than 28 bits of mmap randomness
    # (kernels from 6.5 may default to 32): there it runs without address randomisation.
    if [ "$(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 0)" -gt 28 ]; then suite_run=(setarch "$(uname -m)" -R); fi
    run_suite build-tsan tsan "${tsan_tests[@]}"
    suite_run=()
else
    echo "FAILED: ThreadSanitizer build"; failed=$((failed + 1))
fi

# Every C++ block of README.md and docs/*.md compiles (tools/check_snippets.py), one test each.
# First the checker's self-test: blocks that must compile and blocks that must not.
snip_out=$( { tools/check_snippets.py --self-test && tools/check_snippets.py; } 2>&1); snip_rc=$?
printf '%s\n' "$snip_out" | grep -v '^ok: snippet'
snip_ok=$(printf '%s\n' "$snip_out" | grep -c '^ok: snippet')
snip_failed=$(printf '%s\n' "$snip_out" | grep -c '^FAILED: snippet')
if [ "$snip_rc" -ne 0 ] && [ "$snip_failed" -eq 0 ]; then echo "FAILED: snippet check (exit $snip_rc)"; snip_failed=1; fi
echo "ok: snippets: $snip_ok passed (the checker's self-test and each C++ block of the docs)"
passed=$((passed + snip_ok)); failed=$((failed + snip_failed))

# libFuzzer targets on every parser entry point, briefly. scripts/deps.sh installs clang and
# libFuzzer; a run without them fails (fuzz/build_and_run.sh says so), it is never skipped.
fuzz_out=$(fuzz/build_and_run.sh "${UVPG_FUZZ_SECONDS:-10}" 2>&1); fuzz_rc=$?
echo "$fuzz_out" | tail -n 40
fuzz_ok=$(printf '%s\n' "$fuzz_out" | grep -c '^ok: fuzz')
fuzz_failed=$(printf '%s\n' "$fuzz_out" | grep -c '^FAILED: fuzz')
if [ "$fuzz_rc" -ne 0 ] && [ "$fuzz_failed" -eq 0 ]; then echo "FAILED: fuzz (exit $fuzz_rc)"; fuzz_failed=1; fi
passed=$((passed + fuzz_ok)); failed=$((failed + fuzz_failed))

# Checks of the source itself, one counted test each: it passes when its command exits 0.
check() {  # check LABEL COMMAND...
    local label=$1 out rc; shift
    out=$("$@" 2>&1); rc=$?
    printf '%s\n' "$out"
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
    else
        printf '%s\n' "$out" | grep -q '^FAILED' || echo "FAILED: $label (exit $rc)"
        failed=$((failed + 1))
    fi
}
# The layering of include/, proto/ and lib/ by their #include lines: the self-test, then the tree.
layers() { tools/check_layers.py --self-test && tools/check_layers.py; }
check layers layers
# clang-tidy over lib/ and proto/ (.clang-tidy; what is enforced where: scripts/tidy.sh).
check tidy scripts/tidy.sh build
# The house style (.clang-format): the checker's self-test always, the tree once the file
# .clang-format-enforced exists (the commit that reformats the tree creates it).
format_check() {
    scripts/format.sh --self-test || return 1
    local differ
    differ=$(scripts/format.sh --check)
    if [ -f .clang-format-enforced ]; then
        [ -z "$differ" ] && { echo "ok: format: every file as .clang-format has it"; return 0; }
        printf 'FAILED: format: %s differs from .clang-format (scripts/format.sh rewrites it)\n' $differ
        return 1
    fi
    echo "ok: format: the checker's self-test; the tree is checked once .clang-format-enforced exists" \
        "($(printf '%s' "$differ" | grep -c .) files would change today)"
}
check format format_check

if [ "${UVPG_TEST_NO_SKIP:-0}" = 1 ] && [ "$skipped" -gt 0 ]; then
    echo "FAILED: $skipped test cases skipped, and UVPG_TEST_NO_SKIP=1 allows none"
    failed=$((failed + skipped))
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
