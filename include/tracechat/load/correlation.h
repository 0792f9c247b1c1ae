// The correlation check of a load run: in a trace store, after the run, does each
// acknowledged message's Data Action call sit in its chat's trace, as the child of the
// message's chat.send_message span? The Data Action call is seen as the bridge's SERVER
// span (service dataaction-bridge), the span that continues the context the Data Action
// carried. A guest's correlated count is how many of its send spans have such a child,
// at most its acknowledged messages: a message the platform never acknowledged (lost,
// and failed for that) has a send span too, so in that rare case it could stand in for
// an acknowledged one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tracechat/collector/span_store.h"
#include "tracechat/load/latency_histogram.h"
#include "tracechat/load/load_run.h"
#include "tracechat/result.h"

namespace tracechat::load {

struct CorrelationReport {
  std::uint64_t messages = 0;               // acknowledged by the platform: each should have a Data Action call
  std::uint64_t correlated = 0;             // their chat.send_message span has a Data Action span as a child
  std::uint64_t data_action_spans = 0;      // Data Action (bridge SERVER) spans in the guests' traces
  std::uint64_t data_action_errors = 0;     // of those, with an error status (the backend failed)
  std::uint64_t traces_missing = 0;         // guests whose trace is not in the store at all
  LatencyHistogram data_action;             // the Data Action spans' durations
  std::vector<std::string> first_failures;  // what is wrong, for the first few guests

  double share() const { return messages == 0 ? 1.0 : static_cast<double>(correlated) / messages; }
};

// Reads each guest's trace from `store`. Errors only when the store cannot be read.
Result<CorrelationReport> check_correlation(const collector::SpanStore& store, const std::vector<GuestRecord>& guests);

}  // namespace tracechat::load
