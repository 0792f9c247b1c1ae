#include "tracechat/otlp/decoding.h"

#include <gtest/gtest.h>

#include <cmath>

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
