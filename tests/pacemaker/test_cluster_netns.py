"""A real two-node Pacemaker + corosync cluster running tgwark's OCF agent
against tgwark-sim, each node in its own network and mount namespace.

Why: the OCF unit and integration tests (tests/integration/test_ocf*.py)
check what the agent answers; only a real cluster shows what Pacemaker does
with those answers (probes after a rejoin, recovery after a failed monitor,
moves and bans). See docs/testing.md and docs/pacemaker.md.

Layout (all namespaces are created here and deleted at the end):
  hub netns:  bridge 10.77.0.254/24, tgwark-sim listening on it, and this
              test process itself (it joins the hub to reach the emulator)
  n1 netns:   node-a, 10.77.0.1: corosync + pacemakerd
  n2 netns:   node-b, 10.77.0.2: corosync + pacemakerd
Each node also has a private mount namespace (a holder process keeps it) with
its own /run, /dev/shm, /var/lib/pacemaker, /var/lib/corosync, /etc/corosync,
/var/log/{pacemaker,corosync} and /usr/lib/ocf/resource.d (holding only the
tgwark agent, which execs the tgwark binary under test). Each node's
pacemakerd gets its own instance metadata endpoint (the emulator's per-node
IMDS, which also hands out that node's role credentials).

Needs root, `ip netns`, pacemaker and corosync; otherwise it exits with 77,
which CTest reports as skipped. Waiting for the cluster is polling for a state
with a generous bound, never a fixed sleep.
"""

import atexit
import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import harness  # noqa: E402

SKIP = 77
PREFIX = "tgwpc%d" % os.getpid()
HUB, N1, N2 = PREFIX + "hub", PREFIX + "n1", PREFIX + "n2"
HUB_ADDR = "10.77.0.254"
NODES = {"node-a": (N1, "10.77.0.1", 1), "node-b": (N2, "10.77.0.2", 2)}
RSC = "vip-route"
VIP = "192.168.10.10"
# Bounds for states the cluster must reach; not timing assertions.
SETTLE_S = 120
CLONE_NEWNET = 0x40000000


def skip_reason():
    if os.geteuid() != 0:
        return "needs root (network namespaces, mounts)"
    for tool in ("ip", "unshare", "nsenter", "corosync", "corosync-quorumtool", "pacemakerd",
                 "crm_mon", "crm_resource", "cibadmin"):
        if shutil.which(tool) is None:
            return "%s is not installed (scripts/setup installs pacemaker, corosync)" % tool
    probe = PREFIX + "probe"
    r = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if r.returncode != 0:
        return "ip netns is unavailable: " + r.stderr.strip()
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    r = subprocess.run(["unshare", "--mount", "--", "true"], capture_output=True, text=True)
    if r.returncode != 0:
        return "no mount namespaces: " + r.stderr.strip()
    return None


def sh(argv, check=True, timeout=120, env=None):
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    if check and r.returncode != 0:
        raise RuntimeError("%s -> %d\n%s%s" % (" ".join(argv), r.returncode, r.stdout, r.stderr))
    return r


def feature_set():
    """The crm_feature_set the installed pacemaker writes ("Supporting v3.16.1: ...")."""
    out = sh(["pacemakerd", "--features"]).stdout
    for word in out.split():
        if word.startswith("v3.") or word.startswith("v4."):
            return word[1:].rstrip(":")
    raise RuntimeError("no feature set in pacemakerd --features: " + out)


def schema():
    names = [n[len("pacemaker-"):-len(".rng")] for n in os.listdir("/usr/share/pacemaker")
             if n.startswith("pacemaker-") and n.endswith(".rng") and n[10:11].isdigit()]
    return "pacemaker-" + max(names, key=lambda v: tuple(int(x) for x in v.split(".")))


