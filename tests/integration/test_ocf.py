"""The Pacemaker OCF agent (`tgwark ocf ACTION`) driven as Pacemaker drives it:
parameters in OCF_RESKEY_*, exit codes per the OCF standard, against a real
tgwark-sim. `ocf-tester` (Debian resource-agents) is run too when installed.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase  # noqa: E402

OCF_SUCCESS, OCF_ERR_GENERIC, OCF_ERR_UNIMPLEMENTED, OCF_ERR_CONFIGURED, OCF_NOT_RUNNING = (
    0, 1, 3, 6, 7)


class Ocf(SimTestCase):
    TOPOLOGY = "demo"

    def setUp(self):
        super().setUp()
        self.config = self.write_config()

    def env(self, node="node-b", config=None, **extra):
        env = harness.ocf_env(self.workdir, self.sim, node, os.path.join(self.workdir, "run"),
                              config or self.config)
        env.update(extra)
        return env

    def ocf(self, action, env):
        return harness.ocf(action, env)

    def test_meta_data_is_valid_xml(self):
        r = self.ocf("meta-data", self.env())
        self.assertRc(r, OCF_SUCCESS)
        root = ET.fromstring(r.stdout)
        self.assertEqual(root.tag, "resource-agent")
        self.assertTrue(root.get("name"))
        actions = {a.get("name") for a in root.find("actions")}
        self.assertLessEqual({"start", "stop", "monitor", "meta-data", "validate-all"}, actions)
        params = {p.get("name") for p in root.find("parameters")}
        self.assertIn("config", params)
        self.assertEqual(self.sim.total_calls(), 0)
        dtd_dir = "/usr/share/resource-agents"
        dtd = os.path.join(dtd_dir, "ra-api-1.dtd")
        if shutil.which("xmllint") and os.path.exists(dtd):
            # As ocf-tester checks it: against the document's own DOCTYPE,
            # resolved in resource-agents' directory, i.e. ra-api-1.dtd plus
            # the internal subset's two OCF 1.1 additions.
            v = subprocess.run(["xmllint", "--noout", "--valid", "-"], input=r.stdout, cwd=dtd_dir,
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(v.returncode, 0, v.stderr)
            self.assertEqual(v.stderr, "")
            # Without those additions (reloadable="...", the reload-agent
            # action), the document is valid against ra-api-1.dtd alone.
            plain = re.sub(r"<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\" \[.*?\]>",
                           '<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">', r.stdout,
                           flags=re.S)
            self.assertNotEqual(plain, r.stdout)
            plain = re.sub(r' reloadable="[01]"', "", plain)
            plain = re.sub(r'<action name="reload-agent"[^>]*/>\n', "", plain)
            path = os.path.join(self.workdir, "meta.xml")
            with open(path, "w") as f:
                f.write(plain)
            self.assertRc(harness.run(["xmllint", "--noout", "--dtdvalid", dtd, path],
                                      self.env()), 0)

    def test_lifecycle(self):
        env = self.env()
        probe = dict(env, OCF_RESKEY_CRM_meta_interval="0")
        # Probe and monitor before start: not running here, and no AWS write
        # (the probe reads the routes; the monitor needs no AWS call).
        self.assertRc(self.ocf("monitor", probe), OCF_NOT_RUNNING)
        self.assertRc(self.ocf("monitor", env), OCF_NOT_RUNNING)
        self.assertEqual(self.sim.writes(), {})

        self.assertRc(self.ocf("start", env), OCF_SUCCESS)
        expected = harness.expected_vip_targets(self.topology, "node-b")
        routes = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(routes[table][2], target, table)
        self.assertRc(self.ocf("monitor", env), OCF_SUCCESS)
        self.assertRc(self.ocf("monitor", probe), OCF_SUCCESS)

        # stop needs no AWS: the emulator is gone.
        self.sim.stop()
        try:
            r = self.ocf("stop", env)
            self.assertRc(r, OCF_SUCCESS)
            self.assertRc(self.ocf("monitor", probe), OCF_NOT_RUNNING)
            self.assertRc(self.ocf("stop", env), OCF_SUCCESS)  # stop is idempotent
        finally:
            type(self).sim = harness.Sim(harness.topology_path(self.TOPOLOGY), seed=self.SEED)

    def test_monitor_detects_home_drift(self):
        env = self.env(node="node-a")
        self.assertRc(self.ocf("start", env), OCF_SUCCESS)
        self.sim.drift({"op": "set_route", "region": "us-east-1",
                        "route_table": "rtb-00000010000000000", "destination": harness.VIP,
                        "transit_gateway_id": "tgw-00000000000000000"})
        r = self.ocf("monitor", env)
        self.assertRc(r, OCF_ERR_GENERIC)
        self.assertIn("ocf-exit-reason:", r.stderr)

    def test_validate_all(self):
        self.assertRc(self.ocf("validate-all", self.env()), OCF_SUCCESS)
        calls = self.sim.total_calls()
        bad = self.write_config(
            harness.config_toml(self.topology, self.sim.url).replace("vip =", "vipp ="),
            name="bad.toml")
        r = self.ocf("validate-all", self.env(config=bad))
        self.assertRc(r, OCF_ERR_CONFIGURED)
        self.assertIn("ocf-exit-reason:", r.stderr)
        self.assertRc(self.ocf("start", self.env(config=bad)), OCF_ERR_CONFIGURED)
        self.assertEqual(self.sim.total_calls(), calls, "a bad config made requests")

    def test_unknown_action(self):
        self.assertRc(self.ocf("promote", self.env()), OCF_ERR_UNIMPLEMENTED)

    def test_ocf_tester(self):
        tester = shutil.which("ocf-tester")
        if not tester:
            self.skipTest("ocf-tester (Debian resource-agents) is not installed")
        # ocf-tester (as root) runs `meta-data` as user nobody: the agent must
        # be 755 in a directory nobody can enter, which the test's 0700
        # workdir is not.
        agent_dir = tempfile.mkdtemp(prefix="tgwark-ocf-agent-")
        self.addCleanup(shutil.rmtree, agent_dir, True)
        os.chmod(agent_dir, 0o755)
        agent = os.path.join(agent_dir, "tgwark-agent")
        with open(agent, "w") as f:
            f.write('#!/bin/sh\nexec "%s" ocf "$@"\n' % harness.TGWARK)
        os.chmod(agent, 0o755)
        env = self.env()
        r = harness.run([tester, "-n", "vip-routes", "-o", "config=" + self.config,
                         "-o", "state_dir=" + os.path.join(self.workdir, "run"), agent], env)
        self.assertRc(r, 0)


if __name__ == "__main__":
    harness.main()
