"""The fault matrix (docs/reliability.md): the real `tgwark` against a real
`tgwark-sim` that fails a seeded share of calls, resets connections, expires
instance-role credentials mid-action or loses its instance metadata, during
restore, quickCheck, recover and discovery; plus the process faults of a
cluster (alternating checks, concurrent restores).

Each scenario asserts the exit code of docs/semantics.md, that nothing but the
VIP's routes changed (a whole-state diff of the emulator) and that a re-run
converges (no write). Transient faults are retried until the action's
deadline; permanent ones use short deadlines so they end quickly.

Run by CTest (tests/integration/CMakeLists.txt) as
  python3 test_fault_matrix.py --tgwark BIN --sim BIN --topologies DIR [unittest args]
"""

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase, tgwark  # noqa: E402
from test_cluster import Cluster  # noqa: E402


def home_vpc_table(topology, node):
    """The first route table of the node's VPC: one of its home tables."""
    n = next(x for x in topology["nodes"] if x["name"] == node)
    region = topology["regions"][n["region"]]
    vpc = next(e["vpc"] for e in region["enis"] if e["id"] == n["eni"])
    return n["region"], next(v for v in region["vpcs"] if v["id"] == vpc)["route_tables"][0]["id"]


class MatrixMixin:
    """Helpers shared by the scenarios: the judgement is always the same."""

    def assertServes(self, node):
        expected = harness.expected_vip_targets(self.topology, node)
        actual = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(actual[table][2], target, "%s (%s)" % (table, actual[table]))
            self.assertEqual(actual[table][3], "active", table)

    def assertOnlyVipRoutesChanged(self, before, label=""):
        self.assertEqual(harness.json_diff(harness.strip_vip_routes(before),
                                           harness.strip_vip_routes(self.sim.state())), [],
                         label)

    def assertConverged(self, run):
        """A re-run without faults makes no write."""
        writes = self.sim.writes()
        self.assertRc(run(), 0)
        self.assertEqual(harness.diff_counts(self.sim.writes(), writes), {}, "re-run wrote")

    def faulted(self, kind, action="*"):
        errors = self.sim.counters()["errors"]
        return sum(codes.get(kind, 0) for actions in errors.values()
                   for a, codes in actions.items() if action == "*" or a == action)


