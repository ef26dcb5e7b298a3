#!/usr/bin/env bash
# Builds the .deb (and the .rpm) with CPack from the build tree, unpacks it into a scratch
# root, and checks that what it installs runs and is where docs/configuration.md and
# the docs say: the binaries, the OCF agent, man pages, example config, docs.
set -euo pipefail
build_dir=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$build_dir" && cpack -G DEB -B "$work/out" >"$work/cpack.log" 2>&1) || {
  cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/out/*.deb)
# Whole outputs are captured before grep: `cmd | grep -q` under pipefail fails
# at random when grep exits early and cmd dies of SIGPIPE.
info=$(dpkg-deb --info "$deb")
grep -q "Package: tgwark" <<<"$info" || { echo "not the tgwark package:"; echo "$info"; exit 1; }
dpkg-deb -x "$deb" "$work/root"
for f in usr/bin/tgwark usr/bin/tgwark-sim usr/lib/ocf/resource.d/tgwark/tgwark \
         usr/share/man/man8/tgwark.8 usr/share/man/man5/tgwark.toml.5 usr/share/man/man1/tgwark-sim.1 \
         usr/share/doc/tgwark/examples/tgwark.toml usr/share/doc/tgwark/configuration.md \
         usr/share/tgwark/topologies/demo.json; do
  [ -e "$work/root/$f" ] || { echo "missing from the package: $f"; exit 1; }
done
version=$("$work/root/usr/bin/tgwark" --version)
[[ "$version" == tgwark\ * ]] || { echo "unexpected --version: $version"; exit 1; }
# The packaged example config is valid.
"$work/root/usr/bin/tgwark" --config "$work/root/usr/share/doc/tgwark/examples/tgwark.toml" \
  lifekeeper install --tag pkgtest --dir "$work/lk" >/dev/null
[ -x "$work/lk/restore" ] || { echo "lifekeeper install from the package wrote no scripts"; exit 1; }
# The OCF agent answers meta-data through the packaged binary path.
sed "s#/usr/bin/tgwark#$work/root/usr/bin/tgwark#" "$work/root/usr/lib/ocf/resource.d/tgwark/tgwark" >"$work/agent"
chmod +x "$work/agent"
metadata=$("$work/agent" meta-data)
grep -q '<resource-agent name="tgwark"' <<<"$metadata" || { echo "bad OCF meta-data"; exit 1; }
echo "deb OK: $(basename "$deb") ($version)"

# The .rpm, when rpmbuild is available (scripts/setup installs it).
if command -v rpmbuild >/dev/null 2>&1; then
  (cd "$build_dir" && cpack -G RPM -B "$work/rpm" >"$work/cpack-rpm.log" 2>&1) || {
    cat "$work/cpack-rpm.log"; exit 1; }
  rpm_file=$(ls "$work"/rpm/*.rpm)
  files=$(rpm -qpl "$rpm_file" 2>/dev/null)
  for f in /usr/bin/tgwark /usr/bin/tgwark-sim /usr/lib/ocf/resource.d/tgwark/tgwark \
           /usr/share/man/man8/tgwark.8; do
    grep -qx "$f" <<<"$files" || { echo "missing from the rpm: $f"; exit 1; }
  done
  echo "rpm OK: $(basename "$rpm_file")"
fi
