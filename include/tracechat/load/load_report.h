// The report of a load run: what the guests saw, whether their Data Action calls landed
// in their traces, what the run cost, and the verdict — as text for a terminal and as
// JSON for machines (`tracechat load --report`).
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tracechat/load/correlation.h"
#include "tracechat/load/load_run.h"
#include "tracechat/result.h"

namespace tracechat::load {

struct ResourceUse {
  std::string what;  // "load process (guests, bridge, orders service, collector, emulator)"
  double cpu_seconds = 0;
  std::uint64_t peak_rss_kib = 0;
};

struct LoadReport {
  // What was asked. `guests` counts the whole run's guests; a shard (--shard K/N, for a
  // run driven from several machines) runs its part of them, and its report says which.
  std::size_t guests = 0;
  std::size_t shard = 0;   // 1..shards for a shard's report; 0 for a whole run
  std::size_t shards = 1;  // a whole run's report merged from this many shards, or the N of K/N
  std::string kinds;       // "guest-chat", "web-messaging", "mixed"
  std::optional<std::size_t> messages_per_guest;
  double duration_seconds = 0, ramp_seconds = 0, rate_per_guest = 0;
  std::string target;  // "local" or the URL

  LoadResult result;
  // Not set: not checked, for `correlation_not_checked`.
  std::optional<CorrelationReport> correlation;
  std::string correlation_not_checked;
  // From the emulator's flows, when the run had it in hand: the Data Action calls made and
  // how many failed (a failed call is in the trace too, with the error: it is not lost).
  std::optional<std::uint64_t> data_action_calls, data_action_failures;
  std::optional<std::uint64_t> flow_runs_dropped;  // did not fit the emulator's flow queue
  std::vector<ResourceUse> resources;
  // Where the CPU of the processes above went, part by part (their threads' time), when
  // it could be told apart: {"emulator", 12.5}, {"bridge", 3.1}, ...
  std::vector<std::pair<std::string, double>> cpu_by_part;
  std::uint64_t spans_exported = 0, spans_dropped = 0, spans_export_failed = 0;
  // Guest processes that failed (crashed, or sent no report): their guests are not in the
  // figures, and the run fails.
  std::vector<std::string> process_failures;
};

// Why the run fails: correlation under 100 %, a failed Data Action, a lost, duplicated or
// unanswered message, a session that failed, a flow run or a span dropped. Empty: it passed.
std::vector<std::string> problems(const LoadReport& report);

std::string to_text(const LoadReport& report);

// The JSON report, and back (load_report_json.cpp): it carries every histogram's buckets
// and each guest's record, so that `tracechat load merge` rebuilds the figures of the
// whole run from its shards' reports, and can check their correlation again.
boost::json::object to_json(const LoadReport& report);
Result<LoadReport> report_from_json(const boost::json::value& json);

// One report of a run from its shards' (load_merge.cpp): every shard 1..N of the same run
// exactly once; counts added, percentiles from the merged histograms. Errors say which
// shard is missing, repeated or of another run, naming a report by names[i] (its file)
// or else as "report i+1".
Result<LoadReport> merge_shards(std::vector<LoadReport> shards, const std::vector<std::string>& names = {});

}  // namespace tracechat::load
