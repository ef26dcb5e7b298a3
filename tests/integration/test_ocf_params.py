"""Configuration in the CIB: the real OCF agent against a real tgwark-sim,
configured only through OCF_RESKEY_* parameters (no config file anywhere),
as Pacemaker runs it; parameters over a config file; parameter errors and
their exit codes; reload-agent; and ocf-tester with parameters only.
See docs/pacemaker.md, "Parameters".
"""

import os
import shutil
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase  # noqa: E402

OCF_SUCCESS, OCF_ERR_ARGS, OCF_ERR_INSTALLED, OCF_ERR_CONFIGURED, OCF_NOT_RUNNING = 0, 2, 5, 6, 7


class OcfParams(SimTestCase):
    TOPOLOGY = "demo"

    def setUp(self):
        super().setUp()
        self.logfile = os.path.join(self.workdir, "ha.log")

    def nodes_param(self):
        """NAME=ENI:REGION:INSTANCE: the instance id lets a node that
        Pacemaker does not name (ocf-tester) recognise itself."""
        return " ".join("%s=%s:%s:%s" % (n["name"], n["eni"], n["region"], n["instance_id"])
                        for n in self.topology["nodes"])

    def params(self):
        """The resource's parameters as a CIB would hold them."""
        return {
            "ip": "192.168.10.10",
            "nodes": self.nodes_param(),
            "endpoint_url": self.sim.url,
            "remote_wait_s": "10",
        }

    def env(self, node, interval=None, params=None, **extra):
        """What pacemaker-execd on `node` passes the agent: the parameters,
        Pacemaker's meta attributes, and the node's instance metadata (the
        instance role's credentials). No config file, no TGWARK_CONFIG."""
        env = harness.ocf_env(self.workdir, self.sim, node,
                              os.path.join(self.workdir, "run-" + node), logfile=self.logfile,
                              interval=interval)
        for name, value in (self.params() if params is None else params).items():
            env["OCF_RESKEY_" + name] = value
        env.update(extra)
        return env

    def ocf(self, action, env):
        return harness.ocf(action, env)

    def assertRoutesServe(self, node):
        expected = harness.expected_vip_targets(self.topology, node)
        routes = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(routes[table][2], target, table)

    def test_start_monitor_reload_stop_with_parameters_only(self):
        self.assertRc(self.ocf("validate-all", self.env("node-b")), OCF_SUCCESS)
        self.assertRc(self.ocf("monitor", self.env("node-b", interval=0)), OCF_NOT_RUNNING)
        self.assertRc(self.ocf("start", self.env("node-b")), OCF_SUCCESS)
        self.assertRoutesServe("node-b")
        self.assertRc(self.ocf("monitor", self.env("node-b", interval=120000)), OCF_SUCCESS)
        self.assertRc(self.ocf("monitor", self.env("node-a", interval=0)), OCF_NOT_RUNNING)

        # reload-agent with a changed reloadable parameter: checked, nothing
        # written; the next monitor runs with it.
        before = self.sim.writes()
        changed = dict(self.params(), remote_wait_s="5", repair_remote="false")
        r = self.ocf("reload-agent", self.env("node-b", params=changed))
        self.assertRc(r, OCF_SUCCESS)
        self.assertEqual(harness.diff_counts(self.sim.writes(), before), {})
        # With repair_remote=false a recurring monitor leaves remote drift alone.
        self.sim.drift({"op": "delete_route", "region": "us-east-1",
                        "route_table": "rtb-00000020000000000", "destination": harness.VIP})
        self.assertRc(self.ocf("monitor", self.env("node-b", interval=120000, params=changed)),
                      OCF_SUCCESS)
        self.assertEqual(harness.diff_counts(self.sim.writes(), before), {})
        # The default repairs it.
        self.assertRc(self.ocf("monitor", self.env("node-b", interval=120000)), OCF_SUCCESS)
        self.assertRoutesServe("node-b")

        # Failover to node-a, configured the same way.
        self.assertRc(self.ocf("stop", self.env("node-b")), OCF_SUCCESS)
        self.assertRc(self.ocf("start", self.env("node-a")), OCF_SUCCESS)
        self.assertRoutesServe("node-a")
        self.assertRc(self.ocf("monitor", self.env("node-b", interval=0)), OCF_NOT_RUNNING)

    def test_parameters_override_the_config_file(self):
        # The file points at a dead endpoint and another VIP; the parameters
        # win, the file's other values (its nodes) stay.
        text = harness.config_toml(self.topology, "http://127.0.0.1:9", vip="192.168.99.99")
        config = self.write_config(text)
        params = {"config": config, "vip": "192.168.10.10", "endpoint_url": self.sim.url}
        self.assertRc(self.ocf("start", self.env("node-a", params=params)), OCF_SUCCESS)
        self.assertRoutesServe("node-a")
        # Without the parameter the file's dead endpoint is used: start fails.
        params = {"config": config, "vip": "192.168.10.10"}
        r = self.ocf("start", self.env("node-a", params=params,
                                       OCF_RESKEY_CRM_meta_timeout="4000"))
        self.assertNotEqual(r.rc, OCF_SUCCESS, str(r))

    def test_tgw_routing_table_none_keeps_tgwark_off_the_transit_gateways(self):
        # aws-vpc-move-ip's routing_table alone, on VPCs attached to a TGW: the
        # TGW tables would be discovered and written; none opts out of them.
        expected = harness.expected_vip_targets(self.topology, "node-b")
        vpc_tables = sorted(t for t, route in self.sim.vip_routes().items()
                            if route[1] == "vpc" and t in expected)
        tgw_before = {t: route for t, route in self.sim.vip_routes().items() if route[1] == "tgw"}
        self.assertTrue(vpc_tables)
        self.assertTrue(tgw_before)
        params = dict(self.params(), routing_table=",".join(vpc_tables), tgw_routing_table="none")
        before = self.sim.writes()
        self.assertRc(self.ocf("start", self.env("node-b", params=params)), OCF_SUCCESS)
        routes = self.sim.vip_routes()
        for table in vpc_tables:
            self.assertEqual(routes[table][2], expected[table], table)
        for table, route in tgw_before.items():
            self.assertEqual(routes[table], route, table)
        self.assertFalse([a for a in harness.diff_counts(self.sim.writes(), before)
                          if "TransitGateway" in a])
        self.assertRc(self.ocf("monitor", self.env("node-b", interval=120000, params=params)),
                      OCF_SUCCESS)
        # none among ids is malformed.
        bad = dict(params, tgw_routing_table="none," + "tgw-rtb-0123456789abcdef0")
        r = self.ocf("validate-all", self.env("node-b", params=bad))
        self.assertRc(r, OCF_ERR_ARGS)
        self.assertIn("none stands alone", r.stderr)

    def test_parameter_errors_and_their_exit_codes(self):
        cases = [
            # malformed: OCF_ERR_ARGS
            (dict(self.params(), nodes="node-a node-b"), OCF_ERR_ARGS, "parameter nodes="),
            (dict(self.params(), create_missing="perhaps"), OCF_ERR_ARGS,
             "parameter create_missing="),
            (dict(self.params(), vip="192.168.10.11"), OCF_ERR_ARGS, "disagree"),
            # wrong everywhere: OCF_ERR_CONFIGURED
            (dict(self.params(), nodes=self.nodes_param().replace("eni-", "eni-x", 1)),
             OCF_ERR_CONFIGURED, "parameter nodes: node[0].eni"),
            (dict(self.params(), ip="10.0.0.0/24"), OCF_ERR_CONFIGURED, "parameter ip: vip"),
            ({k: v for k, v in self.params().items() if k != "ip"}, OCF_ERR_CONFIGURED,
             "parameter vip (or ip) is required"),
            (dict(self.params(), remote_wait_s="0"), OCF_ERR_CONFIGURED,
             "parameter remote_wait_s"),
            # this node only: OCF_ERR_INSTALLED
            (dict(self.params(), config=os.path.join(self.workdir, "absent.toml")),
             OCF_ERR_INSTALLED, "absent.toml"),
        ]
        for params, rc, reason in cases:
            for action, interval in (("start", None), ("monitor", 0), ("validate-all", None),
                                     ("reload-agent", None)):
                r = self.ocf(action, self.env("node-b", interval=interval, params=params))
                self.assertRc(r, rc)
                self.assertIn("ocf-exit-reason:", r.stderr)
                self.assertIn(reason, r.stderr, str(r))
            self.assertRc(self.ocf("stop", self.env("node-b", params=params)), OCF_SUCCESS)
        self.assertEqual(self.sim.total_calls(include_imds=False), 0)

    def test_meta_data_declares_the_parameters_and_reload_agent(self):
        r = self.ocf("meta-data", self.env("node-b"))
        self.assertRc(r, OCF_SUCCESS)
        root = ET.fromstring(r.stdout)
        self.assertEqual(root.findtext("version"), "1.1")
        params = {p.get("name"): p for p in root.find("parameters")}
        for name in list(self.params()) + ["vip", "config", "node", "state_dir", "repair_remote",
                                            "routing_table", "tgw_routing_table",
                                            "routing_table_role", "region_role", "profile"]:
            self.assertIn(name, params)
            self.assertTrue(params[name].findtext("longdesc").strip(), name)
        self.assertEqual(params["remote_wait_s"].get("reloadable"), "1")
        self.assertEqual(params["nodes"].get("reloadable"), "0")
        self.assertIn("reload-agent", {a.get("name") for a in root.find("actions")})
        methods = self.ocf("methods", self.env("node-b"))
        self.assertIn("reload-agent", methods.stdout.split())

    def test_ocf_tester_with_parameters_only(self):
        tester = shutil.which("ocf-tester")
        if not tester:
            self.skipTest("ocf-tester (Debian resource-agents) is not installed")
        # As in test_ocf: ocf-tester runs meta-data as user nobody.
        agent_dir = tempfile.mkdtemp(prefix="tgwark-ocf-agent-")
        self.addCleanup(shutil.rmtree, agent_dir, True)
        os.chmod(agent_dir, 0o755)
        agent = os.path.join(agent_dir, "tgwark-agent")
        with open(agent, "w") as f:
            f.write('#!/bin/sh\nexec "%s" ocf "$@"\n' % harness.TGWARK)
        os.chmod(agent, 0o755)
        env = harness.node_env(self.workdir, self.sim, "node-b")
        argv = [tester, "-n", "vip-routes",
                "-o", "state_dir=" + os.path.join(self.workdir, "run")]
        for name, value in self.params().items():
            argv += ["-o", "%s=%s" % (name, value)]
        r = harness.run(argv + [agent], env)
        self.assertRc(r, 0)
        self.assertRoutesServe("node-b")


if __name__ == "__main__":
    harness.main()
