"""Secret hygiene: every command run with marker credentials (an access key
id, a secret key and a session token that each carry a unique marker), on
success paths and on failure paths (among them an intermediary that answers
with an error page echoing the request's headers), and no marker may appear
anywhere tgwark writes: stdout, stderr (what LifeKeeper's log and syslog get:
both receive the same sanitized lines), the --metrics-file, the state directory
($TGWARK_STATE_DIR: the scope store, the remembered instance id), or the command lines (and, for the secret key and token,
the environments) of tgwark and of the processes it starts (ins_list).
"""

import json
import os
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase, tgwark  # noqa: E402

# Unique strings no real output contains. The access key id is the emulator's
# name for the principal; the secret key and token contain '/', '+' and '=' so
# percent-encoded echoes are exercised too.
ACCESS_KEY = "AKIDMARKQX7ACCESS"
SECRET_KEY = "MarkSecretQX7/Key+Value"
SESSION_TOKEN = "MarkTokenQX7/Session+Token=="
READER_KEY = ACCESS_KEY + "RO"
MARKERS = ("MARKQX7ACCESS", "MarkSecretQX7", "MarkTokenQX7")
TAG = "vip-secrets"


class Secrets(SimTestCase):
    TOPOLOGY = "ref-3r"

    @classmethod
    def setUpClass(cls):
        # The topology with the marker principal added, so the emulator accepts
        # (and verifies the signature of) requests signed with the markers.
        import tempfile
        cls.topology = harness.load_topology(cls.TOPOLOGY)
        extended = json.loads(json.dumps(cls.topology))
        extended.setdefault("credentials", []).extend([
            {"access_key_id": ACCESS_KEY, "secret_access_key": SECRET_KEY},
            # The same markers, allowed to read only: writes are denied with a
            # message that names the principal.
            {"access_key_id": READER_KEY, "secret_access_key": SECRET_KEY,
             "allowed_actions": ["ec2:Describe*", "ec2:Get*", "ec2:Search*"]},
        ])
        cls._topo_dir = tempfile.TemporaryDirectory(prefix="tgwark-it-secrets-")
        path = os.path.join(cls._topo_dir.name, "topology.json")
        with open(path, "w") as f:
            json.dump(extended, f)
        cls.sim = harness.Sim(path, seed=cls.SEED)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()
        cls._topo_dir.cleanup()

    def setUp(self):
        super().setUp()
        # Failure paths retry transient answers until the action's deadline:
        # short deadlines keep the suite short.
        self.config = self.write_config(
            harness.config_toml(self.topology, self.sim.url)
            .replace("restore_timeout_s = 60", "restore_timeout_s = 8")
            .replace("quickcheck_timeout_s = 30", "quickcheck_timeout_s = 4"))
        self.metrics = os.path.join(self.workdir, "metrics.prom")
        self.lkroot = self.fake_lifekeeper()

    # --- environment --------------------------------------------------------

    def env(self, secret=SECRET_KEY, access_key=ACCESS_KEY):
        """node-a's environment (identity from its instance metadata) with the
        marker credentials in the environment, as an operator might export them."""
        env = harness.node_env(self.workdir, self.sim, "node-a")
        env.update({
            "AWS_ACCESS_KEY_ID": access_key,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
            "LKROOT": self.lkroot,
        })
        return env

    def fake_lifekeeper(self):
        """$LKROOT/bin/ins_list answering the config path as Application Info,
        and recording its own command line and environment and its parent's
        (tgwark's) command line while it runs."""
        root = os.path.join(self.workdir, "lk")
        os.makedirs(os.path.join(root, "bin"))
        self.seen = os.path.join(root, "seen")
        script = os.path.join(root, "bin", "ins_list")
        with open(script, "w") as f:
            f.write("#!/bin/sh\n"
                    "{ tr '\\0' ' ' < /proc/$$/cmdline; echo; tr '\\0' ' ' < /proc/$PPID/cmdline;"
                    " echo; tr '\\0' '\\n' < /proc/$$/environ; } >> '%s'\n"
                    "echo 'appsuite:gen:app:%s:1:%s:more'\n" % (self.seen, TAG, self.config))
        os.chmod(script, stat.S_IRWXU)
        return root

    # --- what must stay clean -----------------------------------------------

    def assertClean(self, result, what):
        places = {"stdout": result.stdout, "stderr": result.stderr}
        if os.path.exists(self.metrics):
            with open(self.metrics, errors="replace") as f:
                places["metrics file"] = f.read()
        for kept in ("state", "cache"):
            for dirpath, _, files in os.walk(os.path.join(self.workdir, kept)):
                for name in files:
                    with open(os.path.join(dirpath, name), errors="replace") as f:
                        places[kept + " " + name] = f.read()
        if os.path.exists(self.seen):
            # Per ins_list run: its command line, tgwark's, then its environment.
            with open(self.seen, errors="replace") as f:
                places["ins_list's environment"] = f.read()
            places["command lines of tgwark and ins_list"] = "\n".join(
                line for line in places["ins_list's environment"].splitlines()
                if line.startswith(("/", harness.TGWARK)))
        for place, text in places.items():
            for marker in MARKERS:
                if place == "ins_list's environment" and marker == MARKERS[0]:
                    continue  # the access key id is no secret; children may inherit it
                self.assertNotIn(marker, text, "%s leaked into %s\n%s" % (marker, place, result))

    def run_all(self, env, extra_global=(), expect_some_failure=False):
        """Every command; returns {name: Run}."""
        base = ["-v", "--metrics-file", self.metrics] + list(extra_global)
        commands = {
            "restore": ["restore", "-t", TAG, "-i", "1"],  # config from ins_list
            "quickCheck": ["--config", self.config, "quickCheck"],
            "recover": ["--config", self.config, "recover"],
            "remove": ["--config", self.config, "remove", "-t", TAG, "-i", "1"],
            "apply": ["--config", self.config, "apply", "--active", "node-a"],
            "plan": ["--config", self.config, "--json", "plan", "--active", "node-b"],
            "status": ["--config", self.config, "status"],
            "verify": ["--config", self.config, "verify", "--active", "node-a"],
            "validate": ["--config", self.config, "validate"],
            "discover": ["--config", self.config, "discover"],
            "graph": ["--config", self.config, "graph"],
        }
        results = {}
        for name, args in commands.items():
            with self.subTest(command=name):
                r = harness.run([harness.TGWARK] + base + args, env)
                results[name] = r
                self.assertClean(r, name)
        ocf_env = dict(env, OCF_ROOT="/usr/lib/ocf", OCF_RESOURCE_INSTANCE="vip-routes",
                       OCF_RESKEY_config=self.config,
                       OCF_RESKEY_state_dir=os.path.join(self.workdir, "run"))
        if "--node" in extra_global:
            ocf_env["OCF_RESKEY_node"] = extra_global[extra_global.index("--node") + 1]
        for action in ("start", "monitor"):
            with self.subTest(command="ocf " + action):
                r = harness.run([harness.TGWARK, "ocf", action], ocf_env)
                results["ocf " + action] = r
                self.assertClean(r, "ocf " + action)
        return results

    # --- the paths ------------------------------------------------------------

    def test_success_paths(self):
        results = self.run_all(self.env())
        # The markers were really used: the writes went through, signed with them.
        self.assertEqual(results["restore"].rc, 0, str(results["restore"]))
        self.assertEqual(results["apply"].rc, 0, str(results["apply"]))
        self.assertEqual(results["ocf start"].rc, 0, str(results["ocf start"]))
        self.assertTrue(os.path.exists(self.seen), "ins_list was never run")

    def test_error_page_echoing_the_request_headers(self):
        # Every call of every region, EC2 and instance metadata alike, is
        # answered by a proxy page quoting the Authorization and
        # X-Amz-Security-Token headers; identity comes from --node so the
        # commands get as far as EC2.
        self.sim.fault({"region": "*", "action": "*", "kind": "echo-headers", "probability": 1})
        try:
            results = self.run_all(self.env(), extra_global=["--node", "node-a"])
        finally:
            self.sim.clear_faults()
        # The page reached tgwark and was reported (masked), not swallowed.
        self.assertNotEqual(results["status"].rc, 0, str(results["status"]))
        self.assertIn("HTTP 403 with an unrecognised error body", results["status"].stderr,
                      str(results["status"]))

    def test_rejected_credentials(self):
        # A wrong secret key: AWS answers AuthFailure, tgwark reports it.
        results = self.run_all(self.env(secret="MarkSecretQX7/Wrong+Key"),
                               extra_global=["--node", "node-a"])
        self.assertNotEqual(results["status"].rc, 0, str(results["status"]))

    def test_denied_writes(self):
        # EC2's denial names the principal; tgwark reports the denial, masked.
        env = self.env(access_key=READER_KEY)
        self.run_all(env, extra_global=["--node", "node-a"])
        r = harness.run([harness.TGWARK, "-v", "--config", self.config, "apply", "--active",
                         "node-b"], env)
        self.assertNotEqual(r.rc, 0, str(r))
        self.assertIn("UnauthorizedOperation", r.stderr, str(r))
        self.assertClean(r, "apply --active node-b")

    def test_command_line_and_config_values_cannot_forge_log_lines(self):
        r = harness.run([harness.TGWARK, "--config", self.config, "remove", "-t",
                         "vip\n2026-01-01T00:00:00.000 error forged\x1b[2J", "-i", "1"],
                        self.env())
        self.assertRc(r, 0)
        self.assertNotIn("\x1b", r.stderr)
        for line in r.stderr.splitlines():
            self.assertFalse(line.startswith("2026-01-01T00:00:00.000 error forged"), r.stderr)
        self.assertIn("vip\\n2026-01-01T00:00:00.000 error forged\\x1b[2J", r.stderr)
        # A value from the config, quoted in an error message: only the sink
        # stands between it and the log.
        bad = self.write_config(
            harness.config_toml(self.topology, self.sim.url).replace(
                'vip = "192.168.10.10"',
                'vip = "192.168.10.10\\n2026-01-01T00:00:00.000 error forged\\u001b[2J"'),
            name="forged.toml")
        r = harness.run([harness.TGWARK, "--config", bad, "status"], self.env())
        self.assertRc(r, 2)
        self.assertNotIn("\x1b", r.stderr)
        for line in r.stderr.splitlines():
            self.assertFalse(line.startswith("2026-01-01T00:00:00.000 error forged"), r.stderr)
        self.assertIn("\\n2026-01-01T00:00:00.000 error forged", r.stderr)


if __name__ == "__main__":
    harness.main()
