"""Integration tests of tgwark's answers under faults: the real `tgwark`
binary against a real `tgwark-sim` that answers with garbage, throttles, or
runs a clock 20 minutes away from the node's. Judged by the exit code and by
the emulator's state: a healthy cluster must never be reported failed (a
needless failover), and a failover must get through throttling.

Run by CTest (tests/integration/CMakeLists.txt) as
  python3 test_faults.py --tgwark BIN --sim BIN --topologies DIR [unittest args]
"""

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
            harness.forget_scope(os.path.join(self.workdir, "state"))
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


# Discovery's own calls, beyond the reads above: a cold store discovers first.
MALFORMED_DISCOVERY = [
    ("html", "DescribeTransitGatewayAttachments"),
    ("not_found_empty", "DescribeTransitGatewayAttachments"),
    ("wrong_namespace", "DescribeNetworkInterfaces"),
    ("truncated", "DescribeNetworkInterfaces"),
]


class MalformedAnswersDuringChanges(FaultsMixin, SimTestCase):
    """restore, recover and discovery (`tgwark discover`, restore and recover
    with a cold store) under the same garbage: a transient answer, retried
    within the action's deadline. A burst of malformed answers then good ones:
    exit 0 and every route right. Garbage for good, with a short deadline:
    exit 1 (never 2: an API answer is not a configuration error) and nothing
    but the VIP's routes changed."""

    TOPOLOGY = "demo"

    def setUp(self):
        super().setUp()
        self.short = self.write_config(
            harness.config_toml(self.topology, self.sim.url).replace(
                "restore_timeout_s = 60", "restore_timeout_s = 2"), name="short.toml")

    def tearDown(self):
        self.sim.clear_faults()
        super().tearDown()

    def cold(self):
        harness.forget_scope(os.path.join(self.workdir, "state"))

    def faulted(self, kind, action):
        errors = self.sim.counters()["errors"]
        return sum(codes.get("(%s)" % kind, 0) for actions in errors.values()
                   for a, codes in actions.items() if a == action)

    def assertServes(self, node):
        expected = harness.expected_vip_targets(self.topology, node)
        actual = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(actual[table][2], target, table)
            self.assertEqual(actual[table][3], "active", table)

    def assertOnlyVipRoutesChanged(self, before, label):
        self.assertEqual(harness.json_diff(harness.strip_vip_routes(before),
                                           harness.strip_vip_routes(self.sim.state())), [],
                         label)

    def drift_home_of_node_a(self):
        region, table = next((r, t) for t, (r, kind, _, _) in self.sim.vip_routes().items()
                             if kind == "vpc" and harness.expected_vip_targets(
                                 self.topology, "node-a")[t].startswith("eni-"))
        self.sim.drift({"op": "set_route", "region": region, "route_table": table,
                        "destination": harness.VIP, "gateway_id": "igw-00000000000000000"})

    def runs(self):
        """(label, prepare, argv, node the routes must serve after a success)."""
        return [
            ("restore, stored topology", lambda: None, ["--node", "node-b", "restore"], "node-b"),
            ("restore, cold store", self.cold, ["--node", "node-b", "restore"], "node-b"),
            ("recover, cold store", lambda: (self.drift_home_of_node_a(), self.cold()),
             ["--node", "node-a", "recover"], "node-a"),
            ("discover", self.cold, ["discover"], "node-a"),
        ]

    def scenario(self, kind, action, permanent):
        hits = 0
        for label, prepare, argv, serves in self.runs():
            if permanent and label == "restore, stored topology":
                continue  # covered cold: with a store, not every call is needed
            with self.subTest(kind=kind, action=action, run=label):
                self.sim.reset()
                self.assertRc(tgwark(["apply", "--active", "node-a"], self.env(), self.config), 0)
                prepare()
                before = self.sim.state()
                rule = {"region": "*", "action": action, "kind": kind}
                rule.update({"probability": 1.0} if permanent else {"nth": 1, "count": 2})
                self.sim.fault(rule)
                r = tgwark(argv, self.env(), self.short if permanent else self.config)
                self.sim.clear_faults()
                what = "%s: %s on %s (%s)\n%s" % (label, kind, action,
                                                   "for good" if permanent else "burst", r)
                hit = self.faulted(kind, action) > 0
                hits += hit
                self.assertNotEqual(r.rc, 2, what)
                self.assertOnlyVipRoutesChanged(before, what)
                if permanent and hit:
                    self.assertEqual(r.rc, 1, what)
                    if argv[0] == "discover":
                        self.assertEqual(harness.json_diff(before, self.sim.state()), [], what)
                    continue
                self.assertEqual(r.rc, 0, what)
                self.assertServes(serves)
        # The garbage was really served (a run need not make every call).
        self.assertGreaterEqual(hits, 2, "%s on %s" % (kind, action))

    def test_a_burst_of_malformed_answers_is_outlasted(self):
        for kind, action in MALFORMED + MALFORMED_DISCOVERY:
            self.scenario(kind, action, permanent=False)

    def test_malformed_answers_for_good_fail_within_the_deadline(self):
        for kind, action in MALFORMED + MALFORMED_DISCOVERY:
            self.scenario(kind, action, permanent=True)


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


class UnhealthyRegion(FaultsMixin, SimTestCase):
    """validate against a region whose EC2 answers 503 to every call: its
    endpoint probe gives a verdict after a few attempts, naming EC2's last
    answer, instead of retrying until restore_timeout_s; nothing else asks
    that region again."""

    TOPOLOGY = "demo"

    def test_validate_reports_a_region_answering_503_with_its_last_answer(self):
        region = "us-west-2"  # node-b's
        before = self.sim.counters()["calls"].get(region, {})
        self.sim.fault({"region": region, "action": "*", "kind": "Unavailable",
                        "probability": 1.0})
        r = tgwark(["--json", "validate"], self.env(), self.config)
        after = self.sim.counters()
        self.sim.clear_faults()
        self.assertRc(r, 1)
        checks = {c["check"]: c for c in r.json()["checks"]}
        endpoint = checks["endpoint " + region]
        self.assertEqual(endpoint["status"], "FAIL", endpoint)
        self.assertIn("unhealthy", endpoint["detail"])
        self.assertIn("code=Unavailable", endpoint["detail"])
        self.assertRegex(endpoint["detail"], r"request-id=[0-9a-f-]{8,}")
        self.assertIn("http=503", endpoint["detail"])
        self.assertEqual(checks["endpoint us-east-1"]["status"], "OK")
        self.assertEqual(checks["discovery"]["status"], "WARN", checks["discovery"])
        self.assertEqual(checks["node node-b ENI"]["status"], "WARN")
        # The probe's three attempts are all the region saw.
        calls = {action: n - before.get(action, 0)
                 for action, n in after["calls"].get(region, {}).items()
                 if n != before.get(action, 0)}
        self.assertEqual(calls, {"DescribeTransitGateways": 3})
        self.assertEqual(after["errors"][region]["DescribeTransitGateways"]["Unavailable"], 3)


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
