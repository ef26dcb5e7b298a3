#include "plan/peering.h"

#include <deque>

namespace tgwark::plan {

std::map<std::string, int> peeringDistancesTo(const model::Topology& topology,
                                              const std::string& toTgw) {
  // Breadth-first from the destination over reversed usable steps.
  std::map<std::string, int> distance{{toTgw, 0}};
  std::deque<std::string> queue{toTgw};
  while (!queue.empty()) {
    std::string current = queue.front();
    queue.pop_front();
    const int next = distance[current] + 1;
    for (const auto& attachment : topology.attachments) {
      if (attachment.kind != model::AttachmentKind::kPeering || attachment.state != "available" ||
          attachment.resourceId != current) {
        continue;
      }
      if (distance.emplace(attachment.tgwId, next).second) queue.push_back(attachment.tgwId);
    }
  }
  return distance;
}

}  // namespace tgwark::plan
