#include "tracechat/otlp/decoding.h"

#include <gtest/gtest.h>

#include <cmath>

#include "otlp/index_agreement.h"
#include "support/sample_spans.h"
#include "tracechat/otlp/json_encoding.h"
#include "tracechat/otlp/protobuf_encoding.h"

using namespace tracechat;
using namespace tracechat::trace;

TEST(OtlpProtobuf, RoundTripKeepsEveryField) {
  const auto spans = test_support::sample_spans();
  const auto decoded = otlp::decode_traces_protobuf(otlp::encode_traces_protobuf(spans));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->rejected_spans, 0u);
  test_support::expect_same_spans(spans, decoded->spans);
}

TEST(OtlpJson, RoundTripKeepsEveryField) {
  const auto spans = test_support::sample_spans();
  const auto decoded = otlp::decode_traces_json(otlp::encode_traces_json(spans));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  test_support::expect_same_spans(spans, decoded->spans);
}

// Bytes worked out by hand from opentelemetry-proto's field numbers.
TEST(OtlpProtobuf, MinimalSpanBytes) {
  auto span = std::make_unique<SpanData>();
  span->context.trace_id = *TraceId::from_hex("0102030405060708090a0b0c0d0e0f10");
  span->context.span_id = *SpanId::from_hex("1112131415161718");
  span->name = "x";
  span->kind = SpanKind::server;
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(std::move(span));
  const std::string bytes = otlp::encode_traces_protobuf(spans);
  const std::string span_body =
      "\x0a\x10\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"  // 1: trace_id
      "\x12\x08\x11\x12\x13\x14\x15\x16\x17\x18"                                  // 2: span_id
      "\x2a\x01x"                                                                 // 5: name
      "\x30\x02";                                                                 // 6: kind = SERVER
  const std::string scope_spans = "\x12" + std::string(1, static_cast<char>(span_body.size())) + span_body;
  const std::string resource_spans = std::string("\x0a\x00", 2) +  // 1: empty resource
                                     "\x12" + std::string(1, static_cast<char>(scope_spans.size())) + scope_spans;
  const std::string expected = "\x0a" + std::string(1, static_cast<char>(resource_spans.size())) + resource_spans;
  EXPECT_EQ(bytes, expected);
}

TEST(OtlpProtobuf, LongBodiesGetMultiByteLengths) {
  auto spans = test_support::sample_spans();
  spans[0]->name = std::string(300, 'n');  // forces 2-byte length varints up the tree
  const auto decoded = otlp::decode_traces_protobuf(otlp::encode_traces_protobuf(spans));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  test_support::expect_same_spans(spans, decoded->spans);
}

TEST(OtlpProtobuf, MalformedInputNamesThePath) {
  const std::string good = otlp::encode_traces_protobuf(test_support::sample_spans());
  // Every truncation is an error or a shorter valid message; never a crash.
  for (std::size_t n = 0; n < good.size(); ++n) (void)otlp::decode_traces_protobuf(std::string_view(good).substr(0, n));
  auto truncated = otlp::decode_traces_protobuf(std::string_view(good).substr(0, good.size() - 3));
  ASSERT_FALSE(truncated.ok());
  EXPECT_EQ(truncated.error().message, "resourceSpans: truncated");

  // resource_spans (field 1) as a varint instead of a message.
  auto wrong_type = otlp::decode_traces_protobuf(std::string("\x08\x01", 2));
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.error().message, "resourceSpans: expected length-delimited, got wire type 0");

  // A span whose name (5) is a varint.
  const std::string span = "\x28\x01";
  const std::string ss = "\x12" + std::string(1, static_cast<char>(span.size())) + span;
  const std::string rs = "\x12" + std::string(1, static_cast<char>(ss.size())) + ss;
  auto bad_name = otlp::decode_traces_protobuf("\x0a" + std::string(1, static_cast<char>(rs.size())) + rs);
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.error().message,
            "resourceSpans[0].scopeSpans[0].spans[0].name: expected length-delimited, got wire type 0");

  EXPECT_FALSE(otlp::decode_traces_protobuf(std::string("\x0a\xff\xff\xff\xff\x0f", 6)).ok());  // length past the end
  EXPECT_FALSE(otlp::decode_traces_protobuf(std::string("\x00", 1)).ok());                      // field number 0
  EXPECT_FALSE(otlp::decode_traces_protobuf(std::string("\x0b", 1)).ok());                      // group wire type
  EXPECT_TRUE(otlp::decode_traces_protobuf("").ok());                                           // empty request
  // Unknown fields are skipped.
  EXPECT_TRUE(otlp::decode_traces_protobuf(std::string("\x98\x01\x05", 3)).ok());
}

namespace {
std::string varint(std::size_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string field(char tag, const std::string& body) { return std::string(1, tag) + varint(body.size()) + body; }
}  // namespace

TEST(OtlpProtobuf, DeeplyNestedValuesAreRefused) {
  std::string any = field('\x0a', "");                                    // AnyValue{string_value: ""}
  for (int i = 0; i < 100; ++i) any = field('\x2a', field('\x0a', any));  // array_value{values: [any]}
  const std::string kv = field('\x0a', "k") + field('\x12', any);
  const std::string span =
      field('\x0a', std::string(16, '\x01')) + field('\x12', std::string(8, '\x01')) + field('\x4a', kv);
  const std::string body = field('\x0a', field('\x12', field('\x12', span)));
  const auto decoded = otlp::decode_traces_protobuf(body);
  ASSERT_FALSE(decoded.ok());
  EXPECT_NE(decoded.error().message.find("nested deeper than 32"), std::string::npos) << decoded.error().message;
  EXPECT_EQ(decoded.error().message.rfind("resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.arrayValue", 0),
            0u);
}

TEST(OtlpProtobuf, TruncationInsideASpanNamesTheField) {
  const std::string span =
      field('\x0a', std::string(16, '\x01')) + std::string("\x2a\x0a") + "ab";  // name: 10 bytes promised, 2 sent
  const auto decoded = otlp::decode_traces_protobuf(field('\x0a', field('\x12', field('\x12', span))));
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().message, "resourceSpans[0].scopeSpans[0].spans[0].name: truncated");
}

