"""Cluster end-to-end tests (issue 5): a small harness plays LifeKeeper.

LifeKeeper itself is proprietary and cannot run here, so `Cluster` does what
it does with a gen/app resource: the scripts written by
`tgwark lifekeeper install` are called as `SCRIPT -t TAG -i ID`, restore on the
node that should be active, quickCheck every "interval", recover after a
failed quickCheck, failover = restore on the standby. Each node is only an
environment: its own instance metadata endpoint on tgwark-sim (so the
instance-id tells tgwark which node it runs on, and the instance role signs
its calls), its own topology cache. No --node flag anywhere.

Every scenario is judged from the emulator's side (its state dump and call
counters) and from `tgwark verify --json`.
"""

import glob
import os
import random
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import VIP, SimTestCase  # noqa: E402

TAG = "vip1"
NODE_A_VPC_TABLE = "rtb-00000010000000000"  # node-a's VPC (us-east-1)
EU_TGW_TABLE = "tgw-rtb-02000000100000000"  # eu-west-1: remote for both nodes
PEERING_EU_USW2 = "tgw-attach-01fff02ee00000000"


class Cluster:
    """Plays LifeKeeper for one gen/app resource on every node of a topology."""

    def __init__(self, sim, topology, workdir, config_path, tag=TAG, resource_id="1"):
        self.sim = sim
        self.topology = topology
        self.tag = tag
        self.resource_id = resource_id
        self.nodes = [n["name"] for n in topology["nodes"]]
        self.dirs = {}
        self.envs = {}
        for node in self.nodes:
            home = os.path.join(workdir, node)
            os.makedirs(home, exist_ok=True)
            self.envs[node] = harness.node_env(home, sim, node)
            scripts = os.path.join(home, "actions")
            # As on a real node: the install command run on that node (the
            # binary under test stands in for the installed one).
            r = harness.tgwark(["lifekeeper", "install", "--tag", tag, "--dir", scripts,
                                "--binary", harness.TGWARK], self.envs[node], config_path)
            if r.rc != 0:
                raise AssertionError("lifekeeper install failed: %s" % r)
            for action in ("restore", "remove", "quickCheck", "recover"):
                path = os.path.join(scripts, action)
                if not os.access(path, os.X_OK):
                    raise AssertionError("%s is not executable" % path)
            self.dirs[node] = scripts
        self.install_output = r.stdout

    def argv(self, node, action):
        return [os.path.join(self.dirs[node], action), "-t", self.tag, "-i", self.resource_id]

    def call(self, node, action, timeout=harness.PROCESS_TIMEOUT_S):
        return harness.run(self.argv(node, action), self.envs[node], timeout)

    def start(self, node, action):
        """The action as a child process (for the SIGKILL scenario)."""
        return subprocess.Popen(self.argv(node, action), env=self.envs[node],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def interval(self, node):
        """One LifeKeeper check interval: quickCheck, and recover if it failed.
        Returns (quickCheck result, recover result or None)."""
        qc = self.call(node, "quickCheck")
        rec = self.call(node, "recover") if qc.rc != 0 else None
        return qc, rec


class ClusterTestCase(SimTestCase):
    TOPOLOGY = "ref-3r"

    def setUp(self):
        super().setUp()
        self.config = self.write_config()
        self.cluster = Cluster(self.sim, self.topology, self.workdir, self.config)
        self.operator = harness.static_key_env(os.path.join(self.workdir))

    def assertServes(self, node):
        expected = harness.expected_vip_targets(self.topology, node)
        actual = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(actual[table][2], target, "%s (%s)" % (table, actual[table]))
            self.assertEqual(actual[table][3], "active", table)
        v = harness.tgwark(["--json", "verify", "--active", node], self.operator, self.config)
        self.assertEqual(v.rc, 0, str(v))
        report = v.json()
        self.assertTrue(report["ok"])
        self.assertTrue(report["traces"])
        for t in report["traces"]:
            self.assertEqual((t["outcome"], t["reached_node"]), ("reached", node), t)

    def restore(self, node):
        r = self.cluster.call(node, "restore")
        self.assertRc(r, 0)
        return r


class Scenarios(ClusterTestCase):

    def test_install_prints_setup_and_scripts_exec_tgwark(self):
        out = self.cluster.install_output
        self.assertIn("creapphier", out)
        self.assertIn("NOBCASTPING=1", out)
        with open(os.path.join(self.cluster.dirs["node-a"], "restore")) as f:
            text = f.read()
        self.assertTrue(text.startswith("#!/bin/sh"))
        self.assertIn(self.config, text)

    def test_install_names_the_ip_resource_as_the_child(self):
        # LifeKeeper: `dep_create -p PARENT -c CHILD`, the parent depends on the
        # child, which is restored first. The route resource depends on the IP.
        r = harness.tgwark(["lifekeeper", "install", "--tag", TAG, "--dir",
                            os.path.join(self.workdir, "ip"), "--ip-resource", "ip-vip",
                            "--binary", harness.TGWARK],
                           self.operator, self.config)
        self.assertRc(r, 0)
        self.assertIn("dep_create -p %s -c ip-vip" % TAG, r.stdout)
        # dep_create acts on one system: the steps name every node of the config.
        for node in self.cluster.nodes:
            self.assertIn("dep_create -d '%s' -p %s -c ip-vip" % (node, TAG), r.stdout)

    def test_install_policy_keeps_the_transit_gateway_actions_this_layout_needs(self):
        # Once a discovery stored this scope (TGWs, peerings), the policy is
        # still the transit gateway one, without the "not known yet" note.
        self.assertRc(harness.tgwark(["discover"], self.operator, self.config), 0)
        r = harness.tgwark(["lifekeeper", "install", "--tag", TAG, "--dir",
                            os.path.join(self.workdir, "known"), "--binary", harness.TGWARK],
                           self.operator, self.config)
        self.assertRc(r, 0)
        for action in ("ec2:ReplaceTransitGatewayRoute", "ec2:SearchTransitGatewayRoutes",
                       "ec2:CreateTransitGatewayRoute"):
            self.assertIn('"%s"' % action, r.stdout)
        self.assertNotIn("No discovery has run", r.stdout)
        self.assertNotIn("one VPC, no transit gateway", r.stdout)
        self.assertIn("the minimal set (the vendor TGW kit's own) is enough", r.stdout)
        # Before that discovery (each node's own state directory), the note.
        self.assertIn("No discovery has run on this node", self.cluster.install_output)

    def test_install_runs_the_installed_binary_not_the_one_that_ran_it(self):
        # Without --binary the scripts would run the package's path; on this
        # machine it is missing, and install says so instead of baking in
        # the build directory's binary.
        scripts = os.path.join(self.workdir, "default-binary")
        r = harness.tgwark(["lifekeeper", "install", "--tag", TAG, "--dir", scripts],
                           self.operator, self.config)
        installed = "/usr/bin/tgwark"
        if os.access(installed, os.X_OK):
            self.assertRc(r, 0)
            with open(os.path.join(scripts, "restore")) as f:
                text = f.read()
            self.assertIn("exec '%s' restore" % installed, text)
            self.assertNotIn(harness.TGWARK, text)
        else:
            self.assertRc(r, 2)
            self.assertIn(installed, r.stderr)
            self.assertIn("does not exist", r.stderr)
            self.assertIn("--binary", r.stderr)
            self.assertFalse(os.path.exists(scripts))

    def test_install_passes_metrics_and_syslog_and_warns_on_missing_config(self):
        metrics = os.path.join(self.workdir, "tgwark.prom")
        missing = os.path.join(self.workdir, "not-yet.toml")
        scripts = os.path.join(self.workdir, "syslog")
        r = harness.tgwark(["lifekeeper", "install", "--tag", TAG, "--dir", scripts,
                            "--binary", harness.TGWARK, "--metrics-file", metrics, "--syslog"],
                           self.operator, missing)
        self.assertRc(r, 0)
        self.assertIn("warning: %s does not exist" % missing, r.stderr)
        self.assertIn("/var/log/lifekeeper.log", r.stdout)
        self.assertIn("journalctl -t tgwark", r.stdout)
        self.assertFalse(os.path.exists(metrics))  # install itself writes no metrics
        with open(os.path.join(scripts, "quickCheck")) as f:
            self.assertIn(" --metrics-file '%s' --syslog \"$@\"" % metrics, f.read())
        # Hermetic (no syslog from tests): run scripts installed without it,
        # once the config exists at the path they were given.
        scripts = os.path.join(self.workdir, "metrics")
        r = harness.tgwark(["lifekeeper", "install", "--tag", TAG, "--dir", scripts,
                            "--binary", harness.TGWARK, "--metrics-file", metrics],
                           self.operator, missing)
        self.assertRc(r, 0)
        os.symlink(self.config, missing)
        r = harness.run([os.path.join(scripts, "restore"), "-t", TAG, "-i", "1"],
                        self.cluster.envs["node-a"])
        self.assertRc(r, 0)
        self.assertServes("node-a")
        with open(metrics) as f:
            self.assertIn("tgwark_", f.read())

    def test_config_from_lifekeeper_application_info(self):
        # Scripts installed without --config: LifeKeeper's resource Application
        # Info (read with $LKROOT/bin/ins_list) names the config file.
        lkroot = os.path.join(self.workdir, "opt-LifeKeeper")
        os.makedirs(os.path.join(lkroot, "bin"))
        ins_list = os.path.join(lkroot, "bin", "ins_list")
        with open(ins_list, "w") as f:
            f.write('#!/bin/sh\n'
                    '[ "$1 $2 $3" = "-t %s -f:" ] || exit 1\n'
                    'echo "node-b:gen:app:%s:%s-id:%s:0:0"\n' % (TAG, TAG, TAG, self.config))
        os.chmod(ins_list, 0o755)
        env = dict(self.cluster.envs["node-b"], LKROOT=lkroot)
        scripts = os.path.join(self.workdir, "noconfig")
        r = harness.tgwark(["lifekeeper", "install", "--tag", TAG, "--dir", scripts,
                            "--binary", harness.TGWARK], env)
        self.assertRc(r, 0)
        with open(os.path.join(scripts, "restore")) as f:
            self.assertNotIn("--config", f.read())
        r = harness.run([os.path.join(scripts, "restore"), "-t", TAG, "-i", "1"], env)
        self.assertRc(r, 0)
        self.assertServes("node-b")

    def test_1_initial_restore(self):
        r = self.restore("node-a")
        self.assertIn(TAG, r.stderr)  # -t is logged
        self.assertServes("node-a")
        # Identity came from instance metadata: the emulator served node-a's IMDS.
        self.assertGreater(sum(self.sim.counters()["calls"].get("imds", {}).values()), 0)
        qc = self.cluster.call("node-a", "quickCheck")
        self.assertRc(qc, 0)

    def test_2_home_drift_fails_quickcheck_and_recover_fixes_it(self):
        self.restore("node-a")
        self.sim.drift({"op": "set_route", "region": "us-east-1", "route_table": NODE_A_VPC_TABLE,
                        "destination": VIP, "transit_gateway_id": "tgw-00000000000000000"})
        qc, rec = self.cluster.interval("node-a")
        self.assertRc(qc, 1)
        self.assertIn(NODE_A_VPC_TABLE, qc.stderr)
        self.assertIsNotNone(rec)
        self.assertRc(rec, 0)
        self.assertServes("node-a")
        self.assertRc(self.cluster.call("node-a", "quickCheck"), 0)

    def test_2b_home_tgw_blackhole_and_missing_home_route(self):
        self.restore("node-a")
        home_tgw_tables = ["tgw-rtb-00000000100000000", "tgw-rtb-00000000200000000"]
        for drift in (
                {"op": "set_tgw_route", "region": "us-east-1", "route_table": home_tgw_tables[0],
                 "destination": VIP, "blackhole": True},
                {"op": "delete_tgw_route", "region": "us-east-1",
                 "route_table": home_tgw_tables[1], "destination": VIP},
                {"op": "delete_route", "region": "us-east-1", "route_table": NODE_A_VPC_TABLE,
                 "destination": VIP}):
            with self.subTest(drift=drift["op"]):
                self.sim.drift(drift)
                qc, rec = self.cluster.interval("node-a")
                self.assertRc(qc, 1)
                self.assertIn(drift["route_table"], qc.stderr)
                self.assertRc(rec, 0)
                self.assertServes("node-a")

    def test_3_remote_drift_is_repaired_by_quickcheck_with_a_warning(self):
        self.restore("node-a")
        self.sim.drift({"op": "set_tgw_route", "region": "eu-west-1", "route_table": EU_TGW_TABLE,
                        "destination": VIP, "attachment": PEERING_EU_USW2})
        before = self.sim.writes()
        qc = self.cluster.call("node-a", "quickCheck")
        self.assertRc(qc, 0)
        self.assertIn("warn", qc.stderr)
        self.assertIn(EU_TGW_TABLE, qc.stderr)
        self.assertEqual(harness.diff_counts(self.sim.writes(), before),
                         {"ReplaceTransitGatewayRoute": 1})
        self.assertServes("node-a")

    def test_4_node_a_dies_restore_on_node_b(self):
        self.restore("node-a")
        before = self.sim.state()
        # node-a is gone (no remove, no more calls from it): LifeKeeper restores on node-b.
        self.restore("node-b")
        self.assertServes("node-b")
        after = self.sim.state()
        self.assertEqual(harness.json_diff(harness.strip_vip_routes(before),
                                           harness.strip_vip_routes(after)), [])
        self.assertRc(self.cluster.call("node-b", "quickCheck"), 0)
        # Switchback.
        self.restore("node-a")
        self.assertServes("node-a")

    def test_5a_api_unavailable_during_quickcheck_is_not_a_failure(self):
        # Transient errors are retried until quickCheck's deadline: a short
        # one keeps the test short.
        config = self.write_config(name="short.toml",
                                   text=harness.config_toml(self.topology, self.sim.url).replace(
                                       "quickcheck_timeout_s = 30", "quickcheck_timeout_s = 3"))
        self.cluster = Cluster(self.sim, self.topology, os.path.join(self.workdir, "short"),
                               config)
        self.restore("node-a")
        routes = self.sim.vip_routes()
        writes = self.sim.writes()
        regions = sorted(self.topology["regions"])
        for kind in ("Unavailable", "reset", "RequestLimitExceeded", "InternalError"):
            with self.subTest(kind=kind):
                self.sim.clear_faults()
                for region in regions:
                    self.sim.fault({"region": region, "action": "*", "kind": kind,
                                    "probability": 1.0})
                qc = self.cluster.call("node-a", "quickCheck")
                self.assertRc(qc, 0)
                self.assertIn("not a failure", qc.stderr)
                failed = sum(codes.get(kind, 0) for region in regions
                             for codes in self.sim.counters()["errors"].get(region, {}).values())
                if kind != "reset":  # a reset connection has no error code
                    self.assertGreater(failed, 0, "the quickCheck never met the fault")
                    # Every AWS error is logged with its code and request id.
                    self.assertIn("code=" + kind, qc.stderr)
                    self.assertIn("request-id=", qc.stderr)
                self.assertEqual(self.sim.vip_routes(), routes)
        # Without the scope store (first quickCheck on a fresh node): discovery
        # itself cannot answer, still not a failure.
        state = self.cluster.envs["node-a"]["TGWARK_STATE_DIR"]
        for name in glob.glob(os.path.join(state, "scope-*.json")):
            os.remove(name)
        qc = self.cluster.call("node-a", "quickCheck")
        self.assertRc(qc, 0)
        self.assertIn("not a failure", qc.stderr)
        self.sim.clear_faults()
        self.assertEqual(self.sim.writes(), writes)

    def test_5b_stalled_api_quickcheck_is_bounded_and_not_a_failure(self):
        config = self.write_config(name="short.toml",
                                   text=harness.config_toml(self.topology, self.sim.url).replace(
                                       "quickcheck_timeout_s = 30", "quickcheck_timeout_s = 2"))
        cluster = Cluster(self.sim, self.topology, os.path.join(self.workdir, "short"), config)
        self.assertRc(cluster.call("node-a", "restore"), 0)
        for region in sorted(self.topology["regions"]):
            self.sim.fault({"region": region, "action": "*", "kind": "stall", "probability": 1.0,
                            "stall_ms": 10000})
        # The process bound (PROCESS_TIMEOUT_S) is far above the 2 s deadline: a
        # quickCheck that ignored its deadline would fail here, not hang forever.
        qc = cluster.call("node-a", "quickCheck", timeout=50)
        self.assertRc(qc, 0)
        self.assertIn("not a failure", qc.stderr)
        self.sim.clear_faults()

    def throttled_calls(self):
        """RequestLimitExceeded answers the emulator has given so far."""
        return sum(codes.get("RequestLimitExceeded", 0)
                   for acts in self.sim.counters()["errors"].values()
                   for codes in acts.values())

    def test_5c_throttled_restore_still_succeeds(self):
        self.restore("node-a")
        # Small buckets that refill fast: throttling certainly happens (4 writes
        # meet a bucket of 2 in us-west-2), retries certainly find tokens.
        self.sim.throttle({"enabled": True, "mutating_burst": 2, "mutating_refill_per_second": 50,
                           "read_burst": 10, "read_refill_per_second": 100})
        r = self.cluster.call("node-b", "restore")
        self.sim.throttle({"enabled": False})
        self.assertRc(r, 0)
        self.assertGreater(self.throttled_calls(), 0, "the emulator never throttled the restore")
        # restore succeeds when the home routes are right; remote routes that
        # throttling kept it from writing are warnings, left for quickCheck.
        expected = harness.expected_vip_targets(self.topology, "node-b")
        routes = self.sim.vip_routes()
        home = [t for t in expected if t.startswith(("rtb-01000010", "tgw-rtb-01000000"))]
        self.assertEqual(len(home), 4)
        for t in home:
            self.assertEqual(routes[t][2], expected[t], t)
        if any(routes[t][2] != expected[t] for t in expected):
            self.assertIn("left for quickCheck to repair", r.stderr)
        qc = self.cluster.call("node-b", "quickCheck")
        self.assertRc(qc, 0)
        self.assertServes("node-b")

    def test_5d_slowly_refilling_throttle_restore_succeeds_within_deadline(self):
        # One write token per region, refilled every 5 s: node-b's 4 home writes
        # need ~15 s, well inside restore_timeout_s (60 s). The SDK-style retry
        # (3 attempts, backoff up to 1 s then 2 s) alone gives up after ~3 s;
        # the restore must keep at its home routes until its deadline.
        self.restore("node-a")
        throttled_before = self.throttled_calls()
        self.sim.throttle({"enabled": True, "mutating_burst": 1, "mutating_refill_per_second": 0.2,
                           "read_burst": 1000, "read_refill_per_second": 1000})
        r = self.cluster.call("node-b", "restore")
        self.sim.throttle({"enabled": False})
        self.assertRc(r, 0)
        # The restore succeeded because it waited out the throttling, not
        # because there was none.
        self.assertGreater(self.throttled_calls(), throttled_before,
                           "the emulator never throttled the restore")
        expected = harness.expected_vip_targets(self.topology, "node-b")
        routes = self.sim.vip_routes()
        home = [t for t in expected if t.startswith(("rtb-01000010", "tgw-rtb-01000000"))]
        self.assertEqual(len(home), 4)
        for t in home:
            self.assertEqual(routes[t][2], expected[t], t)

    def test_remove_is_never_blocked_on_the_api(self):
        self.restore("node-a")
        self.sim.fault({"region": "*", "action": "*", "kind": "stall", "probability": 1.0,
                        "stall_ms": 60000})
        calls = self.sim.total_calls()
        # A remove that waited on the stalled API would run into this process
        # bound (far below the stall), not a timing assertion on remove itself.
        r = self.cluster.call("node-a", "remove", timeout=30)
        self.sim.clear_faults()
        self.assertRc(r, 0)
        self.assertEqual(self.sim.total_calls(), calls, "remove called the API")

    def test_6_split_brain_does_not_flap(self):
        self.restore("node-a")
        self.restore("node-b")  # node-a still believes it is active
        self.assertServes("node-b")
        routes = self.sim.vip_routes()
        writes = self.sim.writes()
        for _ in range(3):
            qc, rec = self.cluster.interval("node-a")
            self.assertRc(qc, 1)
            self.assertIsNotNone(rec)
            self.assertRc(rec, 1)
            self.assertIn("node-b", rec.stderr)
            self.assertEqual(self.sim.vip_routes(), routes, "node-a took the routes back")
            qc_b, rec_b = self.cluster.interval("node-b")
            self.assertRc(qc_b, 0)
            self.assertIsNone(rec_b)
            self.assertEqual(self.sim.vip_routes(), routes)
        self.assertEqual(self.sim.writes(), writes, "writes during the split-brain rounds")
        self.assertServes("node-b")

    def test_7_restore_killed_at_a_random_point_then_rerun_converges(self):
        # One write in flight per region, so the kill point falls between writes.
        config = self.write_config(name="serial.toml", extra_aws="apply_concurrency = 1")
        self.cluster = Cluster(self.sim, self.topology, os.path.join(self.workdir, "serial"),
                               config)
        self.restore("node-a")
        before = self.sim.state()
        expected = harness.expected_vip_targets(self.topology, "node-b")
        current = self.sim.vip_routes()
        needed = sum(1 for t, target in expected.items() if current[t][2] != target)
        self.assertGreater(needed, 3)
        rng = random.Random(20261124)
        for round_no in range(2):
            with self.subTest(round=round_no):
                self.sim.reset()
                self.restore("node-a")
                # Writes take a while, so the restore is mid-flight when killed.
                for action in ("ReplaceRoute", "ReplaceTransitGatewayRoute", "CreateRoute",
                               "CreateTransitGatewayRoute"):
                    self.sim.latency({"region": "*", "action": action, "ms": 400})
                # Up to one more write per other region may land between the
                # count and the kill: keep the kill point short of the end.
                kill_after = rng.randint(1, needed - 3)
                base = harness.write_count(self.sim.writes())
                proc = self.cluster.start("node-b", "restore")
                try:
                    self.assertTrue(
                        wait_for(lambda: harness.write_count(self.sim.writes()) - base
                                 >= kill_after or proc.poll() is not None),
                        "restore made no progress")
                    self.assertIsNone(proc.poll(), "restore finished before the kill point")
                    proc.send_signal(signal.SIGKILL)
                finally:
                    proc.communicate(timeout=30)
                self.assertEqual(proc.returncode, -signal.SIGKILL)
                self.sim.latency({"clear": True})
                now = self.sim.vip_routes()
                moved = sum(1 for t, target in expected.items()
                            if now[t][2] == target and current[t][2] != target)
                self.assertTrue(0 < moved < needed, "killed mid-flight: %d of %d moved"
                                % (moved, needed))
                # Whatever the partial state, the invariant holds and a rerun converges.
                self.assertEqual(harness.json_diff(harness.strip_vip_routes(before),
                                                   harness.strip_vip_routes(self.sim.state())), [])
                self.restore("node-b")
                self.assertServes("node-b")
                again = self.sim.writes()
                self.assertRc(self.cluster.call("node-b", "restore"), 0)
                self.assertEqual(harness.diff_counts(self.sim.writes(), again), {})


def wait_for(condition, limit_s=60.0):
    """Polls a condition (not a blind sleep); the limit only turns a hang into a
    failure."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


class Identity(ClusterTestCase):
    TOPOLOGY = "demo"

    def test_restore_on_an_unknown_node_fails_clearly(self):
        # node-a's real instance-id is not in this config, and the host name is
        # not a node name.
        text = harness.config_toml(self.topology, self.sim.url).replace(
            'instance_id = "i-00000010000000000"', 'instance_id = "i-0aaaaaaaaaaaaaaaa"')
        config = self.write_config(text, name="other.toml")
        cluster = Cluster(self.sim, self.topology, os.path.join(self.workdir, "other"), config)
        before = self.sim.vip_routes()
        for action in ("restore", "recover", "quickCheck"):
            r = cluster.call("node-a", action)
            self.assertNotEqual(r.rc, 0, str(r))
            self.assertIn("cannot tell which node this is", r.stderr)
            self.assertIn("i-00000010000000000", r.stderr)
        self.assertEqual(self.sim.writes(), {})
        self.assertEqual(self.sim.vip_routes(), before)
        self.assertRc(cluster.call("node-a", "remove"), 0)


class EmulatorGone(ClusterTestCase):
    """The API (and instance metadata) unreachable."""

    TOPOLOGY = "demo"

    def restart_emulator(self):
        # The next test of the class needs a live emulator.
        type(self).sim = harness.Sim(harness.topology_path(self.TOPOLOGY), seed=self.SEED)

    def test_remove_with_the_emulator_stopped(self):
        self.restore("node-a")
        self.sim.stop()
        try:
            for node in ("node-a", "node-b"):
                r = self.cluster.call(node, "remove")
                self.assertRc(r, 0)
        finally:
            self.restart_emulator()

    def test_quickcheck_with_the_emulator_stopped(self):
        # Instance metadata is unreachable too: which node this is cannot be
        # known, and an unreachable API is not a resource failure (docs/semantics.md).
        self.restore("node-a")
        self.sim.stop()
        try:
            qc = self.cluster.call("node-a", "quickCheck")
            self.assertRc(qc, 0)
            self.assertIn("quickCheck", qc.stderr)
        finally:
            self.restart_emulator()

    def test_quickcheck_with_the_ec2_endpoint_unreachable(self):
        # Instance metadata answers (identity, credentials) but EC2 does not.
        self.restore("node-a")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            dead = "http://127.0.0.1:%d" % s.getsockname()[1]
        text = harness.config_toml(self.topology, dead)
        config = self.write_config(text, name="dead.toml")
        cluster = Cluster(self.sim, self.topology, os.path.join(self.workdir, "dead"), config)
        for action, rc in (("quickCheck", 0), ("remove", 0), ("restore", 1), ("recover", 1)):
            r = cluster.call("node-a", action)
            self.assertRc(r, rc)


if __name__ == "__main__":
    harness.main()
