// index_traces_json checks a JSON request as its text is parsed, without a document;
// decode_traces_json reads a parsed document. Their verdicts must be the same, word for
// word, on every input: the hand-written cases below are the ways the two reads could
// part (a member given twice or in both spellings, fields in another order than the
// decoder reads them, text with escapes), and a generator makes thousands more.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "otlp/index_agreement.h"
#include "support/sample_spans.h"
#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/json_encoding.h"

using namespace tracechat;

namespace {

void expect_agrees(std::string_view body, test_support::UntypedValues untyped = test_support::UntypedValues::absent) {
  SCOPED_TRACE(std::string(body));
  std::shared_ptr<const void> document;
  test_support::expect_same_judgement(otlp::decode_traces_json(body), otlp::index_traces_json(body, document), untyped);
}

constexpr std::string_view kTrace = R"("4bf92f3577b34da6a3ce929d0e0e4736")";
constexpr std::string_view kSpan = R"("00f067aa0ba902b7")";

// A request with one resource whose scope holds `spans` (the members of the spans list).
std::string request(std::string_view spans, std::string_view resource = "") {
  std::string out = R"({"resourceSpans":[{)";
  if (!resource.empty()) out.append(R"("resource":)").append(resource).append(",");
  out.append(R"("scopeSpans":[{"spans":[)").append(spans).append("]}]}]}");
  return out;
}
std::string span(std::string_view members) {
  return "{\"traceId\":" + std::string(kTrace) + ",\"spanId\":" + std::string(kSpan) + (members.empty() ? "" : ",") +
         std::string(members) + "}";
}

}  // namespace

TEST(OtlpJsonIndex, AgreesWithTheDecoder) {
  auto spans = test_support::sample_spans();
  expect_agrees(otlp::encode_traces_json(spans));
  spans[1]->context.span_id = trace::SpanId();  // a rejected span
  const std::string json = otlp::encode_traces_json(spans);
  expect_agrees(json);
  for (std::size_t n = 0; n < json.size(); n += 7) expect_agrees(std::string_view(json).substr(0, n));
  expect_agrees(
      R"({"resourceSpans":[null,{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}},{"key":"service.name","value":{"bytesValue":"Yg=="}}]},"scopeSpans":[{"spans":[{"traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","spanId":"00F067AA0BA902B7","name":"x"}]}]}]})");
  expect_agrees(
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"intValue":"7"}}]},"scopeSpans":[{"spans":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7","status":{"code":"STATUS_CODE_ERROR"}}]}]}]})");
}

// The decoder reads a span's fields in one order and reports the first bad one; the
// text may give them in any order.
TEST(OtlpJsonIndex, ReportsTheBadFieldTheDecoderReadsFirst) {
  expect_agrees(request(span(R"("status":5,"flags":"x","name":7)")));
  expect_agrees(request(span(R"("links":[{"flags":true}],"events":[{"name":1}])")));
  expect_agrees(request(R"({"status":{"code":"NOPE"},"traceId":"zz"})"));
  // A link's ids are checked for presence after they are read, before its other fields.
  expect_agrees(request(span(R"("links":[{"traceState":1,"traceId":)" + std::string(kTrace) + "}]")));
  expect_agrees(request(span(R"("links":[{"traceState":1,"spanId":"zz"}])")));
  expect_agrees(request(span(R"("links":[{"flags":1.5,"spanId":"","traceId":)" + std::string(kTrace) + "}]")));
  // The first bad item of a list, whatever comes after it.
  expect_agrees(request(span(R"("attributes":[{"key":1},{"key":"k","value":{"boolValue":2}}])")));
  expect_agrees(request(span(R"("kind":"SPAN_KIND_SIDEWAYS")") + "," + span(R"("kind":1.5)")));
  // A bad span after a rejected one, and the other way round.
  expect_agrees(request(R"({"spanId":"00f067aa0ba902b7"},{"traceId":1})"));
  expect_agrees(request(R"({"traceId":1},{"spanId":"00f067aa0ba902b7"})"));
  // Errors outside spans.
  expect_agrees(R"({"resourceSpans":[{"schemaUrl":1,"resource":{"droppedAttributesCount":-1}}]})");
  expect_agrees(R"({"resourceSpans":[{"scopeSpans":[{"scope":{"version":2,"name":1},"schemaUrl":[]}]}]})");
  expect_agrees(R"({"resourceSpans":[{"scopeSpans":[{"scope":[]}]}]})");
  expect_agrees(R"({"resourceSpans":{}})");
  expect_agrees(R"({"resourceSpans":[1]})");
  expect_agrees(R"({"resourceSpans":[{"scopeSpans":[null,2]}]})");
  expect_agrees(request("null"));
}

