#include <boost/json.hpp>
#include <charconv>

#include "any_value_arrays.h"
#include "common/base64.h"
#include "proto_fields.h"
#include "protobuf_wire.h"
#include "span_groups.h"
#include "tracechat/otlp/decoding.h"

namespace tracechat::otlp {
using namespace tracechat::trace;
namespace f = fields;

namespace {

const char* wire_type_name(wire::WireType t) {
  switch (t) {
    case wire::kVarint: return "varint";
    case wire::kFixed64: return "fixed64";
    case wire::kLen: return "length-delimited";
    case wire::kFixed32: return "fixed32";
  }
  return "unsupported";
}

// One field of a message being read, with typed accessors that check the wire type
// and bounds and name the field in their errors.
struct Field {
  std::uint32_t number;
  wire::WireType type;
  wire::Reader& reader;

  Error mismatch(const char* name, wire::WireType want) const {
    return Error{std::string(name) + ": expected " + wire_type_name(want) + ", got wire type " +
                 std::to_string(static_cast<int>(type))};
  }
  Result<std::string_view> len(const char* name) {
    return read<std::string_view, wire::kLen, &wire::Reader::len>(name, "truncated");
  }
  Result<std::uint64_t> varint(const char* name) {
    return read<std::uint64_t, wire::kVarint, &wire::Reader::varint>(name, "malformed varint");
  }
  Result<std::uint64_t> fixed64(const char* name) {
    return read<std::uint64_t, wire::kFixed64, &wire::Reader::fixed64>(name, "truncated");
  }
  Result<std::uint32_t> fixed32(const char* name) {
    return read<std::uint32_t, wire::kFixed32, &wire::Reader::fixed32>(name, "truncated");
  }