TEST(OtlpDecoding, InvalidIdsAreRejectedNotFatal) {
  auto spans = test_support::sample_spans();
  spans[1]->context.span_id = SpanId();  // all zero
  for (bool json : {false, true}) {
    const auto decoded = json ? otlp::decode_traces_json(otlp::encode_traces_json(spans))
                              : otlp::decode_traces_protobuf(otlp::encode_traces_protobuf(spans));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(decoded->spans.size(), 1u);
    EXPECT_EQ(decoded->rejected_spans, 1u);
    EXPECT_NE(decoded->rejection_reason.find("spanId"), std::string::npos) << decoded->rejection_reason;
  }
}

TEST(OtlpJson, AcceptsTheMappingsVariants) {
  const std::string body =
      R"({"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"js"}}]},
    "scopeSpans":[{"scope":{"name":"s"},"spans":[{"traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"00f067aa0ba902b7",
    "parentSpanId":"","name":"n","kind":"SPAN_KIND_CONSUMER","startTimeUnixNano":1000,"endTimeUnixNano":"2000",
    "attributes":[{"key":"i","value":{"intValue":42}},{"key":"d","value":{"doubleValue":"Infinity"}},
                  {"key":"kv","value":{"kvlistValue":{"values":[{"key":"a","value":{"stringValue":"b"}}]}}}],
    "status":{"code":"STATUS_CODE_ERROR","message":"m"},"unknownField":{"ignored":true}}]}]}]})";
  const auto decoded = otlp::decode_traces_json(body);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->spans.size(), 1u);
  const auto& s = *decoded->spans[0];
  EXPECT_EQ(s.context.trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(s.parent_span_id.valid());
  EXPECT_EQ(s.kind, SpanKind::consumer);
  EXPECT_EQ(s.start_time_unix_nano, 1000u);
  EXPECT_EQ(s.end_time_unix_nano, 2000u);
  EXPECT_EQ(std::get<std::int64_t>(*s.attributes.find("i")), 42);
  EXPECT_TRUE(std::isinf(std::get<double>(*s.attributes.find("d"))));
  EXPECT_EQ(std::get<std::string>(*s.attributes.find("kv")), R"({"values":[{"key":"a","value":{"stringValue":"b"}}]})");
  EXPECT_EQ(s.status.code, StatusCode::error);
  EXPECT_EQ(std::get<std::string>(*s.resource().attributes().find("service.name")), "js");
}

TEST(OtlpJson, MalformedInputNamesThePath) {
  const auto expect_error = [](std::string_view body, std::string_view message) {
    const auto decoded = otlp::decode_traces_json(body);
    ASSERT_FALSE(decoded.ok()) << body;
    EXPECT_EQ(decoded.error().message, message);
  };
  expect_error("", "invalid JSON: incomplete JSON");
  expect_error("{", "invalid JSON: incomplete JSON");
  expect_error("[]", "expected a JSON object (ExportTraceServiceRequest)");
  expect_error(R"({"resourceSpans":{}})", "resourceSpans: expected array");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]})",
               "resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex digits");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"name":7}]}]}]})",
               "resourceSpans[0].scopeSpans[0].spans[0].name: expected string");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":"-5"}]}]}]})",
               "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an integer string");
  expect_error(
      R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":{"boolValue":1}}]}]}]}]})",
      "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.boolValue: expected boolean");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"startTimeUnixNano":1e300}]}]}]})",
               "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: expected an integer");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"droppedEventsCount":5000000000}]}]}]})",
               "resourceSpans[0].scopeSpans[0].spans[0].droppedEventsCount: integer out of range");
  std::string deep(200, '[');
  const auto decoded = otlp::decode_traces_json(deep);
  ASSERT_FALSE(decoded.ok());
}

TEST(OtlpResponses, PartialSuccessAndStatus) {
  otlp::PartialSuccess p{3, "bad ids"};
  auto pb = otlp::decode_export_response_protobuf(otlp::encode_export_response_protobuf(p));
  ASSERT_TRUE(pb.ok());
  EXPECT_EQ(pb->rejected_spans, 3);
  EXPECT_EQ(pb->error_message, "bad ids");
  auto js = otlp::decode_export_response_json(otlp::encode_export_response_json(p));
  ASSERT_TRUE(js.ok());
  EXPECT_EQ(js->rejected_spans, 3);
  EXPECT_EQ(otlp::encode_export_response_protobuf({}), "");
  EXPECT_EQ(otlp::encode_export_response_json({}), "{}");
  EXPECT_EQ(otlp::decode_status_message_protobuf(otlp::encode_status_protobuf(3, "why")), "why");
  EXPECT_EQ(otlp::decode_status_message_json(otlp::encode_status_json(3, "why")), "why");
}

namespace {
// A JSON request with one span, `span` being the span object's members.
std::string json_with_span(std::string_view span) {
  return R"({"resourceSpans":[{"scopeSpans":[{"spans":[{)" + std::string(span) + "}]}]}]}";
}
constexpr std::string_view kIds = R"("traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7")";
}  // namespace

