"""Regions are independent failure domains: a region that is down or stalled
degrades only its own tables; restore on the new active node still makes its
home routes right, and a later quickCheck repairs the rest once the region is
back. The home region down: restore fails and nothing else changes.

Each node plays LifeKeeper's part as in test_cluster.py (its own instance
metadata, its own topology store); node-b learned the scope once, while every
region answered (`tgwark discover`, as docs/semantics.md recommends after setup).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase  # noqa: E402
from test_cluster import Cluster  # noqa: E402

OLD_REGION = "us-east-1"   # node-a's region
HOME_REGION = "us-west-2"  # node-b's region


class Regions(SimTestCase):
    TOPOLOGY = "ref-3r"

    def setUp(self):
        super().setUp()
        text = harness.config_toml(self.topology, self.sim.url, extra_aws="remote_wait_s = 2")
        self.config = self.write_config(text=text)
        self.cluster = Cluster(self.sim, self.topology, self.workdir, self.config)
        self.assertRc(self.cluster.call("node-a", "restore"), 0)
        learned = harness.tgwark(["discover"], self.cluster.envs["node-b"], self.config)
        self.assertRc(learned, 0)

    def tearDown(self):
        self.sim.clear_faults()
        super().tearDown()

    def region_of(self, table):
        return self.sim.vip_routes()[table][0]

    def assertHomeServes(self, node, region):
        expected = harness.expected_vip_targets(self.topology, node)
        actual = self.sim.vip_routes()
        for table, target in expected.items():
            if actual[table][0] == region:
                self.assertEqual(actual[table][2], target, table)
                self.assertEqual(actual[table][3], "active", table)

    def assertOnlyVipRoutesChanged(self, before):
        after = self.sim.state()
        self.assertEqual(harness.json_diff(harness.strip_vip_routes(before),
                                           harness.strip_vip_routes(after)), [])

    def fail_over_with(self, fault):
        before_routes = self.sim.vip_routes()
        before = self.sim.state()
        self.sim.fault(fault)
        r = self.cluster.call("node-b", "restore")
        self.assertRc(r, 0)
        self.assertHomeServes("node-b", HOME_REGION)
        after_routes = self.sim.vip_routes()
        for table, route in before_routes.items():
            if route[0] == OLD_REGION:
                self.assertEqual(after_routes[table], route, "%s is in the region that is down"
                                 % table)
        self.assertOnlyVipRoutesChanged(before)
        # The region comes back: one quickCheck on the active node repairs it.
        self.sim.clear_faults()
        qc = self.cluster.call("node-b", "quickCheck")
        self.assertRc(qc, 0)
        expected = harness.expected_vip_targets(self.topology, "node-b")
        actual = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(actual[table][2], target, table)
        return r

    def test_old_region_down_restore_makes_the_home_routes_right(self):
        r = self.fail_over_with({"region": OLD_REGION, "action": "*", "kind": "Unavailable",
                                 "probability": 1.0})
        self.assertIn("region %s cannot be read" % OLD_REGION, r.stderr)
        self.assertIn("using its last known state from the scope store", r.stderr)

    def test_old_region_stalled_restore_does_not_wait_for_it(self):
        # Each call to the old region is held far longer than remote_wait_s
        # (2 s); a restore that waited for it would run into its own deadline.
        self.fail_over_with({"region": OLD_REGION, "action": "*", "kind": "stall",
                             "probability": 1.0, "stall_ms": 20000})

    def test_old_region_denied_restore_makes_the_home_routes_right(self):
        self.fail_over_with({"region": OLD_REGION, "action": "*", "kind": "UnauthorizedOperation",
                             "probability": 1.0})

    def test_home_region_down_restore_fails_and_changes_nothing(self):
        # Transient errors are retried until the deadline: a short one keeps the test short.
        short = self.write_config(
            name="short.toml",
            text=harness.config_toml(self.topology, self.sim.url, extra_aws="remote_wait_s = 2")
            .replace("restore_timeout_s = 60", "restore_timeout_s = 6"))
        before = self.sim.state()
        writes = self.sim.writes()
        self.sim.fault({"region": HOME_REGION, "action": "*", "kind": "Unavailable",
                        "probability": 1.0})
        r = harness.tgwark(["restore"], self.cluster.envs["node-b"], short)
        self.assertRc(r, 1)
        self.sim.clear_faults()
        self.assertEqual(self.sim.writes(), writes)
        self.assertEqual(harness.json_diff(before, self.sim.state()), [])


if __name__ == "__main__":
    harness.main()