 private:
  template <typename T, wire::WireType kType, bool (wire::Reader::*kGet)(T&)>
  Result<T> read(const char* name, const char* failure) {
    if (type != kType) return mismatch(name, kType);
    T v;
    if (!(reader.*kGet)(v)) return Error{std::string(name) + ": " + failure};
    return v;
  }
};

// Calls on_field(Field&) -> Result<bool> for each field; false means "not mine" and
// the field is skipped, as protobuf requires for unknown field numbers.
template <typename OnField>
Result<void> for_each_field(std::string_view data, OnField&& on_field) {
  wire::Reader reader(data);
  while (!reader.done()) {
    std::uint32_t number;
    wire::WireType type;
    if (!reader.tag(number, type)) return Error{"malformed field tag"};
    Field field{number, type, reader};
    TRACECHAT_TRY(const bool handled, on_field(field));
    if (!handled && !reader.skip(type)) {
      return Error{"field " + std::to_string(number) + ": truncated or unsupported wire type"};
    }
  }
  return {};
}

Error nest(std::string_view prefix, const Error& inner) {
  std::string message(prefix);
  if (!inner.message.empty() && inner.message[0] != '[') message.push_back('.');
  message += inner.message;
  return Error{std::move(message)};
}

std::string indexed(const char* name, std::size_t i) { return std::string(name) + "[" + std::to_string(i) + "]"; }

// The results of an on_field callback for the usual kinds of field. Messages are
// decoded in place, into the element or member they become.

// A singular field: its value, converted to the target's type, is stored.
template <typename T, typename Target>
Result<bool> assign(Result<T>&& value, Target& target) {
  if (!value) return value.error();
  if constexpr (std::is_same_v<Target, std::string>) {
    target.assign(value->data(), value->size());
  } else {
    target = static_cast<Target>(*value);
  }
  return true;
}

// A repeated field kept undecoded for later.
Result<bool> add(Result<std::string_view>&& body, std::vector<std::string_view>& bodies) {
  if (!body) return body.error();
  bodies.push_back(*body);
  return true;
}

// A singular message field: its fields are read by on_field; errors are prefixed
// with the field's name.
template <typename OnField>
Result<bool> message_field(Field& fld, const char* name, OnField&& on_field) {
  TRACECHAT_TRY(const auto body, fld.len(name));
  if (auto r = for_each_field(body, on_field); !r) return nest(name, r.error());
  return true;
}

// A repeated message field: one element, decoded by decode(body, element) ->
// Result<void>, is appended; errors are prefixed with the field's name and the
// element's index.
template <typename T, typename Decode>
Result<bool> add_decoded(Field& fld, const char* name, std::vector<T>& out, Decode&& decode) {
  TRACECHAT_TRY(const auto body, fld.len(name));
  const std::size_t index = out.size();
  if (auto r = decode(body, out.emplace_back()); !r) return nest(indexed(name, index), r.error());
  return true;
}

Result<bool> trace_state_field(Field& fld, TraceState& target) {
  TRACECHAT_TRY(const auto text, fld.len("traceState"));
  if (auto state = TraceState::parse(text)) target = std::move(*state);
  return true;
}

Result<void> decode_any_value(std::string_view data, int depth, AttributeValue& value);
Result<void> decode_key_value(std::string_view data, int depth, Attribute& attribute);

boost::json::value to_json(const AttributeValue& v) {
  return std::visit(
      [](const auto& x) -> boost::json::value {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, bool> || std::is_same_v<T, std::int64_t> ||
                      std::is_same_v<T, double>) {
          return boost::json::value(x);
        } else {
          boost::json::array a;
          for (const auto& item : x) a.emplace_back(static_cast<typename T::value_type>(item));
          return a;
        }
      },
      v);
}

// An ArrayValue (see array_attribute); in a mixed array, items that are not strings
// are kept as their JSON text.
Result<void> decode_array(std::string_view data, int depth, AttributeValue& value) {
  std::vector<AttributeValue> items;
  const auto decode_item = [&](std::string_view body, AttributeValue& item) {
    return decode_any_value(body, depth + 1, item);
  };
  TRACECHAT_CHECK(for_each_field(data, [&](Field& fld) -> Result<bool> {
    if (fld.number != f::kArrayValues) return false;
    return add_decoded(fld, "values", items, decode_item);
  }));
  value = detail::array_attribute(std::move(items),
                                  [](const AttributeValue& v) { return boost::json::serialize(to_json(v)); });
  return {};
}

Result<void> decode_kvlist(std::string_view data, int depth, AttributeValue& value) {
  boost::json::object object;
  std::size_t index = 0;
  TRACECHAT_CHECK(for_each_field(data, [&](Field& fld) -> Result<bool> {
    if (fld.number != f::kKvListValues) return false;
    TRACECHAT_TRY(const auto body, fld.len("values"));
    Attribute kv;
    if (auto r = decode_key_value(body, depth + 1, kv); !r) return nest(indexed("values", index), r.error());
    ++index;
    object[kv.key] = to_json(kv.value);
    return true;
  }));
  value = AttributeValue(boost::json::serialize(object));
  return {};
}

// A value field (KeyValue.value, AnyValue.arrayValue or kvlistValue) decoded into
// `value` by decode(body, depth, value) -> Result<void>; errors are prefixed with the
// field's name.
template <typename Decode>
Result<bool> value_field(Field& fld, const char* name, int depth, AttributeValue& value, Decode&& decode) {
  TRACECHAT_TRY(const auto body, fld.len(name));
  if (auto r = decode(body, depth, value); !r) return nest(name, r.error());
  return true;
}

// An AnyValue: a oneof, so the last member on the wire wins; none is the empty string.
Result<void> decode_any_value(std::string_view data, int depth, AttributeValue& value) {
  if (depth > kMaxAnyValueDepth) return Error{"values nested deeper than " + std::to_string(kMaxAnyValueDepth)};
  value = std::string();
  // value.emplace<T>() is the slot each member fills.
  return for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kAnyString: return assign(fld.len("stringValue"), value.emplace<std::string>());
      case f::kAnyBool: {
        TRACECHAT_TRY(const auto v, fld.varint("boolValue"));
        value = v != 0;
        return true;
      }
      case f::kAnyInt: return assign(fld.varint("intValue"), value.emplace<std::int64_t>());
      case f::kAnyDouble: {
        TRACECHAT_TRY(const auto bits, fld.fixed64("doubleValue"));
        double d;
        std::memcpy(&d, &bits, 8);
        value = d;
        return true;
      }
      case f::kAnyArray: return value_field(fld, "arrayValue", depth, value, decode_array);
      case f::kAnyKvList: return value_field(fld, "kvlistValue", depth, value, decode_kvlist);
      case f::kAnyBytes: {
        TRACECHAT_TRY(const auto raw, fld.len("bytesValue"));
        value = common::base64_encode(raw);
        return true;
      }
      default: return false;
    }
  });
}

Result<void> decode_key_value(std::string_view data, int depth, Attribute& attribute) {
  return for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kKeyValueKey: return assign(fld.len("key"), attribute.key);
      case f::kKeyValueValue: return value_field(fld, "value", depth, attribute.value, decode_any_value);
      default: return false;
    }
  });
}

// A message's repeated KeyValue field and its dropped count, read into `attributes`;
// finish() adds the count once every field is read.
class AttributeFields {
 public:
  AttributeFields(std::uint32_t attributes_field, std::uint32_t dropped_field, Attributes& attributes)
      : attributes_field_(attributes_field), dropped_field_(dropped_field), attributes_(attributes) {}

