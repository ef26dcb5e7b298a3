#!/usr/bin/python3
"""tgwark-sim against real AWS clients: Debian's botocore/boto3 and the aws CLI.

Launches tgwark-sim --listen 127.0.0.1:0 with signature verification ON, reads
the port from its first line, and calls every supported action through boto3
with an endpoint override: responses must parse, carry meaningful values,
errors must surface with AWS's codes, paginators must work, DryRun must answer
DryRunOperation. Exit 77 (CTest skip) when boto3 is missing."""
import argparse
import json
import os
import subprocess
import sys
import urllib.request

try:
    import boto3
    import botocore.config
    from botocore.exceptions import ClientError
except ImportError:
    print("boto3 not installed: skipping")
    sys.exit(77)

VIP = "192.168.10.10/32"
EAST_RTB1 = "rtb-00000010000000000"
EAST_RTB2 = "rtb-00000020000000000"
ENI_A = "eni-00000010000000000"
ENI_B = "eni-01000010000000000"
EAST_TGW = "tgw-00000000000000000"
EAST_TGW_RTB1 = "tgw-rtb-00000000100000000"
EAST_ATT1 = "tgw-attach-00000010000000000"
PEER_EW = "tgw-attach-00fff01ee00000000"
WEST_TGW_RTB1 = "tgw-rtb-01000000100000000"
WEST_ATT1 = "tgw-attach-01000010000000000"

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def expect_error(code, fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        got = e.response["Error"]["Code"]
        check(got == code, f"{fn.__name__}: expected {code}, got {got} ({e.response['Error'].get('Message')})")
        return e
    check(False, f"{fn.__name__}: expected {code}, got success")
    return None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sim", required=True)
    parser.add_argument("--topology", required=True)
    parser.add_argument("--intra-region-topology", help="topologies/intra-region.json")
    args = parser.parse_args()

    if not with_sim(args.sim, args.topology, lambda url: (run(url), run_cli(url))):
        return 1
    if args.intra_region_topology and not with_sim(args.sim, args.intra_region_topology, run_intra_region):
        return 1
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


def with_sim(sim, topology, body):
    """Runs body(url) against a fresh tgwark-sim serving topology; False when it did not start."""
    proc = subprocess.Popen([sim, "--listen", "127.0.0.1:0", "--topology", topology],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline().strip()
        if not first.startswith("listening on http://127.0.0.1:"):
            print("unexpected first line:", repr(first), proc.stderr.read())
            return False
        body(first[len("listening on "):])
    finally:
        proc.terminate()
        code = proc.wait(timeout=30)
        check(code == 0, f"tgwark-sim exit code on SIGTERM: {code}")
    return True


# topologies/intra-region.json: tgw 1 and tgw 2 peered within us-east-1.
INTRA_TGW1 = "tgw-00000000000000000"
INTRA_TGW2 = "tgw-00000010000000000"
INTRA_TGW2_RTB = "tgw-rtb-00000010100000000"
INTRA_REQ = "tgw-attach-00fff01ee00000000"  # tgw 1's side
INTRA_ACC = "tgw-attach-00fff01ef00000000"  # tgw 2's side
CROSS_13 = "tgw-attach-00fff02ee00000000"


def run_intra_region(url):
    """An intra-region peering as botocore's model reads it: the requester's id with the
    accepter's own AccepterTransitGatewayAttachmentId, each side visible from its own TGW."""
    east = client(url, "us-east-1")
    west = client(url, "us-west-2")
    pa = east.describe_transit_gateway_peering_attachments(
        TransitGatewayAttachmentIds=[INTRA_ACC])["TransitGatewayPeeringAttachments"]
    check(len(pa) == 1 and pa[0]["TransitGatewayAttachmentId"] == INTRA_REQ
          and pa[0].get("AccepterTransitGatewayAttachmentId") == INTRA_ACC
          and pa[0]["RequesterTgwInfo"]["TransitGatewayId"] == INTRA_TGW1
          and pa[0]["AccepterTgwInfo"]["TransitGatewayId"] == INTRA_TGW2
          and pa[0]["RequesterTgwInfo"]["Region"] == pa[0]["AccepterTgwInfo"]["Region"] == "us-east-1"
          and pa[0]["State"] == "available" and pa[0]["Status"]["Code"] == "available",
          f"intra-region DescribeTransitGatewayPeeringAttachments: {pa}")
    pages = list(east.get_paginator("describe_transit_gateway_peering_attachments").paginate(
        PaginationConfig={"PageSize": 5}))
    check(sum(len(p["TransitGatewayPeeringAttachments"]) for p in pages) == 3, "peering attachments paginator")
    cross = west.describe_transit_gateway_peering_attachments(
        TransitGatewayAttachmentIds=[CROSS_13])["TransitGatewayPeeringAttachments"]
    check(len(cross) == 1 and "AccepterTransitGatewayAttachmentId" not in cross[0],
          f"cross-region peering has no accepter id of its own: {cross}")
    for tgw, mine, other in ((INTRA_TGW1, INTRA_REQ, INTRA_ACC), (INTRA_TGW2, INTRA_ACC, INTRA_REQ)):
        atts = east.describe_transit_gateway_attachments(
            Filters=[{"Name": "transit-gateway-id", "Values": [tgw]},
                     {"Name": "resource-type", "Values": ["peering"]}])["TransitGatewayAttachments"]
        ids = {a["TransitGatewayAttachmentId"] for a in atts}
        check(mine in ids and other not in ids, f"DescribeTransitGatewayAttachments of {tgw}: {ids}")
    expect_error("InvalidTransitGatewayAttachmentID.NotFound", east.replace_transit_gateway_route,
                 TransitGatewayRouteTableId=INTRA_TGW2_RTB, DestinationCidrBlock=VIP,
                 TransitGatewayAttachmentId=INTRA_REQ)
    rr = east.replace_transit_gateway_route(TransitGatewayRouteTableId=INTRA_TGW2_RTB, DestinationCidrBlock=VIP,
                                            TransitGatewayAttachmentId=INTRA_ACC)
    att = rr["Route"]["TransitGatewayAttachments"][0]
    check(att["TransitGatewayAttachmentId"] == INTRA_ACC and att["ResourceId"] == INTRA_TGW1
          and att["ResourceType"] == "peering", f"ReplaceTransitGatewayRoute to tgw 2's side: {rr['Route']}")
    if os.path.exists("/usr/bin/aws"):
        env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDSIMULATOR", AWS_SECRET_ACCESS_KEY="simulator-secret-key",
                   AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null",
                   AWS_SHARED_CREDENTIALS_FILE="/dev/null")
        out = subprocess.run(["/usr/bin/aws", "--endpoint-url", url, "ec2", "describe-transit-gateway-peering-attachments",
                              "--transit-gateway-attachment-ids", INTRA_REQ, "--output", "json"],
                             env=env, capture_output=True, text=True)
        got = json.loads(out.stdout)["TransitGatewayPeeringAttachments"] if out.returncode == 0 else []
        check(len(got) == 1 and got[0].get("AccepterTransitGatewayAttachmentId") == INTRA_ACC,
              f"aws ec2 describe-transit-gateway-peering-attachments (intra-region): {out.stderr}")


def client(url, region, key="AKIDSIMULATOR", secret="simulator-secret-key", token=None):
    cfg = botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"})
    return boto3.client("ec2", region_name=region, endpoint_url=url, aws_access_key_id=key,
                        aws_secret_access_key=secret, aws_session_token=token, config=cfg)


def run(url):
    east = client(url, "us-east-1")
    west = client(url, "us-west-2")

    # --- reads --------------------------------------------------------------
    r = east.describe_route_tables(RouteTableIds=[EAST_RTB1])
    rt = r["RouteTables"][0]
    check(rt["VpcId"] == "vpc-00000010000000000", "DescribeRouteTables VpcId")
    vip = [x for x in rt["Routes"] if x.get("DestinationCidrBlock") == VIP]
    check(vip and vip[0].get("NetworkInterfaceId") == ENI_A and vip[0]["State"] == "active", "VIP route on eni-a")
    check(rt["Associations"][0]["Main"] is True, "main association parsed as bool")
    check(r["ResponseMetadata"]["RequestId"] != "", "request id")

    pages = list(east.get_paginator("describe_route_tables").paginate(PaginationConfig={"PageSize": 5}))
    ids = [t["RouteTableId"] for p in pages for t in p["RouteTables"]]
    check(len(pages) == 2 and len(ids) == 8 and len(set(ids)) == 8, f"paginator pages={len(pages)} ids={len(ids)}")

    f = east.describe_route_tables(Filters=[{"Name": "route.destination-cidr-block", "Values": [VIP]},
                                            {"Name": "association.main", "Values": ["false"]}])
    check(len(f["RouteTables"]) == 4, "filters route.destination-cidr-block + association.main")

    e = east.describe_network_interfaces(NetworkInterfaceIds=[ENI_A])["NetworkInterfaces"][0]
    check(e["SourceDestCheck"] is False and e["Attachment"]["InstanceId"] == "i-00000010000000000", "DescribeNetworkInterfaces")
    v = east.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": ["vpc-00000010000000000"]}])["Vpcs"]
    check(len(v) == 1 and v[0]["CidrBlock"] == "10.1.0.0/16" and v[0]["IsDefault"] is False, "DescribeVpcs")
    t = east.describe_transit_gateways()["TransitGateways"]
    check(len(t) == 1 and t[0]["TransitGatewayId"] == EAST_TGW and t[0]["Options"]["AmazonSideAsn"] == 64512, "DescribeTransitGateways")
    a = east.describe_transit_gateway_attachments(Filters=[{"Name": "resource-type", "Values": ["vpc"]}])
    check(len(a["TransitGatewayAttachments"]) == 4 and a["TransitGatewayAttachments"][0]["Association"]["State"] == "associated",
          "DescribeTransitGatewayAttachments")
    va = east.describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=[EAST_ATT1])["TransitGatewayVpcAttachments"]
    check(va[0]["VpcId"] == "vpc-00000010000000000" and va[0]["SubnetIds"], "DescribeTransitGatewayVpcAttachments")
    pa = west.describe_transit_gateway_peering_attachments(TransitGatewayAttachmentIds=[PEER_EW])["TransitGatewayPeeringAttachments"]
    check(pa[0]["RequesterTgwInfo"]["Region"] == "us-east-1" and pa[0]["AccepterTgwInfo"]["Region"] == "us-west-2"
          and pa[0]["State"] == "available", "DescribeTransitGatewayPeeringAttachments (accepter side)")
    tr = east.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
    check(len(tr) == 2 and any(x["DefaultAssociationRouteTable"] for x in tr), "DescribeTransitGatewayRouteTables")
    pages = list(east.get_paginator("describe_transit_gateway_attachments").paginate(PaginationConfig={"PageSize": 5}))
    check(sum(len(p["TransitGatewayAttachments"]) for p in pages) == 6, "TGW attachments paginator")
    assoc = east.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=EAST_TGW_RTB1)["Associations"]
    check(len(assoc) == 4 and assoc[0]["ResourceType"] == "vpc", "GetTransitGatewayRouteTableAssociations")
    s = east.search_transit_gateway_routes(TransitGatewayRouteTableId=EAST_TGW_RTB1,
                                           Filters=[{"Name": "route-search.exact-match", "Values": [VIP]}])
    check(s["Routes"][0]["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"] == EAST_ATT1
          and s["Routes"][0]["Type"] == "static" and s["AdditionalRoutesAvailable"] is False, "SearchTransitGatewayRoutes")

    # --- writes: fail over a -> b in the home tables --------------------------
    east.replace_route(RouteTableId=EAST_RTB1, DestinationCidrBlock=VIP, TransitGatewayId=EAST_TGW)
    west.replace_route(RouteTableId="rtb-01000010000000000", DestinationCidrBlock=VIP, NetworkInterfaceId=ENI_B)
    rr = east.replace_transit_gateway_route(TransitGatewayRouteTableId=EAST_TGW_RTB1, DestinationCidrBlock=VIP,
                                            TransitGatewayAttachmentId=PEER_EW)
    check(rr["Route"]["TransitGatewayAttachments"][0]["ResourceType"] == "peering", "ReplaceTransitGatewayRoute result")
    west.replace_transit_gateway_route(TransitGatewayRouteTableId=WEST_TGW_RTB1, DestinationCidrBlock=VIP,
                                       TransitGatewayAttachmentId=WEST_ATT1)
    rt = west.describe_route_tables(RouteTableIds=["rtb-01000010000000000"])["RouteTables"][0]
    check(any(x.get("NetworkInterfaceId") == ENI_B for x in rt["Routes"]), "ReplaceRoute took effect")

    east.create_route(RouteTableId=EAST_RTB2, DestinationCidrBlock="192.168.77.0/24", TransitGatewayId=EAST_TGW)
    east.delete_route(RouteTableId=EAST_RTB2, DestinationCidrBlock="192.168.77.0/24")
    c = east.create_transit_gateway_route(TransitGatewayRouteTableId=EAST_TGW_RTB1, DestinationCidrBlock="192.168.77.0/24",
                                          Blackhole=True)
    check(c["Route"]["State"] == "blackhole", "CreateTransitGatewayRoute blackhole")
    d = east.delete_transit_gateway_route(TransitGatewayRouteTableId=EAST_TGW_RTB1, DestinationCidrBlock="192.168.77.0/24")
    check(d["Route"]["State"] == "deleted", "DeleteTransitGatewayRoute")
    east.modify_network_interface_attribute(NetworkInterfaceId=ENI_A, SourceDestCheck={"Value": False})

    # --- errors -----------------------------------------------------------------
    expect_error("InvalidRouteTableID.NotFound", east.describe_route_tables, RouteTableIds=["rtb-0123456789abcdef0"])
    expect_error("RouteAlreadyExists", east.create_route, RouteTableId=EAST_RTB2, DestinationCidrBlock=VIP, TransitGatewayId=EAST_TGW)
    e = expect_error("InvalidParameterValue", east.replace_route, RouteTableId=EAST_RTB2,
                     DestinationCidrBlock="192.168.55.0/24", TransitGatewayId=EAST_TGW)
    check(e is not None and "no route defined" in e.response["Error"]["Message"], "ReplaceRoute missing: no route defined")
    expect_error("InvalidRoute.NotFound", east.delete_route, RouteTableId=EAST_RTB2, DestinationCidrBlock="192.168.55.0/24")
    expect_error("InvalidParameterValue", east.replace_route, RouteTableId=EAST_RTB2, DestinationCidrBlock=VIP, NetworkInterfaceId=ENI_A)
    expect_error("InvalidNetworkInterfaceID.NotFound", east.describe_network_interfaces, NetworkInterfaceIds=["eni-0123456789abcdef0"])
    expect_error("InvalidTransitGatewayAttachmentID.NotFound", east.replace_transit_gateway_route,
                 TransitGatewayRouteTableId=EAST_TGW_RTB1, DestinationCidrBlock=VIP, TransitGatewayAttachmentId="tgw-attach-0123456789abcdef0")
    expect_error("InvalidRouteTableId.NotFound", east.search_transit_gateway_routes,
                 TransitGatewayRouteTableId="tgw-rtb-0123456789abcdef0", Filters=[{"Name": "type", "Values": ["static"]}])
    expect_error("InvalidRoute.NotFound", east.delete_transit_gateway_route, TransitGatewayRouteTableId=EAST_TGW_RTB1,
                 DestinationCidrBlock="192.168.55.0/24")
    expect_error("DryRunOperation", east.replace_route, RouteTableId=EAST_RTB1, DestinationCidrBlock=VIP,
                 NetworkInterfaceId=ENI_A, DryRun=True)
    expect_error("DryRunOperation", east.describe_transit_gateways, DryRun=True)
    ro = client(url, "us-east-1", "AKIDREADONLY", "readonly-secret-key")
    expect_error("UnauthorizedOperation", ro.replace_route, RouteTableId=EAST_RTB1, DestinationCidrBlock=VIP,
                 NetworkInterfaceId=ENI_A, DryRun=True)
    expect_error("AuthFailure", client(url, "us-east-1", secret="wrong").describe_vpcs)

    # Scripted fault via the control API, then botocore sees the code.
    req = urllib.request.Request(url + "/_sim/faults", method="POST", data=json.dumps(
        {"region": "us-west-2", "action": "DescribeVpcs", "kind": "RequestLimitExceeded", "nth": 1}).encode())
    urllib.request.urlopen(req).read()
    expect_error("RequestLimitExceeded", west.describe_vpcs)

    # IMDS role credentials work for boto3 too.
    tok = urllib.request.urlopen(urllib.request.Request(url + "/_node/node-b/latest/api/token", method="PUT",
                                 headers={"X-aws-ec2-metadata-token-ttl-seconds": "300"})).read().decode()
    creds = json.loads(urllib.request.urlopen(urllib.request.Request(
        url + "/_node/node-b/latest/meta-data/iam/security-credentials/tgwark-node",
        headers={"X-aws-ec2-metadata-token": tok})).read())
    sess = client(url, "us-west-2", creds["AccessKeyId"], creds["SecretAccessKey"], creds["Token"])
    check(len(sess.describe_vpcs()["Vpcs"]) == 4, "IMDS role credentials accepted")

    counters = json.loads(urllib.request.urlopen(url + "/_sim/counters").read())
    check(counters["calls"]["us-east-1"]["DescribeRouteTables"] >= 3, "counters")


def run_cli(url):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDSIMULATOR", AWS_SECRET_ACCESS_KEY="simulator-secret-key",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null")
    if not os.path.exists("/usr/bin/aws"):
        print("aws CLI missing: CLI part skipped")
        return
    out = subprocess.run(["/usr/bin/aws", "--endpoint-url", url, "ec2", "describe-route-tables", "--route-table-ids",
                          EAST_RTB1, "--output", "json"], env=env, capture_output=True, text=True)
    check(out.returncode == 0 and EAST_RTB1 in out.stdout, f"aws ec2 describe-route-tables: {out.stderr}")
    out = subprocess.run(["/usr/bin/aws", "--endpoint-url", url, "ec2", "search-transit-gateway-routes",
                          "--transit-gateway-route-table-id", "tgw-rtb-0123456789abcdef0", "--filters",
                          "Name=type,Values=static"], env=env, capture_output=True, text=True)
    check(out.returncode != 0 and "InvalidRouteTableId.NotFound" in out.stderr, f"aws CLI error code: {out.stderr}")


if __name__ == "__main__":
    sys.exit(main())