// As in the document the decoder reads, the last of a repeated member counts, and the
// lowerCamelCase spelling beats the snake_case one wherever it stands.
TEST(OtlpJsonIndex, TheMemberThatCountsIsTheOneTheDocumentKeeps) {
  expect_agrees(request(span(R"("name":1,"name":"good")")));
  expect_agrees(request(span(R"("name":"good","name":1)")));
  expect_agrees(
      request(R"({"traceId":"zz","traceId":)" + std::string(kTrace) + R"(,"spanId":)" + std::string(kSpan) + "}"));
  expect_agrees(request(span(R"("start_time_unix_nano":"x","startTimeUnixNano":"5")")));
  expect_agrees(request(span(R"("startTimeUnixNano":"5","start_time_unix_nano":"x")")));
  expect_agrees(request(span(R"("end_time_unix_nano":"6","end_time_unix_nano":"7")")));
  expect_agrees(request(span(R"("status":{"code":2},"status":null)")));
  expect_agrees(request(span(R"("status":{"code":2},"status":{"code":2,"message":"m","code":0})")));
  expect_agrees(request(span(R"("parentSpanId":"00f067aa0ba902b7","parent_span_id":"")")));
  expect_agrees(request(span(R"("parent_span_id":"","parentSpanId":"00f067aa0ba902b7")")));
  // Lists that hold spans, given twice: the spans (and rejections) of the first are gone.
  expect_agrees(R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + span("") +
                R"(,{"traceId":"00000000000000000000000000000000"}],"schemaUrl":"u","spans":[{"spanId":"x1"}]}]}]})");
  expect_agrees(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":1}],"spans":[)" + span("") + "]}]}]}");
  expect_agrees(R"({"resourceSpans":[{"scope_spans":[{"spans":[)" + span(R"("name":"a")") +
                R"(]}],"scopeSpans":[{"spans":[)" + span(R"("name":"b")") + "]}]}]}");
  expect_agrees(R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + span(R"("name":"a")") +
                R"(]}],"scope_spans":[{"spans":[{"traceId":1}]}]}]})");
  expect_agrees(R"({"resource_spans":[{"scopeSpans":[{"spans":[)" + span("") + R"(]}]}],"resource_spans":[]})");
  expect_agrees(R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + span("") +
                R"(]}]}],"resource_spans":[{"scopeSpans":[{"spans":[{"traceId":1}]}]}]})");
  // The AnyValue oneof: the first member present (null counts), in the decoder's order.
  expect_agrees(request(span(R"("attributes":[{"key":"k","value":{"boolValue":2,"stringValue":"s"}}])")));
  expect_agrees(request(span(R"("attributes":[{"key":"k","value":{"intValue":"x","boolValue":null}}])")));
  expect_agrees(request(span(R"("attributes":[{"key":"k","value":{"doubleValue":"NaN","int_value":"x"}}])")));
  expect_agrees(request(span(R"("attributes":[{"key":"k","value":{"doubleValue":null}}])")));
  expect_agrees(request(span(R"("attributes":[{"key":"k","value":{"kvlistValue":7,"bytesValue":1}}])")));
  expect_agrees(request(span(R"("attributes":[{"key":"k","value":{"bytes_value":1,"bytesValue":"eA=="}}])")));
  expect_agrees(request(span(R"("attributes":[{"key":"k","value":{"arrayValue":{"values":[1]},"arrayValue":{}}}])")));
  expect_agrees(
      request(span(R"("attributes":[{"key":"k","value":{"arrayValue":{"values":[null,{"boolValue":1}]}}}])")));
}