  // False when the field is neither of the two.
  Result<bool> read(Field& fld) {
    if (fld.number == attributes_field_) {
      TRACECHAT_TRY(const auto body, fld.len("attributes"));
      Attribute kv;
      if (auto r = decode_key_value(body, 0, kv); !r) return nest(indexed("attributes", index_), r.error());
      ++index_;
      attributes_.set(kv.key, std::move(kv.value), SIZE_MAX);
      return true;
    }
    if (fld.number == dropped_field_) return assign(fld.varint("droppedAttributesCount"), dropped_);
    return false;
  }
  void finish() { attributes_.add_dropped(dropped_); }

 private:
  std::uint32_t attributes_field_;
  std::uint32_t dropped_field_;
  Attributes& attributes_;
  std::size_t index_ = 0;
  std::uint32_t dropped_ = 0;
};

template <std::size_t N>
Result<BasicId<N>> decode_id(std::string_view raw, const char* name) {
  auto id = BasicId<N>::from_bytes(raw);
  if (!id) {
    return Error{std::string(name) + ": expected " + std::to_string(N) + " bytes, got " + std::to_string(raw.size())};
  }
  return *id;
}

Result<void> decode_event(std::string_view data, SpanEvent& event) {
  AttributeFields attributes(f::kEventAttributes, f::kEventDroppedAttributes, event.attributes);
  TRACECHAT_CHECK(for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kEventTime: return assign(fld.fixed64("timeUnixNano"), event.time_unix_nano);
      case f::kEventName: return assign(fld.len("name"), event.name);
      default: return attributes.read(fld);
    }
  }));
  attributes.finish();
  return {};
}

// A link's ids must be valid: a link to nothing is malformed, not a rejected span.
Result<void> decode_link(std::string_view data, SpanLink& link) {
  std::string_view trace_id, span_id;
  std::uint32_t flags = 0;
  AttributeFields attributes(f::kLinkAttributes, f::kLinkDroppedAttributes, link.attributes);
  TRACECHAT_CHECK(for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kLinkTraceId: return assign(fld.len("traceId"), trace_id);
      case f::kLinkSpanId: return assign(fld.len("spanId"), span_id);
      case f::kLinkTraceState: return trace_state_field(fld, link.context.trace_state);
      case f::kLinkFlags: return assign(fld.fixed32("flags"), flags);
      default: return attributes.read(fld);
    }
  }));
  TRACECHAT_TRY(link.context.trace_id, decode_id<16>(trace_id, "traceId"));
  TRACECHAT_TRY(link.context.span_id, decode_id<8>(span_id, "spanId"));
  link.context.flags = TraceFlags(static_cast<std::uint8_t>(flags & 0xff));
  link.context.remote = (flags & detail::kContextIsRemote) != 0;
  attributes.finish();
  return {};
}

Result<bool> status_field(Field& fld, SpanStatus& status) {
  return message_field(fld, "status", [&](Field& sf) -> Result<bool> {
    switch (sf.number) {
      case f::kStatusMessage: return assign(sf.len("message"), status.description);
      case f::kStatusCode: {
        TRACECHAT_TRY(const auto code, sf.varint("code"));
        status.code = code <= 2 ? static_cast<StatusCode>(code) : StatusCode::unset;
        return true;
      }
      default: return false;
    }
  });
}

Result<bool> kind_field(Field& fld, SpanKind& kind) {
  TRACECHAT_TRY(const auto v, fld.varint("kind"));
  // UNSPECIFIED (0) and unknown future kinds are read as INTERNAL, as OTLP allows.
  kind = (v >= 1 && v <= 5) ? static_cast<SpanKind>(v) : SpanKind::internal;
  return true;
}

struct SpanOutcome {
  std::unique_ptr<SpanData> span;  // null: rejected
  std::string rejection;
};

// Well-formed but unusable spans are rejected, not the whole request.
struct SpanIds {
  TraceId trace_id;
  SpanId span_id;
  SpanId parent_span_id;  // invalid: none
};

// A span's ids from their raw bytes; null, or why they make the span unusable. The
// decoder and the indexer both judge spans here, so they reject the same ones.
const char* read_span_ids(std::string_view trace_id, std::string_view span_id, std::string_view parent_id,
                          SpanIds& out) {
  const auto tid = TraceId::from_bytes(trace_id);
  const auto sid = SpanId::from_bytes(span_id);
  if (!tid || !tid->valid()) return "traceId must be 16 bytes, not all zero";
  if (!sid || !sid->valid()) return "spanId must be 8 bytes, not all zero";
  if (!parent_id.empty()) {
    const auto pid = SpanId::from_bytes(parent_id);
    if (!pid) return "parentSpanId must be 8 bytes or empty";
    out.parent_span_id = *pid;
  }
  out.trace_id = *tid;
  out.span_id = *sid;
  return nullptr;
}

