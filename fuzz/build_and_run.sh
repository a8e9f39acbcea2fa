#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ and runs each for a while: see fuzz/README.md.
#   fuzz/build_and_run.sh [seconds per target, default 20] [target...]
# Prints "ok: fuzz <name>: N runs" or "FAILED: fuzz <name>" per target; exits non-zero if any
# failed. Reproducers are kept in /tmp/uvpg-fuzz-crashes/.
set -u

seconds=${1:-20}
shift $(( $# > 0 ? 1 : 0 ))
case $seconds in ''|*[!0-9]*) echo "usage: $0 [seconds] [target...]" >&2; exit 2 ;; esac
all_targets=(backend scram sql dsn values codecs startup ops connection)
targets=("${@:-${all_targets[@]}}")

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
crash_dir=/tmp/uvpg-fuzz-crashes
cxx=${FUZZ_CXX:-clang++}

work=$(mktemp -d "${TMPDIR:-/tmp}/uvpg-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT

# --- a clang that can link libFuzzer --------------------------------------------------------

have_libfuzzer() {
    printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' \
        > "$work/probe.cpp"
    "$cxx" -fsanitize=fuzzer "$work/probe.cpp" -o "$work/probe" >/dev/null 2>&1
}

if ! have_libfuzzer; then
    # scripts/deps.sh installs clang and libFuzzer (Debian: clang, libclang-rt-dev). A run that
    # cannot fuzz fails: a skipped fuzz run must never pass for a green one.
    [ "$cxx" = clang++ ] && "$root/scripts/deps.sh" >"$work/deps.log" 2>&1
    if ! have_libfuzzer; then
        echo "FAILED: fuzz (no $cxx that links -fsanitize=fuzzer; scripts/deps.sh installs clang and libclang-rt-dev)"
        sed 's/^/    /' "$work/deps.log" 2>/dev/null | tail -n 20
        exit 1
    fi
fi

# --- build ----------------------------------------------------------------------------------

# The library is instrumented for coverage (fuzzer-no-link) but gets no main; each target
# links libFuzzer's. Only proto/ and the lib/ files that do not need libuv are used.
flags=(-std=c++20 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined
       -fno-sanitize-recover=undefined -Wall -Wextra -I"$root/include" -I"$root")
lib_sources=(proto/buffer.cpp proto/frontend.cpp proto/backend.cpp proto/backend_encode.cpp proto/auth.cpp
             proto/saslprep.cpp proto/saslprep_tables.cpp proto/saslprep_nfkc_tables.cpp
             proto/saslprep_decomp_canonical_singletons.cpp proto/saslprep_decomp_canonical.cpp
             proto/saslprep_decomp_font.cpp proto/saslprep_decomp_arabic_forms.cpp
             proto/saslprep_decomp_width_position.cpp proto/saslprep_decomp_compat.cpp
             proto/sql.cpp proto/codec.cpp proto/codec_basic.cpp proto/codec_network.cpp proto/codec_numeric.cpp proto/codec_datetime.cpp proto/codec_datetime_text.cpp
             proto/codec_array.cpp proto/codec_record.cpp proto/codec_range.cpp proto/pg_types.cpp
             lib/errors/errors.cpp lib/errors/errors_sqlstate.cpp lib/config/conn_params.cpp lib/config/dsn_parse.cpp
             lib/config/pgpass.cpp lib/values/value_as.cpp lib/values/param.cpp lib/values/public_types.cpp lib/values/type_lookup.cpp lib/values/text_form.cpp lib/values/row.cpp
             lib/runtime/recycle.cpp lib/errors/error.cpp lib/ops/startup_op.cpp lib/ops/auth_exchange.cpp
             lib/ops/query_op.cpp lib/ops/batch_op.cpp lib/ops/copy_op.cpp lib/ops/query_ops.cpp)
build=$work/build
mkdir -p "$build"

compile() {  # source object log
    "$cxx" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$root/$1" -o "$2" >"$3" 2>&1 || touch "$3.failed"
}

jobs_max=$(nproc 2>/dev/null || echo 2)
objects=()
for src in "${lib_sources[@]}"; do
    obj=$build/$(echo "$src" | tr / _).o
    objects+=("$obj")
    compile "$src" "$obj" "$obj.log" &
    while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
done
wait

lib_failed=0
for obj in "${objects[@]}"; do
    if [ -e "$obj.log.failed" ]; then
        lib_failed=1
        echo "FAILED: fuzz build: $(basename "$obj" .o | tr _ /)"
        sed 's/^/    /' "$obj.log"
    fi
done
# An archive, so each target pulls in only what it uses.
archive=$build/libuvpg_fuzz.a
[ $lib_failed = 0 ] && ar rcs "$archive" "${objects[@]}"

# fuzz_connection drives the connection itself (no socket): it needs the rest of lib/ but the
# cursor and the pool, and libuv and OpenSSL. The sources are listed by a search, so that files
# moved or added there are followed; they are built only when that target runs. UBSan's
# function check is off for them: clang 14 cannot emit it with coroutines and coverage
# ("Cannot represent a difference across sections").
conn_archive=$build/libuvpg_fuzz_conn.a
conn_link=()
case " ${targets[*]} " in *" connection "*)
    conn_objects=()
    while IFS= read -r src; do
        case " ${lib_sources[*]} " in *" $src "*) continue ;; esac
        obj=$build/$(echo "$src" | tr / _).o
        conn_objects+=("$obj")
        "$cxx" "${flags[@]}" -fno-sanitize=function -fsanitize=fuzzer-no-link -c "$root/$src" -o "$obj" \
            >"$obj.log" 2>&1 || touch "$obj.log.failed" &
        while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n; done
    done < <(cd "$root" && find lib -name '*.cpp' -not -path 'lib/cursor/*' -not -path 'lib/pool/*' | sort)
    wait
    for obj in "${conn_objects[@]}"; do
        if [ -e "$obj.log.failed" ]; then
            lib_failed=1
            echo "FAILED: fuzz build: $(basename "$obj" .o | tr _ /)"
            sed 's/^/    /' "$obj.log"
        fi
    done
    [ $lib_failed = 0 ] && ar rcs "$conn_archive" "${conn_objects[@]}"
    # The connection's archive first: what it needs from proto/ and the rest comes after it.
    conn_link=("$conn_archive" "$archive" $(pkg-config --libs libuv openssl 2>/dev/null || echo -luv -lssl -lcrypto))
    ;;
