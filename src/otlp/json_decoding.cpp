#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <utility>

#include "span_groups.h"
#include "tracechat/otlp/decoding.h"

namespace tracechat::otlp {
using namespace tracechat::trace;
namespace json = boost::json;

// OTLP/JSON as the OTLP specification maps it: lowerCamelCase names (the original
// snake_case names are accepted too, as protobuf JSON parsers must), hex ids
// (case-insensitive), 64-bit integers as strings or numbers, enums as integers or
// their names. Unknown fields are ignored.
namespace {

const json::value* member(const json::object& o, std::string_view camel, std::string_view snake = {}) {
  if (auto it = o.find(camel); it != o.end()) return &it->value();
  if (!snake.empty()) {
    if (auto it = o.find(snake); it != o.end()) return &it->value();
  }
  return nullptr;
}

Error at(std::string_view path, std::string_view what) { return Error{std::string(path) + ": " + std::string(what)}; }

Result<const json::object*> as_object(const json::value* v, std::string_view path) {
  if (v == nullptr || v->is_null()) return static_cast<const json::object*>(nullptr);
  if (!v->is_object()) return at(path, "expected object");
  return &v->get_object();
}

Result<const json::array*> as_array(const json::value* v, std::string_view path) {
  static const json::array kEmpty;
  if (v == nullptr || v->is_null()) return &kEmpty;
  if (!v->is_array()) return at(path, "expected array");
  return &v->get_array();
}

Result<std::string> as_string(const json::value* v, std::string_view path) {
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return at(path, "expected string");
  return std::string(v->get_string());
}

// uint64/int64 fields: a decimal string (the mapping's form) or a JSON integer.
template <typename Int>
Result<Int> as_integer(const json::value* v, std::string_view path) {
  if (v == nullptr || v->is_null()) return Int{0};
  if (v->is_string()) {
    const auto& s = v->get_string();
    Int out{};
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || ptr != s.data() + s.size()) return at(path, "expected an integer string");
    return out;
  }
  if (v->is_int64()) {
    if (!std::in_range<Int>(v->get_int64())) return at(path, "integer out of range");
    return static_cast<Int>(v->get_int64());
  }
  if (v->is_uint64()) {
    if (!std::in_range<Int>(v->get_uint64())) return at(path, "integer out of range");
    return static_cast<Int>(v->get_uint64());
  }
  if (v->is_double()) {
    // Integers written as doubles (1e3) are accepted while they are exact.
    const double d = v->get_double();
    if (std::abs(d) <= 9007199254740992.0 && d == std::trunc(d)) {
      const auto i = static_cast<std::int64_t>(d);
      if (std::in_range<Int>(i)) return static_cast<Int>(i);
    }
  }
  return at(path, "expected an integer");
}

// Enums: the integer, or the enum value's name.
Result<std::uint64_t> as_enum(const json::value* v, std::string_view path,
                              std::initializer_list<std::string_view> names) {
  if (v != nullptr && v->is_string()) {
    std::uint64_t i = 0;
    for (auto name : names) {
      if (v->get_string() == name) return i;
      ++i;
    }
    return as_integer<std::uint64_t>(v, path);
  }
  return as_integer<std::uint64_t>(v, path);
}

template <std::size_t N>
Result<std::optional<BasicId<N>>> as_id(const json::value* v, std::string_view path) {
  auto text = as_string(v, path);
  if (!text) return text.error();
  if (text->empty()) return std::optional<BasicId<N>>();
  for (auto& c : *text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto id = BasicId<N>::from_hex(*text);
  if (!id) return at(path, "expected " + std::to_string(2 * N) + " hex digits");
  return std::optional<BasicId<N>>(*id);
}

std::string indexed(std::string_view path, std::string_view name, std::size_t i) {
  std::string out(path);
  if (!out.empty()) out.push_back('.');
  out.append(name).append("[").append(std::to_string(i)).append("]");
  return out;
}
std::string child(std::string_view path, std::string_view name) {
  return path.empty() ? std::string(name) : std::string(path) + "." + std::string(name);
}

Result<AttributeValue> decode_any(const json::value* v, std::string_view path, int depth);

Result<Attributes> decode_attributes(const json::object& o, std::string_view path, int depth) {
  Attributes attrs;
  auto list = as_array(member(o, "attributes"), child(path, "attributes"));
  if (!list) return list.error();
  for (std::size_t i = 0; i < (*list)->size(); ++i) {
    const std::string where = indexed(path, "attributes", i);
    auto kv = as_object(&(**list)[i], where);
    if (!kv) return kv.error();
    if (*kv == nullptr) return at(where, "expected object");
    auto key = as_string(member(**kv, "key"), child(where, "key"));
    if (!key) return key.error();
    auto value = decode_any(member(**kv, "value"), child(where, "value"), depth);
    if (!value) return value.error();
    attrs.set(*key, std::move(*value), SIZE_MAX);
  }
  auto dropped = as_integer<std::uint32_t>(member(o, "droppedAttributesCount", "dropped_attributes_count"),
                                           child(path, "droppedAttributesCount"));
  if (!dropped) return dropped.error();
  attrs.add_dropped(*dropped);
  return attrs;
}

Result<AttributeValue> decode_any(const json::value* v, std::string_view path, int depth) {
  if (depth > kMaxAnyValueDepth) return at(path, "values nested too deeply");
  auto obj = as_object(v, path);
  if (!obj) return obj.error();
  if (*obj == nullptr) return AttributeValue(std::string());
  const json::object& o = **obj;
  if (const auto* s = member(o, "stringValue", "string_value")) {
    auto str = as_string(s, child(path, "stringValue"));
    if (!str) return str.error();
    return AttributeValue(std::move(*str));
  }
  if (const auto* b = member(o, "boolValue", "bool_value")) {
    if (!b->is_bool()) return at(child(path, "boolValue"), "expected boolean");
    return AttributeValue(b->get_bool());
  }
  if (const auto* i = member(o, "intValue", "int_value")) {
    auto n = as_integer<std::int64_t>(i, child(path, "intValue"));
    if (!n) return n.error();
    return AttributeValue(*n);
  }
  if (const auto* d = member(o, "doubleValue", "double_value")) {
    if (d->is_number()) return AttributeValue(d->to_number<double>());
    if (d->is_string()) {
      const auto& s = d->get_string();
      if (s == "NaN") return AttributeValue(std::numeric_limits<double>::quiet_NaN());
      if (s == "Infinity") return AttributeValue(std::numeric_limits<double>::infinity());
      if (s == "-Infinity") return AttributeValue(-std::numeric_limits<double>::infinity());
    }
    return at(child(path, "doubleValue"), "expected a number");
  }
  if (const auto* a = member(o, "arrayValue", "array_value")) {
    auto ao = as_object(a, child(path, "arrayValue"));
    if (!ao) return ao.error();
    if (*ao == nullptr) return AttributeValue(std::vector<std::string>{});
    auto values = as_array(member(**ao, "values"), child(path, "arrayValue.values"));
    if (!values) return values.error();
    std::vector<AttributeValue> items;
    for (std::size_t i = 0; i < (*values)->size(); ++i) {
      auto item = decode_any(&(**values)[i], indexed(child(path, "arrayValue"), "values", i), depth + 1);
      if (!item) return item.error();
      items.push_back(std::move(*item));
    }
    const auto all = [&](auto tag) {
      return std::all_of(items.begin(), items.end(),
                         [](const AttributeValue& x) { return std::holds_alternative<decltype(tag)>(x); });
    };
    if (!items.empty() && all(bool{})) {
      std::vector<bool> out;
      for (auto& x : items) out.push_back(std::get<bool>(x));
      return AttributeValue(std::move(out));
    }
    if (!items.empty() && all(std::int64_t{})) {
      std::vector<std::int64_t> out;
      for (auto& x : items) out.push_back(std::get<std::int64_t>(x));
      return AttributeValue(std::move(out));
    }
    if (!items.empty() && all(double{})) {
      std::vector<double> out;
      for (auto& x : items) out.push_back(std::get<double>(x));
      return AttributeValue(std::move(out));
    }
    std::vector<std::string> out;
    for (auto& x : items) {
      out.push_back(std::holds_alternative<std::string>(x) ? std::get<std::string>(x) : to_string(x));
    }
    return AttributeValue(std::move(out));
  }
  if (const auto* kv = member(o, "kvlistValue", "kvlist_value")) {
    return AttributeValue(json::serialize(*kv));
  }
  if (const auto* bytes = member(o, "bytesValue", "bytes_value")) {
    auto str = as_string(bytes, child(path, "bytesValue"));  // base64 in the JSON mapping: kept as is
    if (!str) return str.error();
    return AttributeValue(std::move(*str));
  }
  return AttributeValue(std::string());  // an empty AnyValue
}

Result<std::unique_ptr<SpanData>> decode_span(const json::object& o, std::string_view path,
                                              const std::shared_ptr<const SpanOrigin>& origin, std::string& rejection) {
  auto span = std::make_unique<SpanData>();
  auto tid = as_id<16>(member(o, "traceId", "trace_id"), child(path, "traceId"));
  if (!tid) return tid.error();
  auto sid = as_id<8>(member(o, "spanId", "span_id"), child(path, "spanId"));
  if (!sid) return sid.error();
  auto pid = as_id<8>(member(o, "parentSpanId", "parent_span_id"), child(path, "parentSpanId"));
  if (!pid) return pid.error();
  auto state = as_string(member(o, "traceState", "trace_state"), child(path, "traceState"));
  if (!state) return state.error();
  auto name = as_string(member(o, "name"), child(path, "name"));
  if (!name) return name.error();
  auto kind = as_enum(member(o, "kind"), child(path, "kind"),
                      {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER", "SPAN_KIND_CLIENT",
                       "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER"});
  if (!kind) return kind.error();
  auto start = as_integer<std::uint64_t>(member(o, "startTimeUnixNano", "start_time_unix_nano"),
                                         child(path, "startTimeUnixNano"));
  if (!start) return start.error();
  auto end =
      as_integer<std::uint64_t>(member(o, "endTimeUnixNano", "end_time_unix_nano"), child(path, "endTimeUnixNano"));
  if (!end) return end.error();
  auto flags = as_integer<std::uint32_t>(member(o, "flags"), child(path, "flags"));
  if (!flags) return flags.error();
  auto attrs = decode_attributes(o, path, 0);
  if (!attrs) return attrs.error();

  auto events = as_array(member(o, "events"), child(path, "events"));
  if (!events) return events.error();
  for (std::size_t i = 0; i < (*events)->size(); ++i) {
    const std::string where = indexed(path, "events", i);
    auto eo = as_object(&(**events)[i], where);
    if (!eo) return eo.error();
    if (*eo == nullptr) return at(where, "expected object");
    SpanEvent event;
    auto t = as_integer<std::uint64_t>(member(**eo, "timeUnixNano", "time_unix_nano"), child(where, "timeUnixNano"));
    if (!t) return t.error();
    auto n = as_string(member(**eo, "name"), child(where, "name"));
    if (!n) return n.error();
    auto ea = decode_attributes(**eo, where, 0);
    if (!ea) return ea.error();
    event.time_unix_nano = *t;
    event.name = std::move(*n);
    event.attributes = std::move(*ea);
    span->events.push_back(std::move(event));
  }
  auto links = as_array(member(o, "links"), child(path, "links"));
  if (!links) return links.error();
  for (std::size_t i = 0; i < (*links)->size(); ++i) {
    const std::string where = indexed(path, "links", i);
    auto lo = as_object(&(**links)[i], where);
    if (!lo) return lo.error();
    if (*lo == nullptr) return at(where, "expected object");
    auto lt = as_id<16>(member(**lo, "traceId", "trace_id"), child(where, "traceId"));
    if (!lt) return lt.error();
    auto ls = as_id<8>(member(**lo, "spanId", "span_id"), child(where, "spanId"));
    if (!ls) return ls.error();
    if (!*lt || !*ls) return at(where, "a link needs traceId and spanId");
    auto lstate = as_string(member(**lo, "traceState", "trace_state"), child(where, "traceState"));
    if (!lstate) return lstate.error();
    auto lflags = as_integer<std::uint32_t>(member(**lo, "flags"), child(where, "flags"));
    if (!lflags) return lflags.error();
    auto la = decode_attributes(**lo, where, 0);
    if (!la) return la.error();
    SpanLink link;
    link.context.trace_id = **lt;
    link.context.span_id = **ls;
    if (auto ts = TraceState::parse(*lstate)) link.context.trace_state = std::move(*ts);
    link.context.flags = TraceFlags(static_cast<std::uint8_t>(*lflags & 0xff));
    link.context.remote = (*lflags & detail::kContextIsRemote) != 0;
    link.attributes = std::move(*la);
    span->links.push_back(std::move(link));
  }
  for (auto [field, snake, target] : {std::tuple{"droppedEventsCount", "dropped_events_count", &span->dropped_events},
                                      std::tuple{"droppedLinksCount", "dropped_links_count", &span->dropped_links}}) {
    auto n = as_integer<std::uint32_t>(member(o, field, snake), child(path, field));
    if (!n) return n.error();
    *target = *n;
  }
  auto status = as_object(member(o, "status"), child(path, "status"));
  if (!status) return status.error();
  if (*status != nullptr) {
    auto code = as_enum(member(**status, "code"), child(path, "status.code"),
                        {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"});
    if (!code) return code.error();
    auto message = as_string(member(**status, "message"), child(path, "status.message"));
    if (!message) return message.error();
    span->status.code = *code <= 2 ? static_cast<StatusCode>(*code) : StatusCode::unset;
    span->status.description = std::move(*message);
  }

  if (!*tid || !(*tid)->valid()) {
    rejection = "traceId must be 32 hex digits, not all zero";
    return std::unique_ptr<SpanData>();
  }
  if (!*sid || !(*sid)->valid()) {
    rejection = "spanId must be 16 hex digits, not all zero";
    return std::unique_ptr<SpanData>();
  }
  span->context.trace_id = **tid;
  span->context.span_id = **sid;
  if (*pid) span->parent_span_id = **pid;
  if (auto ts = TraceState::parse(*state)) span->context.trace_state = std::move(*ts);
  span->name = std::move(*name);
  span->kind = (*kind >= 1 && *kind <= 5) ? static_cast<SpanKind>(*kind) : SpanKind::internal;
  span->start_time_unix_nano = *start;
  span->end_time_unix_nano = *end;
  span->context.flags = TraceFlags(static_cast<std::uint8_t>(*flags & 0xff));
  span->has_parent_flags = (*flags & detail::kContextHasIsRemote) != 0;
  span->parent_is_remote = (*flags & detail::kContextIsRemote) != 0;
  span->attributes = std::move(*attrs);
  span->origin = origin;
  return span;
}

}  // namespace

Result<DecodedTraces> decode_traces_json(std::string_view body) {
  json::parse_options options;
  options.max_depth = 64;
  boost::system::error_code ec;
  json::monotonic_resource arena;
  const json::value doc = json::parse(body, ec, &arena, options);
  if (ec) return Error{"invalid JSON: " + ec.message()};
  if (!doc.is_object()) return Error{"expected a JSON object (ExportTraceServiceRequest)"};

  DecodedTraces out;
  auto resource_spans = as_array(member(doc.get_object(), "resourceSpans", "resource_spans"), "resourceSpans");
  if (!resource_spans) return resource_spans.error();
  for (std::size_t r = 0; r < (*resource_spans)->size(); ++r) {
    const std::string rpath = indexed("", "resourceSpans", r);
    auto ro = as_object(&(**resource_spans)[r], rpath);
    if (!ro) return ro.error();
    if (*ro == nullptr) continue;
    auto res = as_object(member(**ro, "resource"), child(rpath, "resource"));
    if (!res) return res.error();
    Attributes resource_attrs;
    if (*res != nullptr) {
      auto a = decode_attributes(**res, child(rpath, "resource"), 0);
      if (!a) return a.error();
      resource_attrs = std::move(*a);
    }
    auto schema = as_string(member(**ro, "schemaUrl", "schema_url"), child(rpath, "schemaUrl"));
    if (!schema) return schema.error();
    auto resource = std::make_shared<const Resource>(std::move(resource_attrs), std::move(*schema));

    auto scope_spans = as_array(member(**ro, "scopeSpans", "scope_spans"), child(rpath, "scopeSpans"));
    if (!scope_spans) return scope_spans.error();
    for (std::size_t s = 0; s < (*scope_spans)->size(); ++s) {
      const std::string spath = indexed(rpath, "scopeSpans", s);
      auto so = as_object(&(**scope_spans)[s], spath);
      if (!so) return so.error();
      if (*so == nullptr) continue;
      auto origin = std::make_shared<SpanOrigin>();
      origin->resource = resource;
      auto scope = as_object(member(**so, "scope"), child(spath, "scope"));
      if (!scope) return scope.error();
      if (*scope != nullptr) {
        auto n = as_string(member(**scope, "name"), child(spath, "scope.name"));
        if (!n) return n.error();
        auto v = as_string(member(**scope, "version"), child(spath, "scope.version"));
        if (!v) return v.error();
        origin->scope.name = std::move(*n);
        origin->scope.version = std::move(*v);
      }
      auto sschema = as_string(member(**so, "schemaUrl", "schema_url"), child(spath, "schemaUrl"));
      if (!sschema) return sschema.error();
      origin->scope.schema_url = std::move(*sschema);
      std::shared_ptr<const SpanOrigin> shared_origin = std::move(origin);

      auto spans = as_array(member(**so, "spans"), child(spath, "spans"));
      if (!spans) return spans.error();
      for (std::size_t i = 0; i < (*spans)->size(); ++i) {
        const std::string path = indexed(spath, "spans", i);
        auto sp = as_object(&(**spans)[i], path);
        if (!sp) return sp.error();
        if (*sp == nullptr) return at(path, "expected object");
        std::string rejection;
        auto span = decode_span(**sp, path, shared_origin, rejection);
        if (!span) return span.error();
        if (*span) {
          out.spans.push_back(std::move(*span));
        } else if (out.rejected_spans++ == 0) {
          out.rejection_reason = path + ": " + rejection;
        }
      }
    }
  }
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
  auto p = as_object(member(doc.get_object(), "partialSuccess", "partial_success"), "partialSuccess");
  if (!p) return p.error();
  if (*p == nullptr) return out;
  auto rejected =
      as_integer<std::int64_t>(member(**p, "rejectedSpans", "rejected_spans"), "partialSuccess.rejectedSpans");
  if (!rejected) return rejected.error();
  auto message = as_string(member(**p, "errorMessage", "error_message"), "partialSuccess.errorMessage");
  if (!message) return message.error();
  out.rejected_spans = *rejected;
  out.error_message = std::move(*message);
  return out;
}

std::string encode_status_json(int code, std::string_view message) {
  return json::serialize(json::object{{"code", code}, {"message", message}});
}

std::string decode_status_message_json(std::string_view body) {
  boost::system::error_code ec;
  const json::value doc = json::parse(body, ec);
  if (ec || !doc.is_object()) return {};
  const auto* m = member(doc.get_object(), "message");
  return m != nullptr && m->is_string() ? std::string(m->get_string()) : std::string();
}

}  // namespace tracechat::otlp
