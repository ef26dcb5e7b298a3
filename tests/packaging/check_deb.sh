#!/usr/bin/env bash
# Installs the .debs into a scratch root (dpkg -x) and runs what they install
# from there: `tgwark --version`, the OCF agent's meta-data, `lifekeeper
# install` with the packaged example config, and `tgwark demo` finding the
# tgwark-sim of the other package beside it. Checks the split: the product
# package has no emulator, topology, developer doc or HTTP server dependency.
set -euo pipefail
packages=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

deb=$(ls "$packages"/tgwark_*.deb)
sim_deb=$(ls "$packages"/tgwark-sim_*.deb)
# Whole outputs are captured before grep: `cmd | grep -q` under pipefail fails
# at random when grep exits early and cmd dies of SIGPIPE.
info=$(dpkg-deb --info "$deb")
contents=$(dpkg-deb --contents "$deb" | awk '{print $NF}' | sed 's#^\./#/#')
sim_info=$(dpkg-deb --info "$sim_deb")
sim_contents=$(dpkg-deb --contents "$sim_deb" | awk '{print $NF}' | sed 's#^\./#/#')

field() { awk -v f=" $2:" 'index($0, f) == 1 {sub(f " *", ""); print}' <<<"$1"; }
[ "$(field "$info" Package)" = tgwark ] || fail "not the tgwark package: $info"
[ "$(field "$sim_info" Package)" = tgwark-sim ] || fail "not the tgwark-sim package: $sim_info"

# The product package: what it must have...
for f in /usr/bin/tgwark /usr/lib/ocf/resource.d/tgwark/tgwark \
         /usr/share/man/man8/tgwark.8.gz /usr/share/man/man5/tgwark.toml.5.gz \
         /usr/share/doc/tgwark/copyright /usr/share/doc/tgwark/changelog.gz \
         /usr/share/doc/tgwark/examples/tgwark.toml /usr/share/doc/tgwark/configuration.md \
         /usr/share/doc/tgwark/lifekeeper.md /usr/share/doc/tgwark/packaging.md; do
  grep -qx "$f" <<<"$contents" || fail "missing from the tgwark package: $f"
done
# ...and what it must not: the emulator, topologies, developer docs.
for pattern in 'tgwark-sim' 'topolog' '/design\.md$' '/testing\.md$' '/benchmarks\.md$' \
               '/emulator\.md$' '\.json$' 'man[0-9]/[^/]*[0-9]$'; do
  if grep -E "$pattern" <<<"$contents"; then fail "the tgwark package ships $pattern"; fi
done
depends=$(field "$info" Depends)
if grep -Eiq 'httplib|brotli' <<<"$depends"; then fail "tgwark depends on $depends"; fi
grep -q 'graphviz' <<<"$(field "$info" Suggests)" || fail "tgwark does not suggest graphviz"
grep -q 'tgwark-sim' <<<"$(field "$info" Suggests)" || fail "tgwark does not suggest tgwark-sim"
[ "$(field "$info" Section)" = admin ] || fail "tgwark section: $(field "$info" Section)"
[ "$(field "$info" Priority)" = optional ] || fail "tgwark priority"
# A real extended description: more than the synopsis line.
description=$(dpkg-deb --field "$deb" Description)
[ "$(wc -l <<<"$description")" -ge 5 ] || fail "no extended description: $description"
[ "$(head -1 <<<"$description")" = "Keeps a cluster's virtual IP routed across AWS VPCs and Transit Gateways" ] ||
  fail "tgwark synopsis: $description"
sim_description=$(dpkg-deb --field "$sim_deb" Description)
[[ "$(head -1 <<<"$sim_description")" == "EC2 and instance-metadata emulator"* ]] ||
  fail "tgwark-sim synopsis: $sim_description"
[ "$(wc -l <<<"$sim_description")" -ge 5 ] || fail "no extended description: $sim_description"

# The emulator package.
for f in /usr/bin/tgwark-sim /usr/share/man/man1/tgwark-sim.1.gz \
         /usr/share/tgwark-sim/topologies/demo.json /usr/share/doc/tgwark-sim/walkthrough.md \
         /usr/share/doc/tgwark-sim/copyright /usr/share/doc/tgwark-sim/changelog.gz; do
  grep -qx "$f" <<<"$sim_contents" || fail "missing from the tgwark-sim package: $f"
done
if grep -E 'ref-scale' <<<"$sim_contents"; then fail "tgwark-sim ships benchmark topologies"; fi
# Man pages and changelogs really are gzip data.
dpkg-deb -x "$deb" "$work/root"
dpkg-deb -x "$sim_deb" "$work/root"
for f in usr/share/man/man8/tgwark.8.gz usr/share/doc/tgwark/changelog.gz; do
  gzip -t "$work/root/$f" || fail "$f is not gzip data"
done
zcat "$work/root/usr/share/doc/tgwark/changelog.gz" | head -1 | grep -q "^tgwark (" ||
  fail "changelog.gz is not a Debian changelog"

# Run what was installed, from the scratch root.
version=$("$work/root/usr/bin/tgwark" --version)
[[ "$version" == tgwark\ * ]] || fail "unexpected --version: $version"
# The OCF agent answers meta-data through the packaged binary path.
sed "s#/usr/bin/tgwark#$work/root/usr/bin/tgwark#" \
  "$work/root/usr/lib/ocf/resource.d/tgwark/tgwark" >"$work/agent"
chmod +x "$work/agent"
metadata=$("$work/agent" meta-data)
grep -q '<resource-agent name="tgwark"' <<<"$metadata" || fail "bad OCF meta-data"
# The packaged example config is valid, and install writes scripts for the
# binary it is told to use.
"$work/root/usr/bin/tgwark" --config "$work/root/usr/share/doc/tgwark/examples/tgwark.toml" \
  lifekeeper install --tag pkgtest --dir "$work/lk" --binary "$work/root/usr/bin/tgwark" >/dev/null
grep -q "exec '$work/root/usr/bin/tgwark' restore" "$work/lk/restore" ||
  fail "lifekeeper install wrote: $(cat "$work/lk/restore")"
# The demo finds the packaged emulator beside the packaged tgwark (not on PATH).
demo=$(env PATH=/usr/bin:/bin "$work/root/usr/bin/tgwark" demo 2>&1) ||
  fail "tgwark demo from the packages: $demo"
grep -q "Demo complete" <<<"$demo" || fail "tgwark demo from the packages: $demo"
echo "deb OK: $(basename "$deb") $(basename "$sim_deb") ($version)"