class TransientApiFaults(MatrixMixin, SimTestCase):
    """5xx at 10 % and 30 % (seeded), and connection resets, on every EC2 call
    of restore, quickCheck and recover, with a warm topology store and with a
    cold one (discovery)."""

    TOPOLOGY = "demo"
    SEED = 7

    def setUp(self):
        super().setUp()
        self.env = harness.static_key_env(self.workdir)
        self.config = self.write_config(
            harness.config_toml(self.topology, self.sim.url).replace(
                "quickcheck_timeout_s = 30", "quickcheck_timeout_s = 10"))
        self.assertRc(tgwark(["apply", "--active", "node-a"], self.env, self.config), 0)

    def tearDown(self):
        self.sim.clear_faults()
        super().tearDown()

    def tg(self, node, *args):
        return tgwark(["--node", node] + list(args), self.env, self.config)

    def cold(self):
        # No scope store: the next action discovers.
        harness.forget_scope(os.path.join(self.workdir, "state"))

    def inject(self, fault):
        self.sim.clear_faults()
        self.sim.fault(fault)

    def restore_under(self, fault, label):
        for cold in (False, True):
            with self.subTest(fault=label, cache="cold" if cold else "warm"):
                self.sim.clear_faults()
                self.assertRc(tgwark(["apply", "--active", "node-a"], self.env, self.config), 0)
                self.assertRc(self.tg("node-a", "quickCheck"), 0)  # the store is warm
                if cold:
                    self.cold()
                before = self.sim.state()
                self.inject(fault)
                r = self.tg("node-b", "restore")
                self.sim.clear_faults()
                self.assertRc(r, 0)
                if "left behind" in r.stderr:
                    # A remote region throttled past its share of the deadline
                    # (remote_wait_s) is named and left for quickCheck, which
                    # repairs it once the region answers (docs/reliability.md).
                    self.assertRc(self.tg("node-b", "quickCheck"), 0)
                self.assertServes("node-b")
                self.assertOnlyVipRoutesChanged(before, label)
                self.assertConverged(lambda: self.tg("node-b", "restore"))

    def quickcheck_under(self, fault, label, runs=4):
        for cold in (False, True):
            with self.subTest(fault=label, cache="cold" if cold else "warm"):
                self.sim.clear_faults()
                self.assertRc(tgwark(["apply", "--active", "node-a"], self.env, self.config), 0)
                self.assertRc(self.tg("node-a", "quickCheck"), 0)
                before = self.sim.state()
                self.inject(fault)
                for i in range(runs):
                    if cold:
                        self.cold()
                    r = self.tg("node-a", "quickCheck")
                    # Never a false failure: the routes are right, whatever the answers.
                    self.assertEqual(r.rc, 0, "run %d: %s" % (i, r))
                self.sim.clear_faults()
                self.assertEqual(self.sim.state(), before, label)

    def recover_under(self, fault, label):
        region, table = home_vpc_table(self.topology, "node-a")
        for cold in (False, True):
            with self.subTest(fault=label, cache="cold" if cold else "warm"):
                self.sim.clear_faults()
                self.assertRc(tgwark(["apply", "--active", "node-a"], self.env, self.config), 0)
                before = self.sim.state()
                # A home route drifted (evidence): quickCheck fails, recover repairs.
                self.sim.drift({"op": "set_route", "region": region, "route_table": table,
                                "destination": harness.VIP,
                                "gateway_id": "igw-00000000000000000"})
                if cold:
                    self.cold()
                self.inject(fault)
                r = self.tg("node-a", "recover")
                self.sim.clear_faults()
                self.assertRc(r, 0)
                self.assertServes("node-a")
                self.assertOnlyVipRoutesChanged(before, label)
                self.assertConverged(lambda: self.tg("node-a", "quickCheck"))

    def test_5xx_10_percent(self):
        # EC2's two 5xx answers, half each.
        fault = [{"region": "*", "action": "*", "kind": "InternalError", "probability": 0.05},
                 {"region": "*", "action": "*", "kind": "Unavailable", "probability": 0.05}]
        self.restore_under(fault, "5xx 10%")
        self.quickcheck_under(fault, "5xx 10%")
        self.recover_under(fault, "5xx 10%")
        self.assertGreater(self.faulted("InternalError") + self.faulted("Unavailable"), 0)

    def test_5xx_30_percent(self):
        fault = [{"region": "*", "action": "*", "kind": "InternalError", "probability": 0.15},
                 {"region": "*", "action": "*", "kind": "Unavailable", "probability": 0.15}]
        self.restore_under(fault, "5xx 30%")
        self.quickcheck_under(fault, "5xx 30%")
        self.recover_under(fault, "5xx 30%")
        self.assertGreater(self.faulted("InternalError"), 0)
        self.assertGreater(self.faulted("Unavailable"), 0)

    def test_throttling_50_percent(self):
        fault = {"region": "*", "action": "*", "kind": "RequestLimitExceeded", "probability": 0.5}
        self.restore_under(fault, "throttled 50%")
        self.quickcheck_under(fault, "throttled 50%")
        self.recover_under(fault, "throttled 50%")
        self.assertGreater(self.faulted("RequestLimitExceeded"), 0)

    def test_connection_resets(self):
        # `reset`: the connection drops before the call is carried out;
        # `reset_after`: after it, so a retried write meets its own effect.
        fault = [{"region": "*", "action": "*", "kind": "reset", "probability": 0.15},
                 {"region": "*", "action": "*", "kind": "reset_after", "probability": 0.15}]
        self.restore_under(fault, "reset 15% + reset_after 15%")
        self.quickcheck_under(fault, "reset 15% + reset_after 15%")
        self.recover_under(fault, "reset 15% + reset_after 15%")
        self.assertGreater(self.faulted("(connection reset)"), 0)
        self.assertGreater(self.faulted("(reset_after)"), 0)

    def test_every_write_answer_lost_once(self):
        # Each kind of write: its first two attempts are carried out, their
        # answers lost; the retry meets its own effect (RouteAlreadyExists for a
        # create). node-b's home VPC and TGW routes are missing, so restore creates them.
        region, table = home_vpc_table(self.topology, "node-b")
        tgw_table = next(t for t in harness.expected_vip_targets(self.topology, "node-b")
                         if t.startswith("tgw-rtb-") and self.sim.vip_routes()[t][0] == region)
        self.sim.drift([{"op": "delete_route", "region": region, "route_table": table,
                         "destination": harness.VIP},
                        {"op": "delete_tgw_route", "region": region, "route_table": tgw_table,
                         "destination": harness.VIP}])
        before = self.sim.state()
        writes = ("ReplaceRoute", "CreateRoute", "ReplaceTransitGatewayRoute",
                  "CreateTransitGatewayRoute")
        self.sim.fault([{"region": "*", "action": action, "kind": "reset_after", "nth": 1,
                         "count": 2} for action in writes])
        r = self.tg("node-b", "restore")
        self.sim.clear_faults()
        self.assertRc(r, 0)
        self.assertServes("node-b")
        self.assertOnlyVipRoutesChanged(before)
        for action in writes:
            self.assertGreater(self.faulted("(reset_after)", action), 0,
                               "%s: %s\n%s" % (action, self.sim.counters(), r))
        self.assertConverged(lambda: self.tg("node-b", "restore"))


