#!/usr/bin/env python3
"""docs/walkthrough.md, run as a reader would: the shell blocks of sections 2
to 5 exactly as written, with tgwark and tgwark-sim on PATH (as the packages
install them) and a scratch HOME. It fails when a command in the walkthrough
no longer works, or when it needs anything the reader would have to copy by
hand (the emulator's port comes from `tgwark-sim --env-file`)."""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import unittest

import harness

WALKTHROUGH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs",
                           "walkthrough.md")


def shell_blocks(text, first_section):
    """The ```sh blocks from section `first_section` on, in order."""
    start = text.index("## %d." % first_section)
    return re.findall(r"```sh\n(.*?)```", text[start:], re.S)


class Walkthrough(unittest.TestCase):

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="tgwark-walkthrough-")
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("AWS_", "TGWARK_"))}
        bindirs = {os.path.dirname(os.path.abspath(harness.TGWARK)),
                   os.path.dirname(os.path.abspath(harness.SIM))}
        self.env["PATH"] = os.pathsep.join(sorted(bindirs) + [os.environ.get("PATH", "")])
        self.env["HOME"] = self.home

    def tearDown(self):
        env_file = os.path.join(self.home, "tgwark-walkthrough", "sim.env")
        if os.path.exists(env_file):
            with open(env_file) as f:
                pid = re.search(r"TGWARK_SIM_PID=(\d+)", f.read())
            if pid:
                try:
                    os.kill(int(pid.group(1)), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(self.home, ignore_errors=True)

    def test_sections_2_to_5_as_written(self):
        with open(WALKTHROUGH) as f:
            blocks = shell_blocks(f.read(), 2)
        self.assertEqual(len(blocks), 4, "sections 2, 3, 4 and 5 each have one block")
        # One shell, as a reader's terminal; a check of our own before section
        # 5 stops the emulator.
        script = "\n".join(blocks[:3]) + '\ntgwark status >/dev/null; echo "final $?"\n' + blocks[3]
        r = subprocess.run(["bash", "-c", script], cwd=self.home, env=self.env,
                           capture_output=True, text=True, timeout=harness.PROCESS_TIMEOUT_S * 3)
        out = r.stdout
        detail = "stdout:\n%s\nstderr:\n%s" % (out, r.stderr)
        self.assertEqual(r.returncode, 0, detail)
        self.assertNotIn("command not found", r.stderr, detail)
        self.assertNotIn("No such file", r.stderr, detail)
        self.assertRegex(out, r"listening on http://127\.0\.0\.1:\d+", detail)
        # Under drift: status and quickCheck exit 1; recover fixes it.
        self.assertEqual(out.count("exit 1"), 2, detail)
        self.assertIn("final 0", out, detail)
        self.assertIn('"calls"', out, detail)  # the emulator's counters
        env_file = os.path.join(self.home, "tgwark-walkthrough", "sim.env")
        with open(env_file) as f:
            self.assertRegex(f.read(), r"export SIM=http://127\.0\.0\.1:\d+\n")


class Demo(unittest.TestCase):
    """`tgwark demo`: the routes before anything changes, a line saying what
    each step is doing before it does it, and the emulator stopped."""

    def run_demo(self, args=()):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "TGWARK_"))}
        env["PATH"] = os.path.dirname(os.path.abspath(harness.SIM)) + os.pathsep + env["PATH"]
        return subprocess.run([harness.TGWARK, "demo"] + list(args), env=env,
                              capture_output=True, text=True, timeout=harness.PROCESS_TIMEOUT_S)

    def test_shows_the_state_before_and_each_step_before_it_runs(self):
        r = self.run_demo()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = r.stdout
        order = ["Before any failover", "... reading every managed route table",
                 "every route serves node-a", "Step 1: node-a becomes active",
                 "... pointing every VIP route at node-a",
                 "... verifying: tracing the VIP from every VPC route table to node-a",
                 "Step 2: fail over to node-b", "... pointing every VIP route at node-b",
                 "... verifying: tracing the VIP from every VPC route table to node-b",
                 "Step 3:", "... stopping the emulator", "Demo complete"]
        positions = [out.find(marker) for marker in order]
        for marker, pos in zip(order, positions):
            self.assertGreaterEqual(pos, 0, "missing %r in:\n%s" % (marker, out))
        self.assertEqual(positions, sorted(positions), out)
        # The state before names the table of every managed route and its node.
        before = out[positions[0]:positions[3]]
        self.assertIn("rtb-00000010000000000", before)
        self.assertIn("eni-00000010000000000", before)

    def test_json_has_the_state_before(self):
        r = self.run_demo(["--json"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        report = json.loads(r.stdout)
        self.assertTrue(report["ok"])
        self.assertIn("before", report)
        self.assertEqual(len(report["steps"]), 3)


if __name__ == "__main__":
    harness.main()