def enter_netns(path):
    """Moves this process (its main thread, which spawns every child) into a
    network namespace, so the emulator and its control API are reached from
    here without touching the root namespace."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + path)
    finally:
        os.close(fd)


class Cluster:
    def __init__(self, topology, extra_params=None):
        self.topology = topology
        self.extra_params = extra_params or {}
        self.home_netns = "/proc/%d/ns/net" % os.getpid()
        self.home_netns_fd = os.open(self.home_netns, os.O_RDONLY)
        self.root = tempfile.mkdtemp(prefix="tgwark-pcmk-%d-" % os.getpid())
        self.holders = {}
        self.corosync = {}
        self.pacemakerd = {}
        self.sim = None
        self.netns = []

    # --- setup -------------------------------------------------------------

    def net(self):
        for ns in (HUB, N1, N2):
            sh(["ip", "netns", "add", ns])
            self.netns.append(ns)
        sh(["ip", "-n", HUB, "link", "add", "br0", "type", "bridge"])
        sh(["ip", "-n", HUB, "addr", "add", HUB_ADDR + "/24", "dev", "br0"])
        sh(["ip", "-n", HUB, "link", "set", "br0", "up"])
        sh(["ip", "-n", HUB, "link", "set", "lo", "up"])
        for i, (name, (ns, addr, _)) in enumerate(sorted(NODES.items())):
            port = "p%d" % i
            sh(["ip", "-n", HUB, "link", "add", port, "type", "veth", "peer", "name", "eth0",
                "netns", ns])
            sh(["ip", "-n", HUB, "link", "set", port, "master", "br0", "up"])
            sh(["ip", "-n", ns, "addr", "add", addr + "/24", "dev", "eth0"])
            sh(["ip", "-n", ns, "link", "set", "eth0", "up"])
            sh(["ip", "-n", ns, "link", "set", "lo", "up"])

    def start_sim(self, topology_file):
        enter_netns("/run/netns/" + HUB)
        self.sim = harness.Sim(topology_file, listen=HUB_ADDR + ":0")

    def node_dir(self, node, *parts):
        return os.path.join(self.root, node, *parts)

    def prepare_node(self, node, tgwark, fs, schema_name):
        mounts = {
            "lib-pacemaker": "/var/lib/pacemaker",
            "lib-corosync": "/var/lib/corosync",
            "etc-corosync": "/etc/corosync",
            "log-pacemaker": "/var/log/pacemaker",
            "log-corosync": "/var/log/corosync",
            "ocf": "/usr/lib/ocf/resource.d",
        }
        for d in mounts:
            os.makedirs(self.node_dir(node, d))
        for d in ("cib", "pengine", "blackbox", "cores"):
            os.makedirs(self.node_dir(node, "lib-pacemaker", d))
        sh(["chown", "-R", "hacluster:haclient", self.node_dir(node, "lib-pacemaker"),
            self.node_dir(node, "log-pacemaker")])
        os.chmod(self.node_dir(node, "log-pacemaker"), 0o770)
        agent_dir = self.node_dir(node, "ocf", "tgwark")
        os.makedirs(agent_dir)
        with open(os.path.join(agent_dir, "tgwark"), "w") as f:
            # What packaging/ocf/tgwark does, with the binary under test.
            f.write("#!/bin/sh\nexec '%s' ocf \"$@\"\n" % tgwark)
        os.chmod(os.path.join(agent_dir, "tgwark"), 0o755)
        with open(self.node_dir(node, "etc-corosync", "corosync.conf"), "w") as f:
            f.write(self.corosync_conf())
        cib = self.node_dir(node, "lib-pacemaker", "cib", "cib.xml")
        with open(cib, "w") as f:
            f.write(self.cib_xml(fs, schema_name))
        sh(["chown", "hacluster:haclient", cib])
        os.chmod(cib, 0o600)
        ns = NODES[node][0]
        script = "set -e\n" + "".join(
            "mount --bind '%s' '%s'\n" % (self.node_dir(node, src), dst)
            for src, dst in mounts.items()) + (
            "mount -t tmpfs tmpfs /run\nmount -t tmpfs tmpfs /dev/shm\n"
            "echo ready\nexec sleep infinity\n")
        holder = subprocess.Popen(
            ["ip", "netns", "exec", ns, "unshare", "--mount", "--propagation", "private", "--",
             "/bin/sh", "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = holder.stdout.readline().strip()
        if line != "ready":
            holder.kill()
            raise RuntimeError("%s: namespace setup failed: %s" % (node, holder.stderr.read()))
        self.holders[node] = holder

    def corosync_conf(self):
        nodes = "".join(
            "  node {\n    ring0_addr: %s\n    name: %s\n    nodeid: %d\n  }\n" % (addr, name, nid)
            for name, (_, addr, nid) in sorted(NODES.items()))
        return (
            "totem {\n  version: 2\n  cluster_name: tgwark-test\n  transport: knet\n"
            "  crypto_cipher: none\n  crypto_hash: none\n  token: 1000\n}\n"
            "nodelist {\n%s}\n"
            "quorum {\n  provider: corosync_votequorum\n  two_node: 1\n}\n"
            "logging {\n  to_logfile: yes\n  logfile: /var/log/corosync/corosync.log\n"
            "  to_stderr: no\n  to_syslog: no\n  timestamp: on\n}\n") % nodes

    def nodes_param(self):
        return " ".join("%s=%s:%s" % (n["name"], n["eni"], n["region"])
                        for n in self.topology["nodes"])

    def cib_xml(self, fs, schema_name):
        params = {"ip": VIP, "nodes": self.nodes_param(), "endpoint_url": self.sim.url,
                  "remote_wait_s": "10"}
        params.update(self.extra_params)
        nv = "".join('<nvpair id="p-%s" name="%s" value="%s"/>' % (k, k, v)
                     for k, v in params.items())
        return (
            '<cib crm_feature_set="%s" validate-with="%s" epoch="1" num_updates="0"'
            ' admin_epoch="0"><configuration><crm_config>'
            '<cluster_property_set id="cib-bootstrap-options">'
            '<nvpair id="o-stonith" name="stonith-enabled" value="false"/>'
            '<nvpair id="o-quorum" name="no-quorum-policy" value="ignore"/>'
            '<nvpair id="o-dcdt" name="dc-deadtime" value="2s"/>'
            '</cluster_property_set></crm_config><nodes/><resources>'
            '<primitive id="%s" class="ocf" provider="tgwark" type="tgwark">'
            '<instance_attributes id="%s-params">%s</instance_attributes>'
            '<meta_attributes id="%s-meta">'
            '<nvpair id="m-mt" name="migration-threshold" value="1"/>'
            '<nvpair id="m-st" name="resource-stickiness" value="100"/>'
            '</meta_attributes><operations>'
            '<op id="%s-start" name="start" interval="0" timeout="60s"/>'
            '<op id="%s-stop" name="stop" interval="0" timeout="30s"/>'
            '<op id="%s-monitor" name="monitor" interval="3s" timeout="30s"/>'
            '</operations></primitive></resources><constraints>'
            '<rsc_location id="prefer-node-a" rsc="%s" node="node-a" score="50"/>'
            '</constraints></configuration><status/></cib>\n') % (
                fs, schema_name, RSC, RSC, nv, RSC, RSC, RSC, RSC, RSC)

    # --- processes ---------------------------------------------------------

    def nsenter(self, node):
        return ["nsenter", "-t", str(self.holders[node].pid), "-m", "-n", "--"]

    def start_corosync(self, node):
        log = open(self.node_dir(node, "corosync.out"), "a")
        self.corosync[node] = subprocess.Popen(self.nsenter(node) + ["corosync", "-f"],
                                               stdout=log, stderr=log)
        log.close()

    def start_pacemaker(self, node):
        env = {
            "PATH": "/usr/sbin:/usr/bin:/sbin:/bin",
            "PCMK_logfile": "/var/log/pacemaker/pacemaker.log",
            "PCMK_debug": "no",
            # Seen by pacemaker-execd and so by the agent: this node's own
            # instance metadata (identity and role credentials).
            "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.sim.metadata_endpoint(node),
            "AWS_CONFIG_FILE": "/dev/null",
            "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
            "HOME": "/nonexistent",
            "TGWARK_CACHE_DIR": "/run/tgwark-cache",
            "TGWARK_STATE_DIR": "/run/tgwark-state",  # /run is each node's own
            "HA_LOGFACILITY": "none",
            "HA_LOGFILE": "/var/log/pacemaker/tgwark-agent.log",
        }
        log = open(self.node_dir(node, "pacemakerd.out"), "a")
        self.pacemakerd[node] = subprocess.Popen(self.nsenter(node) + ["pacemakerd"],
                                                 stdout=log, stderr=log, env=env)
        log.close()

    def ns_pids(self, node):
        """Every process in the node's mount namespace but the holder."""
        holder = self.holders[node].pid
        want = os.readlink("/proc/%d/ns/mnt" % holder)
        out = []
        for p in os.listdir("/proc"):
            if not p.isdigit() or int(p) == holder:
                continue
            try:
                if os.readlink("/proc/%s/ns/mnt" % p) == want:
                    with open("/proc/%s/comm" % p) as f:
                        out.append((int(p), f.read().strip()))
            except OSError:
                pass
        return out

    def kill_pacemaker(self, node):
        """SIGKILL pacemakerd and its daemons on `node` (corosync stays up):
        a crash of Pacemaker, not of the machine."""
        for pid, comm in self.ns_pids(node):
            if comm.startswith("pacemaker"):
                os.kill(pid, signal.SIGKILL)
        if node in self.pacemakerd:
            self.pacemakerd[node].wait(timeout=30)
        poll(lambda: not any(c.startswith("pacemaker") for _, c in self.ns_pids(node)),
             30, "pacemaker processes gone on " + node)

    def run(self, node, argv, check=True):
        return sh(self.nsenter(node) + argv, check=check)

    def quorate(self, node):
        r = self.run(node, ["corosync-quorumtool", "-s"], check=False)
        return "Quorate:          Yes" in r.stdout or "Quorate: Yes" in " ".join(r.stdout.split())

    # --- cluster state -----------------------------------------------------

    def mon(self, node):
        r = self.run(node, ["crm_mon", "-1", "--output-as=xml"], check=False)
        if r.returncode != 0:
            return None
        try:
            return ET.fromstring(r.stdout)
        except ET.ParseError:
            return None

    def probed(self, node):
        """Nodes whose resource history (the CIB's status section, seen from
        `node`) holds an operation of the resource: probed at least."""
        r = self.run(node, ["cibadmin", "-Q", "--scope", "status"], check=False)
        try:
            root = ET.fromstring(r.stdout)
        except ET.ParseError:
            return set()
        out = set()
        for state in root.iter("node_state"):
            for rsc in state.iter("lrm_resource"):
                if rsc.get("id") == RSC and rsc.find("lrm_rsc_op") is not None:
                    out.add(state.get("uname"))
        return out

    def settled(self, node, online=("node-a", "node-b")):
        """crm_mon's view from `node`: the DC is elected, the nodes in `online`
        are online and have probed the resource, no transition is in flight.
        Returns (root, where running)."""
        root = self.mon(node)
        if root is None:
            return None
        summary = root.find("summary")
        dc = summary.find("current_dc") if summary is not None else None
        if dc is None or dc.get("present") != "true":
            return None
        nodes = {n.get("name"): n for n in root.find("nodes")}
        for name in online:
            if name not in nodes or nodes[name].get("online") != "true":
                return None
        if not set(online) <= self.probed(node):
            return None
        running = []
        for r in root.iter("resource"):
            if r.get("id") != RSC:
                continue
            if r.get("role") not in ("Started", "Stopped") or r.get("pending"):
                return None
            running = [n.get("name") for n in r.findall("node")]
        # A DC that is not one of the expected online nodes is a stale view
        # (the killed node's controller, until the survivors notice): asking
        # it would hang.
        if dc.get("name") not in online:
            return None
        # No transition in flight: the DC says S_IDLE (crmadmin asks it). A
        # controller that does not answer in time is "not settled yet".
        try:
            r = sh(self.nsenter(node) + ["crmadmin", "-q", "-S", dc.get("name")], check=False,
                   timeout=20)
        except subprocess.TimeoutExpired:
            return None
        if "S_IDLE" not in r.stdout + r.stderr:
            return None
        return root, running

    def wait_settled(self, node, online=("node-a", "node-b"), what=""):
        return poll(lambda: self.settled(node, online), SETTLE_S,
                    "cluster settled (%s), seen from %s" % (what, node))

    def failcount(self, node, on):
        r = self.run(node, ["crm_failcount", "--query", "-r", RSC, "-N", on], check=False)
        for word in r.stdout.split():
            if word.startswith("value="):
                v = word[len("value="):]
                return 0 if v in ("", "(null)") else (10**6 if v == "INFINITY" else int(v))
        return 0

    def marker(self, node):
        return os.path.join("/proc", str(self.holders[node].pid), "root", "run", "tgwark",
                            RSC + ".active")

    # --- teardown ----------------------------------------------------------

    def cleanup(self):
        for node in list(self.holders):
            for pid, _ in self.ns_pids(node):
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
        for proc in list(self.corosync.values()) + list(self.pacemakerd.values()):
            try:
                proc.wait(timeout=30)
            except Exception:
                pass
        for holder in self.holders.values():
            holder.kill()
            holder.wait()
            holder.stdout.close()
            holder.stderr.close()
        self.holders = {}
        if self.sim is not None:
            self.sim.stop()
            self.sim = None
        if self.home_netns_fd is not None:
            enter_netns("/proc/self/fd/%d" % self.home_netns_fd)
            os.close(self.home_netns_fd)
            self.home_netns_fd = None
        for ns in self.netns:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        self.netns = []
        if os.environ.get("TGWARK_PCMK_KEEP") != "1":
            shutil.rmtree(self.root, ignore_errors=True)


