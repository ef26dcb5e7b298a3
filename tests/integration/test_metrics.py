"""--metrics-file with several callers on one node (docs/observability.md):
the real binary, against the emulator, writes one file per caller as the
LifeKeeper scripts do; node_exporter's textfile collector merges every *.prom
of its directory and drops series two files share, and promtool rejects
counters that are not counters. Checked here: (a) no series (name + labels)
appears in two files, (b) the exposition rules (HELP and TYPE for every
family, counters end in _total and are TYPE counter, valid names and label
values), and that counters add up across runs. `promtool check metrics` runs
too when it is installed (Debian's `prometheus` package).

Run by CTest (tests/integration/CMakeLists.txt) as
  python3 test_metrics.py --tgwark BIN --sim BIN --topologies DIR [unittest args]
"""

import os
import re
import shutil
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase, tgwark  # noqa: E402

NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
# name{label="value",...} value -- values: any text with \\, \" and \n escaped.
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_exposition(test, text, where):
    """{(name, labels tuple): value}, asserting the text exposition rules."""
    test.assertTrue(text.endswith("\n"), where)
    families = {}   # name -> type
    helped = set()
    series = {}
    current = None
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            test.assertRegex(name, NAME)
            test.assertNotIn(name, helped, "%s: HELP twice for %s" % (where, name))
            helped.add(name)
            current = name
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            test.assertEqual(name, current, "%s: TYPE without HELP: %s" % (where, line))
            test.assertNotIn(name, families, "%s: TYPE twice: %s" % (where, line))
            test.assertIn(kind, ("counter", "gauge"), line)
            test.assertEqual(name.endswith("_total"), kind == "counter",
                             "%s: counters and only counters end in _total: %s" % (where, line))
            families[name] = kind
            continue
        test.assertFalse(line.startswith("#"), line)
        m = SAMPLE.match(line)
        test.assertIsNotNone(m, "%s: not a sample line: %r" % (where, line))
        name, labels_text, value = m.groups()
        test.assertEqual(name, current, "%s: sample outside its family: %s" % (where, line))
        test.assertIn(name, families, "%s: sample before its TYPE: %s" % (where, line))
        labels = []
        rest = labels_text or ""
        while rest:
            lm = LABEL.match(rest)
            test.assertIsNotNone(lm, "%s: bad labels: %r" % (where, line))
            test.assertRegex(lm.group(1), LABEL_NAME)
            test.assertFalse(lm.group(1).startswith("__"), line)
            labels.append((lm.group(1), lm.group(2)))
            rest = rest[lm.end():]
        names = [n for n, _ in labels]
        test.assertEqual(len(names), len(set(names)), line)
        test.assertIn("command", names, "%s: every series names its caller: %s" % (where, line))
        float(value)
        key = (name, tuple(sorted(labels)))
        test.assertNotIn(key, series, "%s: series twice: %s" % (where, line))
        series[key] = float(value)
    return series


class TwoCallers(SimTestCase):
    TOPOLOGY = "demo"

    def write_files(self):
        """restore once and quickCheck twice, each into its own file, as the
        LifeKeeper scripts do; returns the textfile directory."""
        env = harness.static_key_env(self.workdir)
        config = self.write_config()
        textfiles = os.path.join(self.workdir, "textfile")
        restore_file = os.path.join(textfiles, "tgwark-restore.prom")
        quick_file = os.path.join(textfiles, "tgwark-quickcheck.prom")
        r = tgwark(["--node", "node-a", "--metrics-file", restore_file, "restore"], env, config)
        self.assertRc(r, 0)
        for _ in range(2):
            q = tgwark(["--node", "node-a", "--metrics-file", quick_file, "quickCheck"], env, config)
            self.assertRc(q, 0)
        return textfiles

    def test_files_of_two_actions_merge_cleanly(self):
        textfiles = self.write_files()
        files = sorted(f for f in os.listdir(textfiles) if f.endswith(".prom"))
        self.assertEqual(files, ["tgwark-quickcheck.prom", "tgwark-restore.prom"])
        parsed = {}
        types = {}
        for f in files:
            with open(os.path.join(textfiles, f)) as fh:
                text = fh.read()
            parsed[f] = parse_exposition(self, text, f)
            for line in text.splitlines():
                if line.startswith("# TYPE "):
                    _, _, name, kind = line.split(" ")
                    # node_exporter also requires one TYPE per family across files.
                    self.assertEqual(types.setdefault(name, kind), kind, line)
        # (a) no series in two files: what node_exporter would drop.
        restore_series = set(parsed["tgwark-restore.prom"])
        quick_series = set(parsed["tgwark-quickcheck.prom"])
        self.assertEqual(restore_series & quick_series, set())

        def value(f, name, **labels):
            return parsed[f].get((name, tuple(sorted(labels.items()))))

        rf, qf = "tgwark-restore.prom", "tgwark-quickcheck.prom"
        self.assertEqual(value(rf, "tgwark_last_run_success", command="restore"), 1)
        self.assertEqual(value(rf, "tgwark_runs_total", command="restore", result="success"), 1)
        # quickCheck ran twice: its counters add up, its gauges are the last run's.
        self.assertEqual(value(qf, "tgwark_runs_total", command="quickCheck", result="success"), 2)
        last = value(qf, "tgwark_last_run_api_calls", command="quickCheck",
                     api="DescribeRouteTables")
        self.assertIsNotNone(last, parsed[qf])
        self.assertEqual(value(qf, "tgwark_api_calls_total", command="quickCheck",
                               api="DescribeRouteTables"), 2 * last)
        # The EC2 API has its own label; `action` is not used at all.
        self.assertFalse(any(n == "action" for (_, labels) in restore_series | quick_series
                             for n, _ in labels))

    def test_a_label_value_from_the_command_line_is_bounded(self):
        # The OCF action is whatever the caller typed; it becomes the command
        # label ("ocf ACTION") even when the agent refuses it.
        env = harness.static_key_env(self.workdir)
        metrics = os.path.join(self.workdir, "textfile", "ocf.prom")
        action = "mon\u00e9" * 5000
        r = tgwark(["--metrics-file", metrics, "ocf", action], env, self.write_config())
        self.assertNotEqual(r.rc, 0)
        with open(metrics, encoding="utf-8") as fh:  # valid UTF-8: not cut inside "é"
            text = fh.read()
        series = parse_exposition(self, text, "ocf.prom")
        commands = {dict(labels)["command"] for (_, labels) in series}
        self.assertEqual(len(commands), 1, commands)
        command = commands.pop()
        self.assertLessEqual(len(command.encode()), 128)
        self.assertTrue(command.startswith("ocf mon\u00e9"), command)
        self.assertTrue(command.endswith("...(%d bytes)" % len(("ocf " + action).encode())),
                        command)

    def test_promtool_accepts_every_file(self):
        promtool = shutil.which("promtool")
        if promtool is None:
            self.skipTest("promtool not installed (Debian package prometheus); the exposition "
                          "rules are checked by test_files_of_two_actions_merge_cleanly")
        textfiles = self.write_files()
        files = sorted(f for f in os.listdir(textfiles) if f.endswith(".prom"))
        self.assertEqual(len(files), 2)
        for f in files:
            with open(os.path.join(textfiles, f), "rb") as fh:
                p = subprocess.run([promtool, "check", "metrics"], stdin=fh,
                                   capture_output=True, text=True, timeout=60)
            self.assertEqual(p.returncode, 0, "%s: %s%s" % (f, p.stdout, p.stderr))


if __name__ == "__main__":
    harness.main()
