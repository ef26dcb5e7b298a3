"""What a Pacemaker cluster relies on from the OCF agent, against a real
tgwark-sim: probes answer from the routes (a stale marker never makes a node
look active), node-local problems fail only that node (5) while a bad
configuration fails everywhere (6), a healthy monitor writes nothing to
stderr (pacemaker-execd files stderr as error output), and a recurring
monitor that finds the routes taken over answers 7 and reclaims nothing.
See docs/pacemaker.md.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase  # noqa: E402

OCF_SUCCESS, OCF_ERR_INSTALLED, OCF_ERR_CONFIGURED, OCF_NOT_RUNNING = 0, 5, 6, 7


class OcfSemantics(SimTestCase):
    TOPOLOGY = "demo"

    def setUp(self):
        super().setUp()
        self.config = self.write_config()
        self.logfile = os.path.join(self.workdir, "ha.log")

    def env(self, node, interval=None, config=None, **extra):
        """What pacemaker-execd on `node` passes the agent. Each node has its
        own state directory, as each node has its own /run."""
        env = harness.ocf_env(self.workdir, self.sim, node, self.state_dir(node),
                              config or self.config, logfile=self.logfile, interval=interval)
        env.update(extra)
        return env

    def state_dir(self, node):
        return os.path.join(self.workdir, "run-" + node)

    def marker(self, node):
        return os.path.join(self.state_dir(node), "vip-routes.active")

    def ocf(self, action, env):
        return harness.ocf(action, env)

    def start(self, node):
        r = self.ocf("start", self.env(node))
        self.assertRc(r, OCF_SUCCESS)
        self.assertTrue(os.path.exists(self.marker(node)))

    def test_probe_with_a_stale_marker_where_the_routes_serve_another_node_is_not_running(self):
        self.start("node-a")
        # node-b was active once; pacemaker crashed there and /run survived.
        os.makedirs(self.state_dir("node-b"), exist_ok=True)
        with open(self.marker("node-b"), "w") as f:
            f.write("started\n")
        before = self.sim.writes()
        r = self.ocf("monitor", self.env("node-b", interval=0))
        self.assertRc(r, OCF_NOT_RUNNING)
        self.assertEqual(harness.diff_counts(self.sim.writes(), before), {},
                         "a probe must only read")
        self.assertEqual(r.stderr, "", "every passive node's probe says this: not an error")
        # The node the routes serve is the one running it.
        self.assertRc(self.ocf("monitor", self.env("node-a", interval=0)), OCF_SUCCESS)

    def test_a_config_missing_on_this_node_fails_this_node_only(self):
        missing = os.path.join(self.workdir, "absent.toml")
        for action, interval in (("start", None), ("monitor", 0), ("validate-all", None)):
            r = self.ocf(action, self.env("node-b", interval=interval, config=missing))
            self.assertRc(r, OCF_ERR_INSTALLED)
            self.assertIn("ocf-exit-reason:", r.stderr)
            self.assertIn("absent.toml", r.stderr)
        self.assertEqual(self.sim.total_calls(include_imds=False), 0)

    def test_an_invalid_config_is_not_configured(self):
        bad = self.write_config(
            harness.config_toml(self.topology, self.sim.url).replace("vip =", "vipp ="),
            name="bad.toml")
        for action in ("validate-all", "start"):
            r = self.ocf(action, self.env("node-b", config=bad))
            self.assertRc(r, OCF_ERR_CONFIGURED)
            reasons = [line for line in r.stderr.splitlines()
                       if line.startswith("ocf-exit-reason:")]
            self.assertEqual(len(reasons), 1, r.stderr)
            self.assertLessEqual(len(reasons[0]) - len("ocf-exit-reason:"), 128)
        self.assertEqual(self.sim.total_calls(include_imds=False), 0)

    def test_a_healthy_monitor_writes_nothing_to_stderr(self):
        self.start("node-b")
        r = self.ocf("monitor", self.env("node-b", interval=120000))
        self.assertRc(r, OCF_SUCCESS)
        self.assertEqual(r.stderr, "")
        self.assertEqual(r.stdout, "")
        with open(self.logfile) as f:
            log = f.read()
        self.assertIn("ocf-monitor vip-routes", log, "the log goes to HA_LOGFILE")

    def test_a_recurring_monitor_after_a_takeover_is_not_running_and_reclaims_nothing(self):
        self.start("node-a")
        self.start("node-b")  # e.g. the other side of a partition without fencing
        before = self.sim.writes()
        r = self.ocf("monitor", self.env("node-a", interval=120000))
        self.assertRc(r, OCF_NOT_RUNNING)
        self.assertIn("ocf-exit-reason:routes taken over by node-b", r.stderr)
        self.assertEqual(harness.diff_counts(self.sim.writes(), before), {})
        expected = harness.expected_vip_targets(self.topology, "node-b")
        routes = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(routes[table][2], target, table)

    def test_the_node_is_pacemakers_node_name(self):
        # node-a's instance metadata, but Pacemaker says this is node-b.
        env = self.env("node-a", OCF_RESKEY_CRM_meta_on_node="node-b")
        self.assertRc(self.ocf("start", env), OCF_SUCCESS)
        expected = harness.expected_vip_targets(self.topology, "node-b")
        routes = self.sim.vip_routes()
        for table, target in expected.items():
            self.assertEqual(routes[table][2], target, table)

    def test_an_unknown_node_fails_this_node_only_and_says_how_to_fix_it(self):
        env = self.env("node-b", OCF_RESKEY_CRM_meta_on_node="pcmk-3",
                       AWS_EC2_METADATA_DISABLED="true")
        r = self.ocf("start", env)
        self.assertRc(r, OCF_ERR_INSTALLED)
        self.assertIn("node parameter", r.stderr)
        self.assertNotIn("--node", r.stderr)


if __name__ == "__main__":
    harness.main()
