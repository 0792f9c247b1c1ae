// The JSON report both ways. Everything a merge needs travels: each histogram's buckets
// (percentiles are recomputed from them, never averaged), the timeline, and each guest's
// record (index, kind, trace id, acknowledged messages) for a correlation check of the
// merged run.
#include <boost/json.hpp>
#include <cmath>

#include "common/json_reader.h"
#include "tracechat/load/load_report.h"

namespace tracechat::load {
namespace {

namespace json = boost::json;

json::object kind_json(const KindReport& k) {
  json::array errors;
  for (const auto& e : k.errors) errors.push_back(json::string(e));
  json::array timeline;
  for (std::size_t index = 0; index < k.timeline.size(); ++index) {
    const auto& w = k.timeline[index];
    if (w.sent == 0 && w.answered.count() == 0) continue;
    timeline.push_back(json::array{index, w.sent, w.answered.to_json()});
  }
  return {{"sessions_opened", k.sessions_opened},
          {"sessions_failed", k.sessions_failed},
          {"messages_sent", k.messages_sent},
          {"messages_acknowledged", k.messages_acknowledged},
          {"messages_answered", k.messages_answered},
          {"messages_unanswered", k.messages_unanswered},
          {"messages_lost", k.messages_lost},
          {"messages_duplicated", k.messages_duplicated},
          {"rate_limited", k.rate_limited},
          {"reconnects", k.reconnects},
          {"errors", std::move(errors)},
          {"latency",
           {{"handshake", k.handshake.to_json()},
            {"context_attached", k.context.to_json()},
            {"message_acknowledged", k.acknowledged.to_json()},
            {"answer", k.answered.to_json()}}},
          {"timeline_window_s", k.window_seconds},
          {"timeline", std::move(timeline)}};
}

// A count: a whole number from 0.
Result<std::uint64_t> count_of(const common::ObjectReader& in, std::string_view key) {
  TRACECHAT_TRY(const auto value, in.optional_int(key));
  if (!value) return std::uint64_t{0};
  if (*value < 0) return Error{common::join_path(in.path(), key) + ": expected a count from 0"};
  return static_cast<std::uint64_t>(*value);
}

Result<LatencyHistogram> histogram_of(const common::ObjectReader& in, std::string_view key) {
  const auto member = in.member(key);
  if (!member.given()) return LatencyHistogram{};
  auto histogram = LatencyHistogram::from_json(*member.value());
  if (!histogram) return Error{common::join_path(in.path(), key) + ": " + histogram.error().message};
  return histogram;
}

Result<KindReport> kind_from_json(const common::ObjectReader& in) {
  KindReport k;
  for (auto [key, field] : {std::pair{"sessions_opened", &k.sessions_opened},
                            {"sessions_failed", &k.sessions_failed},
                            {"messages_sent", &k.messages_sent},
                            {"messages_acknowledged", &k.messages_acknowledged},
                            {"messages_answered", &k.messages_answered},
                            {"messages_unanswered", &k.messages_unanswered},
                            {"messages_lost", &k.messages_lost},
                            {"messages_duplicated", &k.messages_duplicated},
                            {"rate_limited", &k.rate_limited},
                            {"reconnects", &k.reconnects}}) {
    TRACECHAT_TRY(*field, count_of(in, key));
  }
  TRACECHAT_TRY(k.errors, in.optional_string_array("errors"));
  TRACECHAT_TRY(const auto* latency, in.optional_object("latency"));
  if (latency != nullptr) {
    const common::ObjectReader l(*latency, common::join_path(in.path(), "latency"));
    TRACECHAT_TRY(k.handshake, histogram_of(l, "handshake"));
    TRACECHAT_TRY(k.context, histogram_of(l, "context_attached"));
    TRACECHAT_TRY(k.acknowledged, histogram_of(l, "message_acknowledged"));
    TRACECHAT_TRY(k.answered, histogram_of(l, "answer"));
  }
  TRACECHAT_TRY(const auto window_seconds, in.optional_int("timeline_window_s"));
  if (window_seconds) {
    // A power of two, as joining windows in pairs makes them, up to about 12 days.
    if (*window_seconds < 1 || *window_seconds > (1 << 20) || (*window_seconds & (*window_seconds - 1)) != 0) {
      return Error{common::join_path(in.path(), "timeline_window_s") + ": expected a power of two from 1 to 2^20"};
    }
    k.window_seconds = static_cast<std::uint64_t>(*window_seconds);
  }
  TRACECHAT_TRY(const auto* timeline, in.optional_array("timeline"));
  if (timeline != nullptr) {
    const auto path = common::join_path(in.path(), "timeline");
    for (const auto& entry : *timeline) {
      const auto* window = entry.if_array();
      boost::system::error_code ec1, ec2;
      const auto index = window != nullptr && window->size() == 3 ? window->at(0).to_number<std::uint64_t>(ec1) : 0;
      const auto sent = window != nullptr && window->size() == 3 ? window->at(1).to_number<std::uint64_t>(ec2) : 0;
      if (window == nullptr || window->size() != 3 || ec1 || ec2 || index >= KindReport::kMaxWindows) {
        return Error{path + ": each entry must be [window (below " + std::to_string(KindReport::kMaxWindows) +
                     "), sent, histogram]"};
      }
      auto answered = LatencyHistogram::from_json(window->at(2));
      if (!answered) return Error{path + ": " + answered.error().message};
      if (index >= k.timeline.size()) k.timeline.resize(index + 1);
      k.timeline[index].sent += sent;
      k.timeline[index].answered.merge(*answered);
    }
  }
  return k;
}

Result<GuestKind> kind_named(const std::string& name) {
  for (auto kind : {GuestKind::guest_chat, GuestKind::web_messaging, GuestKind::web_messaging_auto_start}) {
    if (name == to_string(kind)) return kind;
  }
  return Error{"unknown kind of guest '" + name + "'"};
}

}  // namespace

json::object to_json(const LoadReport& r) {
  json::object kinds;
  KindReport total;
  for (const auto& [name, k] : r.result.kinds) {
    kinds[name] = kind_json(k);
    total.merge(k);
  }
  json::object out{
      {"tool", "tracechat load"},
      {"guests", r.guests},
      {"kinds", r.kinds},
      {"target", r.target},
      {"duration_s", r.duration_seconds},
      {"ramp_s", r.ramp_seconds},
      {"rate_per_guest", r.rate_per_guest},
      {"wall_s", static_cast<double>(r.result.wall.count()) / 1000.0},
      {"by_kind", std::move(kinds)},
      {"total", kind_json(total)},
  };
  if (r.shard > 0) out["shard"] = {{"index", r.shard}, {"of", r.shards}};
  if (r.shard == 0 && r.shards > 1) out["merged_shards"] = r.shards;
  if (r.messages_per_guest) out["messages_per_guest"] = *r.messages_per_guest;
  out["interrupted"] = r.result.interrupted;
  json::array process_failures;
  for (const auto& f : r.process_failures) process_failures.push_back(json::string(f));
  out["process_failures"] = std::move(process_failures);
  if (r.correlation) {
    const auto& c = *r.correlation;
    json::array failures;
    for (const auto& f : c.first_failures) failures.push_back(json::string(f));
    out["correlation"] = {{"checked", true},
                          {"messages", c.messages},
                          {"correlated", c.correlated},
                          {"share", c.share()},
                          {"data_action_spans", c.data_action_spans},
                          {"data_action_errors", c.data_action_errors},
                          {"traces_missing", c.traces_missing},
                          {"data_action_duration", c.data_action.to_json()},
                          {"first_failures", std::move(failures)}};
  } else {
    out["correlation"] = {{"checked", false}, {"why", r.correlation_not_checked}};
  }
  if (r.data_action_calls) {
    out["data_actions"] = {{"calls", *r.data_action_calls},
                           {"failed", r.data_action_failures.value_or(0)},
                           {"flow_runs_dropped", r.flow_runs_dropped.value_or(0)}};
  }
  json::array resources;
  for (const auto& u : r.resources) {
    resources.push_back({{"what", u.what}, {"cpu_s", u.cpu_seconds}, {"peak_rss_kib", u.peak_rss_kib}});
  }
  out["resources"] = std::move(resources);
  json::array by_part;
  for (const auto& [part, cpu] : r.cpu_by_part) by_part.push_back({{"part", part}, {"cpu_s", cpu}});
  out["cpu_by_part"] = std::move(by_part);
  out["spans"] = {
      {"exported", r.spans_exported}, {"dropped", r.spans_dropped}, {"not_accepted", r.spans_export_failed}};
  json::array records;
  for (const auto& g : r.result.guests) {
    records.push_back(json::array{g.index, to_string(g.kind), g.trace_id, g.acknowledged, g.failed});
  }
  out["guest_records"] = std::move(records);
  json::array why;
  for (const auto& p : problems(r)) why.push_back(json::string(p));
  out["passed"] = why.empty();
  out["problems"] = std::move(why);
  return out;
}

Result<LoadReport> report_from_json(const json::value& value) {
  if (!value.is_object()) return Error{"a load report is a JSON object"};
  const common::ObjectReader in(value.get_object(), "");
  TRACECHAT_TRY(const auto tool, in.optional_string("tool"));
  if (tool != "tracechat load") return Error{"not a `tracechat load` report (its \"tool\" is not \"tracechat load\")"};
  LoadReport r;
  TRACECHAT_TRY(const auto guests, count_of(in, "guests"));
  if (guests > 1'000'000'000) return Error{"guests: at most 1000000000"};
  r.guests = guests;
  TRACECHAT_TRY(r.kinds, in.required_string("kinds"));
  TRACECHAT_TRY(r.target, in.required_string("target"));
  TRACECHAT_TRY(const auto duration, in.optional_number("duration_s"));
  TRACECHAT_TRY(const auto ramp, in.optional_number("ramp_s"));
  TRACECHAT_TRY(const auto rate, in.optional_number("rate_per_guest"));
  TRACECHAT_TRY(const auto wall, in.optional_number("wall_s"));
  r.duration_seconds = duration.value_or(0);
  r.ramp_seconds = ramp.value_or(0);
  r.rate_per_guest = rate.value_or(0);
  if (wall && !(*wall >= 0 && *wall <= 1e9)) return Error{"wall_s: expected seconds from 0"};
  r.result.wall = std::chrono::milliseconds(std::llround(wall.value_or(0) * 1000));
  TRACECHAT_TRY(const auto per_guest, in.optional_int("messages_per_guest"));
  if (per_guest) {
    if (*per_guest < 1) return Error{"messages_per_guest: expected a count from 1"};
    r.messages_per_guest = static_cast<std::size_t>(*per_guest);
  }
  TRACECHAT_TRY(const auto interrupted, in.optional_bool("interrupted"));
  r.result.interrupted = interrupted.value_or(false);
  TRACECHAT_TRY(r.process_failures, in.optional_string_array("process_failures"));
  TRACECHAT_TRY(const auto* shard, in.optional_object("shard"));
  if (shard != nullptr) {
    const common::ObjectReader s(*shard, "shard");
    TRACECHAT_TRY(const auto index, count_of(s, "index"));
    TRACECHAT_TRY(const auto of, count_of(s, "of"));
    if (index < 1 || index > of || of > 100000) return Error{"shard: expected {\"index\": K, \"of\": N}, 1 <= K <= N"};
    r.shard = index;
    r.shards = of;
  }
  TRACECHAT_TRY(const auto merged, count_of(in, "merged_shards"));
  if (merged > 100000) return Error{"merged_shards: at most 100000"};
  if (merged > 1 && r.shard == 0) r.shards = merged;

  TRACECHAT_TRY(const auto* by_kind, in.optional_object("by_kind"));
  if (by_kind != nullptr) {
    for (const auto& [name, kind] : *by_kind) {
      TRACECHAT_CHECK(kind_named(std::string(name)));
      if (!kind.is_object()) return Error{"by_kind." + std::string(name) + ": expected object"};
      TRACECHAT_TRY(r.result.kinds[std::string(name)],
                    kind_from_json(common::ObjectReader(kind.get_object(), "by_kind." + std::string(name))));
    }
  }
  TRACECHAT_TRY(const auto* correlation, in.optional_object("correlation"));
  if (correlation != nullptr) {
    const common::ObjectReader c(*correlation, "correlation");
    TRACECHAT_TRY(const auto checked, c.optional_bool("checked"));
    if (checked.value_or(false)) {
      CorrelationReport report;
      for (auto [key, field] : {std::pair{"messages", &report.messages},
                                {"correlated", &report.correlated},
                                {"data_action_spans", &report.data_action_spans},
                                {"data_action_errors", &report.data_action_errors},
                                {"traces_missing", &report.traces_missing}}) {
        TRACECHAT_TRY(*field, count_of(c, key));
      }
      TRACECHAT_TRY(report.data_action, histogram_of(c, "data_action_duration"));
      TRACECHAT_TRY(report.first_failures, c.optional_string_array("first_failures"));
      r.correlation = std::move(report);
    } else {
      TRACECHAT_TRY(const auto why, c.optional_string("why"));
      r.correlation_not_checked = why.value_or("not checked");
    }
  }
  TRACECHAT_TRY(const auto* actions, in.optional_object("data_actions"));
  if (actions != nullptr) {
    const common::ObjectReader a(*actions, "data_actions");
    TRACECHAT_TRY(r.data_action_calls, count_of(a, "calls"));
    TRACECHAT_TRY(r.data_action_failures, count_of(a, "failed"));
    TRACECHAT_TRY(r.flow_runs_dropped, count_of(a, "flow_runs_dropped"));
  }
  TRACECHAT_TRY(const auto* resources, in.optional_array("resources"));
  if (resources != nullptr) {
    for (const auto& entry : *resources) {
      if (!entry.is_object()) return Error{"resources: each entry must be an object"};
      const common::ObjectReader u(entry.get_object(), "resources[]");
      ResourceUse use;
      TRACECHAT_TRY(use.what, u.required_string("what"));
      TRACECHAT_TRY(const auto cpu, u.optional_number("cpu_s"));
      TRACECHAT_TRY(use.peak_rss_kib, count_of(u, "peak_rss_kib"));
      use.cpu_seconds = cpu.value_or(0);
      r.resources.push_back(std::move(use));
    }
  }
  TRACECHAT_TRY(const auto* by_part, in.optional_array("cpu_by_part"));
  if (by_part != nullptr) {
    for (const auto& entry : *by_part) {
      if (!entry.is_object()) return Error{"cpu_by_part: each entry must be an object"};
      const common::ObjectReader p(entry.get_object(), "cpu_by_part[]");
      TRACECHAT_TRY(auto part, p.required_string("part"));
      TRACECHAT_TRY(const auto cpu, p.optional_number("cpu_s"));
      r.cpu_by_part.emplace_back(std::move(part), cpu.value_or(0));
    }
  }
  TRACECHAT_TRY(const auto* spans, in.optional_object("spans"));
  if (spans != nullptr) {
    const common::ObjectReader s(*spans, "spans");
    TRACECHAT_TRY(r.spans_exported, count_of(s, "exported"));
    TRACECHAT_TRY(r.spans_dropped, count_of(s, "dropped"));
    TRACECHAT_TRY(r.spans_export_failed, count_of(s, "not_accepted"));
  }
  TRACECHAT_TRY(const auto* records, in.optional_array("guest_records"));
  if (records != nullptr) {
    for (const auto& entry : *records) {
      const auto* g = entry.if_array();
      if (g == nullptr || g->size() != 5 || !g->at(1).is_string() || !g->at(2).is_string() || !g->at(4).is_bool()) {
        return Error{"guest_records: each entry must be [index, kind, trace id, acknowledged, failed]"};
      }
      boost::system::error_code ec1, ec2;
      GuestRecord record;
      record.index = g->at(0).to_number<std::size_t>(ec1);
      record.acknowledged = g->at(3).to_number<std::uint64_t>(ec2);
      if (ec1 || ec2) return Error{"guest_records: an index or count is out of range"};
      TRACECHAT_TRY(record.kind, kind_named(std::string(g->at(1).get_string())));
      record.trace_id = std::string(g->at(2).get_string());
      record.failed = g->at(4).get_bool();
      r.result.guests.push_back(std::move(record));
    }
  }
  return r;
}

}  // namespace tracechat::load