def poll(predicate, bound_s, what):
    deadline = time.monotonic() + bound_s
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("not reached within %d s: %s" % (bound_s, what))
        time.sleep(0.5)


class PacemakerCluster(unittest.TestCase):
    """The scenarios run in order (test_1 ... test_8) on one cluster: each
    starts from the state the previous one left, as a cluster's life does.
    Two regions, one VPC per node, Transit Gateways; scope discovered."""

    TOPOLOGY = "demo"
    PARAMS = {}

    @classmethod
    def expected(cls, node):
        """{table id: target} for every route that must serve `node`."""
        return harness.expected_vip_targets(cls.topology, node)

    @classmethod
    def setUpClass(cls):
        cls.topology = harness.load_topology(cls.TOPOLOGY)
        cls.cluster = Cluster(cls.topology, cls.PARAMS)
        atexit.register(cls.cluster.cleanup)
        try:
            c = cls.cluster
            c.net()
            c.start_sim(harness.topology_path(cls.TOPOLOGY))
            # The topology starts with the routes serving node-a. Delete
            # every route that differs between the nodes (client VPCs' routes
            # to their TGW stay: they keep those tables in the discovered
            # scope), so the first start must write them.
            a, b = cls.expected("node-a"), cls.expected("node-b")
            for table, (region, kind, target, _) in c.sim.vip_routes().items():
                if target is not None and a.get(table) != b.get(table):
                    c.sim.drift({"op": "delete_route" if kind == "vpc" else "delete_tgw_route",
                                 "region": region, "route_table": table,
                                 "destination": harness.VIP})
            fs, sch = feature_set(), schema()
            for node in NODES:
                c.prepare_node(node, os.path.abspath(harness.TGWARK), fs, sch)
            for node in NODES:
                c.start_corosync(node)
            for node in NODES:
                poll(lambda: c.quorate(node), SETTLE_S, "corosync quorate on " + node)
            for node in NODES:
                c.start_pacemaker(node)
        except BaseException:
            cls.cluster.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.cluster.cleanup()

    broken = set()  # the classes with a failed scenario

    def run(self, result=None):
        # The scenarios build on each other: after one fails, the rest would
        # only wait out their bounds on a cluster in an unknown state.
        if type(self) in self.broken:
            result.startTest(self)
            result.addSkip(self, "an earlier scenario failed")
            result.stopTest(self)
            return result
        before = len(result.failures) + len(result.errors)
        out = super().run(result)
        if len(result.failures) + len(result.errors) > before:
            self.broken.add(type(self))
        return out

    # --- helpers -------------------------------------------------------------

    def assertRoutesServe(self, node):
        expected = self.expected(node)
        routes = self.cluster.sim.vip_routes()
        wrong = {t: routes.get(t) for t, target in expected.items()
                 if routes.get(t, (None, None, None))[2] != target}
        self.assertEqual(wrong, {}, "routes not all serving %s" % node)

    def diagnostics(self, node):
        """What a failed wait leaves to go on: the cluster's view (failed
        actions, fail counts) and the end of each node's agent log."""
        out = []
        r = self.cluster.run(node, ["crm_mon", "-1", "-f", "-r"], check=False)
        out.append("crm_mon -1 -f -r on %s:\n%s%s" % (node, r.stdout, r.stderr))
        for n in ("node-a", "node-b"):
            log = self.cluster.node_dir(n, "log-pacemaker", "tgwark-agent.log")
            try:
                with open(log, errors="replace") as f:
                    tail = f.readlines()[-25:]
            except OSError as e:
                tail = ["(%s)\n" % e]
            out.append("agent log on %s (last lines):\n%s" % (n, "".join(tail)))
        return "\n".join(out)

    def assertRunningOn(self, node, what, seen_from="node-b", online=("node-a", "node-b")):
        """Waits (bounded) until the cluster has settled with the resource on
        `node` alone: a settled state elsewhere may be a transition's eve."""
        seen = []

        def there():
            state = self.cluster.settled(seen_from, online)
            if state:
                seen.append(state[1])
            return state is not None and state[1] == [node]

        try:
            poll(there, SETTLE_S, "%s: %s settled on %s" % (what, RSC, node))
        except AssertionError as e:
            raise AssertionError("%s; settled states seen: %s\n%s" % (e, seen[-3:],
                                                                      self.diagnostics(seen_from)))
        # After the cluster settles the routes serve exactly where it runs.
        self.assertRoutesServe(node)

    def locate(self, seen_from="node-b"):
        r = self.cluster.run(seen_from, ["crm_resource", "--locate", "-r", RSC], check=False)
        return r.stdout

    def monitors_seen(self, n):
        """Waits until the emulator has served `n` more DescribeRouteTables
        calls (every monitor makes at least one): proof that monitors ran,
        without a sleep."""
        def reads():
            return sum(a.get("DescribeRouteTables", 0)
                       for region, a in self.cluster.sim.counters().get("calls", {}).items()
                       if region != "imds")
        start = reads()
        poll(lambda: reads() >= start + n, SETTLE_S, "%d more route reads" % n)

    def cleanup_failures(self):
        self.cluster.run("node-b", ["crm_resource", "--cleanup", "-r", RSC])

    # --- scenarios -----------------------------------------------------------

    def test_1_start_on_node_a_every_vpc_reaches_node_a(self):
        self.assertRunningOn("node-a", "initial start")
        self.assertGreater(self.cluster.sim.writes().get("CreateRoute", 0), 0,
                           "start created the VIP routes")
        self.assertIn("node-a", self.locate())
        self.assertTrue(os.path.exists(self.cluster.marker("node-a")))
        self.assertFalse(os.path.exists(self.cluster.marker("node-b")))

    def test_2_move_to_node_b(self):
        self.cluster.run("node-b", ["crm_resource", "--move", "-r", RSC, "-N", "node-b"])
        self.assertRunningOn("node-b", "crm_resource --move")
        self.assertFalse(os.path.exists(self.cluster.marker("node-a")), "stop removes the marker")
        self.cluster.run("node-b", ["crm_resource", "--clear", "-r", RSC])
        # Stickiness (100) beats node-a's preference (50): clearing moves nothing.
        self.assertRunningOn("node-b", "crm_resource --clear")

    def test_3_ban_from_node_b(self):
        self.cluster.run("node-b", ["crm_resource", "--ban", "-r", RSC, "-N", "node-b"])
        self.assertRunningOn("node-a", "crm_resource --ban node-b")
        self.cluster.run("node-b", ["crm_resource", "--clear", "-r", RSC])
        self.assertRunningOn("node-a", "crm_resource --clear")

    def test_4_pacemaker_killed_on_node_a_node_b_takes_over(self):
        self.assertRunningOn("node-a", "before the crash")
        self.cluster.kill_pacemaker("node-a")
        self.assertRunningOn("node-b", "node-a's pacemaker killed", online=("node-b",))

    def test_5_rejoin_with_a_stale_marker_moves_nothing(self):
        # node-a's /run survived its pacemaker's crash: the marker says
        # "started here" while the routes serve node-b.
        self.assertTrue(os.path.exists(self.cluster.marker("node-a")),
                        "precondition: a stale marker on node-a")
        writes = self.cluster.sim.writes()
        self.cluster.start_pacemaker("node-a")
        # node-a's probe must answer "not running": otherwise Pacemaker sees
        # the resource active on two nodes, stops it on both and starts it on
        # node-a (its preferred node).
        self.assertRunningOn("node-b", "node-a rejoined")
        self.assertEqual(harness.diff_counts(self.cluster.sim.writes(), writes), {},
                         "no route was rewritten: nothing moved")
        self.assertFalse(os.path.exists(self.cluster.marker("node-a")),
                         "the probe removed the stale marker")
        self.assertEqual(self.cluster.failcount("node-b", "node-a"), 0)

    def test_6_home_drift_fails_the_monitor_and_the_resource_recovers(self):
        self.assertRunningOn("node-b", "before the drift")
        node_b = next(n for n in self.topology["nodes"] if n["name"] == "node-b")
        home = next(t for t, target in self.expected("node-b").items()
                    if target == node_b["eni"])
        # The route goes where it goes for node-a (its TGW, or in one VPC
        # node-a's ENI): wrong for node-b.
        wrong = self.expected("node-a")[home]
        key = "network_interface_id" if wrong.startswith("eni-") else "transit_gateway_id"
        self.cluster.sim.drift({"op": "set_route", "region": node_b["region"],
                                "route_table": home, "destination": harness.VIP,
                                key: wrong})
        # The failed monitor (1) counts against node-b; migration-threshold=1
        # moves the resource to node-a, whose start rewrites every route.
        poll(lambda: self.cluster.failcount("node-b", "node-b") >= 1, SETTLE_S,
             "a monitor failure on node-b")
        self.assertRunningOn("node-a", "recovery from home drift")
        self.cleanup_failures()
        self.assertRunningOn("node-a", "after cleanup")

    def test_7_routes_taken_over_by_hand_yield_without_ping_pong(self):
        self.assertRunningOn("node-a", "before the takeover")
        # An admin's `tgwark restore` as node-b behind the cluster's back.
        work = tempfile.mkdtemp(prefix="tgwark-pcmk-admin-")
        try:
            config = os.path.join(work, "tgwark.toml")
            with open(config, "w") as f:
                f.write(harness.config_toml(self.topology, self.cluster.sim.url))
            env = harness.node_env(work, self.cluster.sim, "node-b")
            r = harness.tgwark(["restore", "--node", "node-b"], env, config=config)
            self.assertEqual(r.rc, 0, str(r))
        finally:
            shutil.rmtree(work, ignore_errors=True)
        self.assertRoutesServe("node-b")
        # node-a's monitor answers 7 (taken over), reclaims nothing; with
        # migration-threshold=1 the resource goes to node-b, where the
        # routes already are, and stays there.
        poll(lambda: self.cluster.failcount("node-b", "node-a") >= 1, SETTLE_S,
             "the taken-over monitor counted on node-a")
        self.assertRunningOn("node-b", "after the takeover")
        writes = self.cluster.sim.writes()
        self.monitors_seen(6)
        self.assertRunningOn("node-b", "several monitors later")
        self.assertEqual(harness.diff_counts(self.cluster.sim.writes(), writes), {},
                         "no ping-pong: no route rewritten while monitors ran")

    def test_8_cluster_restart_after_a_reboot_finds_it_where_the_routes_serve(self):
        self.assertRunningOn("node-b", "before the restart")
        for node in NODES:
            self.cluster.kill_pacemaker(node)
            # A reboot clears /run: no marker anywhere.
            if os.path.exists(self.cluster.marker(node)):
                os.remove(self.cluster.marker(node))
        writes = self.cluster.sim.writes()
        for node in NODES:
            self.cluster.start_pacemaker(node)
        # The probes answer from the routes: node-b's 0 says it runs there
        # (Pacemaker 2.1 passes no interval for a probe), so nothing starts
        # on node-a, the preferred node, and no route is rewritten.
        self.assertRunningOn("node-b", "cluster restarted")
        self.assertEqual(harness.diff_counts(self.cluster.sim.writes(), writes), {},
                         "no route was rewritten")
        self.assertTrue(os.path.exists(self.cluster.marker("node-b")),
                        "node-b's probe adopted the running resource")


