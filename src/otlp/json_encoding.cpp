#include "tracechat/otlp/json_encoding.h"

#include "json_writer.h"
#include "span_groups.h"

namespace tracechat::otlp {
using namespace tracechat::trace;
using detail::JsonWriter;

namespace {

void write_scalar(JsonWriter& w, const std::string& v) { w.key("stringValue").string(v); }
void write_scalar(JsonWriter& w, bool v) { w.key("boolValue").boolean(v); }
void write_scalar(JsonWriter& w, std::int64_t v) { w.key("intValue").integer_string(v); }
void write_scalar(JsonWriter& w, double v) { w.key("doubleValue").number(v); }

void write_any_value(JsonWriter& w, const AttributeValue& value) {
  w.begin_object();
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<std::string>> || std::is_same_v<T, std::vector<bool>> ||
                      std::is_same_v<T, std::vector<std::int64_t>> || std::is_same_v<T, std::vector<double>>) {
          w.key("arrayValue").begin_object();
          w.key("values").begin_array();
          for (const auto& item : v) {
            w.begin_object();
            write_scalar(w, static_cast<typename T::value_type>(item));
            w.end_object();
          }
          w.end_array();
          w.end_object();
        } else {
          write_scalar(w, v);
        }
      },
      value);
  w.end_object();
}

void write_attributes(JsonWriter& w, const Attributes& attributes) {
  if (!attributes.empty()) {
    w.key("attributes").begin_array();
    for (const auto& a : attributes.items()) {
      w.begin_object();
      w.key("key").string(a.key);
      w.key("value");
      write_any_value(w, a.value);
      w.end_object();
    }
    w.end_array();
  }
  if (attributes.dropped() != 0) w.key("droppedAttributesCount").integer(attributes.dropped());
}

template <typename Id>
void write_id(JsonWriter& w, std::string_view name, const Id& id) {
  char hex[Id::kHexSize];
  id.write_hex(hex);
  w.key(name).raw_string(std::string_view(hex, sizeof hex));
}

void write_span(JsonWriter& w, const SpanData& s) {
  w.begin_object();
  write_id(w, "traceId", s.context.trace_id);
  write_id(w, "spanId", s.context.span_id);
  if (!s.context.trace_state.empty()) w.key("traceState").string(s.context.trace_state.to_header());
  if (s.parent_span_id.valid()) write_id(w, "parentSpanId", s.parent_span_id);
  w.key("flags").integer(detail::span_flags(s.context.flags, s.has_parent_flags, s.parent_is_remote));
  w.key("name").string(s.name);
  w.key("kind").integer(static_cast<int>(s.kind));
  w.key("startTimeUnixNano").integer_string(s.start_time_unix_nano);
  w.key("endTimeUnixNano").integer_string(s.end_time_unix_nano);
  write_attributes(w, s.attributes);
  if (!s.events.empty()) {
    w.key("events").begin_array();
    for (const auto& e : s.events) {
      w.begin_object();
      w.key("timeUnixNano").integer_string(e.time_unix_nano);
      w.key("name").string(e.name);
      write_attributes(w, e.attributes);
      w.end_object();
    }
    w.end_array();
  }
  if (s.dropped_events != 0) w.key("droppedEventsCount").integer(s.dropped_events);
  if (!s.links.empty()) {
    w.key("links").begin_array();
    for (const auto& l : s.links) {
      w.begin_object();
      write_id(w, "traceId", l.context.trace_id);
      write_id(w, "spanId", l.context.span_id);
      if (!l.context.trace_state.empty()) w.key("traceState").string(l.context.trace_state.to_header());
      write_attributes(w, l.attributes);
      w.key("flags").integer(detail::span_flags(l.context.flags, true, l.context.remote));
      w.end_object();
    }
    w.end_array();
  }
  if (s.dropped_links != 0) w.key("droppedLinksCount").integer(s.dropped_links);
  w.key("status").begin_object();
  if (s.status.code != StatusCode::unset) {
    if (!s.status.description.empty()) w.key("message").string(s.status.description);
    w.key("code").integer(static_cast<int>(s.status.code));
  }
  w.end_object();
  w.end_object();
}

}  // namespace

std::string encode_traces_json(std::span<const std::unique_ptr<SpanData>> spans) {
  return encode_traces_json(detail::borrow(spans));
}

std::string encode_traces_json(std::span<const SpanData* const> spans) {
  std::string out;
  out.reserve(spans.size() * 700 + 256);
  JsonWriter w(out);
  w.begin_object();
  w.key("resourceSpans").begin_array();
  for (const auto& rg : detail::group_spans(spans)) {
    w.begin_object();
    w.key("resource").begin_object();
    write_attributes(w, rg.resource->attributes());
    w.end_object();
    w.key("scopeSpans").begin_array();
    for (const auto& sg : rg.scopes) {
      w.begin_object();
      w.key("scope").begin_object();
      if (sg.origin != nullptr) {
        if (!sg.origin->scope.name.empty()) w.key("name").string(sg.origin->scope.name);
        if (!sg.origin->scope.version.empty()) w.key("version").string(sg.origin->scope.version);
      }
      w.end_object();
      w.key("spans").begin_array();
      for (const SpanData* s : sg.spans) write_span(w, *s);
      w.end_array();
      if (sg.origin != nullptr && !sg.origin->scope.schema_url.empty()) {
        w.key("schemaUrl").string(sg.origin->scope.schema_url);
      }
      w.end_object();
    }
    w.end_array();
    if (!rg.resource->schema_url().empty()) w.key("schemaUrl").string(rg.resource->schema_url());
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return out;
}

}  // namespace tracechat::otlp
