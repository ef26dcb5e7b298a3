"""Integration tests of the core (issue 4): the real `tgwark` binary against a
real `tgwark-sim` process, judged by what the emulated cloud saw (its state
dump and call counters), not only by what tgwark reports about itself.

Run by CTest (tests/integration/CMakeLists.txt) as
  python3 test_core.py --tgwark BIN --sim BIN --topologies DIR [unittest args]
"""

import json
import os
import sys
import tomllib
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import VIP, SimTestCase, tgwark  # noqa: E402

NODE_A_VPC_TABLE = "rtb-00000010000000000"  # node-a's VPC (us-east-1), main table


class CoreMixin(harness.StaticKeyCli):
    """The failover cycle, run on each topology by the subclasses below."""

    def assertVipRoutesServe(self, node):
        expected = harness.expected_vip_targets(self.topology, node)
        actual = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertIn(table, actual)
            region, kind, got, state = actual[table]
            self.assertEqual(got, target, "%s %s %s" % (region, kind, table))
            self.assertEqual(state, "active", table)

    def assertVerifyReaches(self, node):
        r = self.tg("--json", "verify")
        self.assertRc(r, 0)
        report = r.json()
        self.assertTrue(report["ok"])
        self.assertEqual(report["expected_node"], node)
        self.assertTrue(report["traces"])
        traced = set()
        for t in report["traces"]:
            self.assertEqual(t["outcome"], "reached", t)
            self.assertEqual(t["reached_node"], node, t)
            traced.add(t["source_table"])
        # Every managed VPC table is a starting point of a trace.
        expected_vpc_tables = {
            tid for tid, (_, kind, _, _) in self.sim.vip_routes().items()
            if kind == "vpc" and tid in harness.expected_vip_targets(self.topology, node)}
        self.assertEqual(traced, expected_vpc_tables)
        # Explicit --active agrees.
        self.assertRc(self.tg("verify", "--active", node), 0)

    def test_failover_cycle(self):
        r = self.tg("--json", "apply", "--active", "node-a")
        self.assertRc(r, 0)
        self.assertTrue(r.json()["all_right"])
        self.assertVipRoutesServe("node-a")
        self.assertVerifyReaches("node-a")

        st = self.tg("--json", "status")
        self.assertRc(st, 0)
        status = st.json()
        self.assertTrue(status["consistent"])
        self.assertEqual(status["served_node"], "node-a")
        expected = harness.expected_vip_targets(self.topology, "node-a")
        self.assertEqual({x["table"] for x in status["routes"]}, set(expected))
        for x in status["routes"]:
            self.assertTrue(x["known"], x)
            self.assertEqual(x["route"]["target"], expected[x["table"]], x)
            # A client VPC's route to its TGW serves whichever node is active;
            # a route to node-a's ENI or VPC attachment serves node-a only.
            self.assertIn("node-a", x["serves"], x)
            if x["route"]["target"].startswith(("eni-", "tgw-attach-")):
                self.assertEqual(x["serves"], ["node-a"], x)

        # verify against the wrong node fails.
        self.assertRc(self.tg("verify", "--active", "node-b"), 1)

        before = self.sim.writes()
        r = self.tg("--json", "apply", "--active", "node-b")
        self.assertRc(r, 0)
        report = r.json()
        written = [x for x in report["routes"] if x["outcome"] == "written"]
        emulator_writes = harness.diff_counts(self.sim.writes(), before)
        # tgwark's own count agrees with what the emulator received.
        self.assertEqual(len(written), harness.write_count(emulator_writes))
        self.assertEqual(report["counts"]["written"], len(written))
        self.assertVipRoutesServe("node-b")
        self.assertVerifyReaches("node-b")
        st = self.tg("--json", "status")
        self.assertRc(st, 0)
        self.assertEqual(st.json()["served_node"], "node-b")

    def test_second_apply_writes_nothing(self):
        self.assertRc(self.tg("apply", "--active", "node-b"), 0)
        before = self.sim.writes()
        r = self.tg("--json", "apply", "--active", "node-b")
        self.assertRc(r, 0)
        self.assertEqual(harness.diff_counts(self.sim.writes(), before), {})
        self.assertEqual(r.json()["counts"]["written"], 0)
        self.assertEqual(r.json()["calls"]["writes"], 0)

    def test_failover_changes_nothing_but_vip_routes(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        before = self.sim.state()
        self.assertRc(self.tg("apply", "--active", "node-b"), 0)
        after = self.sim.state()
        diff = harness.json_diff(harness.strip_vip_routes(before), harness.strip_vip_routes(after))
        self.assertEqual(diff, [], "a failover changed something other than the VIP routes")
        # ... and the VIP routes did change, to the rules' targets.
        self.assertNotEqual(harness.vip_routes(before), harness.vip_routes(after))
        self.assertVipRoutesServe("node-b")

    def test_dry_run_and_plan_write_nothing(self):
        before_state = self.sim.state()
        r = self.tg("--json", "apply", "--active", "node-b", "--dry-run")
        self.assertRc(r, 0)
        self.assertTrue(r.json()["dry_run"])
        self.assertEqual(self.sim.writes(), {})
        p = self.tg("--json", "plan", "--active", "node-b")
        self.assertRc(p, 0)
        plan = p.json()
        self.assertGreater(plan["writes"], 0)
        self.assertEqual(self.sim.writes(), {})
        self.assertEqual(harness.json_diff(before_state, self.sim.state()), [])
        # The plan names exactly the routes that differ from node-b's desired state.
        expected = harness.expected_vip_targets(self.topology, "node-b")
        current = self.sim.vip_routes()
        differing = {t for t, target in expected.items() if current[t][2] != target}
        changed = {x["table"] for x in plan["routes"] if x["change"] != "none"}
        self.assertEqual(changed, differing)
        self.assertEqual(plan["writes"], len(differing))
        # Text output too.
        self.assertRc(self.tg("plan", "--active", "node-b"), 0)
        self.assertEqual(self.sim.writes(), {})

    def test_unknown_active_node_exits_2(self):
        for cmd in (["apply", "--active", "node-z"], ["plan", "--active", "node-z"],
                    ["verify", "--active", "node-z"], ["graph", "--active", "node-z"]):
            r = self.tg(*cmd)
            self.assertRc(r, 2)
            self.assertIn("node-z", r.stderr)
            # The error lists the nodes there are.
            self.assertIn("node-a, node-b", r.stderr, cmd)
        self.assertEqual(self.sim.writes(), {})

    def test_discover_prints_toml_listing_tables(self):
        r = self.tg("discover")
        self.assertRc(r, 0)
        doc = tomllib.loads(r.stdout)
        expected = harness.expected_vip_targets(self.topology, "node-a")
        listed = set(doc["vpc_route_tables"]) | set(doc["tgw_route_tables"])
        self.assertEqual(listed, set(expected))
        self.assertTrue(all(t.startswith("tgw-rtb-") for t in doc["tgw_route_tables"]))
        self.assertEqual(self.sim.writes(), {})
        # The output says "Paste into the config to pin it": pasted verbatim at
        # the top of the config, it replaces discovery and must work.
        pinned = self.write_config(name="pinned.toml", extra_top=r.stdout)
        self.assertRc(tgwark(["apply", "--active", "node-b"], self.env(), pinned), 0)
        self.assertVipRoutesServe("node-b")


class CoreRef3r(CoreMixin, SimTestCase):
    TOPOLOGY = "ref-3r"

    def test_drift_shows_in_status_and_plan_and_apply_fixes_it(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        remote_tgw_table = "tgw-rtb-02000000100000000"  # eu-west-1
        self.sim.drift([
            # A home route pointed elsewhere (at the TGW instead of node-a's ENI).
            {"op": "set_route", "region": "us-east-1", "route_table": NODE_A_VPC_TABLE,
             "destination": VIP, "transit_gateway_id": "tgw-00000000000000000"},
            # A remote route deleted.
            {"op": "delete_tgw_route", "region": "eu-west-1", "route_table": remote_tgw_table,
             "destination": VIP},
        ])
        st = self.tg("--json", "status")
        self.assertRc(st, 1)
        self.assertFalse(st.json()["consistent"])
        by_table = {x["table"]: x for x in st.json()["routes"]}
        self.assertIsNone(by_table[remote_tgw_table]["route"])
        self.assertEqual(by_table[NODE_A_VPC_TABLE]["route"]["target"], "tgw-00000000000000000")
        self.assertRc(self.tg("verify", "--active", "node-a"), 1)

        p = self.tg("--json", "plan", "--active", "node-a")
        self.assertRc(p, 0)
        changes = {x["table"]: x["change"] for x in p.json()["routes"] if x["change"] != "none"}
        self.assertEqual(changes, {NODE_A_VPC_TABLE: "replace", remote_tgw_table: "create"})
        # For node-b the drifted routes are among the changes as well.
        pb = self.tg("--json", "plan", "--active", "node-b")
        self.assertRc(pb, 0)
        changes_b = {x["table"]: x["change"] for x in pb.json()["routes"] if x["change"] != "none"}
        self.assertEqual(changes_b.get(remote_tgw_table), "create")
        self.assertEqual(changes_b.get(NODE_A_VPC_TABLE), None,
                         "node-a's VPC table already points at the TGW, as node-b wants")
        self.assertEqual(self.sim.writes(), {})

        before = self.sim.writes()
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        self.assertEqual(harness.diff_counts(self.sim.writes(), before),
                         {"ReplaceRoute": 1, "CreateTransitGatewayRoute": 1})
        self.assertVipRoutesServe("node-a")
        self.assertRc(self.tg("status"), 0)

    def test_transient_faults_converge(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        self.sim.fault({"region": "us-west-2", "action": "ReplaceTransitGatewayRoute",
                        "kind": "InternalError", "nth": 1, "count": 1})
        self.sim.fault({"region": "us-east-1", "action": "ReplaceRoute",
                        "kind": "RequestLimitExceeded", "nth": 1, "count": 2})
        self.sim.fault({"region": "eu-west-1", "action": "ReplaceTransitGatewayRoute",
                        "kind": "RequestLimitExceeded", "nth": 1, "count": 2})
        r = self.tg("--json", "apply", "--active", "node-b")
        self.assertRc(r, 0)
        self.assertTrue(r.json()["all_right"])
        errors = self.sim.counters()["errors"]
        self.assertEqual(errors["us-west-2"]["ReplaceTransitGatewayRoute"]["InternalError"], 1)
        self.assertEqual(errors["us-east-1"]["ReplaceRoute"]["RequestLimitExceeded"], 2)
        self.assertEqual(errors["eu-west-1"]["ReplaceTransitGatewayRoute"]["RequestLimitExceeded"],
                         2)
        self.assertVipRoutesServe("node-b")
        self.assertRc(self.tg("verify", "--active", "node-b"), 0)

    def test_permanent_regional_failure_is_reported_then_rerun_converges(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        # eu-west-1's TGW tables must move from the peering with us-east-1 to the
        # peering with us-west-2: make every such write fail there, for good.
        self.sim.fault({"region": "eu-west-1", "action": "ReplaceTransitGatewayRoute",
                        "kind": "InternalError", "probability": 1.0})
        # A permanent fault is retried until the deadline: a short one.
        short = self.write_config(
            harness.config_toml(self.topology, self.sim.url).replace(
                "restore_timeout_s = 60", "restore_timeout_s = 10"), name="short.toml")
        r = self.tg("--json", "apply", "--active", "node-b", config=short)
        self.assertRc(r, 1)
        report = r.json()
        self.assertFalse(report["all_right"])
        self.assertTrue(report["home_right"])
        bad = {x["table"]: x for x in report["routes"] if x["outcome"] in ("failed", "unknown")}
        expected_bad = {t for t, (region, kind, _, _) in self.sim.vip_routes().items()
                        if region == "eu-west-1" and kind == "tgw"}
        self.assertEqual(set(bad), expected_bad)
        for x in bad.values():
            self.assertEqual(x["region"], "eu-west-1")
            self.assertIn("error", x)
            self.assertEqual(x["error"]["code"], "InternalError")
            self.assertTrue(x["error"]["request_id"])
        # Everything else is right.
        expected = harness.expected_vip_targets(self.topology, "node-b")
        current = self.sim.vip_routes()
        for t, target in expected.items():
            if t not in expected_bad:
                self.assertEqual(current[t][2], target, t)
        self.assertRc(self.tg("status"), 1)

        self.sim.clear_faults()
        r = self.tg("--json", "apply", "--active", "node-b")
        self.assertRc(r, 0)
        self.assertEqual(r.json()["counts"]["written"], len(expected_bad))
        self.assertVipRoutesServe("node-b")
        self.assertRc(self.tg("status"), 0)

    def test_create_missing_false_reports_missing_and_creates_nothing(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        table = "tgw-rtb-01000000200000000"  # us-west-2, remote for node-a
        self.sim.drift({"op": "delete_tgw_route", "region": "us-west-2", "route_table": table,
                        "destination": VIP})
        config = self.write_config(name="nocreate.toml", create_missing=False)
        before = self.sim.writes()
        p = tgwark(["--json", "plan", "--active", "node-a"], self.env(), config)
        self.assertRc(p, 0)
        changes = {x["table"]: x["change"] for x in p.json()["routes"] if x["change"] != "none"}
        self.assertEqual(changes, {table: "missing"})
        r = tgwark(["--json", "apply", "--active", "node-a"], self.env(), config)
        report = r.json()
        outcomes = {x["table"]: x["outcome"] for x in report["routes"]}
        self.assertEqual(outcomes[table], "missing", str(r))
        self.assertEqual(report["counts"]["missing"], 1)
        self.assertEqual(harness.diff_counts(self.sim.writes(), before), {})
        self.assertIsNone(self.sim.vip_routes()[table][2])
        self.assertIn(r.rc, (0, 1))  # see docs: a missing remote route is reported

    def test_create_missing_false_works_with_vendor_kit_permissions(self):
        # The vendor kit's eight permissions are enough when nothing is created,
        # given each node's VPC in the config (no ec2:DescribeNetworkInterfaces).
        text = harness.config_toml(self.topology, self.sim.url, create_missing=False)
        eni_vpc = {eni["id"]: eni["vpc"] for region in self.topology["regions"].values()
                   for eni in region.get("enis", [])}
        lines = []
        for line in text.splitlines():
            lines.append(line)
            if line.startswith("eni = "):
                eni = line.split('"')[1]
                lines.append('vpc = "%s"' % eni_vpc[eni])
        config = self.write_config("\n".join(lines) + "\n", name="kit.toml")
        env = self.env()
        env["AWS_ACCESS_KEY_ID"] = "AKIDTGWKIT"
        env["AWS_SECRET_ACCESS_KEY"] = "tgwkit-secret-key"
        r = tgwark(["apply", "--active", "node-b"], env, config)
        self.assertRc(r, 0)
        self.assertVipRoutesServe("node-b")
        errors = self.sim.counters()["errors"]
        # Enrichment reads are tried and, when denied, replaced by the kit's own
        # calls (docs/iam.md); nothing else may be denied.
        enrichments = {"DescribeNetworkInterfaces", "DescribeVpcs",
                       "DescribeTransitGatewayAttachments",
                       "GetTransitGatewayRouteTableAssociations"}
        unauthorized = [(reg, a) for reg, acts in errors.items() for a, codes in acts.items()
                        if "UnauthorizedOperation" in codes and a not in enrichments]
        self.assertEqual(unauthorized, [], "tgwark needed a permission the kit does not have")


class CoreDemo(CoreMixin, SimTestCase):
    TOPOLOGY = "demo"


class BadConfig(SimTestCase):
    """A bad config exits 2, names the key, and makes no request at all."""

    TOPOLOGY = "demo"

    def cases(self):
        good = harness.config_toml(self.topology, self.sim.url)
        return [
            ("node[1].eni", good.replace('eni = "eni-01000010000000000"', 'eni = "eni-xyz"')),
            ("restore_timout_s", good.replace("restore_timeout_s", "restore_timout_s")),
            ("vip", good.replace('vip = "192.168.10.10"', 'vip = "10.0.0.0/24"')),
            ("node", good.split("\n[[node]]")[0] + "\n[[node]]" +
             good.split("\n[[node]]")[1].split("\n[aws]")[0] + "\n[aws]\n"),
            ("endpoint_url", good.replace('endpoint_url = "http://', 'endpoint_url = "ftp://')),
            ("quickcheck_timeout_s", good.replace("quickcheck_timeout_s = 30",
                                                  "quickcheck_timeout_s = 0")),
            ("region", good.replace('region = "us-west-2"', 'region = "us-wset-2x"')),
        ]

    def test_bad_configs_exit_2_without_any_request(self):
        for key, text in self.cases():
            with self.subTest(key=key):
                self.assertNotEqual(text, harness.config_toml(self.topology, self.sim.url))
                path = self.write_config(text, name="bad.toml")
                # A node's environment: even IMDS must not be asked.
                env = harness.node_env(self.workdir, self.sim, "node-a")
                for cmd in (["apply", "--active", "node-a"], ["plan", "--active", "node-a"],
                            ["status"], ["verify"], ["discover"], ["restore"], ["quickCheck"],
                            ["recover"], ["validate"]):
                    r = tgwark(cmd, env, path)
                    self.assertRc(r, 2)
                    self.assertIn(key, r.stderr, str(r))
                self.assertEqual(self.sim.total_calls(include_imds=True), 0,
                                 json.dumps(self.sim.counters()))

    def test_missing_config_file_exits_2(self):
        r = tgwark(["status"], harness.static_key_env(self.workdir),
                   os.path.join(self.workdir, "nope.toml"))
        self.assertRc(r, 2)
        self.assertIn("nope.toml", r.stderr)
        self.assertEqual(self.sim.total_calls(), 0)

    def test_bad_command_line_exits_2(self):
        env = harness.static_key_env(self.workdir)
        self.assertRc(tgwark(["apply"], env), 2)  # --active is required
        self.assertRc(tgwark(["frobnicate"], env), 2)
        self.assertEqual(self.sim.total_calls(), 0)


IPV6_VIP = "2001:db8:ffff::a"


class Ipv6Vip(SimTestCase):
    """The demo topology with its VIP routes rewritten to an IPv6 /128."""

    TOPOLOGY = "demo"

    @classmethod
    def setUpClass(cls):
        import tempfile

        topo = harness.load_topology("demo")
        topo = json.loads(json.dumps(topo).replace('"192.168.10.10/32"',
                                                   '"%s/128"' % IPV6_VIP))
        cls._topo_dir = tempfile.TemporaryDirectory(prefix="tgwark-it-v6-")
        path = os.path.join(cls._topo_dir.name, "demo-v6.json")
        with open(path, "w") as f:
            json.dump(topo, f)
        cls.topology = topo
        try:
            cls.sim = harness.Sim(path, seed=cls.SEED)
        except RuntimeError as e:
            cls._topo_dir.cleanup()
            raise unittest.SkipTest("emulator does not take IPv6 VIP routes: %s" % e)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls._topo_dir.cleanup()

    def test_ipv6_failover(self):
        config = self.write_config(vip=IPV6_VIP)
        env = harness.static_key_env(self.workdir)
        vip = IPV6_VIP + "/128"
        r = tgwark(["--json", "apply", "--active", "node-b"], env, config)
        self.assertRc(r, 0)
        before_other = harness.strip_vip_routes(self.sim.state(), vip)
        routes = self.sim.vip_routes(vip)
        v4_expected = harness.expected_vip_targets(
            json.loads(json.dumps(self.topology).replace('"%s/128"' % IPV6_VIP,
                                                         '"192.168.10.10/32"')), "node-b")
        for table, target in v4_expected.items():
            self.assertEqual(routes[table][2], target, table)
        v = tgwark(["--json", "verify", "--active", "node-b"], env, config)
        self.assertRc(v, 0)
        self.assertRc(tgwark(["apply", "--active", "node-a"], env, config), 0)
        self.assertEqual(harness.json_diff(before_other,
                                           harness.strip_vip_routes(self.sim.state(), vip)), [])
        # Nothing was written for the IPv4 /32 (there is none).
        self.assertEqual({t: v for t, v in self.sim.vip_routes(VIP).items() if v[2]}, {})


if __name__ == "__main__":
    harness.main()
