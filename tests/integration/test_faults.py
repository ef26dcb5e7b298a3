"""Integration tests of tgwark's answers under faults: the real `tgwark`
binary against a real `tgwark-sim` that answers with garbage, throttles, or
runs a clock 20 minutes away from the node's. Judged by the exit code and by
the emulator's state: a healthy cluster must never be reported failed (a
needless failover), and a failover must get through throttling.

Run by CTest (tests/integration/CMakeLists.txt) as
  python3 test_faults.py --tgwark BIN --sim BIN --topologies DIR [unittest args]
"""

import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase, tgwark  # noqa: E402

# Answers that are not EC2's (docs/emulator.md, fault kinds): each on the
# call it is most likely to break.
MALFORMED = [
    ("html", "DescribeRouteTables"),
    ("truncated", "DescribeRouteTables"),
    ("empty", "SearchTransitGatewayRoutes"),
    ("json", "DescribeRouteTables"),
    ("no_state", "DescribeRouteTables"),
    ("no_state", "SearchTransitGatewayRoutes"),
    ("wrong_namespace", "DescribeRouteTables"),
    ("not_found_empty", "DescribeNetworkInterfaces"),
    ("not_found_empty", "DescribeRouteTables"),
    ("redirect", "DescribeRouteTables"),
]


class FaultsMixin:
    def env(self):
        return harness.static_key_env(self.workdir)

    def tg(self, *args):
        return tgwark(["--node", "node-a"] + list(args), self.env(), self.config)

    def setUp(self):
        super().setUp()
        # A short quickCheck budget: a check that cannot tell retries until it.
        self.config = self.write_config(
            harness.config_toml(self.topology, self.sim.url).replace(
                "quickcheck_timeout_s = 30", "quickcheck_timeout_s = 3"))
        # node-a is active and every route is right.
        self.assertRc(tgwark(["apply", "--active", "node-a"], self.env(), self.config), 0)

    def assertHomeRoutesServeNodeA(self):
        expected = harness.expected_vip_targets(self.topology, "node-a")
        actual = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(actual[table][2], target, table)
            self.assertEqual(actual[table][3], "active", table)


class MalformedAnswers(FaultsMixin, SimTestCase):
    """quickCheck on a healthy cluster, every read answered with garbage: no
    evidence, so exit 0 (undeterminable, with a warning), and nothing written.
    Cold (discovery) and warm (the stored topology) alike."""

    TOPOLOGY = "demo"

    def check(self, kind, action, warm):
        self.sim.reset()
        self.assertRc(tgwark(["apply", "--active", "node-a"], self.env(), self.config), 0)
        if warm:
            self.assertRc(self.tg("quickCheck"), 0)  # the stored topology is in use
        else:
            # No scope store: quickCheck discovers.
            for name in glob.glob(os.path.join(self.workdir, "state", "scope-*.json")):
                os.remove(name)
        state_before = self.sim.state()
        self.sim.fault({"region": "*", "action": action, "kind": kind, "probability": 1.0})
        r = self.tg("quickCheck")
        self.sim.clear_faults()
        label = "%s on %s (%s)" % (kind, action, "stored topology" if warm else "discovery")
        self.assertEqual(r.rc, 0, label + "\n" + str(r))
        self.assertIn("not a failure", r.stdout + r.stderr, label + "\n" + str(r))
        self.assertEqual(self.sim.state(), state_before, label)
        # The emulator really answered with the fault.
        errors = self.sim.counters()["errors"]
        self.assertTrue(any(("(%s)" % kind) in codes for r_ in errors.values()
                            for a, codes in r_.items() if a == action), label)

    def test_malformed_answers_on_discovery(self):
        for kind, action in MALFORMED:
            with self.subTest(kind=kind, action=action):
                self.check(kind, action, warm=False)

    def test_malformed_answers_on_the_stored_topology(self):
        for kind, action in MALFORMED:
            if action == "DescribeNetworkInterfaces":
                continue  # a quickCheck on a stored topology does not read ENIs
            with self.subTest(kind=kind, action=action):
                self.check(kind, action, warm=True)


class Throttling(FaultsMixin, SimTestCase):
    """restore (failover to node-b, then back) under throttling: the budget is
    the deadline, not three attempts."""

    TOPOLOGY = "demo"

    def test_restore_under_half_throttling(self):
        self.sim.fault({"region": "*", "action": "*", "kind": "RequestLimitExceeded",
                        "probability": 0.5})
        r = tgwark(["--node", "node-b", "restore"], self.env(), self.config)
        self.sim.clear_faults()
        self.assertRc(r, 0)
        expected = harness.expected_vip_targets(self.topology, "node-b")
        actual = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(actual[table][2], target, table)
        throttled = sum(codes.get("RequestLimitExceeded", 0)
                        for actions in self.sim.counters()["errors"].values()
                        for codes in actions.values())
        self.assertGreater(throttled, 0)

    def test_restore_after_a_burst_of_six_throttles(self):
        self.assertRc(tgwark(["apply", "--active", "node-b"], self.env(), self.config), 0)
        self.sim.fault({"region": "*", "action": "*", "kind": "RequestLimitExceeded",
                        "nth": 1, "count": 6})
        r = self.tg("restore")
        self.sim.clear_faults()
        self.assertRc(r, 0)
        self.assertHomeRoutesServeNodeA()


class ClockSkew(FaultsMixin, SimTestCase):
    """EC2's clock 20 minutes ahead of the node's: beyond the 15 minutes EC2
    accepts, so every first call is RequestExpired; tgwark learns the offset
    from the Date header, logs it once, and works."""

    TOPOLOGY = "demo"

    def test_restore_and_quickcheck_with_a_skewed_clock(self):
        self.assertRc(tgwark(["apply", "--active", "node-b"], self.env(), self.config), 0)
        self.sim._request("POST", "/_sim/clock", {"offset_s": 20 * 60})
        try:
            r = self.tg("restore")
            self.assertRc(r, 0)
            self.assertHomeRoutesServeNodeA()
            # The Date header has whole seconds: 1199 or 1200.
            self.assertRegex(r.stderr + r.stdout, r"clock is 1(199|200) s behind EC2's", str(r))
            q = self.tg("quickCheck")
            self.assertRc(q, 0)
            self.assertIn("healthy", q.stdout + q.stderr, str(q))
            self.assertNotIn("undeterminable", q.stdout + q.stderr, str(q))
            errors = self.sim.counters()["errors"]
            self.assertTrue(any("RequestExpired" in codes for actions in errors.values()
                                for codes in actions.values()))
        finally:
            self.sim._request("POST", "/_sim/clock", {"offset_s": 0})

    def test_a_node_clock_ahead_of_ec2(self):
        # The other way round: the node 20 minutes ahead of EC2.
        self.assertRc(tgwark(["apply", "--active", "node-b"], self.env(), self.config), 0)
        self.sim._request("POST", "/_sim/clock", {"offset_s": -20 * 60})
        try:
            r = self.tg("restore")
            self.assertRc(r, 0)
            self.assertHomeRoutesServeNodeA()
            self.assertRegex(r.stderr + r.stdout, r"clock is 1(199|200|201) s ahead of EC2's", str(r))
            # One warning per process, however many regions learnt the skew.
            self.assertEqual((r.stderr + r.stdout).count("this node's clock is"), 1, str(r))
            q = self.tg("quickCheck")
            self.assertRc(q, 0)
            self.assertIn("healthy", q.stdout + q.stderr, str(q))
        finally:
            self.sim._request("POST", "/_sim/clock", {"offset_s": 0})


if __name__ == "__main__":
    harness.main()
