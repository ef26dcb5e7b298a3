#!/usr/bin/env python3
"""Differential test: the same VPC route-table scenario against tgwark-sim and
moto (an independent emulator, `python3 -m moto.server`), comparing what the
responses mean (route targets and states, error codes), not their bytes.
moto is no authority on Transit Gateway routes (docs/semantics.md), so only VPC
route tables are compared. Exit 77 (CTest skip) when moto or boto3 is absent."""
import argparse
import socket
import subprocess
import sys
import time
import urllib.request

try:
    import boto3
    import botocore.config
    from botocore.exceptions import ClientError
    import moto  # noqa: F401
except ImportError as e:
    print(f"{e}: skipping")
    sys.exit(77)

DEST = "192.168.20.0/24"
# Steps where moto is known to differ from AWS (reported, not failures). AWS
# refuses a duplicate CreateRoute with RouteAlreadyExists (EC2 API reference,
# CreateRoute errors); moto 5 silently accepts it.
KNOWN_MOTO_DEVIATIONS = {"create again"}
MISSING = "192.168.21.0/24"


def outcome(fn, **kwargs):
    try:
        return ("ok", fn(**kwargs))
    except ClientError as e:
        return ("error", e.response["Error"]["Code"])


def routes_of(ec2, table):
    rt = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]
    out = set()
    for r in rt["Routes"]:
        dest = r.get("DestinationCidrBlock")
        if "GatewayId" in r:
            target = "gateway:" + r["GatewayId"]
        elif "NetworkInterfaceId" in r:
            target = "eni"
        else:
            target = "other"
        out.add((dest, target, r.get("State")))
    return out


def scenario(ec2, table, eni):
    """Returns a list of (step, meaning) pairs."""
    steps = []
    before = routes_of(ec2, table)
    steps.append(("local route present", any(t == "gateway:local" for _, t, _ in before)))
    steps.append(("create", outcome(ec2.create_route, RouteTableId=table, DestinationCidrBlock=DEST, NetworkInterfaceId=eni)[0]))
    after = routes_of(ec2, table)
    steps.append(("created route visible", (DEST, "eni", "active") in after))
    result = outcome(ec2.create_route, RouteTableId=table, DestinationCidrBlock=DEST, NetworkInterfaceId=eni)
    steps.append(("create again", result if result[0] == "error" else ("ok", None)))
    steps.append(("replace existing", outcome(ec2.replace_route, RouteTableId=table, DestinationCidrBlock=DEST, NetworkInterfaceId=eni)[0]))
    steps.append(("filter by destination", len(ec2.describe_route_tables(
        Filters=[{"Name": "route.destination-cidr-block", "Values": [DEST]}])["RouteTables"])))
    steps.append(("delete", outcome(ec2.delete_route, RouteTableId=table, DestinationCidrBlock=DEST)[0]))
    steps.append(("deleted route gone", all(d != DEST for d, _, _ in routes_of(ec2, table))))
    steps.append(("delete again", outcome(ec2.delete_route, RouteTableId=table, DestinationCidrBlock=DEST)))
    steps.append(("unknown table", outcome(ec2.describe_route_tables, RouteTableIds=["rtb-0123456789abcdef0"])))
    steps.append(("replace missing route", outcome(ec2.replace_route, RouteTableId=table, DestinationCidrBlock=MISSING,
                                                  NetworkInterfaceId=eni)))
    return steps


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def client(url):
    return boto3.client("ec2", region_name="us-east-1", endpoint_url=url, aws_access_key_id="AKIDSIMULATOR",
                        aws_secret_access_key="simulator-secret-key",
                        config=botocore.config.Config(retries={"total_max_attempts": 1}))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", required=True)
    parser.add_argument("--topology", required=True)
    args = parser.parse_args()

    sim = subprocess.Popen([args.sim, "--listen", "127.0.0.1:0", "--topology", args.topology],
                           stdout=subprocess.PIPE, text=True)
    port = free_port()
    moto_proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        sim_url = sim.stdout.readline().strip()[len("listening on "):]
        moto_url = f"http://127.0.0.1:{port}"
        # moto.server takes a moment to import; poll its listener (not a test timing assertion).
        for _ in range(300):
            try:
                urllib.request.urlopen(moto_url + "/moto-api/", timeout=1)
                break
            except Exception:
                if moto_proc.poll() is not None:
                    print("moto.server exited: skipping")
                    return 77
                time.sleep(0.1)
        else:
            print("moto.server did not come up: skipping")
            return 77

        m = client(moto_url)
        vpc = m.create_vpc(CidrBlock="10.11.0.0/16")["Vpc"]["VpcId"]
        subnet = m.create_subnet(VpcId=vpc, CidrBlock="10.11.1.0/24")["Subnet"]["SubnetId"]
        eni = m.create_network_interface(SubnetId=subnet)["NetworkInterface"]["NetworkInterfaceId"]
        table = m.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
        moto_steps = scenario(m, table, eni)
        sim_steps = scenario(client(sim_url), "rtb-00000010000000000", "eni-00000010000000000")
    finally:
        sim.terminate()
        moto_proc.terminate()
        sim.wait(timeout=30)
        moto_proc.wait(timeout=30)

    differences = 0
    for (step, moto_meaning), (_, sim_meaning) in zip(moto_steps, sim_steps):
        same = moto_meaning == sim_meaning
        known = not same and step in KNOWN_MOTO_DEVIATIONS
        label = "same" if same else ("known moto deviation" if known else "DIFF")
        print(f"{label}  {step}: moto={moto_meaning} sim={sim_meaning}")
        differences += not same and not known
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
