#!/usr/bin/env bash
# Builds the packages (CPack: both .debs, and both .rpms when rpmbuild is
# there) from the build tree into OUT. The other package tests check them
# (CTest fixture "packages").
set -euo pipefail
build_dir=$1
out=$2
rm -rf "$out"
mkdir -p "$out"
log="$out/cpack.log"
generators=DEB
if command -v rpmbuild >/dev/null 2>&1; then generators="DEB;RPM"; fi
(cd "$build_dir" && cpack -G "$generators" -B "$out" >"$log" 2>&1) || { cat "$log"; exit 1; }
# Only the packages stay at the top of OUT.
rm -rf "$out/_CPack_Packages"
ls -l "$out"
for pkg in tgwark tgwark-sim; do
  ls "$out"/${pkg}_*.deb >/dev/null || { echo "no $pkg .deb"; exit 1; }
done
