#include "tracechat/load/load_report.h"

#include <boost/json.hpp>
#include <cstdio>

#include "report_format.h"

namespace tracechat::load {
namespace {

using detail::format;

std::string latency_line(const char* name, const LatencyHistogram& h) {
  if (h.count() == 0) return format("    %-22s -\n", name);
  const auto ms = [](std::chrono::microseconds d) { return static_cast<double>(d.count()) / 1000.0; };
  return format("    %-22s p50 %8.1f ms  p90 %8.1f ms  p99 %8.1f ms  max %8.1f ms  (%llu)\n", name,
                ms(h.percentile(0.50)), ms(h.percentile(0.90)), ms(h.percentile(0.99)), ms(h.max()),
                static_cast<unsigned long long>(h.count()));
}

KindReport all_kinds(const LoadResult& result) {
  KindReport total;
  for (const auto& [name, report] : result.kinds) total.merge(report);
  return total;
}

}  // namespace

std::vector<std::string> problems(const LoadReport& r) {
  std::vector<std::string> out;
  const KindReport total = all_kinds(r.result);
  const auto count = [&](std::uint64_t n, const char* what) {
    if (n > 0) out.push_back(std::to_string(n) + " " + what);
  };
  if (r.result.interrupted) out.push_back("the run was interrupted");
  for (const auto& f : r.process_failures) out.push_back(f);
  count(total.sessions_failed, "sessions failed");
  count(total.messages_lost, "messages lost");
  count(total.messages_duplicated, "messages duplicated");
  count(total.messages_unanswered, "messages unanswered");
  if (r.correlation) {
    if (r.correlation->correlated < r.correlation->messages) {
      out.push_back(format("correlation %.2f %% (%llu of %llu messages)", r.correlation->share() * 100,
                           static_cast<unsigned long long>(r.correlation->correlated),
                           static_cast<unsigned long long>(r.correlation->messages)));
    }
    count(r.correlation->data_action_errors, "Data Action spans with an error");
  }
  if (r.data_action_failures) count(*r.data_action_failures, "Data Action calls failed");
  if (r.flow_runs_dropped) count(*r.flow_runs_dropped, "flow runs dropped by the emulator");
  count(r.spans_dropped, "spans dropped");
  count(r.spans_export_failed, "spans not exported");
  return out;
}

std::string to_text(const LoadReport& r) {
  std::string out;
  const double seconds = static_cast<double>(r.result.wall.count()) / 1000.0;
  out += format("tracechat load: %zu guests (%s) against %s, %.1f s\n", r.guests, r.kinds.c_str(), r.target.c_str(),
                seconds);
  if (r.shard > 0) {
    const auto part = shard_range(r.guests, r.shard, r.shards);
    out +=
        format("  shard %zu of %zu: guests %zu to %zu\n", r.shard, r.shards, part.first, part.first + part.count - 1);
  } else if (r.shards > 1) {
    out += format("  merged from %zu shards\n", r.shards);
  }
  for (const auto& [name, k] : r.result.kinds) {
    out += format("  %s: sessions %llu opened, %llu failed; messages %llu sent, %llu acknowledged, %llu answered\n",
                  name.c_str(), static_cast<unsigned long long>(k.sessions_opened),
                  static_cast<unsigned long long>(k.sessions_failed), static_cast<unsigned long long>(k.messages_sent),
                  static_cast<unsigned long long>(k.messages_acknowledged),
                  static_cast<unsigned long long>(k.messages_answered));
    out +=
        format("    lost %llu, duplicated %llu, unanswered %llu, rate-limited %llu, reconnects %llu\n",
               static_cast<unsigned long long>(k.messages_lost), static_cast<unsigned long long>(k.messages_duplicated),
               static_cast<unsigned long long>(k.messages_unanswered), static_cast<unsigned long long>(k.rate_limited),
               static_cast<unsigned long long>(k.reconnects));
    out += latency_line("handshake", k.handshake);
    out += latency_line("context attached", k.context);
    out += latency_line("message acknowledged", k.acknowledged);
    out += latency_line("answer", k.answered);
    for (const auto& e : k.errors) out += "    error: " + e + "\n";
  }
  const KindReport total = all_kinds(r.result);
  if (seconds > 0) {
    out += format("  throughput: %.1f messages/s acknowledged, %.1f answered\n", total.messages_acknowledged / seconds,
                  total.messages_answered / seconds);
  }
  if (r.correlation) {
    const auto& c = *r.correlation;
    out += "  correlation: " + detail::correlation_sentence(c) + "\n";
    out += latency_line("Data Action span", c.data_action);
    for (const auto& f : c.first_failures) out += "    missing: " + f + "\n";
  } else {
    out += "  correlation: not checked (" + r.correlation_not_checked + ")\n";
  }
  if (r.data_action_calls) {
    out += format("  Data Action calls by the flows: %llu, failed %llu; flow runs dropped %llu\n",
                  static_cast<unsigned long long>(*r.data_action_calls),
                  static_cast<unsigned long long>(r.data_action_failures.value_or(0)),
                  static_cast<unsigned long long>(r.flow_runs_dropped.value_or(0)));
  }
  for (const auto& u : r.resources) {
    out += format("  %s: CPU %.2f s, peak RSS %llu KiB\n", u.what.c_str(), u.cpu_seconds,
                  static_cast<unsigned long long>(u.peak_rss_kib));
  }
  if (!r.cpu_by_part.empty()) {
    out += "  CPU by part:";
    for (std::size_t i = 0; i < r.cpu_by_part.size(); ++i) {
      out += format("%s %s %.2f s", i == 0 ? "" : ",", r.cpu_by_part[i].first.c_str(), r.cpu_by_part[i].second);
    }
    out += "\n";
  }
  out += format("  guest spans: %llu exported, %llu dropped, %llu not accepted by the collector\n",
                static_cast<unsigned long long>(r.spans_exported), static_cast<unsigned long long>(r.spans_dropped),
                static_cast<unsigned long long>(r.spans_export_failed));
  const auto why = problems(r);
  if (why.empty()) {
    out += "PASS\n";
  } else {
    out += "FAIL:";
    for (std::size_t i = 0; i < why.size(); ++i) out += (i == 0 ? " " : "; ") + why[i];
    out += "\n";
  }
  return out;
}

}  // namespace tracechat::load
