// One report of a run from its shards' reports. A run driven from several machines (or
// from several processes on one) gives each shard a contiguous part of the guests; what
// the parts saw adds up, and the percentiles come from the added histograms, never from
// averaging the shards' percentiles.
#include <algorithm>
#include <set>

#include "tracechat/load/load_report.h"

namespace tracechat::load {

Result<LoadReport> merge_shards(std::vector<LoadReport> shards, const std::vector<std::string>& names) {
  const auto name_of = [&](std::size_t i) { return i < names.size() ? names[i] : "report " + std::to_string(i + 1); };
  if (shards.empty()) return Error{"no reports to merge"};
  const LoadReport& first = shards.front();
  const std::size_t n = first.shards;
  std::vector<bool> seen(n + 1, false);
  for (std::size_t i = 0; i < shards.size(); ++i) {
    const LoadReport& r = shards[i];
    const std::string which = name_of(i);
    if (r.shard == 0) return Error{which + " is a whole run's, not a shard's (run each part with --shard K/N)"};
    if (r.shards != n) {
      return Error{which + " is shard " + std::to_string(r.shard) + " of " + std::to_string(r.shards) + ", " +
                   name_of(0) + " of " + std::to_string(n) + ": not the same run"};
    }
    if (r.guests != first.guests || r.kinds != first.kinds || r.messages_per_guest != first.messages_per_guest ||
        r.duration_seconds != first.duration_seconds || r.rate_per_guest != first.rate_per_guest) {
      return Error{which + " asked for other guests, kinds, messages, duration or rate than " + name_of(0) +
                   ": not the same run"};
    }
    if (seen[r.shard])
      return Error{"shard " + std::to_string(r.shard) + " of " + std::to_string(n) + " is given twice"};
    seen[r.shard] = true;
    const auto part = shard_range(r.guests, r.shard, r.shards);
    for (const auto& g : r.result.guests) {
      if (g.index < part.first || g.index >= part.first + part.count) {
        return Error{which + " (shard " + std::to_string(r.shard) + ") has guest " + std::to_string(g.index) +
                     ", outside its part " + std::to_string(part.first) + ".." +
                     std::to_string(part.first + part.count - 1)};
      }
    }
  }
  for (std::size_t k = 1; k <= n; ++k) {
    if (!seen[k]) return Error{"shard " + std::to_string(k) + " of " + std::to_string(n) + " is missing"};
  }

  LoadReport out;
  out.guests = first.guests;
  out.shards = n;
  out.kinds = first.kinds;
  out.messages_per_guest = first.messages_per_guest;
  out.duration_seconds = first.duration_seconds;
  out.ramp_seconds = first.ramp_seconds;
  out.rate_per_guest = first.rate_per_guest;
  const bool one_target =
      std::all_of(shards.begin(), shards.end(), [&](const auto& r) { return r.target == first.target; });
  out.target = one_target ? first.target : "several targets (one per shard)";
  const bool all_checked =
      std::all_of(shards.begin(), shards.end(), [](const auto& r) { return r.correlation.has_value(); });
  if (all_checked) out.correlation.emplace();
  std::sort(shards.begin(), shards.end(), [](const auto& a, const auto& b) { return a.shard < b.shard; });
  for (auto& r : shards) {
    const std::string label = "shard " + std::to_string(r.shard) + ": ";
    out.result.merge(std::move(r.result));
    for (const auto& f : r.process_failures) out.process_failures.push_back(label + f);
    if (all_checked) {
      auto& c = *out.correlation;
      const auto& s = *r.correlation;
      c.messages += s.messages;
      c.correlated += s.correlated;
      c.data_action_spans += s.data_action_spans;
      c.data_action_errors += s.data_action_errors;
      c.traces_missing += s.traces_missing;
      c.data_action.merge(s.data_action);
      for (const auto& f : s.first_failures) {
        if (c.first_failures.size() < 10) c.first_failures.push_back(label + f);
      }
    } else if (!r.correlation && out.correlation_not_checked.empty()) {
      out.correlation_not_checked = label + r.correlation_not_checked;
    }
    const auto add = [](std::optional<std::uint64_t>& sum, const std::optional<std::uint64_t>& part) {
      if (part) sum = sum.value_or(0) + *part;
    };
    add(out.data_action_calls, r.data_action_calls);
    add(out.data_action_failures, r.data_action_failures);
    add(out.flow_runs_dropped, r.flow_runs_dropped);
    for (auto& u : r.resources) out.resources.push_back({label + u.what, u.cpu_seconds, u.peak_rss_kib});
    for (auto& [part, cpu] : r.cpu_by_part) out.cpu_by_part.emplace_back(label + part, cpu);
    out.spans_exported += r.spans_exported;
    out.spans_dropped += r.spans_dropped;
    out.spans_export_failed += r.spans_export_failed;
  }
  return out;
}

}  // namespace tracechat::load