SpanOutcome check_ids(std::unique_ptr<SpanData> span, std::string_view trace_id, std::string_view span_id,
                      std::string_view parent_id) {
  SpanIds ids;
  if (const char* rejection = read_span_ids(trace_id, span_id, parent_id, ids)) return SpanOutcome{nullptr, rejection};
  span->context.trace_id = ids.trace_id;
  span->context.span_id = ids.span_id;
  span->parent_span_id = ids.parent_span_id;
  return SpanOutcome{std::move(span), {}};
}

Result<SpanOutcome> decode_span(std::string_view data, const std::shared_ptr<const SpanOrigin>& origin) {
  auto span = std::make_unique<SpanData>();
  std::string_view trace_id, span_id, parent_id;
  std::uint32_t flags = 0;
  AttributeFields attributes(f::kSpanAttributes, f::kSpanDroppedAttributes, span->attributes);
  TRACECHAT_CHECK(for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kSpanTraceId: return assign(fld.len("traceId"), trace_id);
      case f::kSpanSpanId: return assign(fld.len("spanId"), span_id);
      case f::kSpanTraceState: return trace_state_field(fld, span->context.trace_state);
      case f::kSpanParentSpanId: return assign(fld.len("parentSpanId"), parent_id);
      case f::kSpanName: return assign(fld.len("name"), span->name);
      case f::kSpanKind: return kind_field(fld, span->kind);
      case f::kSpanStartTime: return assign(fld.fixed64("startTimeUnixNano"), span->start_time_unix_nano);
      case f::kSpanEndTime: return assign(fld.fixed64("endTimeUnixNano"), span->end_time_unix_nano);
      case f::kSpanEvents: return add_decoded(fld, "events", span->events, decode_event);
      case f::kSpanDroppedEvents: return assign(fld.varint("droppedEventsCount"), span->dropped_events);
      case f::kSpanLinks: return add_decoded(fld, "links", span->links, decode_link);
      case f::kSpanDroppedLinks: return assign(fld.varint("droppedLinksCount"), span->dropped_links);
      case f::kSpanStatus: return status_field(fld, span->status);
      case f::kSpanFlags: return assign(fld.fixed32("flags"), flags);
      default: return attributes.read(fld);
    }
  }));
  attributes.finish();
  span->context.flags = TraceFlags(static_cast<std::uint8_t>(flags & 0xff));
  span->has_parent_flags = (flags & detail::kContextHasIsRemote) != 0;
  span->parent_is_remote = (flags & detail::kContextIsRemote) != 0;
  span->origin = origin;
  return check_ids(std::move(span), trace_id, span_id, parent_id);
}

// One ScopeSpans: its scope and schema first (they may follow the spans on the wire),
// then its spans. `where` is its path, for errors and the first rejection.
Result<void> decode_scope_spans(std::string_view data, std::shared_ptr<const Resource> resource,
                                const std::string& where, DecodedTraces& out) {
  auto origin = std::make_shared<SpanOrigin>();
  origin->resource = std::move(resource);
  std::vector<std::string_view> spans;
  auto r = for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kScopeSpansScope:
        return message_field(fld, "scope", [&](Field& sf) -> Result<bool> {
          switch (sf.number) {
            case f::kScopeName: return assign(sf.len("name"), origin->scope.name);
            case f::kScopeVersion: return assign(sf.len("version"), origin->scope.version);
            default: return false;  // scope attributes are not kept
          }
        });
      case f::kScopeSpansSpans: return add(fld.len("spans"), spans);
      case f::kScopeSpansSchemaUrl: return assign(fld.len("schemaUrl"), origin->scope.schema_url);
      default: return false;
    }
  });
  if (!r) return nest(where, r.error());
  const std::shared_ptr<const SpanOrigin> shared_origin = std::move(origin);
  for (std::size_t i = 0; i < spans.size(); ++i) {
    auto outcome = decode_span(spans[i], shared_origin);
    if (!outcome) return nest(where + "." + indexed("spans", i), outcome.error());
    if (outcome->span) {
      out.spans.push_back(std::move(outcome->span));
    } else if (out.rejected_spans++ == 0) {
      out.rejection_reason = where + "." + indexed("spans", i) + ": " + outcome->rejection;
    }
  }
  return {};
}

