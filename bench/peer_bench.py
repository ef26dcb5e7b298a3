#!/usr/bin/env python3
"""tgwark's OCF agent and the stock aws-vpc-move-ip side by side.

Runs the real, unmodified aws-vpc-move-ip (Debian's resource-agents) and tgwark's OCF agent
against the same tgwark-sim topology (one VPC, 8 route tables, no transit gateway) with the same
injected EC2 latency, and measures start, monitor and probe: wall time, CPU (user + sys of the
agent's whole process tree) and the API calls the emulator counted. Figures and conditions:
docs/benchmarks.md ("The peer side by side").

The stock agent hard-codes the instance metadata address, so everything runs in a network
namespace of its own where the emulator listens on 169.254.169.254:80 (its plain /latest/...
paths are the first node's metadata) and a dummy `eth0` carries node-a's MAC address. The aws CLI
gets the endpoint from a wrapper script (the agent's `awscli` parameter).

Root only (exits 77 otherwise). Usage:
  sudo bench/peer_bench.py [--reps N] [--latency-ms MS] [--build DIR] [--write-docs]
"""
import argparse
import copy
import ctypes
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
STOCK_AGENT = "/usr/lib/ocf/resource.d/heartbeat/aws-vpc-move-ip"
OCF_ROOT = "/usr/lib/ocf"
IMDS_ADDR = "169.254.169.254"
SIM_URL = "http://" + IMDS_ADDR
VIP = "192.168.10.10"
REGION = "us-east-1"
TABLES = 8
# single-vpc.json's ids: node-a (the node under test, first in the topology) and node-b.
NODE_A = {"name": "node-a", "eni": "eni-00000010000000000", "mac": "0e:00:00:00:00:01"}
NODE_B = {"name": "node-b", "eni": "eni-00000020000000000"}
CLONE_NEWNET = 0x40000000
DOC = os.path.join(ROOT, "docs", "benchmarks.md")
BEGIN, END = "<!-- peer-bench:begin -->", "<!-- peer-bench:end -->"


def table_id(k):
    return "rtb-%02x%05x%02x00000000" % (0, 1, k)


def make_topology(path):
    """single-vpc.json with the cluster VPC's tables replaced by 8, each holding the VIP route on
    node-b's ENI: start on node-a has to move every one of them."""
    with open(os.path.join(ROOT, "topologies", "single-vpc.json")) as f:
        topo = json.load(f)
    topo["_comment"] = "peer_bench: single-vpc.json with 8 route tables, the VIP on node-b"
    vpc = topo["regions"][REGION]["vpcs"][0]
    tables = []
    for k in range(TABLES):
        t = {"id": table_id(k), "main": k == 0,
             "routes": [{"destination": VIP + "/32", "network_interface_id": NODE_B["eni"]}]}
        if k > 0:
            t["subnets"] = ["subnet-%02x%05x%02x00000000" % (0, 1, k)]
        tables.append(t)
    vpc["route_tables"] = tables
    with open(path, "w") as f:
        json.dump(topo, f)


def sh(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), p.returncode, p.stderr.strip()))
    return p


def enter_netns(name):
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns " + name)
    finally:
        os.close(fd)


def sim_get(path):
    with urllib.request.urlopen(SIM_URL + path, timeout=10) as r:
        return json.loads(r.read() or b"{}")