# topologies/single-vpc.json: both nodes in one VPC, no Transit Gateway.
SINGLE_VPC_TABLES = ["rtb-00000010000000000", "rtb-00000010100000000", "rtb-00000010200000000",
                     "rtb-00000010300000000"]
SINGLE_VPC_OTHER_TABLE = "rtb-00000020000000000"  # another VPC's look-alike route


class PacemakerClusterSingleVpc(PacemakerCluster):
    """The same scenarios in one VPC without a Transit Gateway, configured as
    docs/pacemaker.md shows it: the tables listed in `routing_table`."""

    TOPOLOGY = "single-vpc"
    PARAMS = {"routing_table": ",".join(SINGLE_VPC_TABLES)}

    @classmethod
    def expected(cls, node):
        eni = next(n["eni"] for n in cls.topology["nodes"] if n["name"] == node)
        return {t: eni for t in SINGLE_VPC_TABLES}

    def assertRoutesServe(self, node):
        super().assertRoutesServe(node)
        other = self.cluster.sim.vip_routes()[SINGLE_VPC_OTHER_TABLE]
        self.assertEqual(other[2], "eni-00000030000000000", "a table out of scope never changes")


def run_alive(pid):
    """Whether the run with this pid is still going (not a reused pid)."""
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return b"test_cluster_netns" in f.read()
    except OSError:
        return False


