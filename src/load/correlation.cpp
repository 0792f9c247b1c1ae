#include "tracechat/load/correlation.h"

#include <set>

#include "tracechat/conventions.h"
#include "tracechat/viewer/waterfall.h"

namespace tracechat::load {
namespace {

constexpr std::size_t kFailuresKept = 10;

bool is_data_action_call(const trace::SpanData& span) {
  return span.kind == trace::SpanKind::server && viewer::service_name(span) == "dataaction-bridge";
}

}  // namespace

Result<CorrelationReport> check_correlation(const collector::SpanStore& store, const std::vector<GuestRecord>& guests) {
  CorrelationReport out;
  const auto failure = [&](const GuestRecord& g, const std::string& what) {
    if (out.first_failures.size() < kFailuresKept) {
      out.first_failures.push_back(std::string(to_string(g.kind)) + " guest " + std::to_string(g.index) + " (trace " +
                                   g.trace_id + "): " + what);
    }
  };
  for (const auto& guest : guests) {
    out.messages += guest.acknowledged;
    // A guest whose session never opened has no trace; one that sent nothing may still
    // have Data Action calls (an auto-start Join's), which count among the spans.
    const auto trace_id = trace::TraceId::from_hex(guest.trace_id);
    if (!trace_id) {
      if (guest.acknowledged > 0) {
        ++out.traces_missing;
        failure(guest, "no trace id");
      }
      continue;
    }
    TRACECHAT_TRY(const auto spans, store.load_trace(*trace_id));
    if (spans.empty()) {
      if (guest.acknowledged > 0) {
        ++out.traces_missing;
        failure(guest, "the trace is not in the store");
      }
      continue;
    }
    std::set<trace::SpanId> sends;
    for (const auto& span : spans) {
      if (span->name == conventions::kSendMessageSpan) sends.insert(span->context.span_id);
    }
    std::set<trace::SpanId> answered_sends;
    for (const auto& span : spans) {
      if (!is_data_action_call(*span)) continue;
      ++out.data_action_spans;
      if (span->status.code == trace::StatusCode::error) ++out.data_action_errors;
      const auto nanos = span->end_time_unix_nano > span->start_time_unix_nano
                             ? span->end_time_unix_nano - span->start_time_unix_nano
                             : 0;  // a span that ends before it starts (a stepped clock) took no time
      out.data_action.record(std::chrono::microseconds(static_cast<std::int64_t>(nanos / 1000)));
      if (sends.contains(span->parent_span_id)) answered_sends.insert(span->parent_span_id);
    }
    const std::uint64_t correlated = std::min<std::uint64_t>(answered_sends.size(), guest.acknowledged);
    out.correlated += correlated;
    if (correlated < guest.acknowledged) {
      failure(guest, std::to_string(guest.acknowledged - correlated) + " of " + std::to_string(guest.acknowledged) +
                         " acknowledged messages have no Data Action span under their " +
                         std::string(conventions::kSendMessageSpan) + " span (" + std::to_string(sends.size()) +
                         " send spans in the trace)");
    }
  }
  return out;
}

}  // namespace tracechat::load
