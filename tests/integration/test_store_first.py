"""Restore at network speed without trusting a stale store: with a stored
scope, restore, recover and quickCheck start with the state reads and check
the stored scope in the same round; nothing changed -> no discovery call at
all; the topology changed between the store and now (a table deleted or
added, the node VPC re-attached with a new attachment id, a peering replaced)
-> the action rediscovers and makes a second pass, and ends with every route
right. A whole-state diff proves that no route but the VIP's changed.

Topology changes are made with the emulator's drift API (docs/emulator.md).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase  # noqa: E402
from test_cluster import Cluster  # noqa: E402

NODE_B_VPC = "vpc-01000010000000000"
NODE_B_TGW = "tgw-01000000000000000"
NODE_B_ATT = "tgw-attach-01000010000000000"
NODE_B_TGW_TABLES = ("tgw-rtb-01000000100000000", "tgw-rtb-01000000200000000")
CLIENT_TABLE_EAST = "rtb-00000020000000000"
PEERING_USW2_EU = "tgw-attach-01fff02ee00000000"
EU_TGW = "tgw-02000000000000000"
EU_PEERING_TABLE = "tgw-rtb-02000000200000000"

# Discovery's calls that the scope check does not make.
DISCOVERY_ONLY = ("DescribeTransitGatewayPeeringAttachments", "DescribeVpcs")


class LearnedScope:
    """node-a active; node-b learned the scope while it was."""

    def setUp(self):
        super().setUp()
        self.config = self.write_config()
        self.cluster = Cluster(self.sim, self.topology, self.workdir, self.config)
        self.assertRc(self.cluster.call("node-a", "restore"), 0)
        self.assertRc(harness.tgwark(["discover"], self.cluster.envs["node-b"], self.config), 0)


class StoreFirst(LearnedScope, SimTestCase):
    TOPOLOGY = "ref-3r"

    def calls(self):
        out = {}
        for region, actions in self.sim.counters().get("calls", {}).items():
            if region == "imds":
                continue
            for action, n in actions.items():
                out[action] = out.get(action, 0) + n
        return out

    def expected(self, node):
        """The route rules over the emulator's current state (not the file)."""
        return harness.expected_vip_targets(self.sim.state(), node)

    def assertAllServe(self, node, gone=()):
        actual = self.sim.vip_routes()
        for table, target in self.expected(node).items():
            if table in gone:
                continue
            self.assertEqual(actual[table][2:], (target, "active"), table)

    def assertOnlyVipRoutesChanged(self, before):
        self.assertEqual(harness.json_diff(harness.strip_vip_routes(before),
                                           harness.strip_vip_routes(self.sim.state())), [])

    def test_restore_with_an_unchanged_store_makes_no_discovery_call(self):
        before = self.calls()
        state = self.sim.state()
        r = self.cluster.call("node-b", "restore")
        self.assertRc(r, 0)
        self.assertAllServe("node-b")
        calls = harness.diff_counts(self.calls(), before)
        for action in DISCOVERY_ONLY:
            self.assertNotIn(action, calls, calls)
        # The pre-flight's one ENI read; one attachment check per region with TGWs.
        self.assertEqual(calls.get("DescribeNetworkInterfaces"), 1, calls)
        self.assertEqual(calls.get("DescribeTransitGatewayAttachments"), 3, calls)
        self.assertEqual(calls.get("DescribeTransitGatewayRouteTables"), 3, calls)
        # One DescribeRouteTables per region serves both the state read and the
        # check of the stored scope (by VPC); two more read back the tables
        # written in us-east-1 and us-west-2.
        self.assertEqual(calls.get("DescribeRouteTables"), 3 + 2, calls)
        self.assertNotIn("second pass", r.stderr)
        self.assertOnlyVipRoutesChanged(state)
        # quickCheck and recover on the same store: no discovery either.
        before = self.calls()
        self.assertRc(self.cluster.call("node-b", "quickCheck"), 0)
        self.assertRc(self.cluster.call("node-b", "recover"), 0)
        calls = harness.diff_counts(self.calls(), before)
        for action in DISCOVERY_ONLY + ("DescribeNetworkInterfaces",):
            self.assertNotIn(action, calls, calls)
        # quickCheck on the store just confirmed: its reads by table id, one per
        # region; recover checks the scope, sharing its reads the same way.
        self.assertEqual(calls.get("DescribeRouteTables"), 3 + 3, calls)

    def second_pass(self, node, action, ops, gone=()):
        self.sim.drift(ops)
        state = self.sim.state()
        r = self.cluster.call(node, action)
        self.assertRc(r, 0)
        self.assertIn("the stored scope changed", r.stderr)
        self.assertIn("second pass", r.stderr)
        self.assertAllServe(node, gone)
        self.assertOnlyVipRoutesChanged(state)
        # The store now holds the new scope: the next action pays no discovery.
        before = self.calls()
        self.assertRc(self.cluster.call(node, "quickCheck"), 0)
        calls = harness.diff_counts(self.calls(), before)
        for a in DISCOVERY_ONLY:
            self.assertNotIn(a, calls, calls)
        return r

    def test_restore_after_a_client_table_was_deleted(self):
        self.second_pass("node-b", "restore",
                         {"op": "delete_route_table", "region": "us-east-1",
                          "route_table": CLIENT_TABLE_EAST}, gone=(CLIENT_TABLE_EAST,))
        self.assertNotIn(CLIENT_TABLE_EAST, self.sim.vip_routes())

    def test_restore_after_a_table_was_added_to_the_node_vpc(self):
        self.second_pass("node-b", "restore",
                         {"op": "add_route_table", "region": "us-west-2",
                          "route_table": "rtb-01000010200000000", "vpc": NODE_B_VPC})
        self.assertEqual(self.sim.vip_routes()["rtb-01000010200000000"][2],
                         "eni-01000010000000000")

    def reattach_ops(self, new_id):
        ops = [{"op": "delete_attachment", "attachment": NODE_B_ATT},
               {"op": "add_vpc_attachment", "region": "us-west-2", "attachment": new_id,
                "transit_gateway": NODE_B_TGW, "vpc": NODE_B_VPC},
               {"op": "associate", "region": "us-west-2", "route_table": NODE_B_TGW_TABLES[0],
                "attachment": new_id}]
        return ops

    def test_restore_after_the_node_vpc_was_reattached_with_a_new_attachment_id(self):
        new_id = "tgw-attach-01000010900000000"
        self.second_pass("node-b", "restore", self.reattach_ops(new_id))
        routes = self.sim.vip_routes()
        for table in NODE_B_TGW_TABLES:
            self.assertEqual(routes[table][2:], (new_id, "active"), table)

    def peering_ops(self, new_id):
        return [{"op": "delete_attachment", "attachment": PEERING_USW2_EU},
                {"op": "add_peering", "attachment": new_id,
                 "requester": {"region": "us-west-2", "transit_gateway": NODE_B_TGW},
                 "accepter": {"region": "eu-west-1", "transit_gateway": EU_TGW}},
                {"op": "associate", "region": "eu-west-1", "route_table": EU_PEERING_TABLE,
                 "attachment": new_id},
                {"op": "associate", "region": "us-west-2", "route_table": NODE_B_TGW_TABLES[1],
                 "attachment": new_id}]

    def test_restore_after_a_peering_was_replaced(self):
        new_id = "tgw-attach-01fff02ee00000009"
        self.second_pass("node-b", "restore", self.peering_ops(new_id))
        self.assertEqual(self.sim.vip_routes()[EU_PEERING_TABLE][2:], (new_id, "active"))

    def test_recover_after_the_node_vpc_was_reattached(self):
        self.assertRc(self.cluster.call("node-b", "restore"), 0)
        new_id = "tgw-attach-01000010900000000"
        # The old attachment is gone: node-b's TGW routes to it are blackholes.
        self.second_pass("node-b", "recover", self.reattach_ops(new_id))
        for table in NODE_B_TGW_TABLES:
            self.assertEqual(self.sim.vip_routes()[table][2:], (new_id, "active"), table)

    def test_quickcheck_after_a_peering_was_replaced_repairs_the_remote_routes(self):
        self.assertRc(self.cluster.call("node-b", "restore"), 0)
        new_id = "tgw-attach-01fff02ee00000009"
        self.second_pass("node-b", "quickCheck", self.peering_ops(new_id))
        self.assertEqual(self.sim.vip_routes()[EU_PEERING_TABLE][2:], (new_id, "active"))



