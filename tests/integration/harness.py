"""Shared harness for tgwark's integration tests: the real `tgwark` binary
against a real `tgwark-sim` process over loopback HTTP.

Why a separate process and real HTTP: these tests are about what a user or a
cluster manager sees (exit codes, JSON, stderr) and what the emulated cloud
sees (its state dump and call counters), with every layer in between real.

Standard library only. Each test class starts its own emulator on port 0 and
stops it in teardown; every tgwark run gets a private temporary directory for
its config and topology cache and a scrubbed environment, so nothing from the
developer's shell (AWS keys, ~/.aws) can leak in.
"""

import argparse
import copy
import json
import glob
import os
import signal
import subprocess
import sys
import tempfile
import threading
import unittest
import urllib.error
import urllib.request

VIP = "192.168.10.10/32"
MUTATING_PREFIXES = ("Create", "Replace", "Delete", "Modify")

# Filled in by main() from the command line CTest passes.
TGWARK = None
SIM = None
TOPOLOGIES = None

# Generous per-process bound: a hung child fails the test instead of CTest's
# whole-suite timeout. Not a timing assertion.
PROCESS_TIMEOUT_S = 120


def main():
    """Parses --tgwark/--sim/--topologies, leaves the rest to unittest."""
    global TGWARK, SIM, TOPOLOGIES
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--tgwark", required=True)
    parser.add_argument("--sim", required=True)
    parser.add_argument("--topologies", required=True)
    args, rest = parser.parse_known_args()
    TGWARK, SIM, TOPOLOGIES = args.tgwark, args.sim, args.topologies
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


def known_bug(description):
    """Marks a test that fails because of a known product bug. It runs (and
    fails) by default, so the bug stays visible until it is fixed; set
    TGWARK_IT_SKIP_KNOWN_BUGS=1 to skip such tests when looking for regressions
    elsewhere."""

    def decorate(test):
        if os.environ.get("TGWARK_IT_SKIP_KNOWN_BUGS") == "1":
            return unittest.skip("known product bug: " + description)(test)
        test.__doc__ = "known product bug: " + description
        return test

    return decorate


def topology_path(name):
    return os.path.join(TOPOLOGIES, name + ".json")


def load_topology(name):
    with open(topology_path(name)) as f:
        return json.load(f)