// One ResourceSpans: the resource first (it may follow the scope spans on the wire).
Result<void> decode_resource_spans(std::string_view data, const std::string& where, DecodedTraces& out) {
  Attributes resource_attributes;
  AttributeFields attributes(f::kResourceAttributes, f::kResourceDroppedAttributes, resource_attributes);
  std::string schema_url;
  std::vector<std::string_view> scope_spans;
  auto r = for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kResourceSpansResource:
        return message_field(fld, "resource", [&](Field& af) { return attributes.read(af); });
      case f::kResourceSpansScopeSpans: return add(fld.len("scopeSpans"), scope_spans);
      case f::kResourceSpansSchemaUrl: return assign(fld.len("schemaUrl"), schema_url);
      default: return false;
    }
  });
  if (!r) return nest(where, r.error());
  attributes.finish();
  const auto resource = std::make_shared<const Resource>(std::move(resource_attributes), std::move(schema_url));
  for (std::size_t i = 0; i < scope_spans.size(); ++i) {
    TRACECHAT_CHECK(decode_scope_spans(scope_spans[i], resource, where + "." + indexed("scopeSpans", i), out));
  }
  return {};
}

// ---- Indexing: the same validation as the decoder above, without building spans.
// Each check_ function accepts exactly what its decode_ counterpart accepts, with
// the same error messages; fuzz/otlp_protobuf_fuzz.cpp holds the two to that.

// A field's value was read and is well-formed; it is not kept.
template <typename T>
Result<bool> valid(Result<T>&& read) {
  if (!read) return read.error();
  return true;
}

Result<void> check_any_value(std::string_view data, int depth);

// A KeyValue; optionally notes its key and its value's body (the last value field, which
// replaces any before it as the decoder reads them; none: the value is the empty string).
Result<void> check_key_value(std::string_view data, int depth, std::string_view* key = nullptr,
                             std::optional<std::string_view>* value = nullptr) {
  return for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kKeyValueKey: {
        TRACECHAT_TRY(const auto k, fld.len("key"));
        if (key != nullptr) *key = k;
        return true;
      }
      case f::kKeyValueValue: {
        TRACECHAT_TRY(const auto body, fld.len("value"));
        if (auto r = check_any_value(body, depth); !r) return nest("value", r.error());
        if (value != nullptr) *value = body;
        return true;
      }
      default: return false;
    }
  });
}

// The member of a checked AnyValue that counts (the last on the wire; none is the empty
// string), read by read(field) -> bool (true: the member was consumed), after reset().
template <typename Reset, typename Read>
void read_any_value_member(std::optional<std::string_view> body, Reset&& reset, Read&& read) {
  reset();
  if (!body) return;
  (void)for_each_field(*body, [&](Field& vf) -> Result<bool> {
    if (vf.number < f::kAnyString || vf.number > f::kAnyBytes) return false;
    return read(vf);
  });
}

// The value's text if its string member is the one that counts, else empty.
std::string_view string_member(std::optional<std::string_view> body) {
  std::string_view text;
  read_any_value_member(
      body, [&] { text = {}; },
      [&](Field& vf) {
        text = {};
        return vf.number == f::kAnyString && vf.type == wire::kLen && vf.reader.len(text);
      });
  return text;
}

// The value as an index notes it (IndexedValue): a string, int or bool member.
void indexed_member(std::optional<std::string_view> body, IndexedValue& out) {
  read_any_value_member(
      body, [&] { out.set_text({}); },
      [&](Field& vf) {
        out.reset();
        std::string_view text;
        std::uint64_t number = 0;
        switch (vf.number) {
          case f::kAnyString:
            if (vf.type != wire::kLen || !vf.reader.len(text)) return false;
            out.set_text(text);
            return true;
          case f::kAnyBool:
            if (vf.type != wire::kVarint || !vf.reader.varint(number)) return false;
            out.set_bool(number != 0);
            return true;
          case f::kAnyInt:
            if (vf.type != wire::kVarint || !vf.reader.varint(number)) return false;
            out.set_int(static_cast<std::int64_t>(number));
            return true;
          default: return false;  // double, array, kvlist, bytes: not indexed
        }
      });
}

Result<void> check_nested_values(std::string_view data, int depth, bool key_values) {
  std::size_t index = 0;
  return for_each_field(data, [&](Field& fld) -> Result<bool> {
    if (fld.number != (key_values ? f::kKvListValues : f::kArrayValues)) return false;
    TRACECHAT_TRY(const auto body, fld.len("values"));
    auto r = key_values ? check_key_value(body, depth + 1) : check_any_value(body, depth + 1);
    if (!r) return nest(indexed("values", index), r.error());
    ++index;
    return true;
  });
}

