#include "tracechat/otlp/json_encoding.h"

#include <boost/json.hpp>
#include <cmath>
#include <vector>

namespace tracechat::otlp {
namespace json = boost::json;
using namespace tracechat::trace;

namespace {

// OTLP span flags (opentelemetry-proto trace.proto SpanFlags).
constexpr std::uint32_t kContextHasIsRemote = 0x100;
constexpr std::uint32_t kContextIsRemote = 0x200;

json::value scalar_any(const std::string& v) { return json::object{{"stringValue", v}}; }
json::value scalar_any(bool v) { return json::object{{"boolValue", v}}; }
json::value scalar_any(std::int64_t v) { return json::object{{"intValue", std::to_string(v)}}; }
json::value scalar_any(double v) {
  // Proto3 JSON writes non-finite doubles as strings.
  if (std::isnan(v)) return json::object{{"doubleValue", "NaN"}};
  if (std::isinf(v)) return json::object{{"doubleValue", v > 0 ? "Infinity" : "-Infinity"}};
  return json::object{{"doubleValue", v}};
}

json::value any_value(const AttributeValue& value) {
  return std::visit(
      [](const auto& v) -> json::value {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::vector<std::string>> || std::is_same_v<T, std::vector<bool>> ||
                      std::is_same_v<T, std::vector<std::int64_t>> || std::is_same_v<T, std::vector<double>>) {
          json::array values;
          values.reserve(v.size());
          for (const auto& item : v) values.push_back(scalar_any(static_cast<typename T::value_type>(item)));
          return json::object{{"arrayValue", json::object{{"values", std::move(values)}}}};
        } else {
          return scalar_any(v);
        }
      },
      value);
}

json::array key_values(const Attributes& attributes) {
  json::array out;
  out.reserve(attributes.size());
  for (const auto& a : attributes.items()) out.push_back(json::object{{"key", a.key}, {"value", any_value(a.value)}});
  return out;
}

void put_attributes(json::object& target, const Attributes& attributes) {
  if (!attributes.empty()) target["attributes"] = key_values(attributes);
  if (attributes.dropped() != 0) target["droppedAttributesCount"] = attributes.dropped();
}

std::uint32_t span_flags(const TraceFlags& flags, bool has_parent_flags, bool remote) {
  std::uint32_t out = flags.bits();
  if (has_parent_flags) out |= kContextHasIsRemote | (remote ? kContextIsRemote : 0);
  return out;
}

json::object encode_span(const SpanData& s) {
  json::object span;
  span["traceId"] = s.context.trace_id.hex();
  span["spanId"] = s.context.span_id.hex();
  if (!s.context.trace_state.empty()) span["traceState"] = s.context.trace_state.to_header();
  if (s.parent_span_id.valid()) span["parentSpanId"] = s.parent_span_id.hex();
  span["flags"] = span_flags(s.context.flags, s.has_parent_flags, s.parent_is_remote);
  span["name"] = s.name;
  span["kind"] = static_cast<int>(s.kind);
  span["startTimeUnixNano"] = std::to_string(s.start_time_unix_nano);
  span["endTimeUnixNano"] = std::to_string(s.end_time_unix_nano);
  put_attributes(span, s.attributes);
  if (!s.events.empty()) {
    json::array events;
    events.reserve(s.events.size());
    for (const auto& e : s.events) {
      json::object event{{"timeUnixNano", std::to_string(e.time_unix_nano)}, {"name", e.name}};
      put_attributes(event, e.attributes);
      events.push_back(std::move(event));
    }
    span["events"] = std::move(events);
  }
  if (s.dropped_events != 0) span["droppedEventsCount"] = s.dropped_events;
  if (!s.links.empty()) {
    json::array links;
    links.reserve(s.links.size());
    for (const auto& l : s.links) {
      json::object link{{"traceId", l.context.trace_id.hex()}, {"spanId", l.context.span_id.hex()}};
      if (!l.context.trace_state.empty()) link["traceState"] = l.context.trace_state.to_header();
      put_attributes(link, l.attributes);
      link["flags"] = span_flags(l.context.flags, true, l.context.remote);
      links.push_back(std::move(link));
    }
    span["links"] = std::move(links);
  }
  if (s.dropped_links != 0) span["droppedLinksCount"] = s.dropped_links;
  if (s.status.code != StatusCode::unset) {
    json::object status{{"code", static_cast<int>(s.status.code)}};
    if (!s.status.description.empty()) status["message"] = s.status.description;
    span["status"] = std::move(status);
  } else {
    span["status"] = json::object{};
  }
  return span;
}

}  // namespace

std::string encode_traces_json(std::span<const std::unique_ptr<SpanData>> spans) {
  // Group by resource, then by origin (scope); batches hold few distinct ones.
  struct ScopeGroup {
    const SpanOrigin* origin;
    json::array spans;
  };
  struct ResourceGroup {
    const Resource* resource;
    std::vector<ScopeGroup> scopes;
  };
  std::vector<ResourceGroup> groups;
  for (const auto& span : spans) {
    if (!span) continue;
    const Resource* resource = &span->resource();
    const SpanOrigin* origin = span->origin.get();
    auto rg = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.resource == resource; });
    if (rg == groups.end()) rg = groups.insert(groups.end(), ResourceGroup{resource, {}});
    auto sg = std::find_if(rg->scopes.begin(), rg->scopes.end(), [&](const auto& g) { return g.origin == origin; });
    if (sg == rg->scopes.end()) sg = rg->scopes.insert(rg->scopes.end(), ScopeGroup{origin, {}});
    sg->spans.push_back(encode_span(*span));
  }

  json::array resource_spans;
  for (auto& rg : groups) {
    json::object resource;
    put_attributes(resource, rg.resource->attributes());
    json::array scope_spans;
    for (auto& sg : rg.scopes) {
      json::object scope;
      if (sg.origin != nullptr) {
        if (!sg.origin->scope.name.empty()) scope["name"] = sg.origin->scope.name;
        if (!sg.origin->scope.version.empty()) scope["version"] = sg.origin->scope.version;
      }
      json::object entry{{"scope", std::move(scope)}, {"spans", std::move(sg.spans)}};
      if (sg.origin != nullptr && !sg.origin->scope.schema_url.empty())
        entry["schemaUrl"] = sg.origin->scope.schema_url;
      scope_spans.push_back(std::move(entry));
    }
    json::object entry{{"resource", std::move(resource)}, {"scopeSpans", std::move(scope_spans)}};
    if (!rg.resource->schema_url().empty()) entry["schemaUrl"] = rg.resource->schema_url();
    resource_spans.push_back(std::move(entry));
  }
  return json::serialize(json::object{{"resourceSpans", std::move(resource_spans)}});
}

}  // namespace tracechat::otlp