class StallsPastTheDeadline(MatrixMixin, SimTestCase):
    """Every EC2 call held longer than the action's (short) deadline, during
    restore, quickCheck, recover and discovery: restore and recover exit 1
    with nothing changed, quickCheck 0 (undeterminable), discover 1; each
    process ends on its own deadline. No time is measured: a per-process
    timeout shorter than the stall is the guard against a process that would
    wait for the answer."""

    TOPOLOGY = "demo"
    # Past the 2 s deadlines below and past PROCESS_TIMEOUT_S: a process that
    # waited for a stalled answer instead of its deadline is killed and fails.
    STALL_MS = 60000
    PROCESS_TIMEOUT_S = 30

    def setUp(self):
        super().setUp()
        self.env = harness.static_key_env(self.workdir)
        self.config = self.write_config()
        self.short = self.write_config(
            harness.config_toml(self.topology, self.sim.url).replace(
                "restore_timeout_s = 60", "restore_timeout_s = 2").replace(
                "quickcheck_timeout_s = 30", "quickcheck_timeout_s = 2"), name="short.toml")
        self.assertRc(tgwark(["apply", "--active", "node-a"], self.env, self.config), 0)

    def tearDown(self):
        self.sim.clear_faults()
        super().tearDown()

    def stalled(self, argv, cold=False, drift=False):
        self.assertRc(tgwark(["apply", "--active", "node-a"], self.env, self.config), 0)
        if drift:
            region, table = home_vpc_table(self.topology, "node-a")
            self.sim.drift({"op": "set_route", "region": region, "route_table": table,
                            "destination": harness.VIP, "gateway_id": "igw-00000000000000000"})
        if cold:
            harness.forget_scope(os.path.join(self.workdir, "state"))
        before = self.sim.state()
        self.sim.fault({"region": "*", "action": "*", "kind": "stall", "probability": 1.0,
                        "stall_ms": self.STALL_MS})
        r = tgwark(argv, self.env, self.short, timeout=self.PROCESS_TIMEOUT_S)
        self.sim.clear_faults()
        self.assertGreater(self.faulted("(stall)"), 0, str(r))
        self.assertEqual(harness.json_diff(before, self.sim.state()), [], str(r))
        return r

    def test_restore_stalled_fails_and_changes_nothing(self):
        for cold in (False, True):
            with self.subTest(cache="cold" if cold else "warm"):
                self.assertRc(self.stalled(["--node", "node-b", "restore"], cold=cold), 1)
        self.assertConverged(lambda: tgwark(["--node", "node-a", "restore"], self.env,
                                            self.config))

    def test_recover_stalled_fails_and_changes_nothing(self):
        for cold in (False, True):
            with self.subTest(cache="cold" if cold else "warm"):
                self.assertRc(self.stalled(["--node", "node-a", "recover"], cold=cold,
                                           drift=True), 1)

    def test_quickcheck_stalled_is_undeterminable(self):
        for cold in (False, True):
            with self.subTest(cache="cold" if cold else "warm"):
                r = self.stalled(["--node", "node-a", "quickCheck"], cold=cold)
                self.assertRc(r, 0)
                self.assertIn("not a failure", r.stdout + r.stderr, str(r))

    def test_discovery_stalled_fails(self):
        r = self.stalled(["discover"], cold=True)
        self.assertRc(r, 1)


class AssumedRole(MatrixMixin, SimTestCase):
    """Credentials from STS AssumeRole (`role_arn`), sourced from static keys:
    the emulator answers AssumeRole on the same listener."""

    TOPOLOGY = "demo"

    def setUp(self):
        super().setUp()
        self.env = harness.static_key_env(self.workdir)
        self.env["AWS_ENDPOINT_URL_STS"] = self.sim.url
        self.config = self.write_config(harness.config_toml(
            self.topology, self.sim.url,
            extra_aws='role_arn = "arn:aws:iam::%s:role/tgwark-node"'
            % self.topology.get("account_id", "123456789012")))
        self.assertRc(tgwark(["--node", "node-a", "restore"], self.env, self.config), 0)

    def test_assumed_role_credentials_expire_mid_restore(self):
        before = self.sim.state()
        calls = self.sim.counters()["calls"]
        self.assertTrue(any("AssumeRole" in a for a in calls.values()), calls)
        self.sim._request("POST", "/_sim/credentials",
                          {"role": "tgwark-node", "expire_after_calls": 3})
        r = tgwark(["--node", "node-b", "restore"], self.env, self.config)
        self.assertRc(r, 0)
        self.assertGreater(self.faulted("RequestExpired"), 0, "the credentials never expired")
        self.assertServes("node-b")
        self.assertOnlyVipRoutesChanged(before)
        self.assertConverged(lambda: tgwark(["--node", "node-b", "restore"], self.env,
                                            self.config))