// Every bad field is named by its lowerCamelCase path, whichever spelling the body used.
TEST(OtlpJson, ErrorsNameThePathOfEveryField) {
  // The collector validates without decoding; it must say the same.
  const auto expect_error = [](const std::string& body, std::string_view message) {
    const auto decoded = otlp::decode_traces_json(body);
    ASSERT_FALSE(decoded.ok()) << body;
    EXPECT_EQ(decoded.error().message, message) << body;
    std::shared_ptr<const void> document;
    const auto indexed = otlp::index_traces_json(body, document);
    ASSERT_FALSE(indexed.ok()) << body;
    EXPECT_EQ(indexed.error().message, message) << body;
  };
  const std::string span = "resourceSpans[0].scopeSpans[0].spans[0].";
  expect_error(json_with_span(R"("span_id":"00f067aa0ba902b")"), span + "spanId: expected 16 hex digits");
  expect_error(json_with_span(R"("parent_span_id":5)"), span + "parentSpanId: expected string");
  expect_error(json_with_span(R"("trace_state":[])"), span + "traceState: expected string");
  expect_error(json_with_span(R"("kind":"SPAN_KIND_SIDEWAYS")"), span + "kind: expected an integer string");
  expect_error(json_with_span(R"("kind":-1)"), span + "kind: integer out of range");
  expect_error(json_with_span(R"("end_time_unix_nano":true)"), span + "endTimeUnixNano: expected an integer");
  expect_error(json_with_span(R"("flags":"0x1")"), span + "flags: expected an integer string");
  expect_error(json_with_span(R"("dropped_attributes_count":-3)"),
               span + "droppedAttributesCount: integer out of range");
  expect_error(json_with_span(R"("dropped_links_count":1.5)"), span + "droppedLinksCount: expected an integer");
  expect_error(json_with_span(R"("attributes":{})"), span + "attributes: expected array");
  expect_error(json_with_span(R"("attributes":[null])"), span + "attributes[0]: expected object");
  expect_error(json_with_span(R"("attributes":[{"key":1}])"), span + "attributes[0].key: expected string");
  expect_error(json_with_span(R"("attributes":[{"key":"k","value":[]}])"),
               span + "attributes[0].value: expected object");
  expect_error(json_with_span(R"("attributes":[{"key":"k","value":{"string_value":1}}])"),
               span + "attributes[0].value.stringValue: expected string");
  expect_error(json_with_span(R"("attributes":[{"key":"k","value":{"int_value":"1.5"}}])"),
               span + "attributes[0].value.intValue: expected an integer string");
  expect_error(json_with_span(R"("attributes":[{"key":"k","value":{"double_value":"NAN"}}])"),
               span + "attributes[0].value.doubleValue: expected a number");
  expect_error(json_with_span(R"("attributes":[{"key":"k","value":{"bytes_value":{}}}])"),
               span + "attributes[0].value.bytesValue: expected string");
  expect_error(json_with_span(R"("attributes":[{"key":"k","value":{"array_value":7}}])"),
               span + "attributes[0].value.arrayValue: expected object");
  expect_error(json_with_span(R"("attributes":[{"key":"k","value":{"arrayValue":{"values":{}}}}])"),
               span + "attributes[0].value.arrayValue.values: expected array");
  expect_error(json_with_span(
                   R"("attributes":[{"key":"a"},{"key":"k","value":{"arrayValue":{"values":[{},{"boolValue":0}]}}}])"),
               span + "attributes[1].value.arrayValue.values[1].boolValue: expected boolean");
  expect_error(json_with_span(R"("events":{})"), span + "events: expected array");
  expect_error(json_with_span(R"("events":[{},7])"), span + "events[1]: expected object");
  expect_error(json_with_span(R"("events":[{"time_unix_nano":"x"}])"),
               span + "events[0].timeUnixNano: expected an integer string");
  expect_error(json_with_span(R"("events":[{"name":false}])"), span + "events[0].name: expected string");
  expect_error(json_with_span(R"("events":[{"attributes":[{"key":"k","value":{"intValue":{}}}]}])"),
               span + "events[0].attributes[0].value.intValue: expected an integer");
  expect_error(json_with_span(R"("events":[{"droppedAttributesCount":"-1"}])"),
               span + "events[0].droppedAttributesCount: expected an integer string");
  expect_error(json_with_span(R"("links":[null])"), span + "links[0]: expected object");
  expect_error(json_with_span(R"("links":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"}])"),
               span + "links[0]: a link needs traceId and spanId");
  expect_error(json_with_span(R"("links":[{"trace_id":"4bf92f3577b34da6a3ce929d0e0e47"}])"),
               span + "links[0].traceId: expected 32 hex digits");
  expect_error(json_with_span(R"("links":[{"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"00f067aa0ba902b7",
               "trace_state":1}])"),
               span + "links[0].traceState: expected string");
  expect_error(json_with_span(R"("links":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",
               "flags":-1}])"),
               span + "links[0].flags: integer out of range");
  expect_error(json_with_span(R"("links":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",
               "attributes":[{"key":[]}]}])"),
               span + "links[0].attributes[0].key: expected string");
  expect_error(json_with_span(R"("status":[])"), span + "status: expected object");
  expect_error(json_with_span(R"("status":{"code":"OK"})"), span + "status.code: expected an integer string");
  expect_error(json_with_span(R"("status":{"message":1})"), span + "status.message: expected string");
  expect_error(R"({"resourceSpans":[7]})", "resourceSpans[0]: expected object");
  expect_error(R"({"resourceSpans":[null,{"resource":[]}]})", "resourceSpans[1].resource: expected object");
  expect_error(R"({"resourceSpans":[{"resource":{"attributes":[{"key":"k","value":{"boolValue":null}}]}}]})",
               "resourceSpans[0].resource.attributes[0].value.boolValue: expected boolean");
  expect_error(R"({"resourceSpans":[{"resource":{"dropped_attributes_count":"a"}}]})",
               "resourceSpans[0].resource.droppedAttributesCount: expected an integer string");
  expect_error(R"({"resourceSpans":[{"schema_url":1}]})", "resourceSpans[0].schemaUrl: expected string");
  expect_error(R"({"resource_spans":[{"scope_spans":{}}]})", "resourceSpans[0].scopeSpans: expected array");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[null,"x"]}]})", "resourceSpans[0].scopeSpans[1]: expected object");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"scope":1}]}]})",
               "resourceSpans[0].scopeSpans[0].scope: expected object");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"scope":{"name":1}}]}]})",
               "resourceSpans[0].scopeSpans[0].scope.name: expected string");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"scope":{"version":1}}]}]})",
               "resourceSpans[0].scopeSpans[0].scope.version: expected string");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"schema_url":1}]}]})",
               "resourceSpans[0].scopeSpans[0].schemaUrl: expected string");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":"x"}]}]})",
               "resourceSpans[0].scopeSpans[0].spans: expected array");
  expect_error(R"({"resourceSpans":[{"scopeSpans":[{"spans":[null]}]}]})",
               "resourceSpans[0].scopeSpans[0].spans[0]: expected object");
  // The first bad field in reading order is the one named.
  expect_error(json_with_span(R"("status":{"code":"x"},"name":1,"traceId":2)"), span + "traceId: expected string");
  expect_error(json_with_span(R"("links":[1],"events":[1])"), span + "events[0]: expected object");

  // Values nest until the parser's depth limit.
  std::string nested = R"({"stringValue":"x"})";
  for (int i = 0; i < 18; ++i) nested = R"({"arrayValue":{"values":[)" + nested + "]}}";
  EXPECT_TRUE(otlp::decode_traces_json(json_with_span(R"("attributes":[{"key":"k","value":)" + nested + "}]")).ok());
  for (int i = 0; i < 4; ++i) nested = R"({"arrayValue":{"values":[)" + nested + "]}}";
  expect_error(json_with_span(R"("attributes":[{"key":"k","value":)" + nested + "}]"), "invalid JSON: too deep");
}

