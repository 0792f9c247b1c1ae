// Spans that use every field of the data model, and a comparison that checks each
// field, for the round-trip tests of the encoders, the collector and the store.
#pragma once

#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <vector>

#include "tracechat/trace/span_data.h"

namespace tracechat::test_support {

inline std::vector<std::unique_ptr<trace::SpanData>> sample_spans() {
  using namespace tracechat::trace;
  auto resource = std::make_shared<const Resource>(
      Attributes{{"service.name", std::string("chat-ui")}, {"service.version", std::string("1.4.2")}},
      "https://opentelemetry.io/schemas/1.26.0");
  auto client = std::make_shared<SpanOrigin>();
  client->resource = resource;
  client->scope = InstrumentationScope{"tracechat.client", "0.1.0", "https://opentelemetry.io/schemas/1.26.0"};
  auto bridge = std::make_shared<SpanOrigin>();
  bridge->resource = std::make_shared<const Resource>(Attributes{{"service.name", std::string("bridge")}});
  bridge->scope = InstrumentationScope{"tracechat.bridge", "", ""};

  std::vector<std::unique_ptr<SpanData>> spans;
  auto root = std::make_unique<SpanData>();
  root->context.trace_id = *TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  root->context.span_id = *SpanId::from_hex("00f067aa0ba902b7");
  root->context.flags = TraceFlags(TraceFlags::kSampled | TraceFlags::kRandom);
  root->context.trace_state = *TraceState::parse("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  root->has_parent_flags = true;
  root->name = "chat.session";
  root->kind = SpanKind::client;
  root->start_time_unix_nano = 1764000000000000000ULL;
  root->end_time_unix_nano = 1764000003500000000ULL;
  root->attributes.set("str", "välue \"quoted\" \n</script>");
  root->attributes.set("bool", AttributeValue(false));
  root->attributes.set("int", AttributeValue(std::int64_t{0}));
  root->attributes.set("big", AttributeValue(std::numeric_limits<std::int64_t>::min()));
  root->attributes.set("double", AttributeValue(-0.125));
  root->attributes.set("strings", AttributeValue(std::vector<std::string>{"a", "", "c"}));
  root->attributes.set("bools", AttributeValue(std::vector<bool>{true, false}));
  root->attributes.set("ints", AttributeValue(std::vector<std::int64_t>{1, -2, 3}));
  root->attributes.set("doubles", AttributeValue(std::vector<double>{1.5, 2.25}));
  root->attributes.add_dropped(3);
  root->events.push_back(SpanEvent{"connected", 1764000000100000000ULL, Attributes{{"attempt", std::int64_t{1}}}});
  root->events.push_back(SpanEvent{"closed", 1764000003400000000ULL, {}});
  root->dropped_events = 1;
  SpanLink link;
  link.context.trace_id = *TraceId::from_hex("0af7651916cd43dd8448eb211c80319c");
  link.context.span_id = *SpanId::from_hex("b7ad6b7169203331");
  link.context.flags = TraceFlags(TraceFlags::kSampled);
  link.context.trace_state = *TraceState::parse("vendor=x");
  link.context.remote = true;
  link.attributes.set("link.reason", "previous session");
  root->links.push_back(link);
  root->dropped_links = 2;
  root->status = SpanStatus{StatusCode::ok, ""};
  root->origin = client;

  auto child = std::make_unique<SpanData>();
  child->context.trace_id = root->context.trace_id;
  child->context.span_id = *SpanId::from_hex("b9c7c989f97918e1");
  child->context.flags = TraceFlags(TraceFlags::kSampled);
  child->parent_span_id = root->context.span_id;
  child->parent_is_remote = true;
  child->has_parent_flags = true;
  child->name = "dataaction lookupCustomer";
  child->kind = SpanKind::server;
  child->start_time_unix_nano = 1764000001000000000ULL;
  child->end_time_unix_nano = 1764000001250000000ULL;
  child->attributes.set("http.response.status_code", AttributeValue(std::int64_t{503}));
  child->status = SpanStatus{StatusCode::error, "upstream returned 503"};
  child->origin = bridge;

  spans.push_back(std::move(root));
  spans.push_back(std::move(child));
  return spans;
}

inline void expect_same_span(const trace::SpanData& a, const trace::SpanData& b) {
  SCOPED_TRACE("span " + a.name);
  EXPECT_EQ(a.context.trace_id, b.context.trace_id);
  EXPECT_EQ(a.context.span_id, b.context.span_id);
  EXPECT_EQ(a.context.flags, b.context.flags);
  EXPECT_EQ(a.context.trace_state.to_header(), b.context.trace_state.to_header());
  EXPECT_EQ(a.parent_span_id, b.parent_span_id);
  EXPECT_EQ(a.parent_is_remote, b.parent_is_remote);
  EXPECT_EQ(a.has_parent_flags, b.has_parent_flags);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.start_time_unix_nano, b.start_time_unix_nano);
  EXPECT_EQ(a.end_time_unix_nano, b.end_time_unix_nano);
  EXPECT_EQ(a.attributes, b.attributes);
  EXPECT_EQ(a.events, b.events);
  EXPECT_EQ(a.dropped_events, b.dropped_events);
  ASSERT_EQ(a.links.size(), b.links.size());
  for (std::size_t i = 0; i < a.links.size(); ++i) {
    EXPECT_EQ(a.links[i].context.trace_id, b.links[i].context.trace_id);
    EXPECT_EQ(a.links[i].context.span_id, b.links[i].context.span_id);
    EXPECT_EQ(a.links[i].context.flags, b.links[i].context.flags);
    EXPECT_EQ(a.links[i].context.remote, b.links[i].context.remote);
    EXPECT_EQ(a.links[i].context.trace_state.to_header(), b.links[i].context.trace_state.to_header());
    EXPECT_EQ(a.links[i].attributes, b.links[i].attributes);
  }
  EXPECT_EQ(a.dropped_links, b.dropped_links);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.resource(), b.resource());
  EXPECT_EQ(a.scope(), b.scope());
}

inline void expect_same_spans(const std::vector<std::unique_ptr<trace::SpanData>>& expected,
                              const std::vector<std::unique_ptr<trace::SpanData>>& actual) {
  ASSERT_EQ(expected.size(), actual.size());
  for (const auto& e : expected) {
    const auto it = std::find_if(actual.begin(), actual.end(),
                                 [&](const auto& a) { return a->context.span_id == e->context.span_id; });
    ASSERT_NE(it, actual.end()) << "missing span " << e->name;
    expect_same_span(*e, **it);
  }
}

// A span with only a name, ids and times, in trace 4bf92f35…: for tests of the span tree.
inline std::unique_ptr<trace::SpanData> tree_span(const char* name, const char* id, const char* parent,
                                                  std::uint64_t start, std::uint64_t end) {
  auto s = std::make_unique<trace::SpanData>();
  s->context.trace_id = *trace::TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  s->context.span_id = *trace::SpanId::from_hex(id);
  if (parent) s->parent_span_id = *trace::SpanId::from_hex(parent);
  s->name = name;
  s->start_time_unix_nano = start;
  s->end_time_unix_nano = end;
  return s;
}

}  // namespace tracechat::test_support
