#include "tracechat/otlp/json_encoding.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

using namespace tracechat::trace;
namespace json = boost::json;

namespace {
std::shared_ptr<const SpanOrigin> origin(std::string scope, std::shared_ptr<const Resource> resource) {
  auto o = std::make_shared<SpanOrigin>();
  o->resource = std::move(resource);
  o->scope = InstrumentationScope{std::move(scope), "0.1", ""};
  return o;
}

std::unique_ptr<SpanData> full_span(std::shared_ptr<const SpanOrigin> from) {
  auto s = std::make_unique<SpanData>();
  s->context.trace_id = *TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  s->context.span_id = *SpanId::from_hex("00f067aa0ba902b7");
  s->context.flags = TraceFlags(TraceFlags::kSampled | TraceFlags::kRandom);
  s->context.trace_state = *TraceState::parse("congo=t61rcWkgMzE");
  s->parent_span_id = *SpanId::from_hex("b7ad6b7169203331");
  s->parent_is_remote = true;
  s->has_parent_flags = true;
  s->name = "chat.send_message \"quoted\"\n";
  s->kind = SpanKind::producer;
  s->start_time_unix_nano = 1700000000123456789ULL;
  s->end_time_unix_nano = 1700000000223456789ULL;
  s->attributes.set("str", "v");
  s->attributes.set("bool", AttributeValue(true));
  s->attributes.set("int", AttributeValue(std::int64_t{-9007199254740993}));
  s->attributes.set("double", AttributeValue(0.25));
  s->attributes.set("nan", AttributeValue(std::numeric_limits<double>::quiet_NaN()));
  s->attributes.set("strs", AttributeValue(std::vector<std::string>{"a", "b"}));
  s->attributes.set("ints", AttributeValue(std::vector<std::int64_t>{1, 2}));
  s->attributes.set("bools", AttributeValue(std::vector<bool>{true, false}));
  s->attributes.set("doubles", AttributeValue(std::vector<double>{1.5}));
  s->events.push_back(SpanEvent{"delivered", 1700000000200000000ULL, Attributes{{"seq", std::int64_t{7}}}});
  SpanLink link;
  link.context.trace_id = *TraceId::from_hex("0af7651916cd43dd8448eb211c80319c");
  link.context.span_id = *SpanId::from_hex("b9c7c989f97918e1");
  link.context.flags = TraceFlags(TraceFlags::kSampled);
  s->links.push_back(link);
  s->dropped_events = 2;
  s->status = SpanStatus{StatusCode::error, "upstream 503"};
  s->origin = std::move(from);
  return s;
}

const json::object& only_span(const json::value& doc) {
  return doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0).as_object();
}
}  // namespace