class NodeFaults(MatrixMixin, SimTestCase):
    """A node as LifeKeeper runs it: identity and credentials from its own
    instance metadata (no --node, no keys)."""

    TOPOLOGY = "demo"
    SEED = 11

    def setUp(self):
        super().setUp()
        self.config = self.write_config(
            harness.config_toml(self.topology, self.sim.url).replace(
                "restore_timeout_s = 60", "restore_timeout_s = 8"))
        self.cluster = Cluster(self.sim, self.topology, self.workdir, self.config)
        self.assertRc(self.cluster.call("node-a", "restore"), 0)
        self.assertRc(harness.tgwark(["discover"], self.cluster.envs["node-b"], self.config), 0)

    def tearDown(self):
        self.sim.clear_faults()
        super().tearDown()

    def imds_calls(self):
        return sum(self.sim.counters()["calls"].get("imds", {}).values())

    def test_role_credentials_expire_mid_restore(self):
        before = self.sim.state()
        # node-b's credentials die after three calls: the restore's later
        # calls meet RequestExpired, fetch new ones from IMDS and go on.
        self.sim._request("POST", "/_sim/credentials", {"node": "node-b", "expire_after_calls": 3})
        r = self.cluster.call("node-b", "restore")
        self.assertRc(r, 0)
        self.assertGreater(self.faulted("RequestExpired"), 0, "the credentials never expired")
        self.assertServes("node-b")
        self.assertOnlyVipRoutesChanged(before)
        self.assertConverged(lambda: self.cluster.call("node-b", "restore"))

    def test_role_credentials_expire_mid_quickcheck(self):
        before = self.sim.state()
        self.sim._request("POST", "/_sim/credentials", {"node": "node-a", "expire_after_calls": 1})
        r = self.cluster.call("node-a", "quickCheck")
        self.assertRc(r, 0)
        self.assertIn("RequestExpired", str(self.sim.counters()["errors"]))
        self.assertNotIn("undeterminable", r.stderr + r.stdout, str(r))
        self.assertEqual(self.sim.state(), before)

    def test_imds_flapping_restore_succeeds(self):
        before = self.sim.state()
        self.sim.fault([{"region": "*", "action": "IMDS", "kind": "Unavailable",
                         "probability": 0.4},
                        {"region": "*", "action": "IMDS", "kind": "reset", "probability": 0.2}])
        r = self.cluster.call("node-b", "restore")
        self.sim.clear_faults()
        self.assertRc(r, 0)
        self.assertGreater(self.faulted("Unavailable") + self.faulted("reset"), 0)
        self.assertServes("node-b")
        self.assertOnlyVipRoutesChanged(before)
        self.assertConverged(lambda: self.cluster.call("node-b", "restore"))

    def test_imds_down_restore_fails_and_changes_nothing(self):
        # No credentials can be had: restore cannot act (exit 1, nothing written),
        # and succeeds once the metadata service is back.
        before = self.sim.state()
        writes = self.sim.writes()
        self.sim.fault({"region": "*", "action": "IMDS", "kind": "Unavailable",
                        "probability": 1.0})
        r = self.cluster.call("node-b", "restore")
        self.sim.clear_faults()
        self.assertRc(r, 1)
        self.assertEqual(self.sim.writes(), writes)
        self.assertEqual(harness.json_diff(before, self.sim.state()), [])
        self.assertRc(self.cluster.call("node-b", "restore"), 0)
        self.assertServes("node-b")

    def test_imds_down_a_node_still_knows_itself(self):
        # Credentials from the environment, identity from instance metadata:
        # once learnt, the instance id is remembered in the state directory,
        # so a metadata outage during the failover does not stop node-b.
        env = dict(self.cluster.envs["node-b"], AWS_ACCESS_KEY_ID="AKIDSIMULATOR",
                   AWS_SECRET_ACCESS_KEY="simulator-secret-key")
        argv = self.cluster.argv("node-b", "quickCheck")
        learnt = harness.run(argv, env)
        self.assertIn(learnt.rc, (0, 1), str(learnt))
        remembered = os.path.join(env["TGWARK_STATE_DIR"], "instance-id")
        self.assertTrue(os.path.exists(remembered), str(learnt))
        self.sim.fault({"region": "*", "action": "IMDS", "kind": "Unavailable",
                        "probability": 1.0})
        r = harness.run(self.cluster.argv("node-b", "restore"), env)
        self.sim.clear_faults()
        self.assertRc(r, 0)
        self.assertIn("remembered", r.stderr)
        self.assertServes("node-b")

    def test_imds_down_quickcheck_is_not_a_failure(self):
        before = self.sim.state()
        self.sim.fault({"region": "*", "action": "IMDS", "kind": "Unavailable",
                        "probability": 1.0})
        r = self.cluster.call("node-a", "quickCheck")
        self.sim.clear_faults()
        self.assertRc(r, 0)
        self.assertEqual(self.sim.state(), before)

    def test_alternating_quickchecks_do_not_flap(self):
        # node-a is active; LifeKeeper-style checks on node-a and (as a node
        # that wrongly believes it is active would) on node-b, alternately.
        routes = self.sim.vip_routes()
        writes = self.sim.writes()
        b_rcs = set()
        for i in range(50):
            a = self.cluster.call("node-a", "quickCheck")
            self.assertEqual(a.rc, 0, "round %d: node-a failed: %s" % (i, a))
            b = self.cluster.call("node-b", "quickCheck")
            b_rcs.add(b.rc)
            self.assertEqual(self.sim.vip_routes(), routes, "round %d: node-b claimed" % i)
        self.assertEqual(self.sim.writes(), writes)
        # node-b says, every time, that it does not hold the routes.
        self.assertEqual(b_rcs, {1})

    def test_concurrent_restores_end_consistent_and_the_loser_finds_out(self):
        before = self.sim.state()
        # node-a is active but one of its home routes drifted: both restores write.
        region, table = home_vpc_table(self.topology, "node-a")
        self.sim.drift({"op": "set_route", "region": region, "route_table": table,
                        "destination": harness.VIP, "gateway_id": "igw-00000000000000000"})
        # Slow writes so that both restores are in flight at once.
        for action in ("ReplaceRoute", "ReplaceTransitGatewayRoute", "CreateRoute",
                       "CreateTransitGatewayRoute"):
            self.sim.latency({"region": "*", "action": action, "ms": 150})
        procs = {n: self.cluster.start(n, "restore") for n in ("node-a", "node-b")}
        results = {}
        for n, p in procs.items():
            out, err = p.communicate(timeout=120)
            results[n] = (p.returncode, out, err)
        self.sim.latency({"clear": True})
        self.assertOnlyVipRoutesChanged(before)
        # A restore whose home route the other restore overwrote finds out from
        # its own read-back (it does not poll on until its deadline): exit 1,
        # naming the other node. Which one, if either, depends on the race.
        for n, (rc, out, err) in results.items():
            other = "node-b" if n == "node-a" else "node-a"
            self.assertIn(rc, (0, 1), err)
            if "routes were taken over by" in err:
                self.assertEqual(rc, 1, err)
                self.assertIn("routes were taken over by %s" % other, err)
        # The restores may leave a mix (each wrote the other's home tables as
        # remote ones); each node's next check interval (quickCheck, recover if
        # it failed) settles it: the first to recover wins, the other yields.
        for n in ("node-a", "node-b"):
            self.cluster.interval(n)
        self.assertOnlyVipRoutesChanged(before)
        writes = self.sim.writes()
        final = {n: self.cluster.interval(n) for n in ("node-a", "node-b")}
        winners = [n for n, (qc, _) in final.items() if qc.rc == 0]
        self.assertEqual(len(winners), 1, "%s\n%s" % (results, {
            n: (qc.rc, qc.stderr, rec and rec.rc) for n, (qc, rec) in final.items()}))
        winner = winners[0]
        loser = "node-b" if winner == "node-a" else "node-a"
        # The loser found out: its quickCheck says it was taken over, and its
        # recover yields (exit 1) without taking the routes back.
        qc, rec = final[loser]
        self.assertRc(qc, 1)
        self.assertIn("taken over by %s" % winner, qc.stderr)
        self.assertRc(rec, 1)
        self.assertEqual(harness.diff_counts(self.sim.writes(), writes), {})
        # Consistent: every route serves the winner.
        self.assertServes(winner)
        status = harness.tgwark(["status"], harness.static_key_env(self.workdir), self.config)
        self.assertRc(status, 0)
        self.assertConverged(lambda: self.cluster.call(winner, "restore"))


if __name__ == "__main__":
    harness.main()