TEST(OtlpJsonIndex, TheServiceIsTheResourcesLastServiceName) {
  const std::string one = span("");
  expect_agrees(request(one, R"({"attributes":[{"value":{"stringValue":"late key"},"key":"service.name"}]})"));
  expect_agrees(request(one, R"({"attributes":[{"key":"service.name","value":{"stringValue":"a"}}],"attributes":[]})"));
  // The resource after the spans it describes.
  expect_agrees(R"({"resourceSpans":[{"scopeSpans":[{"spans":[)" + one +
                R"(]}],"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"after"}}]}}]})");
  expect_agrees(request(
      one,
      R"({"attributes":[{"key":"service.name","value":{"arrayValue":{"values":[{"stringValue":"x"}]},"stringValue":"first"}}]})"));
  expect_agrees(request(one, R"({"attributes":[{"key":"service.name","value":{"intValue":3}}]})"));
  expect_agrees(request(one, R"({"attributes":[{"key":"service.name","value":null}]})"));
  expect_agrees(
      request(one, R"({"attributes":[{"key":"service.name","value":{"stringValue":"a"}},{"key":"service.name"}]})"));
  expect_agrees(
      request(one, R"({"attributes":[{"key":"service\u002ename","value":{"stringValue":"esc\u00e9aped"}}]})"));
  expect_agrees(request(
      one,
      R"({"droppedAttributesCount":1,"attributes":[{"key":"service.name","value":{"stringValue":"a"}}],"droppedAttributesCount":2})"));
  // A service.name elsewhere than the resource is not the service.
  expect_agrees(request(span(R"("attributes":[{"key":"service.name","value":{"stringValue":"span's"}}])")));
  expect_agrees(
      R"({"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"a"}}]},"scopeSpans":[{"spans":[)" +
      one + R"(]}]},{"scopeSpans":[{"spans":[)" + one + "]}]}]}");
}

// The index notes the service only when the resource's service.name is text: for any
// other value, a kvlistValue included (which the decoder turns into JSON text), none.
TEST(OtlpJsonIndex, ServiceNameIsTextOnly) {
  for (std::string_view value : {R"({"kvlistValue":{"values":[]}})", R"({"intValue":3})", R"({"boolValue":true})",
                                 R"({"arrayValue":{"values":[{"stringValue":"x"}]}})", "null", "{}"}) {
    const std::string body =
        request(span(""), R"({"attributes":[{"key":"service.name","value":)" + std::string(value) + "}]}");
    std::shared_ptr<const void> document;
    const auto index = otlp::index_traces_json(body, document);
    ASSERT_TRUE(index.ok()) << index.error().message;
    ASSERT_EQ(index->spans.size(), 1u);
    EXPECT_EQ(index->spans[0].service, "") << value;
  }
}

// Keys a collector was told to index are noted in their slots, as the decoder has them.
TEST(OtlpJsonIndex, AddedKeysAreNotedInTheirSlots) {
  otlp::IndexedKeys keys;
  ASSERT_TRUE(keys.add("order.id").ok());
  ASSERT_TRUE(keys.add("customer.vip").ok());
  const std::string body = request(
      span(R"("attributes":[{"key":"order.id","value":{"stringValue":"o-42"}},)"
           R"({"key":"customer.vip","value":{"boolValue":true}},{"key":"not.indexed","value":{"stringValue":"x"}}])"));
  std::shared_ptr<const void> document;
  const auto index = otlp::index_traces_json(body, document, keys);
  test_support::expect_same_judgement(otlp::decode_traces_json(body), index, test_support::UntypedValues::absent, keys);
  ASSERT_TRUE(index.ok() && index->spans.size() == 1);
  EXPECT_EQ(index->spans[0].attributes[5].text(), "o-42");
  EXPECT_EQ(index->spans[0].attributes[6].text(), "true");
  EXPECT_FALSE(index->spans[0].attributes[7].has_value());
}