TEST(OtlpJson, SnakeCaseNamesAndNullsReadAsTheirDefaults) {
  const std::string body = R"({"resource_spans":[null,{"resource":{"attributes":[{"key":"service.name",
    "value":{"string_value":"svc"}}],"dropped_attributes_count":2},"schema_url":"rs","scope_spans":[null,{"scope":null,
    "schema_url":"ss","spans":[{"trace_id":"4BF92F3577B34DA6A3CE929D0E0E4736","span_id":"00f067aa0ba902b7",
    "parent_span_id":"b7ad6b7169203331","trace_state":"k=v","name":null,"kind":3,"start_time_unix_nano":"5",
    "end_time_unix_nano":6e0,"flags":769,"attributes":[{"key":"b","value":{"bool_value":true}},
    {"key":"i","value":{"int_value":"-7"}},{"key":"d","value":{"double_value":2.5}},{"key":"n","value":null},
    {"key":"e","value":{}},{"key":"by","value":{"bytes_value":"AAE="}},{"key":"kv","value":{"kvlist_value":null}},
    {"key":"ai","value":{"array_value":{"values":[{"intValue":1},{"int_value":"2"}]}}},
    {"key":"am","value":{"arrayValue":{"values":[{"intValue":1},{"boolValue":true},null]}}},
    {"key":"ae","value":{"arrayValue":null}}],"dropped_attributes_count":1,
    "events":[{"time_unix_nano":"9","name":"ev","attributes":[],"dropped_attributes_count":4}],"dropped_events_count":"3",
    "links":[{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"B7AD6B7169203331","trace_state":"a=b",
    "flags":513}],"dropped_links_count":2,"status":{"code":2,"message":"bad"}}]}]}]})";
  const auto decoded = otlp::decode_traces_json(body);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->spans.size(), 1u);
  const auto& s = *decoded->spans[0];
  EXPECT_EQ(s.resource().schema_url(), "rs");
  EXPECT_EQ(s.resource().attributes().dropped(), 2u);
  EXPECT_EQ(std::get<std::string>(*s.resource().attributes().find("service.name")), "svc");
  EXPECT_EQ(s.scope().name, "");
  EXPECT_EQ(s.scope().schema_url, "ss");
  EXPECT_EQ(s.context.trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(s.parent_span_id.hex(), "b7ad6b7169203331");
  EXPECT_EQ(s.context.trace_state.to_header(), "k=v");
  EXPECT_EQ(s.name, "");
  EXPECT_EQ(s.kind, SpanKind::client);
  EXPECT_EQ(s.start_time_unix_nano, 5u);
  EXPECT_EQ(s.end_time_unix_nano, 6u);
  EXPECT_EQ(s.context.flags.bits(), 1);
  EXPECT_TRUE(s.has_parent_flags);
  EXPECT_TRUE(s.parent_is_remote);
  EXPECT_EQ(std::get<bool>(*s.attributes.find("b")), true);
  EXPECT_EQ(std::get<std::int64_t>(*s.attributes.find("i")), -7);
  EXPECT_EQ(std::get<double>(*s.attributes.find("d")), 2.5);
  EXPECT_EQ(std::get<std::string>(*s.attributes.find("n")), "");
  EXPECT_EQ(std::get<std::string>(*s.attributes.find("e")), "");
  EXPECT_EQ(std::get<std::string>(*s.attributes.find("by")), "AAE=");
  EXPECT_EQ(std::get<std::string>(*s.attributes.find("kv")), "null");
  EXPECT_EQ(std::get<std::vector<std::int64_t>>(*s.attributes.find("ai")), (std::vector<std::int64_t>{1, 2}));
  EXPECT_EQ(std::get<std::vector<std::string>>(*s.attributes.find("am")), (std::vector<std::string>{"1", "true", ""}));
  EXPECT_EQ(std::get<std::vector<std::string>>(*s.attributes.find("ae")), std::vector<std::string>{});
  EXPECT_EQ(s.attributes.dropped(), 1u);
  ASSERT_EQ(s.events.size(), 1u);
  EXPECT_EQ(s.events[0].time_unix_nano, 9u);
  EXPECT_EQ(s.events[0].name, "ev");
  EXPECT_EQ(s.events[0].attributes.dropped(), 4u);
  EXPECT_EQ(s.dropped_events, 3u);
  ASSERT_EQ(s.links.size(), 1u);
  EXPECT_EQ(s.links[0].context.span_id.hex(), "b7ad6b7169203331");
  EXPECT_EQ(s.links[0].context.trace_state.to_header(), "a=b");
  EXPECT_EQ(s.links[0].context.flags.bits(), 1);
  EXPECT_TRUE(s.links[0].context.remote);
  EXPECT_EQ(s.dropped_links, 2u);
  EXPECT_EQ(s.status.code, StatusCode::error);
  EXPECT_EQ(s.status.description, "bad");
}

