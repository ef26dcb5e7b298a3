#include <fmt/format.h>

#include "ocf/agent.h"
#include "ocf/parameters.h"

namespace tgwark::ocf {

namespace {

std::string xmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string metadataXml() {
  // The internal subset adds OCF 1.1's two additions (reloadable parameters,
  // the reload-agent action) to resource-agents' ra-api-1.dtd, which predates
  // them: the document stays valid where ocf-tester validates it, and
  // Pacemaker (which reads <version>1.1</version>) sees reload-agent.
  std::string xml = R"(<?xml version="1.0"?>
<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd" [
<!ATTLIST parameter reloadable (0|1) #IMPLIED>
<!ATTLIST action name CDATA #REQUIRED>
]>
<resource-agent name="tgwark" version="1.0">
<version>1.1</version>
<longdesc lang="en">
Keeps a cluster's virtual IP routed to the node where this resource runs: across AWS VPCs and
regions joined by Transit Gateways, or within one VPC without a Transit Gateway. start points the
VIP's /32 (or /128) route in every managed VPC route table and Transit Gateway route table at this
node; monitor checks those routes and repairs remote drift; stop changes nothing in AWS (the next
start rewrites every route). A probe only reads: it answers running where the routes serve this
node and not running elsewhere. A recurring monitor that finds the routes taken over by another
node answers not running and reclaims nothing. start and monitor end a little before the
operation's timeout. The configuration is in the parameters (vip, nodes, ...), in a config file,
or both (parameters win); credentials come from the instance role or a profile, never from
parameters. reload-agent applies the reloadable parameters without a restart. Logs go to syslog
and HA_LOGFILE. Configure fencing (fence_aws).
</longdesc>
<shortdesc lang="en">VIP routing across VPCs, regions and Transit Gateways (tgwark)</shortdesc>
<parameters>
)";
  for (const auto& spec : parameterSpecs()) {
    xml += fmt::format(
        "<parameter name=\"{}\" unique=\"0\" required=\"0\" reloadable=\"{}\">\n"
        "<longdesc lang=\"en\">{}</longdesc>\n"
        "<shortdesc lang=\"en\">{}</shortdesc>\n"
        "<content type=\"{}\" default=\"{}\"/>\n"
        "</parameter>\n",
        spec.name, spec.reloadable ? 1 : 0, xmlEscape(spec.longdesc), xmlEscape(spec.shortdesc),
        spec.type, xmlEscape(spec.defaultValue));
  }
  xml += R"(</parameters>
<actions>
<action name="start" timeout="300s"/>
<action name="stop" timeout="30s"/>
<action name="monitor" timeout="100s" interval="120s" depth="0"/>
<action name="reload-agent" timeout="60s"/>
<action name="validate-all" timeout="60s"/>
<action name="meta-data" timeout="5s"/>
<action name="methods" timeout="5s"/>
</actions>
</resource-agent>
)";
  return xml;
}

std::string agentScript(const std::string& tgwarkPath) {
  return fmt::format(
      "#!/bin/sh\n"
      "# OCF resource agent tgwark: hands every action to the tgwark binary.\n"
      "exec '{}' ocf \"$@\"\n",
      tgwarkPath);
}

}  // namespace tgwark::ocf