// A span's indexed attributes (kIndexedSpanAttributes) are its values as the decoded span
// has them: the last of a key given twice, a string as it is, an int in decimal, a bool
// as true/false; any other type is not indexed.
TEST(OtlpJsonIndex, IndexedAttributesAreTheDecodedSpansValues) {
  using namespace std::string_view_literals;
  const auto attribute = [](std::string_view key, std::string_view value) {
    return R"({"key":")" + std::string(key) + R"(","value":)" + std::string(value) + "}";
  };
  const auto with = [&](const std::vector<std::string>& attributes) {
    std::string list;
    for (const auto& a : attributes) list += (list.empty() ? "" : ",") + a;
    return request(span(R"("attributes":[)" + list + "]"));
  };
  // key, value, what the index notes (none: nothing)
  struct Case {
    std::string_view key, value;
    std::optional<std::string_view> noted;
  };
  const Case cases[] = {
      {"chat.conversation.id", R"({"stringValue":"c-1"})", "c-1"},
      {"chat.session.id", R"({"stringValue":""})", ""},
      {"http.response.status_code", R"({"intValue":"0503"})", "503"},
      {"http.response.status_code", R"({"intValue":-7})", "-7"},
      {"http.response.status_code", R"({"intValue":"-9223372036854775808"})", "-9223372036854775808"},
      {"http.response.status_code", R"({"int_value":null})", "0"},
      {"error.type", R"({"boolValue":true})", "true"},
      {"error.type", R"({"bool_value":false})", "false"},
      {"error.type", R"({"doubleValue":1.5})", std::nullopt},
      {"error.type", R"({"arrayValue":{"values":[{"stringValue":"x"}]}})", std::nullopt},
      {"dataaction.name", R"({"stringValue":"caf\u00e9\n\u0000"})", "caf\xc3\xa9\n\0"sv},
      {"dataaction.name", "null", ""},
      {"dataaction.name", "{}", ""},
      {"dataaction.name", R"({"unknown":1})", ""},
      // The decoder's order of the oneof, whatever the text's.
      {"dataaction.name", R"({"intValue":5,"stringValue":"s"})", "s"},
      {"dataaction.name", R"({"doubleValue":2,"boolValue":true})", "true"},
      {"dataaction.name", R"({"string_value":"snake","stringValue":"camel","string_value":"again"})", "camel"},
  };
  for (const auto& c : cases) {
    const std::string body = with({attribute(c.key, c.value)});
    SCOPED_TRACE(body);
    expect_agrees(body);
    std::shared_ptr<const void> document;
    const auto index = otlp::index_traces_json(body, document);
    ASSERT_TRUE(index.ok()) << index.error().message;
    ASSERT_EQ(index->spans.size(), 1u);
    const auto& value = index->spans[0].attributes[static_cast<std::size_t>(otlp::default_indexed_keys().slot(c.key))];
    EXPECT_EQ(value.has_value(), c.noted.has_value());
    if (c.noted) {
      EXPECT_EQ(value.text(), *c.noted);
    }
  }
  // The last of a key given twice; a key spelt with escapes; the value before the key.
  const auto noted = [&](const std::string& body) {
    SCOPED_TRACE(body);
    expect_agrees(body);
    std::shared_ptr<const void> document;
    const auto index = otlp::index_traces_json(body, document);
    EXPECT_TRUE(index.ok() && index->spans.size() == 1);
    const auto& v = index->spans.at(0).attributes[otlp::kConversationIdAttribute];
    return v.has_value() ? std::string(v.text()) : std::string("(none)");
  };
  EXPECT_EQ(noted(with({attribute("chat.conversation.id", R"({"stringValue":"a"})"),
                        attribute("chat.conversation.id", R"({"stringValue":"b"})")})),
            "b");
  EXPECT_EQ(noted(with({attribute("chat.conversation.id", R"({"stringValue":"a"})"),
                        attribute("chat.conversation.id", R"({"doubleValue":1})")})),
            "(none)");
  EXPECT_EQ(noted(with({attribute(R"(chat\u002econversation.id)", R"({"stringValue":"escaped key"})")})),
            "escaped key");
  EXPECT_EQ(noted(with({R"({"value":{"stringValue":"late key"},"key":"chat.conversation.id"})"})), "late key");
  EXPECT_EQ(noted(with({R"({"key":"chat.conversation.id","value":{"stringValue":"x"},"key":"other"})"})), "(none)");
  EXPECT_EQ(noted(with({R"({"key":"chat.conversation.id","value":{"stringValue":"x"},"value":null})"})), "");
  EXPECT_EQ(noted(with({R"({"key":"chat.conversation.id"})"})), "");
  // The span's attributes given twice: the first list is gone.
  EXPECT_EQ(noted(request(span(R"("attributes":[)" + attribute("chat.conversation.id", R"({"stringValue":"a"})") +
                               R"(],"attributes":[])"))),
            "(none)");
  EXPECT_EQ(noted(request(span(R"("attributes":[)" + attribute("chat.conversation.id", R"({"stringValue":"a"})") +
                               R"(],"attributes":null)"))),
            "(none)");
  // Not the span's own: an event's, a link's, the resource's.
  EXPECT_EQ(noted(request(span(R"("events":[{"attributes":[)" +
                               attribute("chat.conversation.id", R"({"stringValue":"a"})") + "]}]"))),
            "(none)");
  EXPECT_EQ(
      noted(request(span(R"("links":[{"traceId":)" + std::string(kTrace) + R"(,"spanId":)" + std::string(kSpan) +
                         R"(,"attributes":[)" + attribute("chat.conversation.id", R"({"stringValue":"a"})") + "]}]"))),
      "(none)");
  EXPECT_EQ(noted(request(span(""),
                          R"({"attributes":[)" + attribute("chat.conversation.id", R"({"stringValue":"a"})") + "]}")),
            "(none)");
  // A bytesValue or kvlistValue: the decoder keeps it as text, the index notes nothing.
  for (std::string_view value : {R"({"bytesValue":"eA=="})", R"({"kvlistValue":{"values":[]}})"}) {
    const std::string body = with({attribute("chat.conversation.id", value)});
    expect_agrees(body, test_support::UntypedValues::possible);
    std::shared_ptr<const void> document;
    const auto index = otlp::index_traces_json(body, document);
    ASSERT_TRUE(index.ok() && index->spans.size() == 1);
    EXPECT_FALSE(index->spans[0].attributes[otlp::kConversationIdAttribute].has_value());
  }
}

