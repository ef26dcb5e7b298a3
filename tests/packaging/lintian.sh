#!/usr/bin/env bash
# lintian on both .debs; any error (E:) fails. Warnings are printed, not fatal.
set -euo pipefail
packages=$1
command -v lintian >/dev/null 2>&1 || { echo "FAIL: lintian is not installed (scripts/setup)"; exit 1; }
status=0
for deb in "$packages"/tgwark_*.deb "$packages"/tgwark-sim_*.deb; do
  out=$(lintian --no-cfg --allow-root "$deb" 2>&1 || true)
  echo "== lintian $(basename "$deb")"
  [ -z "$out" ] || echo "$out"
  if grep -q '^E: ' <<<"$out"; then status=1; fi
done
[ $status -eq 0 ] && echo "lintian: no errors"
exit $status