esac

# --- run ------------------------------------------------------------------------------------

export ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-}${UBSAN_OPTIONS:+:}print_stacktrace=1:halt_on_error=1

# The part of a libFuzzer log worth reading: from the sanitizer's or libFuzzer's first report.
report_tail() {
    local start
    start=$(grep -n -m1 -E '==[0-9]+==(ERROR|WARNING)|runtime error:|check failed:|deadly signal|ALARM:|out-of-memory|terminate called|uncaught exception|Assertion' "$1" | cut -d: -f1)
    if [ -n "$start" ]; then
        tail -n +"$start" "$1" | head -n 60
    else
        tail -n 40 "$1"
    fi
}

failed=0
for name in "${targets[@]}"; do
    src=$here/fuzz_$name.cpp
    dir=$work/$name
    bin=$dir/fuzz_$name
    mkdir -p "$dir/corpus" "$dir/tmp"
    if [ ! -e "$src" ]; then
        echo "FAILED: fuzz $name: no $src"
        failed=1
        continue
    fi
    if [ $lib_failed != 0 ] ||
       ! "$cxx" "${flags[@]}" -fsanitize=fuzzer "$src" $([ "$name" = connection ] && echo "${conn_link[@]}") \
            "$archive" -lcrypto -o "$bin" >"$dir/build.log" 2>&1; then
        echo "FAILED: fuzz $name (build)"
        sed 's/^/    /' "$dir/build.log"
        failed=1
        continue
    fi
    if ! UVPG_FUZZ_SEEDS=$dir/corpus "$bin" >"$dir/seeds.log" 2>&1; then
        echo "FAILED: fuzz $name (writing seeds)"
        sed 's/^/    /' "$dir/seeds.log"
        failed=1
        continue
    fi
    # TMPDIR: a target's scratch files go where the whole run is removed.
    TMPDIR=$dir/tmp "$bin" -max_len=4096 -timeout=5 -max_total_time="$seconds" \
        -artifact_prefix="$dir/" -print_final_stats=1 "$dir/corpus" >"$dir/log" 2>&1
    status=$?
    artifacts=$(find "$dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
                     -o -name 'oom-*' \) 2>/dev/null)
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$dir/log" | tail -n1)
    if [ $status = 0 ] && [ -z "$artifacts" ] && [ -n "$runs" ]; then
        echo "ok: fuzz $name: $runs runs"
        continue
    fi
    failed=1
    echo "FAILED: fuzz $name (exit status $status)"
    for a in $artifacts; do
        mkdir -p "$crash_dir"
        kept=$crash_dir/fuzz_$name-$(basename "$a")
        cp "$a" "$kept"
        echo "    reproducer: $kept ($(stat -c %s "$kept") bytes; run: fuzz_$name $kept)"
        [ "$(stat -c %s "$kept")" -le 512 ] && echo "    hex: $(od -An -v -tx1 "$kept" | tr -d ' \n')"
    done
    report_tail "$dir/log" | sed 's/^/    /'
done
exit $failed