TEST(OtlpDecoding, TheFirstRejectedSpanIsNamedByItsPath) {
  const std::string json = R"({"resourceSpans":[{"scopeSpans":[{},{"spans":[{)" + std::string(kIds) +
                           R"(},{"traceId":"00000000000000000000000000000000","spanId":"00f067aa0ba902b7"},{}]}]}]})";
  const auto decoded = otlp::decode_traces_json(json);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->spans.size(), 1u);
  EXPECT_EQ(decoded->rejected_spans, 2u);
  EXPECT_EQ(decoded->rejection_reason,
            "resourceSpans[0].scopeSpans[1].spans[1]: traceId must be 32 hex digits, not all zero");
  const auto no_span_id = otlp::decode_traces_json(json_with_span(R"("traceId":"4bf92f3577b34da6a3ce929d0e0e4736")"));
  ASSERT_TRUE(no_span_id.ok());
  EXPECT_EQ(no_span_id->rejection_reason,
            "resourceSpans[0].scopeSpans[0].spans[0]: spanId must be 16 hex digits, not all zero");

  auto spans = test_support::sample_spans();
  spans.back()->context.trace_id = TraceId();
  const auto pb = otlp::decode_traces_protobuf(otlp::encode_traces_protobuf(spans));
  ASSERT_TRUE(pb.ok()) << pb.error().message;
  EXPECT_EQ(pb->rejected_spans, 1u);
  EXPECT_EQ(pb->rejection_reason.rfind("resourceSpans[", 0), 0u) << pb->rejection_reason;
  EXPECT_NE(pb->rejection_reason.find("].spans[0]: traceId must be 16 bytes, not all zero"), std::string::npos)
      << pb->rejection_reason;
}

