// Counts the EC2 calls an action makes (per API name, reads vs writes), by
// wrapping the region clients. The counts are part of every report: "a second
// apply makes zero writes" and "one DescribeRouteTables per region" are
// promises users can check.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "engine/context.h"

namespace tgwark::engine {

struct ApiCallCounts {
  std::map<std::string, int> byAction;  // "DescribeRouteTables" -> 3
  int reads = 0;
  int writes = 0;  // mutating calls, DryRun included
  int total() const { return reads + writes; }
  int count(const std::string& action) const {
    auto it = byAction.find(action);
    return it == byAction.end() ? 0 : it->second;
  }
};

class ApiCallCounter {
 public:
  void record(const std::string& action, bool mutating);
  ApiCallCounts snapshot() const;

 private:
  mutable std::mutex mu_;
  ApiCallCounts counts_;
};

// "37 API calls (36 reads, 1 writes): 2 DescribeRouteTables, ..." for logs.
std::string callsText(const ApiCallCounts& calls);

// A factory whose clients count every call into `counter`, then delegate.
Ec2Factory countingFactory(Ec2Factory inner, std::shared_ptr<ApiCallCounter> counter);

// A factory whose clients report each real answer to `deadline`'s
// AnswerWatch (see Deadline::quietAfter), so that deadline keeps running
// while the region answers; `inner` itself when the deadline has none.
Ec2Factory watchedFactory(Ec2Factory inner, const Deadline& deadline);

}  // namespace tgwark::engine
