#!/usr/bin/env bash
# Installs the Debian packages uvpg needs when they are missing (as root, or through sudo).
set -euo pipefail
pkgs=(meson ninja-build pkg-config g++ libuv1-dev libssl-dev doctest-dev postgresql python3 openssl pgbouncer "$@")
# unicode-data: Unicode's NormalizationTest.txt, which tests/test_saslprep checks NFKC against
# (and the data tools/gen_saslprep.py reads); bzip2 reads it compressed.
pkgs+=(unicode-data bzip2)
# The fuzz targets (fuzz/build_and_run.sh), which scripts/test.sh always runs: clang, and the
# compiler-rt archives that hold libFuzzer and clang's sanitizer runtimes (not a dependency of
# Debian's clang package, so named here).
pkgs+=(clang libclang-rt-dev)
# scripts/format.sh and scripts/tidy.sh (clang-format and clang-tidy 14 on Debian 12), which
# scripts/test.sh runs too; g++'s ThreadSanitizer runtime comes with g++ (libtsan2).
pkgs+=(clang-format clang-tidy)
missing=()
for p in "${pkgs[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null || true
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
