#!/usr/bin/env bash
# The C++ sources in the house style of .clang-format (clang-format 14, which scripts/deps.sh
# installs; another version may wrap a few lines differently).
#   scripts/format.sh                 reformats every file in place
#   scripts/format.sh --check         changes nothing: lists the files that differ, exit 1 if any
#   scripts/format.sh --check FILE... the same for the files named
#   scripts/format.sh --self-test     the check on two made-up files: one it must refuse, one not
# Covered: lib/ proto/ include/ tests/ fuzz/ bench/ examples/ and tools/*.cpp. Generated files
# (they say "do not edit" in their first lines: the SQLSTATE classes, the type table, the
# SASLprep tables) are left as their generator writes them, and subprojects/ is not ours.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
style="--style=file:$root/.clang-format"

cf=""
for c in clang-format-14 clang-format; do
    command -v "$c" >/dev/null 2>&1 && { cf=$c; break; }
done
[ -n "$cf" ] || { echo "FAILED: format: clang-format not found (scripts/deps.sh installs it)"; exit 1; }

sources() {
    { find lib proto include tests fuzz bench examples -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \)
      find tools -maxdepth 1 -type f -name '*.cpp'; } 2>/dev/null | LC_ALL=C sort |
    while IFS= read -r f; do
        head -n 3 "$f" | grep -qi 'do not edit' || printf '%s\n' "$f"
    done
}

check() {  # check FILE...: prints the files clang-format would change; status 1 if any
    local f differ=0
    for f in "$@"; do
        if ! "$cf" "$style" "$f" | cmp -s - "$f"; then
            echo "$f"
            differ=1
        fi
    done
    return $differ
}

case "${1:-}" in
"")
    mapfile -t files < <(sources)
    "$cf" "$style" -i "${files[@]}"
    ;;
--check)
    shift
    if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(sources); fi
    check "${files[@]}"
    ;;
--self-test)
    t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
    printf 'int  f( int x ){return x;}\n' >"$t/bad.cpp"
    printf 'int f(int x) { return x; }\n' >"$t/good.cpp"
    bad=$(check "$t/bad.cpp"); bad_rc=$?
    check "$t/good.cpp" >/dev/null; good_rc=$?
    if [ $bad_rc -ne 1 ] || [ "$bad" != "$t/bad.cpp" ] || [ $good_rc -ne 0 ]; then
        echo "FAILED: format self-test: a misformatted file passed or a formatted one was refused"
        exit 1
    fi
    ;;
*)
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
