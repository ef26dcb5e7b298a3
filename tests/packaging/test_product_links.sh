#!/usr/bin/env bash
# The product binary links no HTTP server: no cpp-httplib code in it, and
# none of the compression libraries that only the emulator's server needs
# among its direct dependencies (libcurl may load its own, as it always does).
set -euo pipefail
binary=$1
needed=$(readelf -d "$binary" | awk '/NEEDED/ {print $NF}')
echo "direct dependencies: $needed"
if grep -Eq 'httplib|brotli|libz\.' <<<"$needed"; then
  echo "FAIL: $binary links cpp-httplib, brotli or zlib directly" >&2
  exit 1
fi
if nm -C "$binary" | grep -q 'httplib::'; then
  echo "FAIL: $binary contains cpp-httplib code" >&2
  exit 1
fi
echo "ok: $binary links no HTTP server"