// Text written with escapes is unescaped into storage the index keeps: its views stay
// good after the parser is gone (the sanitizer build would see one that did not).
TEST(OtlpJsonIndex, TextWithEscapesIsKeptUnescaped) {
  const std::string body =
      request(span(R"("name":"\tstarts with an escape")") + "," + span(R"("name":"ends with one\n")") + "," +
                  span(R"("name":"plain")"),
              R"({"attributes":[{"key":"service.name","value":{"stringValue":"caf\u00e9 \"ui\""}}]})");
  std::shared_ptr<const void> document;
  const auto index = otlp::index_traces_json(body, document);
  ASSERT_TRUE(index.ok()) << index.error().message;
  ASSERT_EQ(index->spans.size(), 3u);
  EXPECT_EQ(index->spans[0].name, "\tstarts with an escape");
  EXPECT_EQ(index->spans[1].name, "ends with one\n");
  EXPECT_EQ(index->spans[2].name, "plain");
  EXPECT_EQ(index->spans[2].name.data(), body.data() + body.find("plain"));  // a view of the body itself
  for (const auto& s : index->spans) EXPECT_EQ(s.service, "caf\xc3\xa9 \"ui\"");
  expect_agrees(body);
}

TEST(OtlpJsonIndex, WhatIsNotARequestIsRefusedAsTheDecoderRefusesIt) {
  for (std::string_view body : {"", " ", "[]", "null", "1", "\"x\"", "{", "{}", "{} {}", "{}x", "{\"a\":}",
                                "{\"resourceSpans\":[],}", "\xff", "{\"resourceSpans\":\"\xff\"}"}) {
    expect_agrees(body);
  }
  std::string deep = "{\"x\":";
  for (int i = 0; i < 70; ++i) deep += "[";
  for (int i = 0; i < 70; ++i) deep += "]";
  expect_agrees(deep + "}");
  // AnyValues nested 20 deep: past the parser's nesting limit (64) long before
  // kMaxAnyValueDepth (32), as every body deep enough to reach that limit is.
  std::string nested = R"({"key":"k","value":)";
  for (int i = 0; i < 20; ++i) nested += R"({"arrayValue":{"values":[)";
  nested += "1";
  for (int i = 0; i < 20; ++i) nested += "]}}";
  expect_agrees(request(span("\"attributes\":[" + nested + "}]")));
}

