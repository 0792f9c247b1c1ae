#include "tracechat/otlp/protobuf_encoding.h"

#include <bit>

#include "proto_fields.h"
#include "protobuf_wire.h"
#include "span_groups.h"

static_assert(std::endian::native == std::endian::little, "the OTLP protobuf encoder assumes a little-endian host");

namespace tracechat::otlp {
using namespace tracechat::trace;
namespace f = fields;

namespace {

std::string_view id_bytes(const auto& id) {
  return {reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size()};
}

void write_scalar(wire::Writer& w, const std::string& v) { w.bytes_field_always(f::kAnyString, v); }
void write_scalar(wire::Writer& w, bool v) { w.varint_field_always(f::kAnyBool, v ? 1 : 0); }
void write_scalar(wire::Writer& w, std::int64_t v) { w.varint_field_always(f::kAnyInt, static_cast<std::uint64_t>(v)); }
void write_scalar(wire::Writer& w, double v) { w.double_field_always(f::kAnyDouble, v); }

void write_any_value(wire::Writer& w, std::uint32_t field, const AttributeValue& value) {
  const auto any = w.begin(field);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<std::string>> || std::is_same_v<T, std::vector<bool>> ||
                      std::is_same_v<T, std::vector<std::int64_t>> || std::is_same_v<T, std::vector<double>>) {
          const auto array = w.begin(f::kAnyArray);
          for (const auto& item : v) {
            const auto element = w.begin(f::kArrayValues);
            write_scalar(w, static_cast<typename T::value_type>(item));
            w.end(element);
          }
          w.end(array);
        } else {
          write_scalar(w, v);
        }
      },
      value);
  w.end(any);
}

void write_attributes(wire::Writer& w, std::uint32_t field, std::uint32_t dropped_field, const Attributes& attrs) {
  for (const auto& a : attrs.items()) {
    const auto kv = w.begin(field);
    w.bytes_field(f::kKeyValueKey, a.key);
    write_any_value(w, f::kKeyValueValue, a.value);
    w.end(kv);
  }
  w.uint_field(dropped_field, attrs.dropped());
}

void write_span(wire::Writer& w, const SpanData& s) {
  const auto span = w.begin(f::kScopeSpansSpans);
  w.bytes_field(f::kSpanTraceId, id_bytes(s.context.trace_id));
  w.bytes_field(f::kSpanSpanId, id_bytes(s.context.span_id));
  if (!s.context.trace_state.empty()) w.bytes_field(f::kSpanTraceState, s.context.trace_state.to_header());
  if (s.parent_span_id.valid()) w.bytes_field(f::kSpanParentSpanId, id_bytes(s.parent_span_id));
  w.bytes_field(f::kSpanName, s.name);
  w.uint_field(f::kSpanKind, static_cast<std::uint64_t>(s.kind));
  w.fixed64_field(f::kSpanStartTime, s.start_time_unix_nano);
  w.fixed64_field(f::kSpanEndTime, s.end_time_unix_nano);
  write_attributes(w, f::kSpanAttributes, f::kSpanDroppedAttributes, s.attributes);
  for (const auto& e : s.events) {
    const auto event = w.begin(f::kSpanEvents);
    w.fixed64_field(f::kEventTime, e.time_unix_nano);
    w.bytes_field(f::kEventName, e.name);
    write_attributes(w, f::kEventAttributes, f::kEventDroppedAttributes, e.attributes);
    w.end(event);
  }
  w.uint_field(f::kSpanDroppedEvents, s.dropped_events);
  for (const auto& l : s.links) {
    const auto link = w.begin(f::kSpanLinks);
    w.bytes_field(f::kLinkTraceId, id_bytes(l.context.trace_id));
    w.bytes_field(f::kLinkSpanId, id_bytes(l.context.span_id));
    if (!l.context.trace_state.empty()) w.bytes_field(f::kLinkTraceState, l.context.trace_state.to_header());
    write_attributes(w, f::kLinkAttributes, f::kLinkDroppedAttributes, l.attributes);
    w.fixed32_field(f::kLinkFlags, detail::span_flags(l.context.flags, true, l.context.remote));
    w.end(link);
  }
  w.uint_field(f::kSpanDroppedLinks, s.dropped_links);
  if (s.status.code != StatusCode::unset) {
    const auto status = w.begin(f::kSpanStatus);
    w.bytes_field(f::kStatusMessage, s.status.description);
    w.uint_field(f::kStatusCode, static_cast<std::uint64_t>(s.status.code));
    w.end(status);
  }
  w.fixed32_field(f::kSpanFlags, detail::span_flags(s.context.flags, s.has_parent_flags, s.parent_is_remote));
  w.end(span);
}

}  // namespace

std::string encode_traces_protobuf(std::span<const std::unique_ptr<SpanData>> spans) {
  return encode_traces_protobuf(detail::borrow(spans));
}

std::string encode_traces_protobuf(std::span<const SpanData* const> spans) {
  std::string out;
  out.reserve(spans.size() * 160 + 256);
  wire::Writer w(out);
  for (const auto& rg : detail::group_spans(spans)) {
    const auto resource_spans = w.begin(f::kRequestResourceSpans);
    const auto resource = w.begin(f::kResourceSpansResource);
    write_attributes(w, f::kResourceAttributes, f::kResourceDroppedAttributes, rg.resource->attributes());
    w.end(resource);
    for (const auto& sg : rg.scopes) {
      const auto scope_spans = w.begin(f::kResourceSpansScopeSpans);
      if (sg.origin != nullptr) {
        const auto scope = w.begin(f::kScopeSpansScope);
        w.bytes_field(f::kScopeName, sg.origin->scope.name);
        w.bytes_field(f::kScopeVersion, sg.origin->scope.version);
        w.end(scope);
      }
      for (const SpanData* s : sg.spans) write_span(w, *s);
      if (sg.origin != nullptr) w.bytes_field(f::kScopeSpansSchemaUrl, sg.origin->scope.schema_url);
      w.end(scope_spans);
    }
    w.bytes_field(f::kResourceSpansSchemaUrl, rg.resource->schema_url());
    w.end(resource_spans);
  }
  return out;
}

}  // namespace tracechat::otlp
