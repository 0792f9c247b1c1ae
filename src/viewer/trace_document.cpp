#include <boost/json.hpp>
#include <unordered_map>

#include "common/utf8.h"
#include "tracechat/viewer/chat_transcript.h"
#include "tracechat/viewer/critical_path.h"
#include "tracechat/viewer/explorer_page.h"

namespace tracechat::viewer {
using namespace tracechat::trace;
namespace json = boost::json;

namespace {

// Text a sender wrote, as JSON may hold it: invalid UTF-8 (which OTLP's protobuf
// decoding lets through) replaced, as a browser would.
json::string text(std::string_view bytes) { return json::string(common::valid_utf8_or_replaced(bytes)); }

json::array attributes_json(const Attributes& attributes) {
  json::array out;
  for (const auto& a : attributes.items()) out.push_back(json::array{text(a.key), text(to_string(a.value))});
  return out;
}

std::uint64_t duration_of(const SpanData& s) {
  return s.end_time_unix_nano >= s.start_time_unix_nano ? s.end_time_unix_nano - s.start_time_unix_nano : 0;
}

// Times relative to the trace's start keep the numbers within a double's precision.
double offset(std::uint64_t time, std::uint64_t start) {
  return time >= start ? static_cast<double>(time - start) : -static_cast<double>(start - time);
}

json::value conversation_json(const Waterfall& w) {
  const ChatTranscript transcript = chat_transcript(w);
  if (transcript.messages.empty() && transcript.conversation_id.empty()) return nullptr;
  json::array messages;
  for (const ChatMessage& m : transcript.messages) {
    json::array actions;
    for (const SpanData* action : m.data_actions) actions.emplace_back(action->context.span_id.hex());
    json::object message{{"spanId", m.span->context.span_id.hex()},
                         {"direction", m.from_guest ? "guest" : "reply"},
                         {"role", text(m.role)},
                         {"messageId", text(m.message_id)},
                         {"time", offset(m.time_unix_nano, w.start_unix_nano)},
                         {"dataActionSpanIds", std::move(actions)},
                         {"dataActionsLinkedBy", m.actions_by_parent ? "parent" : "time"},
                         {"delivered", m.delivered}};
    if (!m.delivered) message["statusMessage"] = text(m.span->status.description);
    if (m.text) message["text"] = text(*m.text);
    messages.push_back(std::move(message));
  }
  return json::object{
      {"id", transcript.conversation_id.empty() ? json::value(nullptr) : json::value(text(transcript.conversation_id))},
      {"messages", std::move(messages)},
      {"platform", nullptr}};
}

}  // namespace

std::string trace_document_json(const Waterfall& w, const TraceId& trace_id) {
  const auto critical = critical_path(w);
  json::array spans;
  json::array services;
  for (std::size_t i = 0; i < w.rows.size(); ++i) {
    const auto& row = w.rows[i];
    const SpanData& s = *row.span;
    const std::string service = service_name(s);
    const json::string service_text = text(service);
    if (std::find(services.begin(), services.end(), json::value(service_text)) == services.end()) {
      services.push_back(json::value(service_text));
    }
    json::array events;
    for (const auto& e : s.events) {
      events.push_back(json::object{
          {"name", text(e.name)},
          {"offset",
           format_duration(e.time_unix_nano >= s.start_time_unix_nano ? e.time_unix_nano - s.start_time_unix_nano : 0)},
          {"time", offset(e.time_unix_nano, w.start_unix_nano)},
          {"attributes", attributes_json(e.attributes)}});
    }
    json::array links;
    for (const auto& link : s.links) {
      links.push_back(json::object{{"traceId", link.context.trace_id.hex()},
                                   {"spanId", link.context.span_id.hex()},
                                   {"attributes", attributes_json(link.attributes)}});
    }
    std::string status = to_string(s.status.code);
    if (!s.status.description.empty()) status += ": " + s.status.description;
    const std::uint64_t duration = duration_of(s);
    const double start = offset(s.start_time_unix_nano, w.start_unix_nano);
    spans.push_back(json::object{
        {"name", text(s.name)},
        {"spanId", s.context.span_id.hex()},
        {"parentSpanId", s.parent_span_id.valid() ? s.parent_span_id.hex() : std::string()},
        {"service", service_text},
        {"kind", to_string(s.kind)},
        {"start", start},
        {"end", start + static_cast<double>(duration)},
        {"duration", format_duration(duration)},
        {"depth", row.depth},
        {"orphan", row.orphan},
        {"error", s.status.code == StatusCode::error},
        {"status", text(status)},
        {"statusCode", to_string(s.status.code)},
        {"statusMessage", text(s.status.description)},
        {"critical", critical.count(&s) != 0},
        {"hasChildren", i + 1 < w.rows.size() && w.rows[i + 1].depth > row.depth},
        {"attributes", attributes_json(s.attributes)},
        {"events", std::move(events)},
        {"links", std::move(links)},
    });
  }
  const json::object document{
      {"traceId", trace_id.hex()},
      {"startUnixMs", static_cast<double>(w.start_unix_nano / 1000) / 1000.0},
      {"start", 0.0},
      {"end", static_cast<double>(w.end_unix_nano - w.start_unix_nano)},
      {"duration", format_duration(w.end_unix_nano - w.start_unix_nano)},
      {"errors", w.errors},
      {"orphans", w.orphans},
      {"rootName", text(w.rows.empty() ? std::string_view() : std::string_view(w.rows.front().span->name))},
      {"services", std::move(services)},
      {"spans", std::move(spans)},
      {"conversation", conversation_json(w)}};
  return json::serialize(document);
}

}  // namespace tracechat::viewer