TEST(OtlpResponses, JsonResponseErrorsNameThePath) {
  auto bad = otlp::decode_export_response_json(R"({"partial_success":{"rejected_spans":"x"}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "partialSuccess.rejectedSpans: expected an integer string");
  bad = otlp::decode_export_response_json(R"({"partialSuccess":{"errorMessage":1}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "partialSuccess.errorMessage: expected string");
  bad = otlp::decode_export_response_json(R"({"partialSuccess":1})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, "partialSuccess: expected object");
  const auto snake =
      otlp::decode_export_response_json(R"({"partial_success":{"rejected_spans":4,"error_message":"m"}})");
  ASSERT_TRUE(snake.ok()) << snake.error().message;
  EXPECT_EQ(snake->rejected_spans, 4);
  EXPECT_EQ(snake->error_message, "m");
  EXPECT_EQ(otlp::decode_status_message_json(R"({"message":5})"), "");
  EXPECT_EQ(otlp::decode_status_message_json("[]"), "");
}

namespace {
// A protobuf request with one span whose fields are `span`.
std::string protobuf_with_span(const std::string& span) { return field('\x0a', field('\x12', field('\x12', span))); }
const std::string kSpanIds = field('\x0a', std::string(16, '\x01')) + field('\x12', std::string(8, '\x01'));
}  // namespace

TEST(OtlpProtobuf, ErrorsNameThePathOfEveryField) {
  // The collector's indexer validates without decoding; it must say the same.
  const auto expect_error = [](const std::string& body, std::string_view message) {
    const auto decoded = otlp::decode_traces_protobuf(body);
    ASSERT_FALSE(decoded.ok()) << message;
    EXPECT_EQ(decoded.error().message, message);
    const auto indexed = otlp::index_traces_protobuf(body);
    ASSERT_FALSE(indexed.ok()) << message;
    EXPECT_EQ(indexed.error().message, message);
  };
  const std::string span = "resourceSpans[0].scopeSpans[0].spans[0].";
  const std::string event = field('\x12', "ev");
  expect_error(protobuf_with_span(kSpanIds + field('\x5a', event) + field('\x5a', "\x09\x01")),
               span + "events[1].timeUnixNano: truncated");
  expect_error(protobuf_with_span(kSpanIds + field('\x5a', "\x10\x01")),
               span + "events[0].name: expected length-delimited, got wire type 0");
  expect_error(protobuf_with_span(kSpanIds + field('\x5a', field('\x1a', field('\x12', "\x10")))),
               span + "events[0].attributes[0].value.boolValue: malformed varint");
  expect_error(protobuf_with_span(kSpanIds + field('\x5a', "\x1a\x01")), span + "events[0].attributes: truncated");
  expect_error(protobuf_with_span(kSpanIds + field('\x5a', "\x20")),
               span + "events[0].droppedAttributesCount: malformed varint");
  expect_error(protobuf_with_span(kSpanIds + field('\x6a', field('\x0a', "abc"))),
               span + "links[0].traceId: expected 16 bytes, got 3");
  expect_error(protobuf_with_span(kSpanIds + field('\x6a', field('\x0a', std::string(16, '\x01')))),
               span + "links[0].spanId: expected 8 bytes, got 0");
  expect_error(protobuf_with_span(kSpanIds + field('\x6a', "\x35\x01")), span + "links[0].flags: truncated");
  expect_error(protobuf_with_span(kSpanIds + field('\x6a', "\x1a")), span + "links[0].traceState: truncated");
  expect_error(protobuf_with_span(kSpanIds + field('\x6a', field('\x22', field('\x0a', "k") + "\x12"))),
               span + "links[0].attributes[0].value: truncated");
  expect_error(protobuf_with_span(kSpanIds + field('\x7a', "\x18\x80")), span + "status.code: malformed varint");
  expect_error(protobuf_with_span(kSpanIds + field('\x7a', "\x10\x01")),
               span + "status.message: expected length-delimited, got wire type 0");
  expect_error(protobuf_with_span(kSpanIds + "\x30"), span + "kind: malformed varint");
  expect_error(protobuf_with_span(kSpanIds + "\x39\x01"), span + "startTimeUnixNano: truncated");
  expect_error(protobuf_with_span(kSpanIds + "\x41\x01"), span + "endTimeUnixNano: truncated");
  expect_error(protobuf_with_span(kSpanIds + "\x60"), span + "droppedEventsCount: malformed varint");
  expect_error(protobuf_with_span(kSpanIds + "\x70"), span + "droppedLinksCount: malformed varint");
  expect_error(protobuf_with_span(kSpanIds + "\x50"), span + "droppedAttributesCount: malformed varint");
  expect_error(protobuf_with_span(kSpanIds + std::string("\x85\x01\x01", 3)), span + "flags: truncated");
  expect_error(protobuf_with_span(kSpanIds + "\x1a\x05"), span + "traceState: truncated");
  expect_error(protobuf_with_span(kSpanIds + "\x22\x05"), span + "parentSpanId: truncated");
  expect_error(protobuf_with_span(kSpanIds + field('\x4a', field('\x12', field('\x2a', field('\x0a', "\x10"))))),
               span + "attributes[0].value.arrayValue.values[0].boolValue: malformed varint");
  expect_error(protobuf_with_span(kSpanIds + field('\x4a', field('\x12', field('\x32', field('\x0a', "\x0a"))))),
               span + "attributes[0].value.kvlistValue.values[0].key: truncated");
  expect_error(protobuf_with_span(kSpanIds + field('\x4a', field('\x12', "\x21\x01"))),
               span + "attributes[0].value.doubleValue: truncated");
  expect_error(protobuf_with_span(kSpanIds + field('\x4a', field('\x12', "\x3a\x01"))),
               span + "attributes[0].value.bytesValue: truncated");
  expect_error(protobuf_with_span(kSpanIds + field('\x4a', field('\x12', "\x18"))),
               span + "attributes[0].value.intValue: malformed varint");
  expect_error(protobuf_with_span(kSpanIds + field('\x4a', field('\x12', "\x08"))),
               span + "attributes[0].value.stringValue: expected length-delimited, got wire type 0");
  // The resource and the scope.
  expect_error(field('\x0a', field('\x0a', field('\x0a', "\x08\x01"))),
               "resourceSpans[0].resource.attributes[0].key: expected length-delimited, got wire type 0");
  expect_error(field('\x0a', field('\x0a', "\x10")),
               "resourceSpans[0].resource.droppedAttributesCount: malformed varint");
  expect_error(field('\x0a', "\x1a\x03"), "resourceSpans[0].schemaUrl: truncated");
  expect_error(field('\x0a', field('\x12', "") + "\x12\x03"), "resourceSpans[0].scopeSpans: truncated");
  expect_error(field('\x0a', field('\x12', "") + field('\x12', field('\x0a', "\x0a\x01"))),
               "resourceSpans[0].scopeSpans[1].scope.name: truncated");
  expect_error(field('\x0a', field('\x12', field('\x0a', "\x12\x01"))),
               "resourceSpans[0].scopeSpans[0].scope.version: truncated");
  expect_error(field('\x0a', field('\x12', "\x1a\x01")), "resourceSpans[0].scopeSpans[0].schemaUrl: truncated");
  expect_error(field('\x0a', field('\x12', "\x12\x01")), "resourceSpans[0].scopeSpans[0].spans: truncated");
  expect_error(field('\x0a', "") + field('\x0a', "\x08"),
               "resourceSpans[1].resource: expected length-delimited, got wire type 0");
  // A scope's own fields are read before its spans, wherever they stand.
  expect_error(field('\x0a', field('\x12', field('\x12', "\x28\x01") + "\x1a\x01")),
               "resourceSpans[0].scopeSpans[0].schemaUrl: truncated");
  expect_error(field('\x0a', field('\x12', "") + "\x0a\x01"), "resourceSpans[0].resource: truncated");
  // Span ids that are not 16/8 bytes reject the span, not the request.
  const auto odd = otlp::decode_traces_protobuf(protobuf_with_span(field('\x0a', "x")));
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(odd->rejection_reason, span.substr(0, span.size() - 1) + ": traceId must be 16 bytes, not all zero");
  const auto odd_parent = otlp::decode_traces_protobuf(protobuf_with_span(kSpanIds + field('\x22', "x")));
  ASSERT_TRUE(odd_parent.ok());
  EXPECT_EQ(odd_parent->rejection_reason, span.substr(0, span.size() - 1) + ": parentSpanId must be 8 bytes or empty");

  auto pr = otlp::decode_export_response_protobuf(field('\x0a', "\x08"));
  ASSERT_FALSE(pr.ok());
  EXPECT_EQ(pr.error().message, "partialSuccess.rejectedSpans: malformed varint");
  pr = otlp::decode_export_response_protobuf(field('\x0a', "\x12\x01"));
  ASSERT_FALSE(pr.ok());
  EXPECT_EQ(pr.error().message, "partialSuccess.errorMessage: truncated");
  EXPECT_EQ(otlp::decode_status_message_protobuf("\x12\x05"), "");
}

namespace {
void expect_index_agrees(std::string_view body) {
  test_support::expect_same_judgement(otlp::decode_traces_protobuf(body), otlp::index_traces_protobuf(body));
}
}  // namespace

TEST(OtlpProtobufIndex, AgreesWithTheDecoderOnEveryPrefixOfARequest) {
  auto spans = test_support::sample_spans();
  spans[1]->context.span_id = SpanId();  // one rejected span too
  const std::string good = otlp::encode_traces_protobuf(spans);
  for (std::size_t n = 0; n <= good.size(); ++n) expect_index_agrees(std::string_view(good).substr(0, n));
}

TEST(OtlpProtobufIndex, StatusFieldsMergeAsTheDecoderMergesThem) {
  // status{code: ERROR} then status{message: "x"}: one ERROR status, as protobuf merges.
  const std::string body = protobuf_with_span(kSpanIds + field('\x7a', "\x18\x02") + field('\x7a', field('\x12', "x")));
  expect_index_agrees(body);
  const auto index = otlp::index_traces_protobuf(body);
  ASSERT_TRUE(index.ok());
  ASSERT_EQ(index->spans.size(), 1u);
  EXPECT_TRUE(index->spans[0].error);
}

TEST(OtlpProtobufIndex, NotesWhatTheStoreNeeds) {
  const auto spans = test_support::sample_spans();
  const std::string body = otlp::encode_traces_protobuf(spans);
  const auto index = otlp::index_traces_protobuf(body);
  ASSERT_TRUE(index.ok()) << index.error().message;
  ASSERT_EQ(index->spans.size(), spans.size());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const auto* service = spans[i]->resource().attributes().find("service.name");
    ASSERT_NE(service, nullptr);
    EXPECT_EQ(index->spans[i].service, std::get<std::string>(*service));
  }
  EXPECT_FALSE(index->spans[0].has_parent);
  EXPECT_TRUE(index->spans[1].has_parent);
  expect_index_agrees(body);
}

TEST(OtlpProtobufIndex, TheLastServiceNameWinsAndANonStringOneIsEmpty) {
  const auto kv = [](const std::string& key, const std::string& any) {
    return field('\x0a', field('\x0a', key) + field('\x12', any));
  };
  const std::string span = kSpanIds;
  const auto request = [&](const std::string& resource) {
    return field('\x0a', field('\x0a', resource) + field('\x12', field('\x12', span)));
  };
  // The index's views point into the body: it must outlive them.
  const std::string two = request(kv("service.name", field('\x0a', "a")) + kv("service.name", field('\x0a', "b")));
  auto first = otlp::index_traces_protobuf(two);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->spans.size(), 1u);
  EXPECT_EQ(first->spans[0].service, "b");
  const std::string number_body = request(kv("service.name", "\x18\x07"));  // intValue 7
  auto number = otlp::index_traces_protobuf(number_body);
  ASSERT_TRUE(number.ok());
  EXPECT_EQ(number->spans[0].service, "");
}

// A span's indexed attributes (kIndexedSpanAttributes) are its values as the decoded span
// has them: the last KeyValue of a key, the last member of its AnyValue, the last value
// field of its KeyValue; a string as it is, an int in decimal, a bool as true/false.
TEST(OtlpProtobufIndex, IndexedAttributesAreTheDecodedSpansValues) {
  const auto kv = [](const std::string& key, const std::string& any) {
    return field('\x4a', field('\x0a', key) + field('\x12', any));
  };
  const std::string conversation = "chat.conversation.id";
  // The index's note of the span's conversation id, after checking it agrees.
  const auto noted = [&](const std::string& span_fields,
                         test_support::UntypedValues untyped = test_support::UntypedValues::absent) {
    const std::string body = protobuf_with_span(kSpanIds + span_fields);
    test_support::expect_same_judgement(otlp::decode_traces_protobuf(body), otlp::index_traces_protobuf(body), untyped);
    const auto index = otlp::index_traces_protobuf(body);
    EXPECT_TRUE(index.ok() && index->spans.size() == 1);
    if (!index.ok() || index->spans.size() != 1) return std::string("(failed)");
    const auto& v = index->spans[0].attributes[otlp::kConversationIdAttribute];
    return v.has_value() ? std::string(v.text()) : std::string("(none)");
  };
  EXPECT_EQ(noted(kv(conversation, field('\x0a', "c-1"))), "c-1");
  EXPECT_EQ(noted(kv(conversation, field('\x0a', std::string("a\0\nb", 4)))), std::string("a\0\nb", 4));
  EXPECT_EQ(noted(kv(conversation, "\x18" + varint(503))), "503");
  EXPECT_EQ(noted(kv(conversation, "\x18" + varint(static_cast<std::uint64_t>(-7)))), "-7");
  EXPECT_EQ(noted(kv(conversation, "\x18" + varint(1ULL << 63))), "-9223372036854775808");
  EXPECT_EQ(noted(kv(conversation, std::string("\x10\x01", 2))), "true");
  EXPECT_EQ(noted(kv(conversation, std::string("\x10\x02", 2))), "true");
  EXPECT_EQ(noted(kv(conversation, std::string("\x10\x00", 2))), "false");
  EXPECT_EQ(noted(kv(conversation, "\x21" + std::string(8, '\0'))), "(none)");                     // double
  EXPECT_EQ(noted(kv(conversation, field('\x2a', field('\x0a', field('\x0a', "x"))))), "(none)");  // array
  EXPECT_EQ(noted(kv(conversation, "")), "");                                                      // empty AnyValue
  EXPECT_EQ(noted(field('\x4a', field('\x0a', conversation))), "");                                // no value
  EXPECT_EQ(noted(kv(conversation, field('\x0a', "s") + "\x18\x05")), "5");  // the last member counts
  EXPECT_EQ(noted(kv(conversation, "\x18\x05" + field('\x0a', "s"))), "s");
  EXPECT_EQ(noted(kv(conversation, field('\x0a', "s") + "\x40\x01")), "s");  // an unknown member changes nothing
  // The last value field of the KeyValue, and its last key.
  EXPECT_EQ(
      noted(field('\x4a', field('\x0a', conversation) + field('\x12', field('\x0a', "a")) + field('\x12', "\x18\x02"))),
      "2");
  EXPECT_EQ(noted(field('\x4a', field('\x0a', conversation) + field('\x12', field('\x0a', "a")) + field('\x0a', "k"))),
            "(none)");
  EXPECT_EQ(noted(field('\x4a', field('\x12', field('\x0a', "late key")) + field('\x0a', conversation))), "late key");
  // The last KeyValue of the key.
  EXPECT_EQ(noted(kv(conversation, field('\x0a', "a")) + kv(conversation, field('\x0a', "b"))), "b");
  EXPECT_EQ(noted(kv(conversation, field('\x0a', "a")) + kv(conversation, "\x21" + std::string(8, '\0'))), "(none)");
  EXPECT_EQ(noted(kv(conversation, "\x21" + std::string(8, '\0')) + kv(conversation, field('\x0a', "a"))), "a");
  // An event's attributes are not the span's.
  EXPECT_EQ(noted(field('\x5a', field('\x1a', field('\x0a', conversation) + field('\x12', field('\x0a', "e"))))),
            "(none)");
  // A bytesValue or kvlistValue: the decoder keeps it as text, the index notes nothing.
  EXPECT_EQ(noted(kv(conversation, field('\x3a', "xyz")), test_support::UntypedValues::possible), "(none)");
  EXPECT_EQ(noted(kv(conversation, field('\x32', "")), test_support::UntypedValues::possible), "(none)");
  // Every indexed key, and one that is not.
  std::string all;
  for (std::size_t i = 0; i < otlp::kIndexedSpanAttributes.size(); ++i) {
    all += kv(std::string(otlp::kIndexedSpanAttributes[i]), field('\x0a', "v" + std::to_string(i)));
  }
  all += kv("chat.conversation.ID", field('\x0a', "other"));
  const std::string body = protobuf_with_span(kSpanIds + all);
  expect_index_agrees(body);
  const auto index = otlp::index_traces_protobuf(body);
  ASSERT_TRUE(index.ok() && index->spans.size() == 1);
  for (std::size_t i = 0; i < otlp::kIndexedSpanAttributes.size(); ++i) {
    EXPECT_EQ(index->spans[0].attributes[i].text(), "v" + std::to_string(i));
  }
}

// Keys a collector was told to index are noted in their slots after the built-in ones,
// as the decoded span has them; a key that is not indexed is not noted.
TEST(OtlpProtobufIndex, AddedKeysAreNotedInTheirSlots) {
  otlp::IndexedKeys keys;
  ASSERT_TRUE(keys.add("order.id").ok());
  ASSERT_TRUE(keys.add("customer.tier").ok());
  ASSERT_TRUE(keys.add("order.id").ok());  // again: the same slot
  ASSERT_EQ(keys.size(), 7u);
  const auto kv = [](const std::string& key, const std::string& any) {
    return field('\x4a', field('\x0a', key) + field('\x12', any));
  };
  const std::string body =
      protobuf_with_span(kSpanIds + kv("order.id", field('\x0a', "o-42")) + kv("customer.tier", "\x18" + varint(3)) +
                         kv("not.indexed", field('\x0a', "x")));
  const auto index = otlp::index_traces_protobuf(body, keys);
  test_support::expect_same_judgement(otlp::decode_traces_protobuf(body), index, test_support::UntypedValues::absent,
                                      keys);
  ASSERT_TRUE(index.ok() && index->spans.size() == 1);
  const auto& noted = index->spans[0].attributes;
  EXPECT_EQ(noted[5].text(), "o-42");
  EXPECT_EQ(noted[6].text(), "3");
  for (std::size_t i = 7; i < noted.size(); ++i) EXPECT_FALSE(noted[i].has_value()) << i;
  // Without the keys (the built-in ones alone), nothing of them.
  const auto plain = otlp::index_traces_protobuf(body);
  ASSERT_TRUE(plain.ok() && plain->spans.size() == 1);
  for (std::size_t i = 5; i < noted.size(); ++i) EXPECT_FALSE(plain->spans[0].attributes[i].has_value()) << i;
}

TEST(OtlpIndexedKeys, SlotsAndLimits) {
  otlp::IndexedKeys keys;
  EXPECT_EQ(keys.slot("chat.conversation.id"), 0);
  EXPECT_EQ(keys.slot("order.id"), -1);
  EXPECT_FALSE(keys.add("").ok());
  for (const char* unusable : {"a=b", "line\nbreak", "tab\tkey", "del\x7f"}) {
    const auto refused = keys.add(unusable);
    EXPECT_FALSE(refused.ok()) << unusable;
  }
  EXPECT_TRUE(keys.add("http.request.header.x-order-id").ok());
  EXPECT_FALSE(keys.add(std::string(otlp::kMaxIndexedKeyBytes + 1, 'k')).ok());
  for (std::size_t i = keys.size(); i < otlp::kMaxIndexedSpanAttributes; ++i) {
    ASSERT_TRUE(keys.add("k" + std::to_string(i)).ok()) << i;
  }
  const auto full = keys.add("one.more");
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.error().message.find("at most 16"), std::string::npos) << full.error().message;
  EXPECT_EQ(keys.slot("k15"), 15);
}

