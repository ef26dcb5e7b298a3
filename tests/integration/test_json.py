"""The --json contract (docs/json.md): every command's real output, against the
real emulator, validates against its JSON Schema in docs/schemas/; every
failure (bad or unreadable config, unreachable API, missing credentials, bad
command line) still prints one JSON error document with the exit code; and
the CLI's reports name what is wrong and what fixes it.

Needs python3-jsonschema (scripts/setup installs it).

Run by CTest (tests/integration/CMakeLists.txt) as
  python3 test_json.py --tgwark BIN --sim BIN --topologies DIR [unittest args]
"""

import json
import os
import sys
import unittest

import jsonschema

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import VIP, SimTestCase, tgwark  # noqa: E402

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "schemas")
NODE_A_VPC_TABLE = "rtb-00000010000000000"  # demo topology: node-a's VPC (us-east-1)


def schema(name):
    with open(os.path.join(SCHEMAS, name + ".schema.json")) as f:
        return json.load(f)


class JsonTestCase(SimTestCase):
    TOPOLOGY = "demo"

    def setUp(self):
        super().setUp()
        self.config = self.write_config()

    def env(self):
        return harness.static_key_env(self.workdir)

    def tg(self, *args, config=None, env=None):
        return tgwark(list(args), env or self.env(), config or self.config)

    def assertDocument(self, result, schema_name, command, rc):
        """One JSON document on stdout, valid against its schema, naming the
        command and the process's exit code."""
        self.assertRc(result, rc)
        doc = result.json()
        try:
            jsonschema.validate(doc, schema(schema_name),
                                cls=jsonschema.Draft202012Validator)
        except jsonschema.ValidationError as e:
            self.fail("%s does not match %s.schema.json: %s\n%s" % (
                command, schema_name, e.message, result))
        self.assertEqual(doc["schema_version"], 1)
        self.assertEqual(doc["command"], command)
        self.assertEqual(doc["exit_code"], rc)
        return doc


