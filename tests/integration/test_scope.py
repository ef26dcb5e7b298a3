"""The durable scope: once managed, a route table stays managed while it
exists (a VIP route deleted by hand is *missing*, reported and recreated, never
a reason to drop the table); tables carrying the configured scope_tag are
managed; the scope store in $TGWARK_STATE_DIR survives a corrupt, older-format,
foreign or non-regular file without crashing or silently shrinking; listing one
kind of table keeps discovering the other; a client-only region that cannot be
read is taken at its last known state. Every test that writes ends with a
whole-state diff: nothing but VIP routes changed.
"""

import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import SimTestCase, VIP  # noqa: E402

CLIENT_REGION = "eu-west-1"  # no node there in ref-3r
TAG = "tgwark:vip=192.168.10.10"
REGIONS = 'regions = ["%s"]' % CLIENT_REGION  # listed tables there are looked up there


class Scope(SimTestCase):
    TOPOLOGY = "ref-3r"

    def setUp(self):
        super().setUp()
        self.config = self.write_config(
            text=harness.config_toml(self.topology, self.sim.url, extra_aws="remote_wait_s = 2"))

    def tearDown(self):
        self.sim.clear_faults()
        super().tearDown()

    def env(self):
        return harness.static_key_env(self.workdir)

    def tg(self, *args, config=None):
        return harness.tgwark(list(args), self.env(), config or self.config)

    def store_files(self):
        return glob.glob(os.path.join(self.env()["TGWARK_STATE_DIR"], "scope-*.json"))

    # --- the topology file, independently of tgwark ---------------------------------

    def node_vpcs(self):
        enis = {e["id"]: e["vpc"] for r in self.topology["regions"].values()
                for e in r.get("enis", [])}
        return {enis[n["eni"]] for n in self.topology["nodes"]}

    def attached_vpcs(self):
        return {a["vpc"]: a["transit_gateway"] for r in self.topology["regions"].values()
                for a in r.get("vpc_attachments", [])}

    def client_tables(self, with_route):
        """[(region, table, vpc)] of client VPC tables (attached to a TGW, not a
        node's VPC) that hold (or not) the VIP route in the topology file."""
        out = []
        attached = self.attached_vpcs()
        for region, r in sorted(self.topology["regions"].items()):
            for vpc in r.get("vpcs", []):
                if vpc["id"] in self.node_vpcs() or vpc["id"] not in attached:
                    continue
                for rt in vpc.get("route_tables", []):
                    if bool(harness._find_route(rt, VIP)) == with_route:
                        out.append((region, rt["id"], vpc["id"]))
        return out

    def discovered(self, config=None):
        r = self.tg("--json", "discover", config=config)
        self.assertRc(r, 0)
        doc = r.json()
        return {t["id"]: t for t in doc["vpc_route_tables"] + doc["tgw_route_tables"]}, doc, r

    def assertOnlyVipRoutesChanged(self, before):
        self.assertEqual(harness.json_diff(harness.strip_vip_routes(before),
                                           harness.strip_vip_routes(self.sim.state())), [])

    # --- a managed VIP route deleted by hand -----------------------------------------

    def test_a_deleted_vip_route_is_missing_and_recreated(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        tables, _, _ = self.discovered()  # the scope is learnt (and stored)
        region, table, vpc = self.client_tables(with_route=True)[0]
        self.assertEqual(tables[table]["provenance"], "vip-route")
        first_seen = tables[table]["first_seen"]
        self.assertTrue(first_seen)
        self.sim.drift({"op": "delete_route", "region": region, "route_table": table,
                        "destination": VIP})
        before = self.sim.state()

        tables, _, _ = self.discovered()
        self.assertTrue(tables[table]["managed"], tables[table])
        self.assertEqual(tables[table]["provenance"], "vip-route")
        self.assertEqual(tables[table]["first_seen"], first_seen)
        self.assertIn("held the VIP route", tables[table]["why"])
        text = self.tg("discover")
        self.assertRc(text, 0)
        self.assertIn(table, text.stdout)
        self.assertIn("[vip-route, first seen ", text.stdout)

        st = self.tg("status")
        self.assertRc(st, 1)
        self.assertIn(table, st.stdout + st.stderr)
        plan = self.tg("--json", "plan", "--active", "node-a")
        changes = {x["table"]: x["change"] for x in plan.json()["routes"]}
        self.assertEqual(changes[table], "create")
        self.assertEqual(self.sim.vip_routes()[table][2], None, "plan writes nothing")

        # The active node's quickCheck: a remote table, repaired.
        qc = self.tg("--node", "node-a", "quickCheck")
        self.assertRc(qc, 0)
        self.assertEqual(self.sim.vip_routes()[table][2], self.attached_vpcs()[vpc])
        self.assertRc(self.tg("status"), 0)
        self.assertOnlyVipRoutesChanged(before)

    def test_without_create_missing_the_deleted_route_is_reported(self):
        config = self.write_config(
            name="nocreate.toml",
            text=harness.config_toml(self.topology, self.sim.url, create_missing=False))
        self.assertRc(self.tg("apply", "--active", "node-a", config=config), 0)
        self.discovered(config)
        region, table, _ = self.client_tables(with_route=True)[0]
        self.sim.drift({"op": "delete_route", "region": region, "route_table": table,
                        "destination": VIP})
        before = self.sim.state()
        self.assertRc(self.tg("status", config=config), 1)
        r = self.tg("--json", "apply", "--active", "node-a", config=config)
        outcomes = {x["table"]: x["outcome"] for x in r.json()["routes"]}
        self.assertEqual(outcomes[table], "missing")
        self.assertEqual(harness.json_diff(before, self.sim.state()), [])

    # --- tag-based scope --------------------------------------------------------------

    def test_tagged_tables_are_managed_and_get_the_route(self):
        # Two client tables that do not hold the route (yet); one is tagged.
        (region, table, vpc), (other_region, untagged, _) = self.client_tables(with_route=True)[:2]
        self.sim.drift([{"op": "delete_route", "region": region, "route_table": table,
                         "destination": VIP},
                        {"op": "delete_route", "region": other_region, "route_table": untagged,
                         "destination": VIP},
                        {"op": "set_tags", "region": region, "route_table": table,
                         "tags": {"tgwark:vip": "192.168.10.10", "Name": "client"}}])
        config = self.write_config(
            name="tagged.toml",
            text=harness.config_toml(self.topology, self.sim.url,
                                     extra_top='scope_tag = "%s"' % TAG))
        tables, _, _ = self.discovered(config)
        self.assertTrue(tables[table]["managed"])
        self.assertEqual(tables[table]["provenance"], "tagged")
        self.assertFalse(tables[untagged]["managed"])
        before = self.sim.state()
        self.assertRc(self.tg("apply", "--active", "node-b", config=config), 0)
        self.assertEqual(self.sim.vip_routes()[table][2], self.attached_vpcs()[vpc])
        self.assertEqual(self.sim.vip_routes()[untagged][2], None)
        self.assertOnlyVipRoutesChanged(before)
        # Without the key in the config, the tag means nothing.
        tables, _, _ = self.discovered()
        self.assertFalse(tables[untagged]["managed"])

    # --- the store itself -------------------------------------------------------------

    def learn_then_delete_a_route(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        self.discovered()
        files = self.store_files()
        self.assertEqual(len(files), 1, files)
        region, table, _ = self.client_tables(with_route=True)[0]
        self.sim.drift({"op": "delete_route", "region": region, "route_table": table,
                        "destination": VIP})
        return files[0], table

    def test_the_store_lives_in_the_state_directory(self):
        self.assertEqual(self.store_files(), [])
        tables, _, r = self.discovered()  # no store yet: discovery as always
        self.assertNotIn("scope store", r.stderr)
        [path] = self.store_files()
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as f:
            doc = json.load(f)
        self.assertEqual(doc["format"], 3)
        self.assertTrue(doc["origins"])
        self.assertFalse(os.path.exists(os.path.join(self.workdir, "cache")))

    def test_a_corrupt_store_warns_once_and_is_rewritten(self):
        path, _ = self.learn_then_delete_a_route()
        with open(path, "w") as f:
            f.write('{"format": 3, "config_digest": "')
        tables, _, r = self.discovered()
        self.assertEqual(r.stderr.count("scope store"), 1, r.stderr)
        self.assertIn("rediscovering", r.stderr)
        with open(path) as f:
            self.assertEqual(json.load(f)["format"], 3)

    def test_an_older_format_carries_its_managed_tables_over(self):
        path, table = self.learn_then_delete_a_route()
        with open(path) as f:
            doc = json.load(f)
        doc["format"] = 2
        del doc["origins"]
        with open(path, "w") as f:
            json.dump(doc, f)
        tables, _, r = self.discovered()
        self.assertIn("format 2", r.stderr)
        self.assertTrue(tables[table]["managed"], "the table without its route is kept")
        self.assertEqual(tables[table]["provenance"], "carried-over")
        self.assertEqual(tables[table]["first_seen"], None)

    def test_another_configs_store_is_ignored(self):
        path, table = self.learn_then_delete_a_route()
        with open(path) as f:
            doc = json.load(f)
        doc["config_digest"] = "0" * 64
        with open(path, "w") as f:
            json.dump(doc, f)
        tables, _, r = self.discovered()
        self.assertNotIn("scope store", r.stderr)
        self.assertFalse(tables[table]["managed"])

    def test_an_edit_that_does_not_change_the_scope_keeps_the_store(self):
        path, table = self.learn_then_delete_a_route()
        with open(self.config) as f:
            text = f.read()
        edited = self.write_config(
            text="# edited: a comment and a timeout\n" +
            text.replace("restore_timeout_s = 60", "restore_timeout_s = 45"), name="edited.toml")
        self.assertNotEqual(text, open(edited).read())
        tables, _, r = self.discovered(config=edited)
        self.assertEqual(self.store_files(), [path])
        self.assertTrue(tables[table]["managed"], "the table that lost its route stays managed")
        # Another VIP is another scope: another store.
        other = self.write_config(text=text.replace('vip = "192.168.10.10"', 'vip = "192.168.10.99"'),
                                  name="other.toml")
        self.discovered(config=other)
        self.assertEqual(len(self.store_files()), 2)

    def test_a_store_that_is_not_a_regular_file_is_warned_about(self):
        self.discovered()
        [path] = self.store_files()
        os.remove(path)
        os.mkdir(path)
        tables, _, r = self.discovered()
        self.assertIn("scope store", r.stderr)
        os.rmdir(path)
        os.mkfifo(path)  # a FIFO with no writer must not block tgwark
        tables, _, r = self.discovered()
        self.assertIn("scope store", r.stderr)

    def test_a_table_deleted_since_the_store_leaves_the_scope(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        self.discovered()
        region, table, _ = self.client_tables(with_route=True)[0]
        self.sim.drift({"op": "delete_route_table", "region": region, "route_table": table})
        before = self.sim.state()
        r = self.tg("--node", "node-b", "restore")
        self.assertRc(r, 0)
        self.assertIn("%s (%s" % (table, region), r.stderr)
        self.assertIn("no longer exists: it leaves the scope", r.stderr)
        expected = harness.expected_vip_targets(self.topology, "node-b")
        actual = self.sim.vip_routes()
        for t, target in expected.items():
            if t != table:
                self.assertEqual(actual[t][2], target, t)
        self.assertOnlyVipRoutesChanged(before)
        tables, _, _ = self.discovered()
        self.assertNotIn(table, tables)

    # --- one kind of table listed -----------------------------------------------------

    def test_listing_only_vpc_tables_still_manages_the_tgw_tables(self):
        expected = harness.expected_vip_targets(self.topology, "node-b")
        vpc_tables = sorted(t for t, (_, kind, _, _) in self.sim.vip_routes().items()
                            if kind == "vpc" and t in expected)
        tgw_tables = sorted(t for t, (_, kind, _, _) in self.sim.vip_routes().items()
                            if kind == "tgw")
        config = self.write_config(
            name="vpc-only.toml",
            text=harness.config_toml(self.topology, self.sim.url,
                                     extra_top="vpc_route_tables = %s\n%s" % (json.dumps(vpc_tables),
                                                                          REGIONS)))
        tables, _, _ = self.discovered(config)
        for t in tgw_tables:
            self.assertTrue(tables[t]["managed"], t)
            self.assertEqual(tables[t]["provenance"], "tgw-in-scope")
        before = self.sim.state()
        self.assertRc(self.tg("apply", "--active", "node-b", config=config), 0)
        actual = self.sim.vip_routes()
        for t in tgw_tables + vpc_tables:
            self.assertEqual(actual[t][2], expected[t], t)
        self.assertOnlyVipRoutesChanged(before)

    def test_listing_only_tgw_tables_still_discovers_the_vpc_tables(self):
        expected = harness.expected_vip_targets(self.topology, "node-b")
        tgw_tables = sorted(t for t, (_, kind, _, _) in self.sim.vip_routes().items()
                            if kind == "tgw")
        config = self.write_config(
            name="tgw-only.toml",
            text=harness.config_toml(self.topology, self.sim.url,
                                     extra_top="tgw_route_tables = %s\n%s" % (json.dumps(tgw_tables),
                                                                          REGIONS)))
        before = self.sim.state()
        self.assertRc(self.tg("apply", "--active", "node-b", config=config), 0)
        actual = self.sim.vip_routes()
        for t, target in expected.items():
            self.assertEqual(actual[t][2], target, t)
        self.assertOnlyVipRoutesChanged(before)

    # --- a client-only region down ----------------------------------------------------

    def test_a_client_region_down_is_taken_from_the_store(self):
        self.assertRc(self.tg("apply", "--active", "node-a"), 0)
        learned, _, _ = self.discovered()
        client = {t for t, row in learned.items()
                  if row["region"] == CLIENT_REGION and row["managed"]}
        self.assertTrue(client)
        self.sim.fault({"region": CLIENT_REGION, "action": "*", "kind": "Unavailable",
                        "probability": 1.0})
        tables, doc, r = self.discovered()
        self.assertIn(CLIENT_REGION, doc["stale_regions"])
        self.assertIn("region %s cannot be read" % CLIENT_REGION, r.stderr)
        for t in client:
            self.assertTrue(tables[t]["managed"], t)
        # status says so too: the region's tables (as last known) are unknown.
        status = self.tg("--json", "status")
        self.assertRc(status, 1)
        sdoc = status.json()
        self.assertIn(CLIENT_REGION, sdoc["stale_regions"])
        self.assertEqual({r["table"] for r in sdoc["routes"] if r["region"] == CLIENT_REGION},
                         client)
        self.assertTrue(all(r["problem"] == "unknown" for r in sdoc["routes"]
                            if r["region"] == CLIENT_REGION), sdoc)
        self.assertIn("region %s could not be read" % CLIENT_REGION, self.tg("status").stdout)
        before = self.sim.state()
        restore = self.tg("--node", "node-b", "restore")
        self.assertRc(restore, 0)
        expected = harness.expected_vip_targets(self.topology, "node-b")
        actual = self.sim.vip_routes()
        for t, target in expected.items():
            if actual[t][0] != CLIENT_REGION:
                self.assertEqual(actual[t][2], target, t)
        self.assertOnlyVipRoutesChanged(before)
        # The region comes back: quickCheck on the active node repairs it.
        self.sim.clear_faults()
        self.assertRc(self.tg("--node", "node-b", "quickCheck"), 0)
        actual = self.sim.vip_routes()
        for t, target in expected.items():
            self.assertEqual(actual[t][2], target, t)

    def test_a_client_region_down_without_a_store_contributes_nothing(self):
        self.sim.fault({"region": CLIENT_REGION, "action": "*", "kind": "Unavailable",
                        "probability": 1.0})
        tables, doc, r = self.discovered()
        self.assertIn(CLIENT_REGION, doc["stale_regions"])
        self.assertIn("no stored scope", r.stderr)
        self.assertFalse([t for t, row in tables.items() if row["region"] == CLIENT_REGION])
        # A scope without that region is not stored: a later action would
        # trust it and never learn of the region's tables.
        self.assertEqual(self.store_files(), [])
        status = self.tg("--json", "status")
        self.assertIn(CLIENT_REGION, status.json()["stale_regions"])
        self.assertFalse([r for r in status.json()["routes"] if r["region"] == CLIENT_REGION])
        self.assertIn("region %s could not be read" % CLIENT_REGION, self.tg("status").stdout)
        # validate does not pass over it (denied rather than down: a region
        # answering 503 would hold discovery for remote_wait_s).
        self.sim.clear_faults()
        self.sim.fault({"region": CLIENT_REGION, "action": "*",
                        "kind": "UnauthorizedOperation", "probability": 1.0})
        v = self.tg("--json", "validate")
        self.assertRc(v, 1)
        checks = {c["check"]: c for c in v.json()["checks"]}
        self.assertEqual(checks["discovery " + CLIENT_REGION]["status"], "FAIL", checks)


if __name__ == "__main__":
    harness.main()