class StoreFirstIntraRegion(LearnedScope, SimTestCase):
    """Two TGWs peered within us-east-1 (one attachment id per side): the
    peering replaced between the store and a restore."""
    TOPOLOGY = "intra-region"
    TGW1, TGW2 = "tgw-00000000000000000", "tgw-00000010000000000"
    TGW1_RTB, TGW2_RTB = "tgw-rtb-00000000100000000", "tgw-rtb-00000010100000000"
    INTRA_ON_TGW1 = "tgw-attach-00fff01ee00000000"

    def test_restore_after_the_intra_region_peering_was_replaced(self):
        requester, accepter = "tgw-attach-00fff01ee00000009", "tgw-attach-00fff01ef00000009"
        self.sim.drift([
            {"op": "delete_attachment", "attachment": self.INTRA_ON_TGW1},
            {"op": "add_peering", "attachment": requester, "accepter_attachment": accepter,
             "requester": {"region": "us-east-1", "transit_gateway": self.TGW1},
             "accepter": {"region": "us-east-1", "transit_gateway": self.TGW2}},
            {"op": "associate", "region": "us-east-1", "route_table": self.TGW1_RTB,
             "attachment": requester},
            {"op": "associate", "region": "us-east-1", "route_table": self.TGW2_RTB,
             "attachment": accepter}])
        state = self.sim.state()
        r = self.cluster.call("node-b", "restore")
        self.assertRc(r, 0)
        self.assertIn("second pass", r.stderr)
        routes = self.sim.vip_routes()
        # node-a's TGW reaches node-b's over the new peering, on its own side.
        self.assertEqual(routes[self.TGW1_RTB][2:], (requester, "active"))
        expected = harness.expected_vip_targets(self.sim.state(), "node-b")
        for table, target in expected.items():
            self.assertEqual(routes[table][2:], (target, "active"), table)
        self.assertEqual(harness.json_diff(harness.strip_vip_routes(state),
                                           harness.strip_vip_routes(self.sim.state())), [])

if __name__ == "__main__":
    harness.main()