class EveryCommand(JsonTestCase):
    def test_reporting_commands_match_their_schemas(self):
        # The demo topology starts with node-a active: node-b has writes to plan.
        self.assertDocument(self.tg("--json", "discover"), "discover", "discover", 0)
        plan = self.assertDocument(self.tg("--json", "plan", "--active", "node-b"), "plan", "plan", 0)
        self.assertFalse(plan["ok"])
        dry = self.assertDocument(self.tg("--json", "apply", "--active", "node-b", "--dry-run"),
                                  "apply", "apply", 0)
        self.assertTrue(dry["dry_run"])
        self.assertEqual(dry["counts"]["would_write"], dry["counts"]["skipped"])
        self.assertEqual(dry["counts"]["would_write"], plan["writes"])
        self.assertGreater(dry["counts"]["would_write"], 0)
        self.assertEqual(self.sim.writes(), {})
        applied = self.assertDocument(self.tg("--json", "apply", "--active", "node-b"),
                                      "apply", "apply", 0)
        self.assertTrue(applied["ok"])
        self.assertEqual(applied["counts"]["would_write"], 0)
        status = self.assertDocument(self.tg("--json", "status"), "status", "status", 0)
        self.assertEqual(status["active_node"], "node-b")
        self.assertEqual(status["served_node"], "node-b")
        self.assertEqual(status["fix_command"], "")
        verify = self.assertDocument(self.tg("--json", "verify"), "verify", "verify", 0)
        self.assertEqual(verify["active_node"], "node-b")
        self.assertEqual(verify["expected_node"], "node-b")
        validate = self.assertDocument(self.tg("--json", "validate"), "validate", "validate", 0)
        self.assertEqual(validate["calls"]["probes"], validate["calls"]["writes"])
        self.assertGreater(validate["calls"]["probes"], 0)
        graph = self.assertDocument(self.tg("--json", "graph"), "graph", "graph", 0)
        routes = [e for e in graph["edges"] if e["kind"] == "route"]
        self.assertTrue(routes)
        self.assertTrue(all(e["state"] == "serves" for e in routes), routes)
        self.assertIn("node:node-b", {e["to"] for e in routes})
        vertices = {n["id"] for n in graph["nodes"]} | {t["id"] for t in graph["tables"]}
        for e in graph["edges"]:
            self.assertIn(e["from"], vertices, e)
            self.assertIn(e["to"], vertices, e)

    def test_plan_lists_the_nodes_a_route_serves(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        plan = self.assertDocument(self.tg("--json", "plan", "--active", "node-b"), "plan", "plan", 0)
        lists = [c["currently_serves"] for c in plan["routes"]]
        self.assertIn(["node-a"], lists)

    def test_lifekeeper_actions_match_their_schemas(self):
        for action, rc in (("restore", 0), ("quickCheck", 0), ("recover", 0), ("remove", 0)):
            with self.subTest(action=action):
                r = self.tg("--json", "--node", "node-a", action)
                doc = self.assertDocument(r, action, action, rc)
                self.assertEqual(doc["action"], action)
                self.assertTrue(doc["ok"])

    def test_demo_matches_its_schema(self):
        env = self.env()
        env["PATH"] = os.path.dirname(harness.SIM) + ":" + env["PATH"]
        r = tgwark(["--json", "demo"], env)
        doc = self.assertDocument(r, "demo", "demo", 0)
        self.assertTrue(doc["ok"])
        self.assertEqual(len(doc["steps"]), 3)


class ErrorDocuments(JsonTestCase):
    def assertError(self, result, command, rc, category=None):
        doc = self.assertDocument(result, "error", command, rc)
        self.assertFalse(doc["ok"])
        if category:
            self.assertEqual(doc["error"]["category"], category, str(result))
        # Exactly one document: json.loads of the whole stdout succeeded.
        return doc

    def test_bad_config(self):
        bad = self.write_config(harness.config_toml(self.topology, self.sim.url).replace(
            'vip = "192.168.10.10"', 'vip = "10.0.0.0/24"'), name="bad.toml")
        for cmd in (["status"], ["plan", "--active", "node-a"], ["apply", "--active", "node-a"],
                    ["verify"], ["discover"], ["graph"]):
            with self.subTest(cmd=cmd[0]):
                doc = self.assertError(self.tg("--json", *cmd, config=bad), cmd[0], 2,
                                       "invalid-config")
                self.assertIn("vip", doc["error"]["message"])
        # The LifeKeeper actions and validate keep their own documents, with the error in them.
        r = self.tg("--json", "--node", "node-a", "restore", config=bad)
        doc = self.assertDocument(r, "restore", "restore", r.rc)
        self.assertEqual(doc["error"]["category"], "invalid-config")
        doc = self.assertDocument(self.tg("--json", "validate", config=bad), "validate",
                                  "validate", 2)
        self.assertEqual(doc["error"]["category"], "invalid-config")
        self.assertEqual(self.sim.total_calls(), 0)

    def test_unreadable_or_missing_config(self):
        # A directory where the file should be, and no file at all.
        for path in (self.workdir, os.path.join(self.workdir, "nope.toml")):
            with self.subTest(path=path):
                self.assertError(self.tg("--json", "status", config=path), "status", 2)

    def test_unreachable_api(self):
        text = harness.config_toml(self.topology, "http://127.0.0.1:1").replace(
            "restore_timeout_s = 60", "restore_timeout_s = 2").replace(
            "quickcheck_timeout_s = 30", "quickcheck_timeout_s = 2")
        cfg = self.write_config(text, name="unreachable.toml")
        for cmd in (["status"], ["apply", "--active", "node-a"], ["graph"]):
            with self.subTest(cmd=cmd[0]):
                doc = self.assertError(self.tg("--json", *cmd, config=cfg), cmd[0], 1)
                self.assertNotEqual(doc["error"]["category"], "invalid-config")

    def test_missing_credentials(self):
        env = harness.base_env(self.workdir)
        env["AWS_EC2_METADATA_DISABLED"] = "true"
        doc = self.assertError(self.tg("--json", "status", env=env), "status", 1)
        self.assertTrue(doc["error"]["message"])
        self.assertEqual(self.sim.total_calls(), 0)

    def test_bad_command_line(self):
        cases = [
            (["--json", "frobnicate"], "frobnicate"),
            (["--json", "apply"], "apply"),                       # --active is required
            (["--json", "status", "--frob"], "status"),
            (["status", "--json", "--active", "node-b"], "status"),
            (["--json", "--bogus", "status"], ""),
            (["--json", "graph", "--format", "svg"], "graph"),    # JSON and SVG exclude each other
        ]
        for argv, command in cases:
            with self.subTest(argv=argv):
                doc = self.assertError(self.tg(*argv), command, 2, "usage")
                self.assertTrue(doc["error"]["message"])
        self.assertEqual(self.sim.total_calls(), 0)


class CliReports(JsonTestCase):
    def test_status_marks_odd_routes_and_names_the_fix(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        self.sim.drift([
            {"op": "set_route", "region": "us-east-1", "route_table": NODE_A_VPC_TABLE,
             "destination": VIP, "transit_gateway_id": "tgw-00000000000000000"},
        ])
        r = self.tg("status")
        self.assertRc(r, 1)
        self.assertIn("routes do not all serve one node", r.stdout)
        line = next((l for l in r.stdout.splitlines()
                     if l.strip().startswith("wrong-target " + NODE_A_VPC_TABLE)), None)
        self.assertIsNotNone(line, r.stdout)
        self.assertIn("us-east-1", line)
        self.assertIn("tgw-00000000000000000", line)
        self.assertIn("not node-a", line)
        self.assertIn("tgwark apply --active node-a", r.stdout)
        self.assertIn("tgwark restore", r.stdout)
        doc = self.assertDocument(self.tg("--json", "status"), "status", "status", 1)
        self.assertEqual(doc["fix_command"], "tgwark apply --active node-a")
        odd = {x["table"]: x["problem"] for x in doc["routes"] if x["problem"]}
        self.assertEqual(odd, {NODE_A_VPC_TABLE: "wrong-target"})
        # The suggested command fixes it.
        self.assertRc(self.tg(*doc["fix_command"].split()[1:]), 0)
        self.assertRc(self.tg("status"), 0)

    def test_dry_run_summary_counts_would_writes(self):
        r = self.tg("apply", "--active", "node-b", "--dry-run")
        self.assertRc(r, 0)
        plan = self.tg("--json", "plan", "--active", "node-b").json()
        creates = sum(1 for c in plan["routes"] if c["change"] == "create")
        replaces = sum(1 for c in plan["routes"] if c["change"] in ("replace", "fix-blackhole"))
        self.assertIn("would write %d (%d replace, %d create)" % (
            creates + replaces, replaces, creates), r.stdout)
        self.assertGreater(creates + replaces, 0)
        self.assertEqual(self.sim.writes(), {})

    def test_validate_calls_its_dry_run_checks_probes(self):
        r = self.tg("validate")
        self.assertRc(r, 0)
        summary = r.stdout.strip().splitlines()[-1]
        self.assertRegex(summary, r"\d+ DryRun probes")
        self.assertNotIn("writes", summary)

    def test_status_active_is_reported_in_order(self):
        r = self.tg("status", "--active", "node-b")
        self.assertRc(r, 2)
        self.assertIn("--active node-b", r.stderr)
        self.assertNotIn("node-b --active", r.stderr)


if __name__ == "__main__":
    harness.main()
