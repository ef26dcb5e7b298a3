"""Input files tgwark must not trust: a configuration or AWS shared file that
is a FIFO (opening it would wait for a writer forever), a device (/dev/zero
never ends) or a huge file. Each is refused at once with a clear error, and
`remove` reads no configuration at all. The per-run timeout is what turns a
hang into a failure here; it is not a timing assertion.
"""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase, tgwark  # noqa: E402

# Far longer than any of these runs needs, far shorter than "forever".
HANG_TIMEOUT_S = 60


class InputFiles(SimTestCase):
    TOPOLOGY = "ref-3r"

    def setUp(self):
        super().setUp()
        self.fifo = os.path.join(self.workdir, "config.fifo")
        os.mkfifo(self.fifo)

    def env(self):
        return harness.static_key_env(self.workdir)

    def test_remove_reads_no_config(self):
        for config in (self.fifo, "/dev/zero", os.path.join(self.workdir, "missing.toml")):
            with self.subTest(config=config):
                r = tgwark(["remove", "-t", "vip1", "-i", "1"], self.env(), config,
                           timeout=HANG_TIMEOUT_S)
                self.assertRc(r, 0)
                self.assertIn("called with -t vip1 -i 1", r.stderr)
                self.assertIn("not read", r.stderr)
                self.assertNotIn("cannot read configuration", r.stderr)
        self.assertEqual(self.sim.total_calls(include_imds=True), 0)

    def test_remove_runs_no_ins_list(self):
        # Without --config, restore asks LifeKeeper's ins_list for the config;
        # remove must not, whatever state LifeKeeper is in.
        root = os.path.join(self.workdir, "lk")
        os.makedirs(os.path.join(root, "bin"))
        ran = os.path.join(root, "ran")
        script = os.path.join(root, "bin", "ins_list")
        with open(script, "w") as f:
            f.write("#!/bin/sh\ntouch '%s'\nexec sleep 600\n" % ran)
        os.chmod(script, 0o700)
        env = dict(self.env(), LKROOT=root)
        r = tgwark(["remove", "-t", "vip1", "-i", "1"], env, timeout=HANG_TIMEOUT_S)
        self.assertRc(r, 0)
        self.assertFalse(os.path.exists(ran), "remove ran ins_list\n%s" % r)

    def test_a_fifo_or_device_config_is_a_config_error(self):
        for config, reason in ((self.fifo, "FIFO"), ("/dev/zero", "character device")):
            for cmd in (["restore"], ["quickCheck"], ["status"]):
                with self.subTest(config=config, cmd=cmd):
                    r = tgwark(cmd, self.env(), config, timeout=HANG_TIMEOUT_S)
                    self.assertRc(r, 2)
                    self.assertIn(reason, r.stderr)
        self.assertEqual(self.sim.total_calls(include_imds=True), 0)

    def test_a_huge_config_is_a_config_error(self):
        path = self.write_config(harness.config_toml(self.topology, self.sim.url) +
                                 "#" * (1 << 20), name="huge.toml")
        r = tgwark(["status"], self.env(), path, timeout=HANG_TIMEOUT_S)
        self.assertRc(r, 2)
        self.assertIn("allowed", r.stderr)

    def test_a_fifo_credentials_file_does_not_hang(self):
        env = harness.base_env(self.workdir)
        env.update({"AWS_SHARED_CREDENTIALS_FILE": self.fifo, "AWS_EC2_METADATA_DISABLED": "true"})
        r = tgwark(["status"], env, self.write_config(), timeout=HANG_TIMEOUT_S)
        self.assertNotEqual(r.rc, 0, str(r))
        self.assertIn("FIFO", r.stderr)


class MissingCredentials(SimTestCase):
    """No credentials anywhere, off EC2 (nothing listens at the metadata
    address): one line naming what was tried and how to fix it, at once
    (not after retrying until the action's deadline), and no AWS call."""

    TOPOLOGY = "ref-3r"

    def setUp(self):
        super().setUp()
        # Bound, never listening: connecting is refused, and holding the
        # socket keeps the port from being reused meanwhile.
        self.closed = socket.socket()
        self.closed.bind(("127.0.0.1", 0))
        self.addCleanup(self.closed.close)

    def env(self):
        env = harness.base_env(self.workdir)
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:%d" % self.closed.getsockname()[1]
        return env

    def test_one_line_with_the_fix(self):
        config = self.write_config()
        for cmd, rc in ((["status"], 1), (["restore", "--node", "node-a"], 1),
                        (["apply", "--active", "node-a"], 1)):
            with self.subTest(cmd=cmd):
                r = tgwark(cmd, self.env(), config, timeout=HANG_TIMEOUT_S)
                self.assertRc(r, rc)
                lines = [l for l in r.stderr.splitlines() if "no AWS credentials found" in l]
                self.assertEqual(len(lines), 1, r.stderr)
                line = lines[0]
                for tried in ("environment", "profile", "not an EC2 instance"):
                    self.assertIn(tried, line)
                self.assertIn("Fix: attach an IAM instance role", line)
                self.assertIn("AWS_PROFILE", line)
        self.assertEqual(self.sim.total_calls(), 0)


if __name__ == "__main__":
    harness.main()