class Sim:
    """One tgwark-sim process on 127.0.0.1:0 and its control API."""

    def __init__(self, topology_file, seed=1, extra_args=(), listen="127.0.0.1:0"):
        self.proc = subprocess.Popen(
            [SIM, "--listen", listen, "--topology", topology_file, "--seed", str(seed)]
            + list(extra_args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        first = self.proc.stdout.readline().strip()
        prefix = "listening on "
        if not first.startswith(prefix):
            err = self.proc.stderr.read() if self.proc.poll() is not None else ""
            self.proc.kill()
            raise RuntimeError("tgwark-sim did not start: %r %s" % (first, err))
        self.url = first[len(prefix):]
        # Drain both pipes so a chatty emulator can never block on a full pipe.
        self.stderr_lines = []
        self._drains = []
        for stream, sink in ((self.proc.stdout, None), (self.proc.stderr, self.stderr_lines)):
            t = threading.Thread(target=_drain, args=(stream, sink), daemon=True)
            t.start()
            self._drains.append(t)

    def metadata_endpoint(self, node):
        return "%s/_node/%s" % (self.url, node)

    def _request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                text = resp.read().decode()
        except urllib.error.HTTPError as e:
            raise RuntimeError("%s %s: HTTP %d %s" % (method, path, e.code, e.read().decode()))
        return json.loads(text) if text.strip() else None

    def state(self):
        return self._request("GET", "/_sim/state")

    def counters(self):
        return self._request("GET", "/_sim/counters")

    def drift(self, ops):
        return self._request("POST", "/_sim/drift", ops)

    def fault(self, rule):
        return self._request("POST", "/_sim/faults", rule)

    def clear_faults(self):
        return self._request("POST", "/_sim/faults", {"clear": True})

    def latency(self, rule):
        return self._request("POST", "/_sim/latency", rule)

    def throttle(self, settings):
        return self._request("POST", "/_sim/throttle", settings)

    def reset(self):
        return self._request("POST", "/_sim/reset", {})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for t in self._drains:
            t.join(timeout=10)
        for stream in (self.proc.stdout, self.proc.stderr):
            if not stream.closed:
                stream.close()

    # --- derived views -------------------------------------------------------

    def total_calls(self, include_imds=True):
        return sum(
            n
            for region, actions in self.counters().get("calls", {}).items()
            if include_imds or region != "imds"
            for n in actions.values()
        )

    def writes(self):
        """Mutating EC2 calls the emulator received, by action (all regions)."""
        out = {}
        for region, actions in self.counters().get("calls", {}).items():
            if region == "imds":
                continue
            for action, n in actions.items():
                if action.startswith(MUTATING_PREFIXES):
                    out[action] = out.get(action, 0) + n
        return out

    def vip_routes(self, vip=VIP):
        return vip_routes(self.state(), vip)


def _drain(stream, sink):
    for line in stream:
        if sink is not None:
            sink.append(line)


def write_count(writes):
    return sum(writes.values())


def diff_counts(after, before):
    keys = set(after) | set(before)
    return {k: after.get(k, 0) - before.get(k, 0)
            for k in keys if after.get(k, 0) != before.get(k, 0)}


# --- the emulator's state dump ----------------------------------------------


def vip_routes(state, vip=VIP):
    """{table id: (region, kind, target or None, state)} for every route table
    in the dump; target None means the table holds no VIP route."""
    out = {}
    for region, r in state["regions"].items():
        for vpc in r.get("vpcs", []):
            for rt in vpc.get("route_tables", []):
                route = _find_route(rt, vip)
                out[rt["id"]] = (
                    region,
                    "vpc",
                    _vpc_target(route) if route else None,
                    route.get("state") if route else None,
                )
        for tgw in r.get("transit_gateways", []):
            for rt in tgw.get("route_tables", []):
                route = _find_route(rt, vip)
                target = None
                if route:
                    target = "blackhole" if route.get("blackhole") else route.get("attachment")
                out[rt["id"]] = (region, "tgw", target, route.get("state") if route else None)
    return out


def _find_route(rt, vip):
    for route in rt.get("routes", []):
        if route.get("destination") == vip:
            return route
    return None


def _vpc_target(route):
    for key in ("network_interface_id", "transit_gateway_id", "gateway_id", "instance_id"):
        if route.get(key):
            return route[key]
    return None


def strip_vip_routes(state, vip=VIP):
    """A deep copy of the dump without any route whose destination is the VIP:
    what must be identical before and after a failover (the safety invariant)."""
    s = copy.deepcopy(state)
    for r in s["regions"].values():
        for vpc in r.get("vpcs", []):
            for rt in vpc.get("route_tables", []):
                rt["routes"] = [x for x in rt.get("routes", []) if x.get("destination") != vip]
        for tgw in r.get("transit_gateways", []):
            for rt in tgw.get("route_tables", []):
                rt["routes"] = [x for x in rt.get("routes", []) if x.get("destination") != vip]
    return s


def json_diff(a, b, path=""):
    """Human-readable list of differences between two JSON trees."""
    if type(a) is not type(b):
        return ["%s: %r != %r" % (path or "/", a, b)]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a:
                out.append("%s/%s: added %r" % (path, k, b[k]))
            elif k not in b:
                out.append("%s/%s: removed %r" % (path, k, a[k]))
            else:
                out += json_diff(a[k], b[k], "%s/%s" % (path, k))
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return ["%s: list length %d != %d" % (path, len(a), len(b))]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += json_diff(x, y, "%s[%d]" % (path, i))
        return out
    return [] if a == b else ["%s: %r != %r" % (path, a, b)]


def expected_vip_targets(topology, active):
    """The four route rules of docs/semantics.md computed independently from the topology
    JSON (for the shipped topologies: full mesh or a single peering, so the next
    hop between TGWs is always the direct peering, on the far TGW's own side), for
    the tables that hold the VIP route in the topology file or belong to a node's
    VPC or are TGW tables. {table id: target}."""
    node = next(n for n in topology["nodes"] if n["name"] == active)
    regions = topology["regions"]
    eni_vpc = {}
    for r in regions.values():
        for e in r.get("enis", []):
            eni_vpc[e["id"]] = e["vpc"]
    node_vpc = eni_vpc[node["eni"]]
    node_vpcs = {eni_vpc[n["eni"]] for n in topology["nodes"]}
    vpc_tgw, vpc_att = {}, {}
    for r in regions.values():
        for a in r.get("vpc_attachments", []):
            vpc_tgw[a["vpc"]] = a["transit_gateway"]
            vpc_att[a["vpc"]] = a["id"]
    home_tgw = vpc_tgw[node_vpc]
    peering_to_home = {}
    for p in topology.get("peering_attachments", []):
        sides = (p["requester"]["transit_gateway"], p["accepter"]["transit_gateway"])
        if home_tgw in sides:
            # The far TGW's own side: within one region the accepter has its own id.
            if sides[0] == home_tgw:
                peering_to_home[sides[1]] = p.get("accepter_attachment_id", p["id"])
            else:
                peering_to_home[sides[0]] = p["id"]
    out = {}
    for r in regions.values():
        for vpc in r.get("vpcs", []):
            for rt in vpc.get("route_tables", []):
                if not (_find_route(rt, VIP) or vpc["id"] in node_vpcs):
                    continue
                out[rt["id"]] = node["eni"] if vpc["id"] == node_vpc else vpc_tgw[vpc["id"]]
        for tgw in r.get("transit_gateways", []):
            for rt in tgw.get("route_tables", []):
                if tgw["id"] == home_tgw:
                    out[rt["id"]] = vpc_att[node_vpc]
                else:
                    out[rt["id"]] = peering_to_home[tgw["id"]]
    return out


# --- tgwark configs and runs -------------------------------------------------


def config_toml(topology, endpoint, vip="192.168.10.10", create_missing=True, extra_top="",
                extra_aws="", with_instance_ids=True):
    lines = ['vip = "%s"' % vip, "create_missing = %s" % ("true" if create_missing else "false")]
    if extra_top:
        lines.append(extra_top)
    for n in topology["nodes"]:
        lines += ["", "[[node]]", 'name = "%s"' % n["name"], 'region = "%s"' % n["region"],
                  'eni = "%s"' % n["eni"]]
        if with_instance_ids and n.get("instance_id"):
            lines.append('instance_id = "%s"' % n["instance_id"])
    lines += ["", "[aws]", 'endpoint_url = "%s"' % endpoint, "restore_timeout_s = 60",
              "quickcheck_timeout_s = 30"]
    if extra_aws:
        lines.append(extra_aws)
    return "\n".join(lines) + "\n"


def forget_scope(state_dir):
    """Removes the scope stores in `state_dir` (TGWARK_STATE_DIR): the next
    action starts cold and discovers."""
    for name in glob.glob(os.path.join(state_dir, "scope-*.json")):
        os.remove(name)


def base_env(workdir):
    """A scrubbed environment: no AWS variables from the caller's shell, no
    shared config files, a private topology cache."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": workdir,
        "TGWARK_CACHE_DIR": os.path.join(workdir, "cache"),
        "TGWARK_STATE_DIR": os.path.join(workdir, "state"),
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "LKROOT": os.path.join(workdir, "no-lifekeeper"),
    }
    # Sanitizer builds (CI) need their options passed through.
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TMPDIR"):
        if k in os.environ:
            env[k] = os.environ[k]
    return env


def static_key_env(workdir):
    """An operator's shell: static keys (the emulator's default pair), no IMDS."""
    env = base_env(workdir)
    env.update({
        "AWS_ACCESS_KEY_ID": "AKIDSIMULATOR",
        "AWS_SECRET_ACCESS_KEY": "simulator-secret-key",
        "AWS_EC2_METADATA_DISABLED": "true",
    })
    return env


def node_env(workdir, sim, node):
    """What a process on `node` sees: its own instance metadata (identity and
    instance-role credentials), nothing else."""
    env = base_env(workdir)
    env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = sim.metadata_endpoint(node)
    return env


def ocf_env(workdir, sim, node, state_dir, config=None, logfile=None, interval=None):
    """What pacemaker-execd on `node` passes the OCF agent: the node's own
    instance metadata, the OCF variables and the resource's state directory
    (each node has its own /run); the config file when given. With `logfile`,
    also Pacemaker's meta attributes (this node, a 60 s operation timeout, the
    monitor `interval` when given) and the log in that file (hermetic: no
    syslog from tests)."""
    env = node_env(workdir, sim, node)
    env.update({
        "OCF_ROOT": "/usr/lib/ocf",
        "OCF_RESOURCE_INSTANCE": "vip-routes",
        "OCF_RESKEY_state_dir": state_dir,
    })
    if config:
        env["OCF_RESKEY_config"] = config
    if logfile:
        env.update({
            "OCF_RESKEY_CRM_meta_on_node": node,
            "OCF_RESKEY_CRM_meta_timeout": "60000",
            "HA_LOGFACILITY": "none",
            "HA_LOGFILE": logfile,
        })
    if interval is not None:
        env["OCF_RESKEY_CRM_meta_interval"] = str(interval)
    return env


class Run:
    def __init__(self, argv, proc):
        self.argv = argv
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def json(self):
        try:
            return json.loads(self.stdout)
        except ValueError as e:
            raise AssertionError("not JSON (%s): %s\nstderr: %s" % (e, self.stdout, self.stderr))

    def __str__(self):
        return "%s -> %s\n--- stdout\n%s\n--- stderr\n%s" % (
            " ".join(self.argv), self.rc, self.stdout[-4000:], self.stderr[-4000:])


def run(argv, env, timeout=PROCESS_TIMEOUT_S):
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout)
    return Run(argv, proc)


def tgwark(args, env, config=None, timeout=PROCESS_TIMEOUT_S):
    argv = [TGWARK] + (["--config", config] if config else []) + list(args)
    return run(argv, env, timeout)


def ocf(action, env):
    """`tgwark ocf ACTION`, as Pacemaker runs the agent."""
    return run([TGWARK, "ocf", action], env)


class SimTestCase(unittest.TestCase):
    """A test class with its own emulator (one per class: starting one per test
    would cost more than the tests) and a fresh temporary directory per test.
    Each test starts from the loaded topology (POST /_sim/reset)."""

    TOPOLOGY = "ref-3r"
    SEED = 1

    @classmethod
    def setUpClass(cls):
        cls.topology = load_topology(cls.TOPOLOGY)
        cls.sim = Sim(topology_path(cls.TOPOLOGY), seed=cls.SEED)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.reset()
        self._tmp = tempfile.TemporaryDirectory(prefix="tgwark-it-")
        self.workdir = self._tmp.name

    def tearDown(self):
        self._tmp.cleanup()

    def write_config(self, text=None, name="tgwark.toml", **kwargs):
        if text is None:
            text = config_toml(self.topology, self.sim.url, **kwargs)
        path = os.path.join(self.workdir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def assertRc(self, result, rc):
        self.assertEqual(result.rc, rc, str(result))


class StaticKeyCli:
    """Mixin for a SimTestCase: an operator's shell (static keys, no instance
    metadata) running `tgwark` with the test's config, written in setUp."""

    def env(self):
        return static_key_env(self.workdir)

    def tg(self, *args, config=None):
        return tgwark(list(args), self.env(), config or self.config)

    def setUp(self):
        super().setUp()
        self.config = self.write_config()
