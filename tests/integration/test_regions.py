"""Regions are independent failure domains: a region that is down, stalled,
denied or throttled to death degrades only its own tables; restore, recover
and quickCheck on the active node still make (or find) its home routes right,
exit 0 and name the region left behind (log, --json, metrics), and one
quickCheck repairs it once the region is back. The home region down: restore
fails and nothing changes.

Each node plays LifeKeeper's part as in test_cluster.py (its own instance
metadata, its own scope store); the node under test learned the scope once,
while every region answered (`tgwark discover`), so its actions start with
the state reads and a check of the stored scope. Deadlines are short
(remote_wait_s = 1, restore_timeout_s = 6): the faults are permanent.
"""

import glob
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase  # noqa: E402
from test_cluster import Cluster  # noqa: E402

REGION_OF = {"node-a": "us-east-1", "node-b": "us-west-2"}
OTHER = {"node-a": "node-b", "node-b": "node-a"}
CLIENT_REGION = "eu-west-1"

FAULTS = {
    "down": {"action": "*", "kind": "Unavailable", "probability": 1.0},
    # Each call held three times remote_wait_s: an action that waited for it
    # would read and write that region (its routes would change). Not longer:
    # every stalled call holds one of the emulator's 32 workers meanwhile.
    "stalled": {"action": "*", "kind": "stall", "probability": 1.0, "stall_ms": 3000},
    "denied": {"action": "*", "kind": "UnauthorizedOperation", "probability": 1.0},
    "throttled": {"action": "*", "kind": "RequestLimitExceeded", "probability": 1.0},
}


def short_config(topology, url):
    return (harness.config_toml(topology, url, extra_aws="remote_wait_s = 1")
            .replace("restore_timeout_s = 60", "restore_timeout_s = 6")
            .replace("quickcheck_timeout_s = 30", "quickcheck_timeout_s = 6"))