TEST(OtlpJsonIndex, IntegersAndEnumsReadAsTheMappingSays) {
  for (std::string_view value :
       {"0", "\"12\"", "1e3", "1.5", "-1", "\"-1\"", "18446744073709551615", "18446744073709551616", "\"0x10\"",
        "\" 1\"", "true", "{}", "[]", "null", "9007199254740993.0", "-0", "4294967296"}) {
    const std::string v(value);
    expect_agrees(request(span("\"startTimeUnixNano\":" + v)));
    expect_agrees(request(span("\"flags\":" + v)));
    expect_agrees(request(span("\"kind\":" + v)));
    expect_agrees(request(span("\"status\":{\"code\":" + v + "}")));
    expect_agrees(request(span("\"attributes\":[{\"key\":\"k\",\"value\":{\"intValue\":" + v + "}}]")));
    expect_agrees(request(span("\"attributes\":[{\"key\":\"k\",\"value\":{\"doubleValue\":" + v + "}}]")));
  }
  for (std::string_view name : {"\"SPAN_KIND_SERVER\"", "\"STATUS_CODE_ERROR\"", "\"span_kind_server\"", "\"2\""}) {
    expect_agrees(request(span("\"kind\":" + std::string(name))));
    expect_agrees(request(span("\"status\":{\"code\":" + std::string(name) + "}")));
  }
}

namespace {

// Random requests shaped like OTLP: every field of every message, sometimes missing,
// null, of the wrong type, given twice, spelt in snake_case, in a shuffled order, with
// unknown members among them, and with text that has escapes.
class RequestGenerator {
 public:
  explicit RequestGenerator(std::uint64_t seed) : rng_(seed) {}

  // Each request has its own share of bad values: none, a few, or many.
  std::string next() {
    static const std::vector<int> noise = {0, 0, 1, 3, 10};
    noise_ = one_of(noise);
    std::string out;
    message(out, "request", 0);
    return out;
  }

 private:
  struct F {
    std::string_view name, alternate, type;
  };

  bool chance(int percent) { return std::uniform_int_distribution<int>(0, 99)(rng_) < percent; }
  template <typename T>
  const T& one_of(const std::vector<T>& choices) {
    return choices[std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(rng_)];
  }

  static std::vector<F> fields_of(std::string_view message) {
    if (message == "request") return {{"resourceSpans", "resource_spans", "list:resource_spans"}};
    if (message == "resource_spans") {
      return {{"resource", "", "message:resource"},
              {"schemaUrl", "schema_url", "string"},
              {"scopeSpans", "scope_spans", "list:scope_spans"}};
    }
    if (message == "resource") {
      return {{"attributes", "", "list:resource_attribute"},
              {"droppedAttributesCount", "dropped_attributes_count", "uint"}};
    }
    if (message == "scope_spans") {
      return {{"scope", "", "message:scope"}, {"schemaUrl", "schema_url", "string"}, {"spans", "", "list:span"}};
    }
    if (message == "scope") return {{"name", "", "string"}, {"version", "", "string"}};
    if (message == "span") {
      return {{"traceId", "trace_id", "id16"},
              {"spanId", "span_id", "id8"},
              {"parentSpanId", "parent_span_id", "id8"},
              {"traceState", "trace_state", "string"},
              {"name", "", "string"},
              {"kind", "", "kind"},
              {"startTimeUnixNano", "start_time_unix_nano", "uint64"},
              {"endTimeUnixNano", "end_time_unix_nano", "uint64"},
              {"flags", "", "uint"},
              {"attributes", "", "list:attribute"},
              {"droppedAttributesCount", "dropped_attributes_count", "uint"},
              {"events", "", "list:event"},
              {"links", "", "list:link"},
              {"droppedEventsCount", "dropped_events_count", "uint"},
              {"droppedLinksCount", "dropped_links_count", "uint"},
              {"status", "", "message:status"}};
    }
    if (message == "event") {
      return {{"timeUnixNano", "time_unix_nano", "uint64"},
              {"name", "", "string"},
              {"attributes", "", "list:attribute"},
              {"droppedAttributesCount", "dropped_attributes_count", "uint"}};
    }
    if (message == "link") {
      return {{"traceId", "trace_id", "id16"},         {"spanId", "span_id", "id8"},
              {"traceState", "trace_state", "string"}, {"flags", "", "uint"},
              {"attributes", "", "list:attribute"},    {"droppedAttributesCount", "dropped_attributes_count", "uint"}};
    }
    if (message == "status") return {{"code", "", "status"}, {"message", "", "string"}};
    if (message == "attribute" || message == "resource_attribute") {
      return {{"key", "", message == "attribute" ? "attribute_key" : "key"},
              {"value", "", message == "attribute" ? "any" : "message:resource_any"}};
    }
    if (message == "any" || message == "resource_any") {
      // A kvlistValue service.name is the one place the two may differ: the decoder
      // turns the value into JSON text, the index notes no service (the
      // ServiceNameIsTextOnly test), so a resource's attributes have none here.
      const std::string_view kvlist = message == "any" ? "kvlistValue" : "unknownField";
      return {{"stringValue", "string_value", "string"},
              {"boolValue", "bool_value", "bool"},
              {"intValue", "int_value", "uint64"},
              {"doubleValue", "double_value", "double"},
              {"arrayValue", "array_value", "message:array"},
              {kvlist, "", "junk"},
              {"bytesValue", "bytes_value", "string"}};
    }
    if (message == "array") return {{"values", "", "list:any"}};
    return {};
  }

