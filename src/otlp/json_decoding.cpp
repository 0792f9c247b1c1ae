#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <span>
#include <utility>

#include "any_value_arrays.h"
#include "common/json_reader.h"
#include "json_mapping.h"
#include "span_groups.h"
#include "tracechat/otlp/decoding.h"

namespace tracechat::otlp {
using namespace tracechat::trace;
namespace json = boost::json;
using common::JsonMember;
using common::JsonPath;
using common::ObjectReader;

// OTLP/JSON as the OTLP specification maps it: lowerCamelCase names (the original
// snake_case names are accepted too, as protobuf JSON parsers must), hex ids
// (case-insensitive), 64-bit integers as strings or numbers, enums as integers or
// their names. Unknown fields are ignored. Fields are read through ObjectReader, whose
// paths are written out only for an error; errors name the lowerCamelCase spelling.
namespace {

// The conversions of protobuf's JSON mapping (json_mapping.h holds the verdicts). An
// absent or null field holds its default.

Result<std::string> read_string(const JsonMember& m) {
  if (!m.given()) return std::string();
  if (!m.value()->is_string()) return m.error(json_mapping::kExpectedString);
  return std::string(m.value()->get_string());
}

// uint64/int64 fields: a decimal string (the mapping's form) or a JSON integer.
template <typename Int>
Result<Int> read_integer(const JsonMember& m) {
  if (!m.given()) return Int{0};
  const json::value& v = *m.value();
  Int out{};
  const char* refused = json_mapping::kExpectedInteger;
  if (v.is_string()) {
    refused = json_mapping::integer_from_text(v.get_string(), out);
  } else if (v.is_int64()) {
    refused = json_mapping::integer_from_integer(v.get_int64(), out);
  } else if (v.is_uint64()) {
    refused = json_mapping::integer_from_integer(v.get_uint64(), out);
  } else if (v.is_double()) {
    refused = json_mapping::integer_from_double(v.get_double(), out);
  }
  if (refused != nullptr) return m.error(refused);
  return out;
}

// Enums: the integer, or the enum value's name.
Result<std::uint64_t> read_enum(const JsonMember& m, std::span<const std::string_view> names) {
  if (m.value() != nullptr && m.value()->is_string()) {
    if (const auto named = json_mapping::enum_value_named(m.value()->get_string(), names)) return *named;
  }
  return read_integer<std::uint64_t>(m);
}

// Ids: absent or empty is no id.
template <std::size_t N>
Result<std::optional<BasicId<N>>> read_id(const JsonMember& m) {
  if (!m.given()) return std::optional<BasicId<N>>();
  if (!m.value()->is_string()) return m.error(json_mapping::kExpectedString);
  const auto& text = m.value()->get_string();
  if (text.empty()) return std::optional<BasicId<N>>();
  auto id = json_mapping::id_from_hex<N>(text);
  if (!id) return m.error(json_mapping::bad_id_text<N>());
  return std::optional<BasicId<N>>(*id);
}

// Repeated message fields: read(ObjectReader) for each item, which must be an object.
// Lists of resource and scope spans skip null items (as this decoder always has).
enum class NullItems { refused, skipped };

template <typename Read>
Result<void> for_each_object(const JsonMember& list, NullItems nulls, Read&& read) {
  TRACECHAT_TRY(const json::array* items, list.optional_array());
  if (items == nullptr) return {};
  for (std::size_t i = 0; i < items->size(); ++i) {
    const json::value& item = (*items)[i];
    if (nulls == NullItems::skipped && item.is_null()) continue;
    if (!item.is_object()) return list.path().item(i).error(json_mapping::kExpectedObject);
    TRACECHAT_CHECK(read(ObjectReader(item.get_object(), list.path().item(i))));
  }
  return {};
}

// Appends read(item) -> Result<T> for each item of a repeated message field to `out`.
template <typename T, typename Read>
Result<void> append_objects(const JsonMember& list, std::vector<T>& out, Read&& read) {
  return for_each_object(list, NullItems::refused, [&](const ObjectReader& item) -> Result<void> {
    TRACECHAT_TRY(auto value, read(item));
    out.push_back(std::move(value));
    return {};
  });
}

template <typename T>
Result<AttributeValue> to_attribute(Result<T> value) {
  if (!value) return value.error();
  return AttributeValue(std::move(*value));
}

Result<AttributeValue> read_any(const JsonMember& v, int depth);

Result<AttributeValue> read_array_value(const JsonMember& a, int depth) {
  TRACECHAT_TRY(const json::object* object, a.optional_object());
  if (object == nullptr) return AttributeValue(std::vector<std::string>{});
  const ObjectReader array(*object, a.path());
  const JsonMember values = array.member("values");
  TRACECHAT_TRY(const json::array* list, values.optional_array());
  std::vector<AttributeValue> items;
  for (std::size_t i = 0; list != nullptr && i < list->size(); ++i) {
    TRACECHAT_TRY(auto item, read_any(JsonMember(&(*list)[i], values.path().item(i)), depth + 1));
    items.push_back(std::move(item));
  }
  return detail::array_attribute(std::move(items), [](const AttributeValue& x) { return to_string(x); });
}

Result<AttributeValue> read_double_value(const JsonMember& d) {
  if (d.value()->is_number()) return AttributeValue(d.value()->to_number<double>());
  if (d.value()->is_string()) {
    if (const auto special = json_mapping::special_double(d.value()->get_string())) return AttributeValue(*special);
  }
  return d.error(json_mapping::kExpectedNumber);
}

// An AnyValue: the first of its oneof members present (null counts as present).
Result<AttributeValue> read_any(const JsonMember& v, int depth) {
  if (depth > kMaxAnyValueDepth) return v.error(json_mapping::kNestedTooDeeply);
  TRACECHAT_TRY(const json::object* object, v.optional_object());
  if (object == nullptr) return AttributeValue(std::string());
  const ObjectReader o(*object, v.path());
  if (const auto s = o.member("stringValue", "string_value"); s.value() != nullptr) return to_attribute(read_string(s));
  if (const auto b = o.member("boolValue", "bool_value"); b.value() != nullptr) {
    if (!b.value()->is_bool()) return b.error(json_mapping::kExpectedBoolean);
    return AttributeValue(b.value()->get_bool());
  }
  if (const auto i = o.member("intValue", "int_value"); i.value() != nullptr) {
    return to_attribute(read_integer<std::int64_t>(i));
  }
  if (const auto d = o.member("doubleValue", "double_value"); d.value() != nullptr) return read_double_value(d);
  if (const auto a = o.member("arrayValue", "array_value"); a.value() != nullptr) return read_array_value(a, depth);
  if (const auto kv = o.member("kvlistValue", "kvlist_value"); kv.value() != nullptr) {
    return AttributeValue(json::serialize(*kv.value()));
  }
  if (const auto bytes = o.member("bytesValue", "bytes_value"); bytes.value() != nullptr) {
    return to_attribute(read_string(bytes));  // base64 in the JSON mapping: kept as is
  }
  return AttributeValue(std::string());  // an empty AnyValue
}

// A message's `attributes` and `droppedAttributesCount`.
Result<Attributes> read_attributes(const ObjectReader& o) {
  Attributes attrs;
  const auto read_key_value = [&](const ObjectReader& kv) -> Result<void> {
    TRACECHAT_TRY(const auto key, read_string(kv.member("key")));
    TRACECHAT_TRY(auto value, read_any(kv.member("value"), 0));
    attrs.set(key, std::move(value), SIZE_MAX);
    return {};
  };
  TRACECHAT_CHECK(for_each_object(o.member("attributes"), NullItems::refused, read_key_value));
  TRACECHAT_TRY(const auto dropped,
                read_integer<std::uint32_t>(o.member("droppedAttributesCount", "dropped_attributes_count")));
  attrs.add_dropped(dropped);
  return attrs;
}

Result<SpanEvent> read_event(const ObjectReader& o) {
  SpanEvent event;
  TRACECHAT_TRY(event.time_unix_nano, read_integer<std::uint64_t>(o.member("timeUnixNano", "time_unix_nano")));
  TRACECHAT_TRY(event.name, read_string(o.member("name")));
  TRACECHAT_TRY(event.attributes, read_attributes(o));
  return event;
}

Result<SpanLink> read_link(const ObjectReader& o) {
  SpanLink link;
  TRACECHAT_TRY(const auto trace_id, read_id<16>(o.member("traceId", "trace_id")));
  TRACECHAT_TRY(const auto span_id, read_id<8>(o.member("spanId", "span_id")));
  if (!trace_id || !span_id) return o.error(json_mapping::kLinkNeedsIds);
  TRACECHAT_TRY(const auto trace_state, read_string(o.member("traceState", "trace_state")));
  TRACECHAT_TRY(const auto flags, read_integer<std::uint32_t>(o.member("flags")));
  TRACECHAT_TRY(link.attributes, read_attributes(o));
  link.context.trace_id = *trace_id;
  link.context.span_id = *span_id;
  if (auto ts = TraceState::parse(trace_state)) link.context.trace_state = std::move(*ts);
  link.context.flags = TraceFlags(static_cast<std::uint8_t>(flags & 0xff));
  link.context.remote = (flags & detail::kContextIsRemote) != 0;
  return link;
}

Result<void> read_status(const JsonMember& m, SpanStatus& status) {
  TRACECHAT_TRY(const json::object* object, m.optional_object());
  if (object == nullptr) return {};
  const ObjectReader o(*object, m.path());
  TRACECHAT_TRY(const auto code, read_enum(o.member("code"), json_mapping::kStatusCodeNames));
  TRACECHAT_TRY(status.description, read_string(o.member("message")));
  status.code = code <= 2 ? static_cast<StatusCode>(code) : StatusCode::unset;
  return {};
}

// A span; null, with `rejection` saying why, when its ids make it unusable. Fields are
// read in a fixed order, so the first bad one in that order is the one reported.
Result<std::unique_ptr<SpanData>> read_span(const ObjectReader& o, std::string& rejection) {
  auto span = std::make_unique<SpanData>();
  TRACECHAT_TRY(const auto trace_id, read_id<16>(o.member("traceId", "trace_id")));
  TRACECHAT_TRY(const auto span_id, read_id<8>(o.member("spanId", "span_id")));
  TRACECHAT_TRY(const auto parent_id, read_id<8>(o.member("parentSpanId", "parent_span_id")));
  TRACECHAT_TRY(const auto trace_state, read_string(o.member("traceState", "trace_state")));
  TRACECHAT_TRY(span->name, read_string(o.member("name")));
  TRACECHAT_TRY(const auto kind, read_enum(o.member("kind"), json_mapping::kSpanKindNames));
  TRACECHAT_TRY(span->start_time_unix_nano,
                read_integer<std::uint64_t>(o.member("startTimeUnixNano", "start_time_unix_nano")));
  TRACECHAT_TRY(span->end_time_unix_nano,
                read_integer<std::uint64_t>(o.member("endTimeUnixNano", "end_time_unix_nano")));
  TRACECHAT_TRY(const auto flags, read_integer<std::uint32_t>(o.member("flags")));
  TRACECHAT_TRY(span->attributes, read_attributes(o));
  TRACECHAT_CHECK(append_objects(o.member("events"), span->events, read_event));
  TRACECHAT_CHECK(append_objects(o.member("links"), span->links, read_link));
  TRACECHAT_TRY(span->dropped_events,
                read_integer<std::uint32_t>(o.member("droppedEventsCount", "dropped_events_count")));
  TRACECHAT_TRY(span->dropped_links, read_integer<std::uint32_t>(o.member("droppedLinksCount", "dropped_links_count")));
  TRACECHAT_CHECK(read_status(o.member("status"), span->status));

  if (const char* unusable = json_mapping::id_rejection(trace_id, span_id)) {
    rejection = unusable;
    return std::unique_ptr<SpanData>();
  }
  span->context.trace_id = *trace_id;
  span->context.span_id = *span_id;
  if (parent_id) span->parent_span_id = *parent_id;
  if (auto ts = TraceState::parse(trace_state)) span->context.trace_state = std::move(*ts);
  // UNSPECIFIED (0) and unknown future kinds are read as INTERNAL, as OTLP allows.
  span->kind = (kind >= 1 && kind <= 5) ? static_cast<SpanKind>(kind) : SpanKind::internal;
  span->context.flags = TraceFlags(static_cast<std::uint8_t>(flags & 0xff));
  span->has_parent_flags = (flags & detail::kContextHasIsRemote) != 0;
  span->parent_is_remote = (flags & detail::kContextIsRemote) != 0;
  return span;
}

Result<void> read_scope_spans(const ObjectReader& o, const std::shared_ptr<const Resource>& resource,
                              DecodedTraces& out) {
  auto origin = std::make_shared<SpanOrigin>();
  origin->resource = resource;
  const JsonMember scope = o.member("scope");
  TRACECHAT_TRY(const json::object* scope_object, scope.optional_object());
  if (scope_object != nullptr) {
    const ObjectReader s(*scope_object, scope.path());
    TRACECHAT_TRY(origin->scope.name, read_string(s.member("name")));
    TRACECHAT_TRY(origin->scope.version, read_string(s.member("version")));
  }
  TRACECHAT_TRY(origin->scope.schema_url, read_string(o.member("schemaUrl", "schema_url")));
  const std::shared_ptr<const SpanOrigin> shared_origin = std::move(origin);

  return for_each_object(o.member("spans"), NullItems::refused, [&](const ObjectReader& s) -> Result<void> {
    std::string rejection;
    TRACECHAT_TRY(auto span, read_span(s, rejection));
    if (span) {
      span->origin = shared_origin;
      out.spans.push_back(std::move(span));
    } else if (out.rejected_spans++ == 0) {
      out.rejection_reason = s.path() + ": " + rejection;
    }
    return {};
  });
}

Result<void> read_resource_spans(const ObjectReader& o, DecodedTraces& out) {
  const JsonMember resource = o.member("resource");
  TRACECHAT_TRY(const json::object* resource_object, resource.optional_object());
  Attributes resource_attrs;
  if (resource_object != nullptr) {
    TRACECHAT_TRY(resource_attrs, read_attributes(ObjectReader(*resource_object, resource.path())));
  }
  TRACECHAT_TRY(auto schema_url, read_string(o.member("schemaUrl", "schema_url")));
  const auto shared_resource = std::make_shared<const Resource>(std::move(resource_attrs), std::move(schema_url));
  return for_each_object(o.member("scopeSpans", "scope_spans"), NullItems::skipped,
                         [&](const ObjectReader& s) { return read_scope_spans(s, shared_resource, out); });
}

// The request document, in `arena` (which must outlive it): move-constructed from the
// parse, which keeps the arena's storage (assigning it to a default-constructed value
// would copy every node to the heap).
Result<void> parse_request(std::string_view body, json::monotonic_resource& arena, std::optional<json::value>& doc) {
  json::parse_options options;
  options.max_depth = json_mapping::kMaxJsonDepth;
  boost::system::error_code ec;
  doc.emplace(json::parse(body, ec, &arena, options));
  if (ec) return Error{std::string(json_mapping::kInvalidJson) + ec.message()};
  if (!doc->is_object()) return Error{json_mapping::kNotARequest};
  return {};
}

}  // namespace

Result<DecodedTraces> decode_traces_json(std::string_view body) {
  json::monotonic_resource arena;
  std::optional<json::value> doc;
  TRACECHAT_CHECK(parse_request(body, arena, doc));

  DecodedTraces out;
  const ObjectReader request(doc->get_object(), JsonPath());
  TRACECHAT_CHECK(for_each_object(request.member("resourceSpans", "resource_spans"), NullItems::skipped,
                                  [&](const ObjectReader& r) { return read_resource_spans(r, out); }));
  return out;
}

std::string encode_export_response_json(const PartialSuccess& partial) {
  if (partial.rejected_spans == 0 && partial.error_message.empty()) return "{}";
  json::object p;
  if (partial.rejected_spans != 0) p["rejectedSpans"] = std::to_string(partial.rejected_spans);
  if (!partial.error_message.empty()) p["errorMessage"] = partial.error_message;
  return json::serialize(json::object{{"partialSuccess", std::move(p)}});
}

Result<PartialSuccess> decode_export_response_json(std::string_view body) {
  boost::system::error_code ec;
  const json::value doc = json::parse(body, ec);
  if (ec) return Error{"invalid JSON: " + ec.message()};
  if (!doc.is_object()) return Error{"expected a JSON object (ExportTraceServiceResponse)"};
  PartialSuccess out;
  const ObjectReader response(doc.get_object(), JsonPath());
  const JsonMember partial = response.member("partialSuccess", "partial_success");
  TRACECHAT_TRY(const json::object* p, partial.optional_object());
  if (p == nullptr) return out;
  const ObjectReader o(*p, partial.path());
  TRACECHAT_TRY(out.rejected_spans, read_integer<std::int64_t>(o.member("rejectedSpans", "rejected_spans")));
  TRACECHAT_TRY(out.error_message, read_string(o.member("errorMessage", "error_message")));
  return out;
}

std::string encode_status_json(int code, std::string_view message) {
  return json::serialize(json::object{{"code", code}, {"message", message}});
}

std::string decode_status_message_json(std::string_view body) {
  boost::system::error_code ec;
  const json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return {};
  const auto* m = ObjectReader(doc.get_object(), JsonPath()).find("message");
  return m != nullptr && m->is_string() ? std::string(m->get_string()) : std::string();
}

}  // namespace tracechat::otlp