Result<void> check_any_value(std::string_view data, int depth) {
  if (depth > kMaxAnyValueDepth) return Error{"values nested deeper than " + std::to_string(kMaxAnyValueDepth)};
  return for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kAnyString: return valid(fld.len("stringValue"));
      case f::kAnyBool: return valid(fld.varint("boolValue"));
      case f::kAnyInt: return valid(fld.varint("intValue"));
      case f::kAnyDouble: return valid(fld.fixed64("doubleValue"));
      case f::kAnyArray:
      case f::kAnyKvList: {
        const char* name = fld.number == f::kAnyArray ? "arrayValue" : "kvlistValue";
        TRACECHAT_TRY(const auto body, fld.len(name));
        if (auto r = check_nested_values(body, depth, fld.number == f::kAnyKvList); !r) return nest(name, r.error());
        return true;
      }
      case f::kAnyBytes: return valid(fld.len("bytesValue"));
      default: return false;
    }
  });
}

// AttributeFields without the attributes. Optionally notes, as the decoder's Attributes
// would hold them (the last of a key given twice), the string value of one key
// (service.name on a resource), or the values of the indexed keys (on a span).
class AttributeCheck {
 public:
  using IndexedValues = std::array<IndexedValue, kMaxIndexedSpanAttributes>;
  AttributeCheck(std::uint32_t attributes_field, std::uint32_t dropped_field, std::string_view wanted_key = {},
                 std::string_view* wanted_value = nullptr)
      : attributes_field_(attributes_field),
        dropped_field_(dropped_field),
        wanted_key_(wanted_key),
        wanted_value_(wanted_value) {}
  AttributeCheck(std::uint32_t attributes_field, std::uint32_t dropped_field, const IndexedKeys& keys,
                 IndexedValues* indexed)
      : attributes_field_(attributes_field), dropped_field_(dropped_field), keys_(&keys), indexed_(indexed) {}

  Result<bool> read(Field& fld) {
    if (fld.number == attributes_field_) {
      TRACECHAT_TRY(const auto body, fld.len("attributes"));
      std::string_view key;
      std::optional<std::string_view> value;
      const bool watch = wanted_value_ != nullptr || indexed_ != nullptr;
      if (auto r = check_key_value(body, 0, watch ? &key : nullptr, watch ? &value : nullptr); !r) {
        return nest(indexed("attributes", index_), r.error());
      }
      ++index_;
      if (!watch) return true;
      if (wanted_value_ != nullptr && key == wanted_key_) *wanted_value_ = string_member(value);
      if (indexed_ != nullptr) {
        if (const int slot = keys_->slot(key); slot >= 0) {
          indexed_member(value, (*indexed_)[static_cast<std::size_t>(slot)]);
        }
      }
      return true;
    }
    if (fld.number == dropped_field_) return valid(fld.varint("droppedAttributesCount"));
    return false;
  }

 private:
  std::uint32_t attributes_field_;
  std::uint32_t dropped_field_;
  std::string_view wanted_key_;
  std::string_view* wanted_value_ = nullptr;
  const IndexedKeys* keys_ = nullptr;
  IndexedValues* indexed_ = nullptr;
  std::size_t index_ = 0;
};

template <typename Check>
Result<bool> check_repeated(Field& fld, const char* name, std::size_t& index, Check&& check) {
  TRACECHAT_TRY(const auto body, fld.len(name));
  if (auto r = check(body); !r) return nest(indexed(name, index), r.error());
  ++index;
  return true;
}

Result<void> check_event(std::string_view data) {
  AttributeCheck attributes(f::kEventAttributes, f::kEventDroppedAttributes);
  return for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kEventTime: return valid(fld.fixed64("timeUnixNano"));
      case f::kEventName: return valid(fld.len("name"));
      default: return attributes.read(fld);
    }
  });
}

Result<void> check_link(std::string_view data) {
  std::string_view trace_id, span_id;
  AttributeCheck attributes(f::kLinkAttributes, f::kLinkDroppedAttributes);
  TRACECHAT_CHECK(for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kLinkTraceId: return assign(fld.len("traceId"), trace_id);
      case f::kLinkSpanId: return assign(fld.len("spanId"), span_id);
      case f::kLinkTraceState: return valid(fld.len("traceState"));
      case f::kLinkFlags: return valid(fld.fixed32("flags"));
      default: return attributes.read(fld);
    }
  }));
  TRACECHAT_CHECK(decode_id<16>(trace_id, "traceId"));
  TRACECHAT_CHECK(decode_id<8>(span_id, "spanId"));
  return {};
}

