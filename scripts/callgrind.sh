#!/usr/bin/env bash
# Instructions per unit of each hot path under callgrind: build/bench/uvpg-paths run at two sizes,
# the difference divided by the difference in size, so that start-up and connecting drop out.
# Stable where times are not (docs/benchmarks.md). Needs valgrind and a server:
#   scripts/callgrind.sh DSN [BUILD_DIR] [PATH...]
# Paths: select1 prepared w4row w5insert (default: all four).
set -euo pipefail
dsn=${1:?usage: scripts/callgrind.sh DSN [BUILD_DIR] [PATH...]}
build=${2:-build}
shift $(( $# >= 2 ? 2 : 1 ))
paths=("$@")
[ ${#paths[@]} -gt 0 ] || paths=(select1 prepared w4row w5insert)
bin=$build/bench/uvpg-paths
[ -x "$bin" ] || { echo "callgrind.sh: $bin not built (ninja -C $build bench/uvpg-paths)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "callgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
instructions() {  # path n
    valgrind --tool=callgrind --callgrind-out-file="$tmp/out" "$bin" "$dsn" "$1" "$2" >/dev/null 2>"$tmp/err" ||
        { cat "$tmp/err" >&2; exit 1; }
    awk '/^(summary|totals):/ {print $2; exit}' "$tmp/out"
}
for p in "${paths[@]}"; do
    case $p in w4row) n1=20000 n2=120000 ;; *) n1=500 n2=2500 ;; esac
    a=$(instructions "$p" $n1)
    b=$(instructions "$p" $n2)
    echo "$p: $(( (b - a) / (n2 - n1) )) instructions per unit"
done
