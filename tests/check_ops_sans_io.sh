#!/bin/sh
# lib/ops/ is sans-I/O (docs/design.md): nothing its sources include, directly or through
# another header, may be libuv, lib/net/, lib/conn/, <coroutine> or <uvpg/task.hpp>.
#   tests/check_ops_sans_io.sh <source root> <compiler command...>
root=$1
shift
status=0
found=0
for f in "$root"/lib/ops/*.cpp; do
    [ -e "$f" ] || continue
    found=1
    if ! pre=$("$@" -std=c++20 -I"$root" -I"$root/include" -E "$f"); then
        echo "FAILED: cannot preprocess $f"
        status=1
        continue
    fi
    bad=$(printf '%s\n' "$pre" | grep -E '^# [0-9]+ "[^"]*(/uv\.h|/uv/|/coroutine|uvpg/task\.hpp|lib/net/|lib/conn/)' |
          sed 's/^# [0-9]* "\([^"]*\)".*/\1/' | sort -u)
    if [ -n "$bad" ]; then
        echo "FAILED: $f includes:"
        printf '    %s\n' $bad
        status=1
    fi
done
if [ $found = 0 ]; then
    echo "FAILED: no sources in $root/lib/ops"
    exit 1
fi
[ $status = 0 ] && echo "ok: lib/ops/ includes no I/O"
exit $status