// index_traces (of decoded spans) notes the same values from the spans' attributes.
TEST(OtlpProtobufIndex, IndexedAttributesOfDecodedSpans) {
  auto spans = test_support::sample_spans();
  spans[0]->attributes.set("chat.conversation.id", "conv-1");
  spans[0]->attributes.set("http.response.status_code", std::int64_t{404});
  spans[0]->attributes.set("error.type", true);
  spans[0]->attributes.set("dataaction.name", 1.5);
  spans[1]->attributes.set("chat.session.id", AttributeValue(std::vector<std::string>{"a"}));
  const std::string body = otlp::encode_traces_protobuf(spans);
  expect_index_agrees(body);
  const auto decoded = otlp::decode_traces_protobuf(body);
  ASSERT_TRUE(decoded.ok());
  const auto index = otlp::index_traces(*decoded);
  ASSERT_EQ(index.spans.size(), spans.size());
  const auto& a = index.spans[0].attributes;
  EXPECT_EQ(a[0].text(), "conv-1");
  EXPECT_FALSE(a[1].has_value());
  EXPECT_FALSE(a[2].has_value());  // a double
  EXPECT_EQ(a[3].text(), "404");
  EXPECT_EQ(a[4].text(), "true");
  EXPECT_FALSE(index.spans[1].attributes[1].has_value());  // an array
  // The notes are values, not views of a buffer a copy would leave behind.
  const otlp::SpanSummary copy = index.spans[0];
  EXPECT_EQ(copy.attributes[3].text(), "404");
  static_assert(otlp::kIndexedSpanAttributes[3] == "http.response.status_code");
}
