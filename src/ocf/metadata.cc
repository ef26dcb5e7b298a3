#include <fmt/format.h>

#include "ocf/agent.h"

namespace tgwark::ocf {

std::string metadataXml() {
  return R"(<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">
<resource-agent name="tgwark" version="1.0">
<version>1.1</version>
<longdesc lang="en">
Keeps a cluster's virtual IP routed to the node where this resource runs when the
cluster's nodes sit in different AWS VPCs, possibly in different regions, joined by
Transit Gateways. start points the VIP's /32 (or /128) route in every managed VPC route
table and Transit Gateway route table at this node; monitor checks those routes and
repairs remote drift; stop changes nothing in AWS (the next start rewrites every route).
A probe only reads: it answers running where the routes serve this node and not running
elsewhere. A recurring monitor that finds the routes taken over by another node answers
not running and reclaims nothing. start and monitor end a little before the operation's
timeout. Logs go to syslog and HA_LOGFILE. Configure fencing (fence_aws).
</longdesc>
<shortdesc lang="en">VIP routing across VPCs and Transit Gateways (tgwark)</shortdesc>
<parameters>
<parameter name="config" unique="0" required="0">
<longdesc lang="en">Path of the tgwark configuration file (TOML).</longdesc>
<shortdesc lang="en">tgwark configuration file</shortdesc>
<content type="string" default="/etc/tgwark/tgwark.toml"/>
</parameter>
<parameter name="node" unique="0" required="0">
<longdesc lang="en">Name of this node in the configuration. Default: Pacemaker's node name
when the configuration has a node of that name, else the node whose instance_id matches
instance metadata, else the host name. A node that cannot be identified fails on that
node only (OCF_ERR_INSTALLED).</longdesc>
<shortdesc lang="en">this node's name in the configuration</shortdesc>
<content type="string" default=""/>
</parameter>
<parameter name="state_dir" unique="0" required="0">
<longdesc lang="en">Directory for the agent's local state marker.</longdesc>
<shortdesc lang="en">local state directory</shortdesc>
<content type="string" default="/run/tgwark"/>
</parameter>
</parameters>
<actions>
<action name="start" timeout="300s"/>
<action name="stop" timeout="30s"/>
<action name="monitor" timeout="100s" interval="120s" depth="0"/>
<action name="validate-all" timeout="60s"/>
<action name="meta-data" timeout="5s"/>
</actions>
</resource-agent>
)";
}

std::string agentScript(const std::string& tgwarkPath) {
  return fmt::format(
      "#!/bin/sh\n"
      "# OCF resource agent tgwark: hands every action to the tgwark binary.\n"
      "exec '{}' ocf \"$@\"\n",
      tgwarkPath);
}

}  // namespace tgwark::ocf