// One span's index entry, or why it is rejected (as decode_span/check_ids decide).
Result<std::optional<std::string>> index_span(std::string_view data, std::string_view service, const IndexedKeys& keys,
                                              SpanSummary& out) {
  std::string_view trace_id, span_id, parent_id;
  std::size_t events = 0, links = 0;
  SpanStatus status;  // one for every status field, merged as the decoder merges them
  AttributeCheck attributes(f::kSpanAttributes, f::kSpanDroppedAttributes, keys, &out.attributes);
  TRACECHAT_CHECK(for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kSpanTraceId: return assign(fld.len("traceId"), trace_id);
      case f::kSpanSpanId: return assign(fld.len("spanId"), span_id);
      case f::kSpanTraceState: return valid(fld.len("traceState"));
      case f::kSpanParentSpanId: return assign(fld.len("parentSpanId"), parent_id);
      case f::kSpanName: return assign(fld.len("name"), out.name);
      case f::kSpanKind: return valid(fld.varint("kind"));
      case f::kSpanStartTime: return assign(fld.fixed64("startTimeUnixNano"), out.start_unix_nano);
      case f::kSpanEndTime: return assign(fld.fixed64("endTimeUnixNano"), out.end_unix_nano);
      case f::kSpanEvents: return check_repeated(fld, "events", events, check_event);
      case f::kSpanDroppedEvents: return valid(fld.varint("droppedEventsCount"));
      case f::kSpanLinks: return check_repeated(fld, "links", links, check_link);
      case f::kSpanDroppedLinks: return valid(fld.varint("droppedLinksCount"));
      case f::kSpanStatus: return status_field(fld, status);
      case f::kSpanFlags: return valid(fld.fixed32("flags"));
      default: return attributes.read(fld);
    }
  }));
  SpanIds ids;
  if (const char* rejection = read_span_ids(trace_id, span_id, parent_id, ids)) {
    return std::optional<std::string>(rejection);
  }
  out.trace_id = ids.trace_id;
  out.span_id = ids.span_id;
  out.has_parent = ids.parent_span_id.valid();
  out.error = status.code == StatusCode::error;
  out.service = service;
  return std::optional<std::string>();
}

Result<void> index_scope_spans(std::string_view data, std::string_view service, const IndexedKeys& keys,
                               const std::string& where, TraceIndex& out) {
  std::vector<std::string_view> spans;
  auto r = for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kScopeSpansScope:
        return message_field(fld, "scope", [&](Field& sf) -> Result<bool> {
          switch (sf.number) {
            case f::kScopeName: return valid(sf.len("name"));
            case f::kScopeVersion: return valid(sf.len("version"));
            default: return false;
          }
        });
      case f::kScopeSpansSpans: return add(fld.len("spans"), spans);
      case f::kScopeSpansSchemaUrl: return valid(fld.len("schemaUrl"));
      default: return false;
    }
  });
  if (!r) return nest(where, r.error());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    // (Noted in place; taken back if the span is not accepted.)
    auto outcome = index_span(spans[i], service, keys, out.spans.emplace_back());
    if (!outcome || *outcome) out.spans.pop_back();
    if (!outcome) return nest(where + "." + indexed("spans", i), outcome.error());
    if (*outcome && out.rejected_spans++ == 0) {
      out.rejection_reason = where + "." + indexed("spans", i) + ": " + **outcome;
    }
  }
  return {};
}

Result<void> index_resource_spans(std::string_view data, const IndexedKeys& keys, const std::string& where,
                                  TraceIndex& out) {
  std::string_view service;
  AttributeCheck attributes(f::kResourceAttributes, f::kResourceDroppedAttributes, "service.name", &service);
  std::vector<std::string_view> scope_spans;
  auto r = for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kResourceSpansResource:
        return message_field(fld, "resource", [&](Field& af) { return attributes.read(af); });
      case f::kResourceSpansScopeSpans: return add(fld.len("scopeSpans"), scope_spans);
      case f::kResourceSpansSchemaUrl: return valid(fld.len("schemaUrl"));
      default: return false;
    }
  });
  if (!r) return nest(where, r.error());
  for (std::size_t i = 0; i < scope_spans.size(); ++i) {
    TRACECHAT_CHECK(index_scope_spans(scope_spans[i], service, keys, where + "." + indexed("scopeSpans", i), out));
  }
  return {};
}

}  // namespace