def remove_stale_namespaces():
    """A run killed before its cleanup (CTest's timeout sends SIGKILL) leaves
    its namespaces and daemons: remove those of runs whose process is gone.
    Only this test's names (tgwpc<pid>...) are touched."""
    r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
    for line in r.stdout.splitlines():
        m = re.fullmatch(r"tgwpc(\d+)(hub|n1|n2|probe)", line.split()[0] if line.split() else "")
        if not m or run_alive(m.group(1)):
            continue
        name = m.group(0)
        pids = subprocess.run(["ip", "netns", "pids", name], capture_output=True, text=True)
        for pid in pids.stdout.split():
            try:
                os.kill(int(pid), signal.SIGKILL)
            except (OSError, ValueError):
                pass
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
    tmp = tempfile.gettempdir()
    for entry in os.listdir(tmp):
        m = re.fullmatch(r"tgwark-pcmk-(\d+)-\w+", entry)
        if m and not run_alive(m.group(1)):
            shutil.rmtree(os.path.join(tmp, entry), ignore_errors=True)


def main():
    reason = skip_reason()
    if reason:
        print("SKIP: " + reason)
        sys.exit(SKIP)
    remove_stale_namespaces()
    # SIGTERM/SIGHUP end the run through the normal exit path, so the atexit
    # cleanup still removes the cluster.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda *_: sys.exit(1))
    harness.main()


if __name__ == "__main__":
    main()
