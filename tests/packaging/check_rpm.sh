#!/usr/bin/env bash
# The .rpms: a real summary and description, files split as in the .debs, and
# requirements from the shared-library scan only (sonames, rpmlib features and
# the script interpreter; never a Debian package name).
set -euo pipefail
packages=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
rpm_file=$(ls "$packages"/tgwark-[0-9]*.rpm)
sim_rpm=$(ls "$packages"/tgwark-sim-*.rpm)
files=$(rpm -qpl "$rpm_file" 2>/dev/null)
for f in /usr/bin/tgwark /usr/lib/ocf/resource.d/tgwark/tgwark /usr/share/man/man8/tgwark.8.gz; do
  grep -qx "$f" <<<"$files" || fail "missing from the rpm: $f"
done
if grep -E 'tgwark-sim|topolog' <<<"$files"; then fail "the tgwark rpm ships the emulator"; fi
grep -qx /usr/bin/tgwark-sim <<<"$(rpm -qpl "$sim_rpm" 2>/dev/null)" || fail "no tgwark-sim in its rpm"
info=$(rpm -qpi "$rpm_file" 2>/dev/null)
grep -q '^Summary *: Keeps a cluster' <<<"$info" || fail "rpm summary: $info"
sim_info=$(rpm -qpi "$sim_rpm" 2>/dev/null)
grep -q '^Summary *: EC2 and instance-metadata emulator' <<<"$sim_info" || fail "tgwark-sim rpm summary: $sim_info"
grep -q 'IMDSv2 instance metadata' <<<"$sim_info" || fail "tgwark-sim rpm description: $sim_info"
grep -q 'SIOS LifeKeeper' <<<"$info" || fail "rpm description: $info"
if grep -q 'DESCRIPTION' <<<"$info"; then fail "CPack's placeholder description: $info"; fi
requires=$(rpm -qpR "$rpm_file" 2>/dev/null)
while read -r req; do
  case "$req" in
    *.so*|rpmlib\(*|rtld\(*|/bin/sh|/usr/bin/sh|/bin/bash|'') ;;
    *) fail "rpm requirement that is not a shared library: '$req' (all: $requires)" ;;
  esac
done <<<"$requires"
if grep -Eiq 'httplib' <<<"$requires"; then fail "the tgwark rpm requires an HTTP server library"; fi
echo "rpm OK: $(basename "$rpm_file") $(basename "$sim_rpm")"