  void junk(std::string& out, int depth) {
    static const std::vector<std::string_view> scalars = {"1", "-7", "1.5", "true", "false", "null", "\"x\"", "\"\""};
    const int kind = depth > 3 ? 0 : std::uniform_int_distribution<int>(0, 5)(rng_);
    if (kind == 4) {
      out += "[";
      if (chance(60)) junk(out, depth + 1);
      out += "]";
    } else if (kind == 5) {
      out += "{";
      if (chance(60)) {
        out += "\"traceId\":";
        junk(out, depth + 1);
      }
      out += "}";
    } else {
      out += one_of(scalars);
    }
  }

  void text(std::string& out) {
    static const std::vector<std::string_view> texts = {
        "\"chat.send\"", "\"\"", "\"a\\nb\"", "\"\\u00e9t\\u00e9\"", "\"\\tlead\"", "\"service.name\"", "\"x\\\"y\""};
    out += one_of(texts);
  }

  // A value of `type`: a bad one (of the wrong type, or one the type refuses) with the
  // request's noise as its chance.
  void value(std::string& out, std::string_view type, int depth) {
    const bool bad = chance(noise_);
    if (bad && chance(50)) return junk(out, depth);
    if (chance(3)) {
      out += "null";
      return;
    }
    if (type == "string") return text(out);
    if (type == "key") {
      out += chance(60) ? "\"service.name\"" : chance(50) ? "\"service\\u002ename\"" : "\"host.name\"";
      return;
    }
    if (type == "attribute_key") {
      // Mostly the keys a store indexes (few, so a span often gives one twice).
      static const std::vector<std::string_view> keys = {R"("chat.conversation.id")",
                                                         R"("chat.session.id")",
                                                         R"("dataaction.name")",
                                                         R"("http.response.status_code")",
                                                         R"("error.type")",
                                                         R"("chat\u002econversation.id")",
                                                         R"("error.typ")"};
      if (chance(70)) {
        out += one_of(keys);
      } else {
        text(out);
      }
      return;
    }
    if (type == "id16" || type == "id8") {
      const std::size_t digits = type == "id16" ? 32 : 16;
      static const std::string hex = "0123456789abcdefABCDEF";
      std::string id;
      const int shape = bad ? std::uniform_int_distribution<int>(0, 3)(rng_) : 4;
      if (shape == 0) {
        id.assign(digits, '0');
      } else if (shape == 1) {
        id.clear();
      } else if (shape == 2) {
        id.assign(digits - 1, 'a');
      } else if (shape == 3) {
        id.assign(digits, 'g');
      } else {
        for (std::size_t i = 0; i < digits; ++i) id += hex[std::uniform_int_distribution<std::size_t>(0, 21)(rng_)];
      }
      out += "\"" + id + "\"";
      return;
    }
    if (type == "uint" || type == "uint64") {
      static const std::vector<std::string_view> good = {"0", "17", "1e3", "\"4294967295\""};
      static const std::vector<std::string_view> good64 = {"\"1764000000000000000\"", "1764000000000000000"};
      static const std::vector<std::string_view> refused = {"2.5", "-1", "\"-1\"", "\"x\"", "18446744073709551616"};
      out += one_of(bad ? refused : type == "uint64" && chance(50) ? good64 : good);
      if (bad && type == "uint" && chance(30)) out += "0";  // past uint32
      return;
    }
    if (type == "kind" || type == "status") {
      static const std::vector<std::string_view> good = {"0", "2", "7", "\"1\""};
      static const std::vector<std::string_view> kinds = {"\"SPAN_KIND_CLIENT\"", "\"SPAN_KIND_UNSPECIFIED\""};
      static const std::vector<std::string_view> codes = {"\"STATUS_CODE_ERROR\"", "\"STATUS_CODE_OK\""};
      static const std::vector<std::string_view> refused = {"\"NOPE\"", "-2", "true", "\"SPAN_KIND_SERVER \""};
      out += one_of(bad ? refused : chance(50) ? good : type == "kind" ? kinds : codes);
      return;
    }
    if (type == "bool") {
      out += bad ? "3" : "true";
      return;
    }
    if (type == "double") {
      static const std::vector<std::string_view> good = {"1.25", "3", "\"NaN\"", "\"-Infinity\""};
      out += bad ? "\"nan\"" : one_of(good);
      return;
    }
    if (type == "junk") return junk(out, depth);
    if (type == "any") {
      if (depth > 8) {
        out += R"({"stringValue":"leaf"})";
        return;
      }
      return message(out, "any", depth + 1);
    }
    if (type.starts_with("message:")) return message(out, type.substr(8), depth + 1);
    if (type.starts_with("list:")) {
      const std::string_view item = type.substr(5);
      out += "[";
      const int n = std::uniform_int_distribution<int>(0, item == "span" ? 4 : 2)(rng_);
      for (int i = 0; i < n; ++i) {
        if (i > 0) out += ",";
        if (chance(5)) {
          out += "null";
        } else if (chance(noise_)) {
          junk(out, depth);
        } else if (item == "any") {
          value(out, "any", depth);
        } else {
          message(out, item, depth + 1);
        }
      }
      out += "]";
    }
  }