def sim_post(path, body):
    req = urllib.request.Request(SIM_URL + path, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read()


def count_calls(before, after):
    """EC2 calls (every region but imds) and IMDS calls between two /_sim/counters answers."""
    def flat(c):
        out = {}
        for region, actions in c.get("calls", {}).items():
            for action, n in actions.items():
                out[(region, action)] = n
        return out
    b, a = flat(before), flat(after)
    ec2 = imds = 0
    by_action = {}
    for key, n in a.items():
        d = n - b.get(key, 0)
        if d <= 0:
            continue
        name = key[1]
        if key[0] == "imds":
            imds += d
            name = "IMDS " + name
        else:
            ec2 += d
        by_action[name] = by_action.get(name, 0) + d
    return ec2, imds, by_action


def route_targets():
    state = sim_get("/_sim/state")
    out = {}
    for vpc in state["regions"][REGION]["vpcs"]:
        for t in vpc["route_tables"]:
            for r in t.get("routes", []):
                if r.get("destination") == VIP + "/32":
                    out[t["id"]] = r.get("network_interface_id")
    return out


class Bench:
    def __init__(self, args, scratch, ns):
        self.args = args
        self.ns = ns
        self.scratch = scratch
        self.tables = [table_id(k) for k in range(TABLES)]
        self.results = {}  # label -> list of (wall, cpu, ec2, imds, rc)
        self.notes = []

    # --- environment ---------------------------------------------------------

    def base_env(self):
        env = {
            "PATH": self.scratch + "/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG": "C.UTF-8",
            "HOME": self.scratch,
            # The emulator's built-in test key, for both agents.
            "AWS_ACCESS_KEY_ID": "AKIDSIMULATOR",
            "AWS_SECRET_ACCESS_KEY": "simulator-secret-key",
            "AWS_CONFIG_FILE": self.scratch + "/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": self.scratch + "/aws-credentials",
            "AWS_PAGER": "",
            "OCF_ROOT": OCF_ROOT,
            "HA_LOGFILE": self.scratch + "/ocf.log",
            "HA_DEBUGLOG": "",
            "HA_debug": "0",
            # tgwark's files in the scratch directory, not the machine's
            # /var/cache/tgwark and /var/lib/tgwark.
            "TGWARK_CACHE_DIR": self.scratch + "/tgwark-cache",
            "TGWARK_STATE_DIR": self.scratch + "/tgwark-state",
        }
        return env

    def write_files(self):
        os.makedirs(self.scratch + "/bin")
        aws = self.scratch + "/bin/aws"
        with open(aws, "w") as f:
            f.write("#!/bin/sh\n# the stock agent cannot be given an endpoint: add it here\n"
                    "exec /usr/bin/aws --endpoint-url %s \"$@\"\n" % SIM_URL)
        os.chmod(aws, 0o755)
        with open(self.scratch + "/aws-config", "w") as f:
            f.write("[default]\nregion = %s\n" % REGION)
        open(self.scratch + "/aws-credentials", "w").close()
        agent = self.scratch + "/tgwark-agent"
        # packaging/ocf/tgwark with the binary under test instead of /usr/bin/tgwark.
        with open(agent, "w") as f:
            f.write("#!/bin/sh\nexec '%s' ocf \"$@\"\n" % os.path.abspath(
                os.path.join(self.args.build, "tgwark")))
        os.chmod(agent, 0o755)

    def stock_env(self, monapi, interval):
        env = self.base_env()
        env.update({
            "OCF_RESKEY_ip": VIP,
            "OCF_RESKEY_routing_table": ",".join(self.tables),
            "OCF_RESKEY_interface": "eth0",
            "OCF_RESKEY_region": REGION,
            "OCF_RESKEY_awscli": self.scratch + "/bin/aws",
            "OCF_RESKEY_monapi": "true" if monapi else "false",
            "OCF_RESKEY_lookup_type": "InstanceId",
            "OCF_RESKEY_CRM_meta_interval": str(interval),
            "OCF_RESKEY_CRM_meta_timeout": "180000",
        })
        return env

    def tgwark_env(self, interval):
        env = self.base_env()
        env.update({
            "OCF_RESKEY_ip": VIP,
            "OCF_RESKEY_nodes": "%s=%s:%s %s=%s:%s" % (NODE_A["name"], NODE_A["eni"], REGION,
                                                       NODE_B["name"], NODE_B["eni"], REGION),
            "OCF_RESKEY_routing_table": ",".join(self.tables),
            "OCF_RESKEY_endpoint_url": SIM_URL,
            "OCF_RESKEY_state_dir": self.scratch + "/tgwark-state",
            "OCF_RESKEY_CRM_meta_on_node": NODE_A["name"],
            "OCF_RESKEY_CRM_meta_interval": str(interval),
            "OCF_RESKEY_CRM_meta_timeout": "180000",
            "OCF_RESKEY_crm_feature_set": "3.16.2",
        })
        return env

    # --- measuring -----------------------------------------------------------

    def reset(self):
        """Back to the topology: the VIP on node-b in every table; the 50 ms rule again (reset
        clears latency rules)."""
        sim_post("/_sim/reset", {})
        sim_post("/_sim/latency", {"region": "*", "action": "*", "ms": self.args.latency_ms})
        subprocess.run(["ip", "addr", "del", VIP + "/32", "dev", "eth0"], capture_output=True)
        shutil.rmtree(self.scratch + "/tgwark-state", ignore_errors=True)

    def run(self, label, argv, env, expect):
        before = sim_get("/_sim/counters")
        ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        # `ip netns exec` mounts a sysfs of the namespace (the stock agent reads eth0's MAC from
        # /sys/class/net) and then execs the agent, so the rusage is the agent's.
        p = subprocess.run(["ip", "netns", "exec", self.ns] + argv, env=env, capture_output=True,
                           text=True)
        wall = time.monotonic() - t0
        ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        after = sim_get("/_sim/counters")
        cpu = (ru1.ru_utime - ru0.ru_utime) + (ru1.ru_stime - ru0.ru_stime)
        ec2, imds, by_action = count_calls(before, after)
        if p.returncode != expect:
            msg = "%s: exit %d, expected %d: %s" % (label, p.returncode, expect,
                                                   (p.stderr.strip() or p.stdout.strip())[-400:])
            self.notes.append(msg)
            print("  FAILED " + msg, file=sys.stderr)
        self.results.setdefault(label, []).append(
            {"wall": wall, "cpu": cpu, "ec2": ec2, "imds": imds, "rc": p.returncode,
             "actions": by_action})
        print("  %-34s %7.3f s wall %7.3f s cpu %3d EC2 %3d IMDS rc %d" %
              (label, wall, cpu, ec2, imds, p.returncode), file=sys.stderr)

    def check_routes(self, who):
        targets = route_targets()
        wrong = [t for t in self.tables if targets.get(t) != NODE_A["eni"]]
        if wrong:
            self.notes.append("%s start left %d tables not on node-a: %s" % (who, len(wrong), wrong))

    def rep(self):
        stock = [STOCK_AGENT]
        # Stock agent: start moves the 8 routes to node-a and adds the VIP to eth0.
        self.reset()
        self.run("aws-vpc-move-ip start", stock + ["start"], self.stock_env(True, 0), 0)
        self.check_routes("aws-vpc-move-ip")
        self.run("aws-vpc-move-ip monitor monapi=true", stock + ["monitor"],
                 self.stock_env(True, 10000), 0)
        self.run("aws-vpc-move-ip monitor monapi=false", stock + ["monitor"],
                 self.stock_env(False, 10000), 0)
        self.run("aws-vpc-move-ip probe", stock + ["monitor"], self.stock_env(False, 0), 0)
        # tgwark: the same from the same state.
        self.reset()
        agent = [self.scratch + "/tgwark-agent"]
        self.run("tgwark start", agent + ["start"], self.tgwark_env(0), 0)
        self.check_routes("tgwark")
        self.run("tgwark monitor", agent + ["monitor"], self.tgwark_env(10000), 0)
        self.run("tgwark probe", agent + ["monitor"], self.tgwark_env(0), 0)

    # --- output --------------------------------------------------------------

    ORDER = [
        ("start", "aws-vpc-move-ip start", "tgwark start"),
        ("monitor (recurring), stock `monapi=true`", "aws-vpc-move-ip monitor monapi=true",
         "tgwark monitor"),
        ("monitor, stock `monapi=false`", "aws-vpc-move-ip monitor monapi=false", None),
        ("probe", "aws-vpc-move-ip probe", "tgwark probe"),
    ]

    def median(self, label, key):
        return statistics.median(r[key] for r in self.results[label])

    def cell(self, label):
        if label is None:
            return "—", "—", "—"
        rs = self.results.get(label)
        if not rs:
            return "n/a", "n/a", "n/a"
        fails = sum(1 for r in rs if r["rc"] != 0)
        walls = [r["wall"] for r in rs]
        wall = "%.3f s (%.3f–%.3f)" % (self.median(label, "wall"), min(walls), max(walls))
        if fails:
            wall += " (%d failed)" % fails
        cpu = "%.3f s" % self.median(label, "cpu")
        calls = "%d EC2 + %d IMDS" % (self.median(label, "ec2"), self.median(label, "imds"))
        return wall, cpu, calls

    def table(self):
        lines = ["| action | aws-vpc-move-ip wall (min–max) | tgwark wall (min–max) | aws-vpc-move-ip CPU | tgwark CPU "
                 "| aws-vpc-move-ip API calls | tgwark API calls |",
                 "|---|---|---|---|---|---|---|"]
        for name, stock, ours in self.ORDER:
            sw, sc, sa = self.cell(stock)
            tw, tc, ta = self.cell(ours)
            lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (name, sw, tw, sc, tc, sa, ta))
        return "\n".join(lines)

    def ec2_breakdown(self):
        out = []
        for label in [l for _, s, o in self.ORDER for l in (s, o) if l]:
            rs = self.results.get(label)
            if not rs:
                continue
            acts = rs[len(rs) // 2]["actions"]
            same = all(r["actions"] == acts for r in rs)
            out.append("%s: %s%s" % (label, ", ".join("%s %d" % kv for kv in sorted(acts.items()))
                                     or "none",
                                     "" if same else " (repetition %d; the others differ)" %
                                     (len(rs) // 2 + 1)))
        return out


def versions(build):
    def first(cmd):
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            return (p.stdout.strip() or p.stderr.strip()).splitlines()[0]
        except (OSError, IndexError, subprocess.SubprocessError):
            return "?"
    ra = first(["dpkg-query", "-W", "-f", "${Version}", "resource-agents"])
    return {"aws": first(["/usr/bin/aws", "--version"]),
            "resource-agents": ra,
            "tgwark": first([os.path.join(build, "tgwark"), "--version"]),
            "cpus": str(os.cpu_count()),
            "model": first(["sh", "-c", "grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-"]).strip(),
            "kernel": os.uname().release}


def write_docs(block):
    with open(DOC) as f:
        text = f.read()
    if BEGIN not in text or END not in text:
        sys.exit("peer_bench: %s has no %s / %s block" % (DOC, BEGIN, END))
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    with open(DOC, "w") as f:
        f.write(head + BEGIN + "\n" + block + "\n" + END + tail)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--latency-ms", type=int, default=50)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--write-docs", action="store_true",
                    help="replace the peer-bench block of docs/benchmarks.md")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("peer_bench: needs root (network namespace, 169.254.169.254, the stock agent "
              "refuses to run otherwise)", file=sys.stderr)
        return 77
    for path in (STOCK_AGENT, "/usr/bin/aws", os.path.join(args.build, "tgwark"),
                 os.path.join(args.build, "tgwark-sim")):
        if not os.path.exists(path):
            print("peer_bench: missing %s" % path, file=sys.stderr)
            return 77
    ns = "tgwark-peer-%d" % os.getpid()
    scratch = tempfile.mkdtemp(prefix="tgwark-peer-bench-")
    sim = None
    try:
        sh(["ip", "netns", "add", ns])
        sh(["ip", "-n", ns, "link", "set", "lo", "up"])
        sh(["ip", "-n", ns, "addr", "add", IMDS_ADDR + "/32", "dev", "lo"])
        # The stock agent reads eth0's MAC to find its ENI and puts the VIP on eth0. A veth pair
        # (both ends in the namespace), since not every kernel has the dummy driver.
        sh(["ip", "-n", ns, "link", "add", "eth0", "address", NODE_A["mac"], "type", "veth",
            "peer", "name", "eth0-peer"])
        sh(["ip", "-n", ns, "link", "set", "eth0-peer", "up"])
        sh(["ip", "-n", ns, "link", "set", "eth0", "up"])
        enter_netns(ns)
        bench = Bench(args, scratch, ns)
        bench.write_files()
        topo = os.path.join(scratch, "single-vpc-8.json")
        make_topology(topo)
        sim = subprocess.Popen(
            [os.path.join(args.build, "tgwark-sim"), "--listen", IMDS_ADDR + ":80",
             "--topology", topo, "--latency", "*:*=%d" % args.latency_ms],
            stdout=subprocess.PIPE, stderr=open(scratch + "/sim.log", "w"), text=True)
        line = sim.stdout.readline()
        if not line.startswith("listening on"):
            print("peer_bench: emulator did not start: " + line, file=sys.stderr)
            return 1
        for i in range(args.reps):
            print("repetition %d/%d" % (i + 1, args.reps), file=sys.stderr)
            bench.rep()
        v = versions(args.build)
        block = [bench.table(), "",
                 "Median of %d repetitions, %s UTC; %d ms per EC2 call; aws-cli %s; "
                 "resource-agents %s; %s; machine: %s CPUs (%s), Linux %s." % (
                     args.reps, time.strftime("%Y-%m-%d %H:%M", time.gmtime()), args.latency_ms,
                     v["aws"].split()[0].split("/")[-1], v["resource-agents"], v["tgwark"],
                     v["cpus"], v["model"], v["kernel"]), "",
                 "API calls per action, the same in every repetition unless noted "
                 "(IMDS counted per node):", ""]
        block += ["- " + l for l in bench.ec2_breakdown()]
        if bench.notes:
            block += ["", "Failures:", ""] + ["- " + n.replace("\n", " ") for n in bench.notes]
        text = "\n".join(block)
        print(text)
        if args.write_docs:
            write_docs(text)
        return 1 if bench.notes else 0
    finally:
        if sim is not None:
            sim.terminate()
            try:
                sim.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sim.kill()
        subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        if os.environ.get("PEER_BENCH_KEEP"):
            print("scratch kept: " + scratch, file=sys.stderr)
        else:
            shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