class Regions(SimTestCase):
    TOPOLOGY = "ref-3r"

    def setUp(self):
        super().setUp()
        self.config = self.write_config(text=short_config(self.topology, self.sim.url))
        self.cluster = Cluster(self.sim, self.topology, self.workdir, self.config)

    def tearDown(self):
        self.sim.clear_faults()
        super().tearDown()

    def prepare(self, node):
        """The other node active; `node` knows the scope from a discovery."""
        self.assertRc(self.cluster.call(OTHER[node], "restore"), 0)
        self.assertRc(harness.tgwark(["discover"], self.cluster.envs[node], self.config), 0)

    def json_action(self, node, action):
        r = harness.tgwark(["--json", "--metrics-file", self.metrics_path(node), action],
                           self.cluster.envs[node], self.config)
        return r, r.json()

    def metrics_path(self, node):
        return os.path.join(self.workdir, node + ".prom")

    def gauge(self, node, command):
        with open(self.metrics_path(node)) as f:
            for line in f:
                if line.startswith('tgwark_last_run_regions_left_behind{command="%s"}' % command):
                    return float(line.split()[-1])
        return None

    def assertHomeServes(self, node):
        expected = harness.expected_vip_targets(self.topology, node)
        actual = self.sim.vip_routes()
        home = REGION_OF[node]
        for table, target in expected.items():
            if actual[table][0] == home:
                self.assertEqual(actual[table][2:], (target, "active"), table)

    def assertAllServe(self, node):
        expected = harness.expected_vip_targets(self.topology, node)
        actual = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(actual[table][2:], (target, "active"), table)

    def assertRegionUntouched(self, region, before_routes):
        after = self.sim.vip_routes()
        for table, route in before_routes.items():
            if route[0] == region:
                self.assertEqual(after[table], route, "%s is in the region left behind" % table)

    def assertOnlyVipRoutesChanged(self, before):
        self.assertEqual(harness.json_diff(harness.strip_vip_routes(before),
                                           harness.strip_vip_routes(self.sim.state())), [])

    def assertLeftBehind(self, doc, region, reason):
        behind = {r["region"]: r for r in doc["regions_left_behind"]}
        self.assertIn(region, behind, doc)
        self.assertEqual(behind[region]["reason"], reason, doc)
        self.assertTrue(behind[region]["tables"], doc)
        self.assertEqual(set(behind), {region}, doc)

    def assertOneQuickCheckRepairsOnceBack(self, node, before):
        """The region comes back: one quickCheck on the active node repairs it."""
        self.sim.clear_faults()
        r, doc = self.json_action(node, "quickCheck")
        self.assertRc(r, 0)
        self.assertEqual(doc["regions_left_behind"], [])
        self.assertEqual(self.gauge(node, "quickCheck"), 0)
        self.assertAllServe(node)
        self.assertOnlyVipRoutesChanged(before)

    def outage(self, node, region, kind):
        """restore, recover and quickCheck on `node` with `region` failing as
        `kind`; then the region comes back and one quickCheck repairs it."""
        self.prepare(node)
        before = self.sim.state()
        before_routes = self.sim.vip_routes()
        self.sim.fault(dict(FAULTS[kind], region=region))
        # The left-behind reason: a stall ends in the remote deadline.
        reason = kind

        r, doc = self.json_action(node, "restore")
        self.assertRc(r, 0)
        self.assertHomeServes(node)
        self.assertRegionUntouched(region, before_routes)
        self.assertLeftBehind(doc, region, reason)
        self.assertIn("region %s left behind (%s)" % (region, reason), r.stderr)
        self.assertEqual(self.gauge(node, "restore"), 1)

        # A home route drifts; recover puts it back with the region still out.
        home_table = next(t for t, route in self.sim.vip_routes().items()
                          if route[0] == REGION_OF[node] and route[1] == "vpc"
                          and route[2] and route[2].startswith("eni-"))
        self.sim.drift({"op": "set_route", "region": REGION_OF[node], "route_table": home_table,
                        "destination": harness.VIP, "gateway_id": "igw-00000000000000000"})
        qc = self.cluster.call(node, "quickCheck")
        self.assertRc(qc, 1)
        r, doc = self.json_action(node, "recover")
        self.assertRc(r, 0)
        self.assertHomeServes(node)
        self.assertLeftBehind(doc, region, reason)

        r, doc = self.json_action(node, "quickCheck")
        self.assertRc(r, 0)
        self.assertLeftBehind(doc, region, reason)
        self.assertEqual(self.gauge(node, "quickCheck"), 1)
        self.assertRegionUntouched(region, before_routes)
        self.assertOnlyVipRoutesChanged(before)

        self.assertOneQuickCheckRepairsOnceBack(node, before)

    # node-b takes over with node-a's region (or the client region) out.
    def test_node_b_old_region_down(self):
        self.outage("node-b", "us-east-1", "down")

    def test_node_b_client_region_stalled(self):
        self.outage("node-b", CLIENT_REGION, "stalled")

    def test_node_b_old_region_denied(self):
        self.outage("node-b", "us-east-1", "denied")

    def test_node_b_client_region_throttled_to_death(self):
        self.outage("node-b", CLIENT_REGION, "throttled")

    # node-a takes over (back) with node-b's region or the client region out.
    def test_node_a_old_region_stalled(self):
        self.outage("node-a", "us-west-2", "stalled")

    def test_node_a_client_region_down(self):
        self.outage("node-a", CLIENT_REGION, "down")

    def test_node_a_client_region_denied(self):
        self.outage("node-a", CLIENT_REGION, "denied")

    def test_node_a_old_region_throttled_to_death(self):
        self.outage("node-a", "us-west-2", "throttled")

    def test_node_b_client_region_stalling_its_writes_is_left_behind(self):
        """The region's reads answer, its writes stall: restore gives it up
        after remote_wait_s without an answer, not at its 60 s deadline. Each
        stalled write would answer after 8 s (under the client's 20 s attempt
        timeout), so a restore that waited for the region would write it and
        not name it."""
        self.config = self.write_config(
            text=harness.config_toml(self.topology, self.sim.url, extra_aws="remote_wait_s = 1"))
        self.cluster = Cluster(self.sim, self.topology, self.workdir, self.config)
        self.prepare("node-b")
        before = self.sim.state()
        for action in ("ReplaceTransitGatewayRoute", "CreateTransitGatewayRoute",
                       "ReplaceRoute", "CreateRoute"):
            self.sim.fault({"action": action, "region": CLIENT_REGION, "kind": "stall",
                            "probability": 1.0, "stall_ms": 8000})
        r, doc = self.json_action("node-b", "restore")
        self.assertRc(r, 0)
        self.assertHomeServes("node-b")
        self.assertLeftBehind(doc, CLIENT_REGION, "stalled")
        self.assertIn("region %s left behind (stalled)" % CLIENT_REGION, r.stderr)

        # recover reads every region before it writes, and writes each on its
        # own: with a home route and a client-region TGW route drifted, it
        # puts the home one back and gives the client region up the same way.
        routes = self.sim.vip_routes()
        home_table = next(t for t, route in routes.items()
                          if route[0] == REGION_OF["node-b"] and route[1] == "vpc"
                          and route[2] and route[2].startswith("eni-"))
        client_tgw_table = next(t for t, route in routes.items()
                                if route[0] == CLIENT_REGION and route[1] == "tgw")
        self.sim.drift([
            {"op": "set_route", "region": REGION_OF["node-b"], "route_table": home_table,
             "destination": harness.VIP, "gateway_id": "igw-00000000000000000"},
            {"op": "set_tgw_route", "region": CLIENT_REGION, "route_table": client_tgw_table,
             "destination": harness.VIP, "blackhole": True}])
        r, doc = self.json_action("node-b", "recover")
        self.assertRc(r, 0)
        self.assertHomeServes("node-b")
        self.assertLeftBehind(doc, CLIENT_REGION, "stalled")

        # Back to normal: one quickCheck leaves every route right.
        self.sim.clear_faults()
        r, doc = self.json_action("node-b", "quickCheck")
        self.assertRc(r, 0)
        self.assertAllServe("node-b")
        self.assertOnlyVipRoutesChanged(before)

    # --- a cold store: nothing stored places the other node ---------------------------

    def store_files(self, node):
        return glob.glob(os.path.join(self.cluster.envs[node]["TGWARK_STATE_DIR"], "scope-*.json"))

    def assertColdLeftBehind(self, doc, region, reason, left_out):
        """The other node's region named, without its tables (never discovered)."""
        behind = {r["region"]: r for r in doc["regions_left_behind"]}
        self.assertEqual(set(behind), {region}, doc)
        self.assertEqual(behind[region]["reason"], reason, doc)
        self.assertIn("%s left out" % left_out, behind[region]["detail"], doc)

    def assertOutsideServe(self, node, region):
        """Every table outside `region` serves `node` (the client region included)."""
        expected = harness.expected_vip_targets(self.topology, node)
        actual = self.sim.vip_routes()
        for table, target in expected.items():
            if actual[table][0] != region:
                self.assertEqual(actual[table][2:], (target, "active"), table)

    def cold_outage(self, kind, node="node-b"):
        """`node` takes over from the other node with that node's region failing
        as `kind` and no scope store on `node` (a first run, or one forgotten):
        the other node cannot be placed, `node`'s routes everywhere else are
        made right."""
        other = OTHER[node]
        region = REGION_OF[other]
        self.assertRc(self.cluster.call(other, "restore"), 0)
        harness.forget_scope(self.cluster.envs[node]["TGWARK_STATE_DIR"])
        before = self.sim.state()
        before_routes = self.sim.vip_routes()
        self.sim.fault(dict(FAULTS[kind], region=region))

        r, doc = self.json_action(node, "restore")
        self.assertRc(r, 0)
        self.assertOutsideServe(node, region)
        self.assertRegionUntouched(region, before_routes)
        self.assertColdLeftBehind(doc, region, kind, other)
        self.assertIn("node '%s' is left out" % other, r.stderr)
        self.assertIn("region %s left behind (%s)" % (region, kind), r.stderr)
        self.assertEqual(self.gauge(node, "restore"), 1)
        # A scope without node-a's region is not kept: the next action
        # discovers again rather than trust it.
        self.assertEqual(self.store_files(node), [])

        home_table = next(t for t, route in self.sim.vip_routes().items()
                          if route[0] == REGION_OF[node] and route[1] == "vpc"
                          and route[2] and route[2].startswith("eni-"))
        self.sim.drift({"op": "set_route", "region": REGION_OF[node], "route_table": home_table,
                        "destination": harness.VIP, "gateway_id": "igw-00000000000000000"})
        r, doc = self.json_action(node, "recover")
        self.assertRc(r, 0)
        self.assertOutsideServe(node, region)
        self.assertColdLeftBehind(doc, region, kind, other)

        # discover on node-b (told which node it is) shows the scope it acts on.
        d = harness.tgwark(["--node", node, "--json", "discover"], self.cluster.envs[node],
                           self.config)
        self.assertRc(d, 0)
        ddoc = d.json()
        self.assertIn(region, ddoc["stale_regions"])
        self.assertEqual([n["name"] for n in ddoc["nodes"]], [node])
        self.assertFalse([t for t in ddoc["vpc_route_tables"] + ddoc["tgw_route_tables"]
                          if t["region"] == region])
        d = harness.tgwark(["--node", node, "discover"], self.cluster.envs[node], self.config)
        self.assertRc(d, 0)
        self.assertIn("%s: left out" % other, d.stdout)

        r, doc = self.json_action(node, "quickCheck")
        self.assertRc(r, 0)
        self.assertColdLeftBehind(doc, region, kind, other)
        self.assertRegionUntouched(region, before_routes)
        self.assertOnlyVipRoutesChanged(before)

        self.assertOneQuickCheckRepairsOnceBack(node, before)

    def test_cold_node_b_old_region_down(self):
        self.cold_outage("down")

    def test_cold_node_b_old_region_stalled(self):
        self.cold_outage("stalled")

    def test_cold_node_b_old_region_denied(self):
        self.cold_outage("denied")

    def test_cold_node_b_old_region_throttled_to_death(self):
        self.cold_outage("throttled")

    def test_cold_node_a_old_region_stalled(self):
        self.cold_outage("stalled", node="node-a")

    def test_cold_node_a_old_region_throttled_to_death(self):
        self.cold_outage("throttled", node="node-a")

    def test_cold_node_b_home_region_down_fails_and_changes_nothing(self):
        self.assertRc(self.cluster.call("node-a", "restore"), 0)
        harness.forget_scope(self.cluster.envs["node-b"]["TGWARK_STATE_DIR"])
        before = self.sim.state()
        writes = self.sim.writes()
        self.sim.fault(dict(FAULTS["down"], region=REGION_OF["node-b"]))
        self.assertRc(self.cluster.call("node-b", "restore"), 1)
        self.assertRc(self.cluster.call("node-b", "recover"), 1)
        self.sim.clear_faults()
        self.assertEqual(self.sim.writes(), writes)
        self.assertEqual(harness.json_diff(before, self.sim.state()), [])

    def home_down(self, node):
        self.prepare(node)
        before = self.sim.state()
        writes = self.sim.writes()
        self.sim.fault(dict(FAULTS["down"], region=REGION_OF[node]))
        r = self.cluster.call(node, "restore")
        self.assertRc(r, 1)
        self.assertRc(self.cluster.call(node, "recover"), 1)
        # quickCheck cannot tell (LifeKeeper's convention: not a failure).
        qc = self.cluster.call(node, "quickCheck")
        self.assertRc(qc, 0)
        self.assertIn("not a failure", qc.stderr)
        self.sim.clear_faults()
        # Nothing else was pointed at a node whose own routes cannot be read.
        self.assertEqual(self.sim.writes(), writes)
        self.assertEqual(harness.json_diff(before, self.sim.state()), [])

    def test_node_b_home_region_down_restore_and_recover_fail_and_change_nothing(self):
        self.home_down("node-b")

    def test_node_a_home_region_down_restore_and_recover_fail_and_change_nothing(self):
        self.home_down("node-a")


if __name__ == "__main__":
    harness.main()
