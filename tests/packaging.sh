#!/usr/bin/env bash
# Checks that a user can build against uvpg through pkg-config, both from `meson install`
# and from Meson's uninstalled .pc. Prints one "ok:"/"FAILED:" line per check.
set -uo pipefail
build=${1:?build dir}
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/uvpg-pkg.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0
if DESTDIR="$tmp/root" meson install -C "$build" --quiet >"$tmp/install.log" 2>&1; then
    pc=$(dirname "$(find "$tmp/root" -name uvpg.pc | head -n 1)")
    libdir=$(dirname "$(find "$tmp/root" -name 'libuvpg.so' | head -n 1)")
    if [ -n "$pc" ] && g++ examples/connection_cursor.cpp -o "$tmp/ex1" \
        $(PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$tmp/root" pkg-config --cflags --libs uvpg) \
        -Wl,-rpath,"$libdir" 2>"$tmp/cc1.log"; then
        echo "ok: packaging installed-pc"
    else
        cat "$tmp/install.log" "$tmp/cc1.log" 2>/dev/null | tail -n 20; echo "FAILED: packaging installed-pc"; fail=1
    fi
else
    tail -n 20 "$tmp/install.log"; echo "FAILED: packaging meson-install"; fail=1
fi
if g++ examples/connection_cursor.cpp -o "$tmp/ex2" \
    $(PKG_CONFIG_PATH="$build/meson-uninstalled" pkg-config --cflags --libs uvpg) \
    -Wl,-rpath,"$PWD/$build/lib" 2>"$tmp/cc2.log"; then
    echo "ok: packaging uninstalled-pc"
else
    tail -n 20 "$tmp/cc2.log"; echo "FAILED: packaging uninstalled-pc"; fail=1
fi
exit $fail
