#!/bin/bash
# The baseline of docs/benchmarks.md: what the peers' failover scripts do, as a
# sequential aws-cli script (per table: one describe, then one replace), run by
# tgwark_bench against the same emulator as tgwark.
#
#   baseline_awscli.sh restore|check ENDPOINT_URL VIP_CIDR LIST_FILE
#
# LIST_FILE has one line per managed table, computed by tgwark_bench from the
# desired state:
#   vpc REGION rtb-...     network-interface-id|transit-gateway-id TARGET
#   tgw REGION tgw-rtb-... transit-gateway-attachment-id          TARGET
# restore: describe the table, then replace the VIP route (always, as the peers do).
# check:   describe the table and compare the VIP route's target (quickCheck);
#          exit 1 when one is wrong.
# Credentials come from the environment (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY).
set -u
mode=$1 endpoint=$2 vip=$3 list=$4
aws=${AWS:-aws}
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
bad=0

while read -r kind region table target_kind target; do
  [ -z "$kind" ] && continue
  common=(--endpoint-url "$endpoint" --region "$region" --output text)
  if [ "$kind" = vpc ]; then
    current=$("$aws" "${common[@]}" ec2 describe-route-tables --route-table-ids "$table" \
      --query "RouteTables[0].Routes[?DestinationCidrBlock=='$vip'].[NetworkInterfaceId,TransitGatewayId]") \
      || { echo "describe $table failed" >&2; exit 1; }
    if [ "$mode" = restore ]; then
      "$aws" "${common[@]}" ec2 replace-route --route-table-id "$table" \
        --destination-cidr-block "$vip" "--$target_kind" "$target" >/dev/null \
        || { echo "replace-route $table failed" >&2; exit 1; }
    elif ! grep -qw -- "$target" <<<"$current"; then
      echo "$region $table: VIP route is '$current', want $target" >&2
      bad=1
    fi
  else
    current=$("$aws" "${common[@]}" ec2 search-transit-gateway-routes \
      --transit-gateway-route-table-id "$table" \
      --filters "Name=route-search.exact-match,Values=$vip" \
      --query "Routes[].TransitGatewayAttachments[].TransitGatewayAttachmentId") \
      || { echo "search $table failed" >&2; exit 1; }
    if [ "$mode" = restore ]; then
      "$aws" "${common[@]}" ec2 replace-transit-gateway-route \
        --transit-gateway-route-table-id "$table" --destination-cidr-block "$vip" \
        "--$target_kind" "$target" >/dev/null \
        || { echo "replace-transit-gateway-route $table failed" >&2; exit 1; }
    elif ! grep -qw -- "$target" <<<"$current"; then
      echo "$region $table: VIP route is '$current', want $target" >&2
      bad=1
    fi
  fi
done <"$list"
exit $bad
