#include <openssl/evp.h>

#include <boost/json.hpp>

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
    if (type != wire::kLen) return mismatch(name, wire::kLen);
    std::string_view v;
    if (!reader.len(v)) return Error{std::string(name) + ": truncated"};
    return v;
  }
  Result<std::uint64_t> varint(const char* name) {
    if (type != wire::kVarint) return mismatch(name, wire::kVarint);
    std::uint64_t v;
    if (!reader.varint(v)) return Error{std::string(name) + ": malformed varint"};
    return v;
  }
  Result<std::uint64_t> fixed64(const char* name) {
    if (type != wire::kFixed64) return mismatch(name, wire::kFixed64);
    std::uint64_t v;
    if (!reader.fixed64(v)) return Error{std::string(name) + ": truncated"};
    return v;
  }
  Result<std::uint32_t> fixed32(const char* name) {
    if (type != wire::kFixed32) return mismatch(name, wire::kFixed32);
    std::uint32_t v;
    if (!reader.fixed32(v)) return Error{std::string(name) + ": truncated"};
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
    auto handled = on_field(field);
    if (!handled) return handled.error();
    if (!*handled && !reader.skip(type)) {
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

std::string base64(std::string_view raw) {
  std::string out(4 * ((raw.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(raw.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

Result<AttributeValue> decode_any_value(std::string_view data, int depth);
Result<Attribute> decode_key_value(std::string_view data, int depth);

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

// Arrays become typed vectors when homogeneous; anything else (mixed types, nested
// arrays or maps) is kept as the elements' JSON text, since attribute arrays in the
// OpenTelemetry API are homogeneous and tracechat stores nothing richer.
Result<AttributeValue> decode_array(std::string_view data, int depth) {
  std::vector<AttributeValue> items;
  auto r = for_each_field(data, [&](Field& fld) -> Result<bool> {
    if (fld.number != f::kArrayValues) return false;
    auto body = fld.len("values");
    if (!body) return body.error();
    auto item = decode_any_value(*body, depth + 1);
    if (!item) return nest(indexed("values", items.size()), item.error());
    items.push_back(std::move(*item));
    return true;
  });
  if (!r) return r.error();
  const auto all = [&](auto pred) { return std::all_of(items.begin(), items.end(), pred); };
  const auto holds = [](auto tag) {
    return [](const AttributeValue& v) { return std::holds_alternative<decltype(tag)>(v); };
  };
  if (items.empty() || all(holds(std::string{}))) {
    std::vector<std::string> out;
    for (auto& v : items) out.push_back(std::move(std::get<std::string>(v)));
    return AttributeValue(std::move(out));
  }
  if (all(holds(bool{}))) {
    std::vector<bool> out;
    for (auto& v : items) out.push_back(std::get<bool>(v));
    return AttributeValue(std::move(out));
  }
  if (all(holds(std::int64_t{}))) {
    std::vector<std::int64_t> out;
    for (auto& v : items) out.push_back(std::get<std::int64_t>(v));
    return AttributeValue(std::move(out));
  }
  if (all(holds(double{}))) {
    std::vector<double> out;
    for (auto& v : items) out.push_back(std::get<double>(v));
    return AttributeValue(std::move(out));
  }
  std::vector<std::string> out;
  for (auto& v : items) {
    out.push_back(std::holds_alternative<std::string>(v) ? std::get<std::string>(v)
                                                         : boost::json::serialize(to_json(v)));
  }
  return AttributeValue(std::move(out));
}

Result<AttributeValue> decode_kvlist(std::string_view data, int depth) {
  boost::json::object object;
  std::size_t index = 0;
  auto r = for_each_field(data, [&](Field& fld) -> Result<bool> {
    if (fld.number != f::kKvListValues) return false;
    auto body = fld.len("values");
    if (!body) return body.error();
    auto kv = decode_key_value(*body, depth + 1);
    if (!kv) return nest(indexed("values", index), kv.error());
    ++index;
    object[kv->key] = to_json(kv->value);
    return true;
  });
  if (!r) return r.error();
  return AttributeValue(boost::json::serialize(object));
}

Result<AttributeValue> decode_any_value(std::string_view data, int depth) {
  if (depth > kMaxAnyValueDepth) return Error{"values nested deeper than " + std::to_string(kMaxAnyValueDepth)};
  AttributeValue value = std::string();
  auto r = for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kAnyString: {
        auto v = fld.len("stringValue");
        if (!v) return v.error();
        value = std::string(*v);
        return true;
      }
      case f::kAnyBool: {
        auto v = fld.varint("boolValue");
        if (!v) return v.error();
        value = *v != 0;
        return true;
      }
      case f::kAnyInt: {
        auto v = fld.varint("intValue");
        if (!v) return v.error();
        value = static_cast<std::int64_t>(*v);
        return true;
      }
      case f::kAnyDouble: {
        auto v = fld.fixed64("doubleValue");
        if (!v) return v.error();
        double d;
        std::memcpy(&d, &*v, 8);
        value = d;
        return true;
      }
      case f::kAnyArray: {
        auto v = fld.len("arrayValue");
        if (!v) return v.error();
        auto a = decode_array(*v, depth);
        if (!a) return nest("arrayValue", a.error());
        value = std::move(*a);
        return true;
      }
      case f::kAnyKvList: {
        auto v = fld.len("kvlistValue");
        if (!v) return v.error();
        auto m = decode_kvlist(*v, depth);
        if (!m) return nest("kvlistValue", m.error());
        value = std::move(*m);
        return true;
      }
      case f::kAnyBytes: {
        auto v = fld.len("bytesValue");
        if (!v) return v.error();
        value = base64(*v);
        return true;
      }
      default: return false;
    }
  });
  if (!r) return r.error();
  return value;
}

Result<Attribute> decode_key_value(std::string_view data, int depth) {
  Attribute attribute;
  auto r = for_each_field(data, [&](Field& fld) -> Result<bool> {
    if (fld.number == f::kKeyValueKey) {
      auto v = fld.len("key");
      if (!v) return v.error();
      attribute.key = std::string(*v);
      return true;
    }
    if (fld.number == f::kKeyValueValue) {
      auto v = fld.len("value");
      if (!v) return v.error();
      auto value = decode_any_value(*v, depth);
      if (!value) return nest("value", value.error());
      attribute.value = std::move(*value);
      return true;
    }
    return false;
  });
  if (!r) return r.error();
  return attribute;
}

// Reads a repeated KeyValue field or its dropped count into `attrs`.
Result<bool> attribute_field(Field& fld, std::uint32_t attributes_field, std::uint32_t dropped_field, Attributes& attrs,
                             std::size_t& index, std::uint32_t& dropped) {
  if (fld.number == attributes_field) {
    auto body = fld.len("attributes");
    if (!body) return body.error();
    auto kv = decode_key_value(*body, 0);
    if (!kv) return nest(indexed("attributes", index), kv.error());
    ++index;
    attrs.set(kv->key, std::move(kv->value), SIZE_MAX);
    return true;
  }
  if (fld.number == dropped_field) {
    auto v = fld.varint("droppedAttributesCount");
    if (!v) return v.error();
    dropped = static_cast<std::uint32_t>(*v);
    return true;
  }
  return false;
}

Attributes with_dropped(Attributes attrs, std::uint32_t dropped) {
  attrs.add_dropped(dropped);
  return attrs;
}

template <std::size_t N>
Result<BasicId<N>> decode_id(std::string_view raw, const char* name) {
  auto id = BasicId<N>::from_bytes(raw);
  if (!id) {
    return Error{std::string(name) + ": expected " + std::to_string(N) + " bytes, got " + std::to_string(raw.size())};
  }
  return *id;
}

struct SpanOutcome {
  std::unique_ptr<SpanData> span;  // null: rejected
  std::string rejection;
};

Result<SpanOutcome> decode_span(std::string_view data, const std::shared_ptr<const SpanOrigin>& origin) {
  auto span = std::make_unique<SpanData>();
  std::string_view trace_id, span_id, parent_id;
  std::size_t attr_index = 0, event_index = 0, link_index = 0;
  std::uint32_t dropped_attrs = 0;
  std::uint32_t flags = 0;
  auto r = for_each_field(data, [&](Field& fld) -> Result<bool> {
    switch (fld.number) {
      case f::kSpanTraceId: {
        auto v = fld.len("traceId");
        if (!v) return v.error();
        trace_id = *v;
        return true;
      }
      case f::kSpanSpanId: {
        auto v = fld.len("spanId");
        if (!v) return v.error();
        span_id = *v;
        return true;
      }
      case f::kSpanTraceState: {
        auto v = fld.len("traceState");
        if (!v) return v.error();
        if (auto state = TraceState::parse(*v)) span->context.trace_state = std::move(*state);
        return true;
      }
      case f::kSpanParentSpanId: {
        auto v = fld.len("parentSpanId");
        if (!v) return v.error();
        parent_id = *v;
        return true;
      }
      case f::kSpanName: {
        auto v = fld.len("name");
        if (!v) return v.error();
        span->name = std::string(*v);
        return true;
      }
      case f::kSpanKind: {
        auto v = fld.varint("kind");
        if (!v) return v.error();
        // UNSPECIFIED (0) and unknown future kinds are read as INTERNAL, as OTLP allows.
        span->kind = (*v >= 1 && *v <= 5) ? static_cast<SpanKind>(*v) : SpanKind::internal;
        return true;
      }
      case f::kSpanStartTime: {
        auto v = fld.fixed64("startTimeUnixNano");
        if (!v) return v.error();
        span->start_time_unix_nano = *v;
        return true;
      }
      case f::kSpanEndTime: {
        auto v = fld.fixed64("endTimeUnixNano");
        if (!v) return v.error();
        span->end_time_unix_nano = *v;
        return true;
      }
      case f::kSpanEvents: {
        auto v = fld.len("events");
        if (!v) return v.error();
        SpanEvent event;
        std::size_t index = 0;
        std::uint32_t dropped = 0;
        auto er = for_each_field(*v, [&](Field& ef) -> Result<bool> {
          if (ef.number == f::kEventTime) {
            auto t = ef.fixed64("timeUnixNano");
            if (!t) return t.error();
            event.time_unix_nano = *t;
            return true;
          }
          if (ef.number == f::kEventName) {
            auto n = ef.len("name");
            if (!n) return n.error();
            event.name = std::string(*n);
            return true;
          }
          return attribute_field(ef, f::kEventAttributes, f::kEventDroppedAttributes, event.attributes, index, dropped);
        });
        if (!er) return nest(indexed("events", event_index), er.error());
        ++event_index;
        event.attributes = with_dropped(std::move(event.attributes), dropped);
        span->events.push_back(std::move(event));
        return true;
      }
      case f::kSpanDroppedEvents: {
        auto v = fld.varint("droppedEventsCount");
        if (!v) return v.error();
        span->dropped_events = static_cast<std::uint32_t>(*v);
        return true;
      }
      case f::kSpanLinks: {
        auto v = fld.len("links");
        if (!v) return v.error();
        SpanLink link;
        std::string_view link_trace, link_span;
        std::size_t index = 0;
        std::uint32_t dropped = 0, link_flags = 0;
        auto lr = for_each_field(*v, [&](Field& lf) -> Result<bool> {
          switch (lf.number) {
            case f::kLinkTraceId: {
              auto t = lf.len("traceId");
              if (!t) return t.error();
              link_trace = *t;
              return true;
            }
            case f::kLinkSpanId: {
              auto s = lf.len("spanId");
              if (!s) return s.error();
              link_span = *s;
              return true;
            }
            case f::kLinkTraceState: {
              auto s = lf.len("traceState");
              if (!s) return s.error();
              if (auto state = TraceState::parse(*s)) link.context.trace_state = std::move(*state);
              return true;
            }
            case f::kLinkFlags: {
              auto fl = lf.fixed32("flags");
              if (!fl) return fl.error();
              link_flags = *fl;
              return true;
            }
            default:
              return attribute_field(lf, f::kLinkAttributes, f::kLinkDroppedAttributes, link.attributes, index,
                                     dropped);
          }
        });
        if (!lr) return nest(indexed("links", link_index), lr.error());
        auto lt = decode_id<16>(link_trace, "traceId");
        if (!lt) return nest(indexed("links", link_index), lt.error());
        auto ls = decode_id<8>(link_span, "spanId");
        if (!ls) return nest(indexed("links", link_index), ls.error());
        ++link_index;
        link.context.trace_id = *lt;
        link.context.span_id = *ls;
        link.context.flags = TraceFlags(static_cast<std::uint8_t>(link_flags & 0xff));
        link.context.remote = (link_flags & detail::kContextIsRemote) != 0;
        link.attributes = with_dropped(std::move(link.attributes), dropped);
        span->links.push_back(std::move(link));
        return true;
      }
      case f::kSpanDroppedLinks: {
        auto v = fld.varint("droppedLinksCount");
        if (!v) return v.error();
        span->dropped_links = static_cast<std::uint32_t>(*v);
        return true;
      }
      case f::kSpanStatus: {
        auto v = fld.len("status");
        if (!v) return v.error();
        auto sr = for_each_field(*v, [&](Field& sf) -> Result<bool> {
          if (sf.number == f::kStatusMessage) {
            auto m = sf.len("message");
            if (!m) return m.error();
            span->status.description = std::string(*m);
            return true;
          }
          if (sf.number == f::kStatusCode) {
            auto c = sf.varint("code");
            if (!c) return c.error();
            span->status.code = *c <= 2 ? static_cast<StatusCode>(*c) : StatusCode::unset;
            return true;
          }
          return false;
        });
        if (!sr) return nest("status", sr.error());
        return true;
      }
      case f::kSpanFlags: {
        auto v = fld.fixed32("flags");
        if (!v) return v.error();
        flags = *v;
        return true;
      }
      default:
        return attribute_field(fld, f::kSpanAttributes, f::kSpanDroppedAttributes, span->attributes, attr_index,
                               dropped_attrs);
    }
  });
  if (!r) return r.error();
  span->attributes = with_dropped(std::move(span->attributes), dropped_attrs);

  // Well-formed but unusable spans are rejected, not the whole request.
  const auto tid = TraceId::from_bytes(trace_id);
  const auto sid = SpanId::from_bytes(span_id);
  if (!tid || !tid->valid()) return SpanOutcome{nullptr, "traceId must be 16 bytes, not all zero"};
  if (!sid || !sid->valid()) return SpanOutcome{nullptr, "spanId must be 8 bytes, not all zero"};
  if (!parent_id.empty()) {
    const auto pid = SpanId::from_bytes(parent_id);
    if (!pid) return SpanOutcome{nullptr, "parentSpanId must be 8 bytes or empty"};
    span->parent_span_id = *pid;
  }
  span->context.trace_id = *tid;
  span->context.span_id = *sid;
  span->context.flags = TraceFlags(static_cast<std::uint8_t>(flags & 0xff));
  span->has_parent_flags = (flags & detail::kContextHasIsRemote) != 0;
  span->parent_is_remote = (flags & detail::kContextIsRemote) != 0;
  span->origin = origin;
  return SpanOutcome{std::move(span), {}};
}

}  // namespace

Result<DecodedTraces> decode_traces_protobuf(std::string_view body) {
  DecodedTraces out;
  std::size_t rs_index = 0;
  auto r = for_each_field(body, [&](Field& fld) -> Result<bool> {
    if (fld.number != f::kRequestResourceSpans) return false;
    auto rs = fld.len("resourceSpans");
    if (!rs) return rs.error();
    const std::string where = indexed("resourceSpans", rs_index++);

    // The resource may follow the scope spans on the wire: read it first.
    auto resource_attrs = Attributes();
    std::string resource_schema;
    std::size_t attr_index = 0;
    std::uint32_t dropped = 0;
    std::vector<std::string_view> scope_spans;
    auto pass = for_each_field(*rs, [&](Field& rf) -> Result<bool> {
      switch (rf.number) {
        case f::kResourceSpansResource: {
          auto v = rf.len("resource");
          if (!v) return v.error();
          auto rr = for_each_field(*v, [&](Field& af) -> Result<bool> {
            return attribute_field(af, f::kResourceAttributes, f::kResourceDroppedAttributes, resource_attrs,
                                   attr_index, dropped);
          });
          if (!rr) return nest("resource", rr.error());
          return true;
        }
        case f::kResourceSpansScopeSpans: {
          auto v = rf.len("scopeSpans");
          if (!v) return v.error();
          scope_spans.push_back(*v);
          return true;
        }
        case f::kResourceSpansSchemaUrl: {
          auto v = rf.len("schemaUrl");
          if (!v) return v.error();
          resource_schema = std::string(*v);
          return true;
        }
        default: return false;
      }
    });
    if (!pass) return nest(where, pass.error());
    auto resource =
        std::make_shared<const Resource>(with_dropped(std::move(resource_attrs), dropped), std::move(resource_schema));

    for (std::size_t ss_index = 0; ss_index < scope_spans.size(); ++ss_index) {
      const std::string ss_where = where + "." + indexed("scopeSpans", ss_index);
      auto origin = std::make_shared<SpanOrigin>();
      origin->resource = resource;
      std::vector<std::string_view> spans;
      auto sr = for_each_field(scope_spans[ss_index], [&](Field& sf) -> Result<bool> {
        switch (sf.number) {
          case f::kScopeSpansScope: {
            auto v = sf.len("scope");
            if (!v) return v.error();
            auto scope_r = for_each_field(*v, [&](Field& cf) -> Result<bool> {
              if (cf.number == f::kScopeName) {
                auto n = cf.len("name");
                if (!n) return n.error();
                origin->scope.name = std::string(*n);
                return true;
              }
              if (cf.number == f::kScopeVersion) {
                auto n = cf.len("version");
                if (!n) return n.error();
                origin->scope.version = std::string(*n);
                return true;
              }
              return false;  // scope attributes are not kept
            });
            if (!scope_r) return nest("scope", scope_r.error());
            return true;
          }
          case f::kScopeSpansSpans: {
            auto v = sf.len("spans");
            if (!v) return v.error();
            spans.push_back(*v);
            return true;
          }
          case f::kScopeSpansSchemaUrl: {
            auto v = sf.len("schemaUrl");
            if (!v) return v.error();
            origin->scope.schema_url = std::string(*v);
            return true;
          }
          default: return false;
        }
      });
      if (!sr) return nest(ss_where, sr.error());
      std::shared_ptr<const SpanOrigin> shared_origin = std::move(origin);
      for (std::size_t i = 0; i < spans.size(); ++i) {
        auto outcome = decode_span(spans[i], shared_origin);
        if (!outcome) return nest(ss_where + "." + indexed("spans", i), outcome.error());
        if (outcome->span) {
          out.spans.push_back(std::move(outcome->span));
        } else {
          if (out.rejected_spans++ == 0) {
            out.rejection_reason = ss_where + "." + indexed("spans", i) + ": " + outcome->rejection;
          }
        }
      }
    }
    return true;
  });
  if (!r) return r.error();
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
  auto r = for_each_field(body, [&](Field& fld) -> Result<bool> {
    if (fld.number != f::kResponsePartialSuccess) return false;
    auto v = fld.len("partialSuccess");
    if (!v) return v.error();
    auto pr = for_each_field(*v, [&](Field& pf) -> Result<bool> {
      if (pf.number == f::kPartialRejectedSpans) {
        auto n = pf.varint("rejectedSpans");
        if (!n) return n.error();
        out.rejected_spans = static_cast<std::int64_t>(*n);
        return true;
      }
      if (pf.number == f::kPartialErrorMessage) {
        auto m = pf.len("errorMessage");
        if (!m) return m.error();
        out.error_message = std::string(*m);
        return true;
      }
      return false;
    });
    if (!pr) return nest("partialSuccess", pr.error());
    return true;
  });
  if (!r) return r.error();
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
  auto r = for_each_field(body, [&](Field& fld) -> Result<bool> {
    if (fld.number != f::kRpcStatusMessage) return false;
    auto v = fld.len("message");
    if (!v) return v.error();
    message = std::string(*v);
    return true;
  });
  return r ? message : std::string();
}

}  // namespace tracechat::otlp