TEST(OtlpJson, FollowsTheJsonMapping) {
  auto resource = std::make_shared<const Resource>(Attributes{{"service.name", std::string("chat-ui")}});
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(full_span(origin("tracechat.client", resource)));
  const json::value doc = json::parse(tracechat::otlp::encode_traces_json(spans));

  const auto& rs = doc.at("resourceSpans").at(0);
  EXPECT_EQ(rs.at("resource").at("attributes").at(0).at("key"), "service.name");
  EXPECT_EQ(rs.at("resource").at("attributes").at(0).at("value").at("stringValue"), "chat-ui");
  EXPECT_EQ(rs.at("scopeSpans").at(0).at("scope").at("name"), "tracechat.client");
  EXPECT_EQ(rs.at("scopeSpans").at(0).at("scope").at("version"), "0.1");

  const auto& s = only_span(doc);
  EXPECT_EQ(s.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(s.at("spanId"), "00f067aa0ba902b7");
  EXPECT_EQ(s.at("parentSpanId"), "b7ad6b7169203331");
  EXPECT_EQ(s.at("traceState"), "congo=t61rcWkgMzE");
  EXPECT_EQ(s.at("name"), "chat.send_message \"quoted\"\n");
  EXPECT_EQ(s.at("kind"), 4);                                   // enums are integers
  EXPECT_EQ(s.at("flags"), 0x303);                              // sampled|random, has-is-remote, is-remote
  EXPECT_EQ(s.at("startTimeUnixNano"), "1700000000123456789");  // 64-bit as strings
  EXPECT_EQ(s.at("endTimeUnixNano"), "1700000000223456789");

  const auto attr = [&](std::string_view key) -> const json::value& {
    for (const auto& a : s.at("attributes").as_array()) {
      if (a.at("key").as_string() == key) return a.at("value");
    }
    throw std::runtime_error("no attribute " + std::string(key));
  };
  EXPECT_EQ(attr("str").at("stringValue"), "v");
  EXPECT_EQ(attr("bool").at("boolValue"), true);
  EXPECT_EQ(attr("int").at("intValue"), "-9007199254740993");
  EXPECT_EQ(attr("double").at("doubleValue"), 0.25);
  EXPECT_EQ(attr("nan").at("doubleValue"), "NaN");
  EXPECT_EQ(attr("strs").at("arrayValue").at("values").at(1).at("stringValue"), "b");
  EXPECT_EQ(attr("ints").at("arrayValue").at("values").at(0).at("intValue"), "1");
  EXPECT_EQ(attr("bools").at("arrayValue").at("values").at(1).at("boolValue"), false);
  EXPECT_EQ(attr("doubles").at("arrayValue").at("values").at(0).at("doubleValue"), 1.5);

  EXPECT_EQ(s.at("events").at(0).at("name"), "delivered");
  EXPECT_EQ(s.at("events").at(0).at("timeUnixNano"), "1700000000200000000");
  EXPECT_EQ(s.at("events").at(0).at("attributes").at(0).at("value").at("intValue"), "7");
  EXPECT_EQ(s.at("droppedEventsCount"), 2);
  EXPECT_EQ(s.at("links").at(0).at("traceId"), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(s.at("links").at(0).at("spanId"), "b9c7c989f97918e1");
  EXPECT_EQ(s.at("status").at("code"), 2);
  EXPECT_EQ(s.at("status").at("message"), "upstream 503");
  EXPECT_FALSE(s.contains("droppedLinksCount"));  // zero values are omitted
}

TEST(OtlpJson, RootSpanHasNoParentAndLocalFlags) {
  auto resource = std::make_shared<const Resource>();
  std::vector<std::unique_ptr<SpanData>> spans;
  auto s = full_span(origin("x", resource));
  s->parent_span_id = SpanId();
  s->parent_is_remote = false;
  s->status = SpanStatus{};
  spans.push_back(std::move(s));
  const json::value doc = json::parse(tracechat::otlp::encode_traces_json(spans));
  const auto& span = only_span(doc);
  EXPECT_FALSE(span.contains("parentSpanId"));
  EXPECT_EQ(span.at("flags"), 0x103);
  EXPECT_TRUE(span.at("status").as_object().empty());
}

TEST(OtlpJson, GroupsByResourceThenScope) {
  auto r1 = std::make_shared<const Resource>(Attributes{{"service.name", std::string("a")}});
  auto r2 = std::make_shared<const Resource>(Attributes{{"service.name", std::string("b")}});
  auto o1 = origin("s1", r1);
  auto o2 = origin("s2", r1);
  auto o3 = origin("s3", r2);
  std::vector<std::unique_ptr<SpanData>> spans;
  for (const auto& o : {o1, o2, o1, o3, o2}) spans.push_back(full_span(o));
  const json::value doc = json::parse(tracechat::otlp::encode_traces_json(spans));
  const auto& rs = doc.at("resourceSpans").as_array();
  ASSERT_EQ(rs.size(), 2u);
  ASSERT_EQ(rs[0].at("scopeSpans").as_array().size(), 2u);
  EXPECT_EQ(rs[0].at("scopeSpans").at(0).at("spans").as_array().size(), 2u);
  EXPECT_EQ(rs[0].at("scopeSpans").at(1).at("spans").as_array().size(), 2u);
  EXPECT_EQ(rs[1].at("scopeSpans").at(0).at("scope").at("name"), "s3");
}

TEST(OtlpJson, EmptyBatch) {
  std::vector<std::unique_ptr<SpanData>> none;
  EXPECT_EQ(tracechat::otlp::encode_traces_json(none), R"({"resourceSpans":[]})");
}