namespace {
// An ExportTraceServiceRequest's resourceSpans, each read by read(body, where, out).
template <typename Out, typename Read>
Result<Out> read_request(std::string_view body, Read&& read) {
  Out out;
  std::size_t index = 0;
  const auto on_field = [&](Field& fld) -> Result<bool> {
    if (fld.number != f::kRequestResourceSpans) return false;
    TRACECHAT_TRY(const auto resource_spans, fld.len("resourceSpans"));
    TRACECHAT_CHECK(read(resource_spans, indexed("resourceSpans", index++), out));
    return true;
  };
  TRACECHAT_CHECK(for_each_field(body, on_field));
  return out;
}
}  // namespace

Result<DecodedTraces> decode_traces_protobuf(std::string_view body) {
  return read_request<DecodedTraces>(body, decode_resource_spans);
}

Result<TraceIndex> index_traces_protobuf(std::string_view body, const IndexedKeys& keys) {
  return read_request<TraceIndex>(body, [&keys](std::string_view data, const std::string& where, TraceIndex& out) {
    return index_resource_spans(data, keys, where, out);
  });
}

void IndexedValue::set_int(std::int64_t value) noexcept {
  const auto written = std::to_chars(std::begin(bytes_), std::end(bytes_), value);
  size_ = static_cast<std::uint8_t>(written.ptr - bytes_);
  kind_ = Kind::digits;
}

TraceIndex index_traces(const DecodedTraces& decoded, const IndexedKeys& keys) {
  TraceIndex out;
  out.spans.reserve(decoded.spans.size());
  for (const auto& span : decoded.spans) {
    SpanSummary summary;
    summary.trace_id = span->context.trace_id;
    summary.span_id = span->context.span_id;
    summary.has_parent = span->parent_span_id.valid();
    summary.name = span->name;
    summary.start_unix_nano = span->start_time_unix_nano;
    summary.end_unix_nano = span->end_time_unix_nano;
    summary.error = span->status.code == StatusCode::error;
    const auto* service = span->resource().attributes().find("service.name");
    if (service != nullptr && std::holds_alternative<std::string>(*service))
      summary.service = std::get<std::string>(*service);
    for (std::size_t i = 0; i < keys.size(); ++i) {
      const auto* value = span->attributes.find(keys.key(i));
      if (value == nullptr) continue;
      if (const auto* text = std::get_if<std::string>(value)) {
        summary.attributes[i].set_text(*text);
      } else if (const auto* number = std::get_if<std::int64_t>(value)) {
        summary.attributes[i].set_int(*number);
      } else if (const auto* flag = std::get_if<bool>(value)) {
        summary.attributes[i].set_bool(*flag);
      }
    }
    out.spans.push_back(summary);
  }
  out.rejected_spans = decoded.rejected_spans;
  out.rejection_reason = decoded.rejection_reason;
  return out;
}

std::string encode_export_response_protobuf(const PartialSuccess& partial) {
  std::string out;
  if (partial.rejected_spans == 0 && partial.error_message.empty()) return out;
  wire::Writer w(out);
  const auto p = w.begin(f::kResponsePartialSuccess);
  w.int64_field(f::kPartialRejectedSpans, partial.rejected_spans);
  w.bytes_field(f::kPartialErrorMessage, partial.error_message);
  w.end(p);
  return out;
}

Result<PartialSuccess> decode_export_response_protobuf(std::string_view body) {
  PartialSuccess out;
  TRACECHAT_CHECK(for_each_field(body, [&](Field& fld) -> Result<bool> {
    if (fld.number != f::kResponsePartialSuccess) return false;
    return message_field(fld, "partialSuccess", [&](Field& pf) -> Result<bool> {
      switch (pf.number) {
        case f::kPartialRejectedSpans: return assign(pf.varint("rejectedSpans"), out.rejected_spans);
        case f::kPartialErrorMessage: return assign(pf.len("errorMessage"), out.error_message);
        default: return false;
      }
    });
  }));
  return out;
}

std::string encode_status_protobuf(int code, std::string_view message) {
  std::string out;
  wire::Writer w(out);
  w.uint_field(f::kRpcStatusCode, static_cast<std::uint64_t>(static_cast<std::uint32_t>(code)));
  w.bytes_field(f::kRpcStatusMessage, message);
  return out;
}

std::string decode_status_message_protobuf(std::string_view body) {
  std::string message;
  const auto r = for_each_field(body, [&](Field& fld) -> Result<bool> {
    if (fld.number != f::kRpcStatusMessage) return false;
    return assign(fld.len("message"), message);
  });
  return r ? message : std::string();
}

}  // namespace tracechat::otlp