  void message(std::string& out, std::string_view name, int depth) {
    auto fields = fields_of(name);
    // An AnyValue usually has one member; other messages most of theirs.
    const int keep = name == "any" || name == "resource_any" ? 20 : 70;
    std::vector<std::pair<const F*, bool>> members;  // field, alternate spelling
    for (const auto& f : fields) {
      const bool id = (name == "span" || name == "link") && (f.name == "traceId" || f.name == "spanId");
      if (id ? chance(95) : chance(keep)) {
        members.emplace_back(&f, !f.alternate.empty() && chance(15));
        if (chance(5)) members.emplace_back(&f, !f.alternate.empty() && chance(50));  // given twice
      }
    }
    if (chance(30)) std::shuffle(members.begin(), members.end(), rng_);
    out += "{";
    bool first = true;
    for (const auto& [f, alternate] : members) {
      if (!first) out += ",";
      first = false;
      out += "\"" + std::string(alternate ? f->alternate : f->name) + "\":";
      value(out, f->type, depth);
    }
    if (chance(5)) {
      out += first ? "" : ",";
      out += "\"unknownField\":";
      junk(out, depth);
    }
    out += "}";
  }

  std::mt19937_64 rng_;
  int noise_ = 0;
};

}  // namespace

TEST(OtlpJsonIndex, AgreesWithTheDecoderOnGeneratedRequests) {
  RequestGenerator generate(20261204);
  std::size_t accepted = 0, spans = 0, indexed_values = 0;
  for (int i = 0; i < 20000; ++i) {
    const std::string body = generate.next();
    // (Span attributes' values may be bytesValues or kvlistValues.)
    expect_agrees(body, test_support::UntypedValues::possible);
    if (HasFailure()) break;
    std::shared_ptr<const void> document;
    if (const auto index = otlp::index_traces_json(body, document)) {
      ++accepted;
      spans += index->spans.size();
      for (const auto& s : index->spans) {
        indexed_values += static_cast<std::size_t>(
            std::count_if(s.attributes.begin(), s.attributes.end(), [](const auto& v) { return v.has_value(); }));
      }
    }
  }
  // The generator must make requests that are accepted too, not only errors, and spans
  // with indexed attributes.
  EXPECT_GT(accepted, 2000u);
  EXPECT_GT(spans, 1500u);
  EXPECT_GT(indexed_values, 250u);
  EXPECT_LT(accepted, 18000u);
}
