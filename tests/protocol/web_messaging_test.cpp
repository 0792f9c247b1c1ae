#include "tracechat/protocol/web_messaging.h"

#include <gtest/gtest.h>

using namespace tracechat::protocol::web_messaging;

namespace {
RequestError request_error(std::string_view text) {
  auto r = parse_client_request(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? RequestError{} : r.error();
}
}  // namespace

TEST(WebMessagingClient, ParsesConfigureSessionAndRoundTrips) {
  auto r = parse_client_request(
      R"({"action":"configureSession","token":"t-1","deploymentId":"d","startNew":true,"tracingId":"x"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& c = std::get<ConfigureSession>(*r);
  EXPECT_EQ(c.token, "t-1");
  EXPECT_EQ(c.deployment_id, "d");
  EXPECT_TRUE(c.start_new);
  EXPECT_EQ(*c.tracing_id, "x");
  EXPECT_EQ(serialize(*r),
            R"({"action":"configureSession","token":"t-1","tracingId":"x","deploymentId":"d","startNew":true})");
}

TEST(WebMessagingClient, ParsesOnMessageWithEventsAndCustomAttributes) {
  auto r = parse_client_request(R"({"action":"onMessage","token":"t","message":{"type":"Event",
    "events":[{"eventType":"Presence","presence":{"type":"Join"}},{"eventType":"Typing","typing":{"type":"On","duration":5000}}],
    "channel":{"metadata":{"customAttributes":{"otel_trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}}}}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& m = std::get<OnMessage>(*r).message;
  ASSERT_EQ(m.events.size(), 2u);
  EXPECT_EQ(m.events[0], (MessageEvent{"Presence", "Join", std::nullopt}));
  EXPECT_EQ(m.events[1], (MessageEvent{"Typing", "On", 5000}));
  ASSERT_TRUE(m.custom_attributes);
  EXPECT_EQ(m.custom_attributes->at("otel_trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  auto again = parse_client_request(serialize(*r));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(serialize(*again), serialize(*r));
}

TEST(WebMessagingClient, ErrorsNameThePathAndKeepTheTracingId) {
  auto e = request_error(
      R"({"action":"onMessage","token":"t","tracingId":"tr","message":{"type":"Text","text":"x","channel":{"metadata":{"customAttributes":{"x":1}}}}})");
  EXPECT_EQ(e.message, "message.channel.metadata.customAttributes.x: expected string");
  EXPECT_EQ(*e.tracing_id, "tr");
  EXPECT_EQ(request_error(R"({"action":"onMessage","token":"t"})").message, "message: required");
  EXPECT_EQ(request_error(R"({"token":"t"})").message, "action: required");
  EXPECT_EQ(request_error(R"({"action":"fly","token":"t"})").message, "action: unknown action 'fly'");
  EXPECT_EQ(request_error(R"({"action":"echo","token":""})").message, "token: must not be empty");
  EXPECT_EQ(request_error(R"({"action":"onMessage","token":"t","message":{"type":"Text"}})").message,
            "message.text: required for a Text message");
  EXPECT_EQ(
      request_error(R"({"action":"onMessage","token":"t","message":{"type":"Event","events":[{"eventType":"Wave"}]}})")
          .message,
      "message.events[0].eventType: expected Presence or Typing");
  EXPECT_EQ(request_error(R"({"action":"onMessage","token":"t","message":{"type":"Blob","text":"x"}})").message,
            "message.type: expected Text, Structured, Event, Message or Receipt");
  EXPECT_NE(request_error(std::string(60, '[')).message.find("deeper"), std::string::npos);
  EXPECT_EQ(request_error("{").code, 400);
}

TEST(WebMessagingClient, LintReportsTheDeprecatedLocationAndUnknownFields) {
  EXPECT_EQ(
      lint_client_request(R"({"action":"onMessage","token":"t","channel":{"metadata":{"customAttributes":{"a":"b"}}},
    "message":{"type":"Text","text":"x","customAttributes":{"a":"b"}}})"),
      (std::vector<std::string>{"channel.metadata.customAttributes", "message.customAttributes"}));
  EXPECT_EQ(lint_client_request(R"({"action":"onMessage","token":"t","message":{"type":"Text","text":"x",
    "channel":{"metadata":{"customAttributes":{"a":"b"}}}}})"),
            std::vector<std::string>{});
  EXPECT_EQ(lint_client_request(R"({"action":"configureSession","token":"t","deploymentId":"d","extra":1})"),
            std::vector<std::string>{"extra"});
}

TEST(WebMessagingServer, SerializesAndParsesEveryClass) {
  ServerMessage session{"response", 200, "tr", SessionResponse{}};
  auto parsed = parse_server_message(serialize(session));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(class_name(parsed->body), "SessionResponse");
  EXPECT_EQ(std::get<SessionResponse>(parsed->body).max_custom_data_bytes, 2048);
  EXPECT_EQ(*parsed->tracing_id, "tr");

  StructuredMessage m;
  m.id = "m1";
  m.text = "hello";
  m.direction = "Outbound";
  m.originating_entity = "Bot";
  m.channel_time = "2026-11-25T10:31:59.123Z";
  m.from = Participant{"Bot", "b1", "Opaque"};
  auto round = parse_server_message(serialize(ServerMessage{"message", 200, std::nullopt, m}));
  ASSERT_TRUE(round.ok()) << round.error().message;
  const auto& back = std::get<StructuredMessage>(round->body);
  EXPECT_EQ(*back.text, "hello");
  EXPECT_EQ(back.direction, "Outbound");
  EXPECT_EQ(*back.from, (Participant{"Bot", "b1", "Opaque"}));

  auto limited = parse_server_message(
      R"({"type":"response","class":"TooManyRequestsErrorMessage","code":429,"body":{"errorCode":"4029","errorMessage":"slow down","retryAfter":3}})");
  ASSERT_TRUE(limited.ok());
  EXPECT_EQ(std::get<TooManyRequests>(limited->body).retry_after_seconds, 3);
  auto text = parse_server_message(R"({"type":"response","class":"string","code":400,"body":"bad thing"})");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(std::get<ErrorText>(text->body).text, "bad thing");
  auto closed =
      parse_server_message(R"({"type":"message","class":"ConnectionClosedEvent","code":200,"body":{"reason":"x"}})");
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(std::get<ConnectionClosedEvent>(closed->body).reason_code, "x");
  for (const char* k : {"SessionExpiredEvent", "SessionClearedEvent"}) {
    EXPECT_TRUE(
        parse_server_message(std::string(R"({"type":"message","class":")") + k + R"(","code":200,"body":{}})").ok());
  }
}

TEST(WebMessagingServer, RejectsMalformedMessagesWithPaths) {
  EXPECT_EQ(
      parse_server_message(R"({"type":"response","class":"TooManyRequestsErrorMessage","body":{}})").error().message,
      "body.retryAfter: required");
  // Found by web_messaging_fuzz: a huge retryAfter used to overflow its conversion to an integer.
  EXPECT_EQ(
      parse_server_message(R"({"type":"response","class":"TooManyRequestsErrorMessage","body":{"retryAfter":1e300}})")
          .error()
          .message,
      "body.retryAfter: more than 2147483647 seconds");
  // Found by web_messaging_fuzz: an errorCode given as a string had no range, and the
  // number it became was refused when read back.
  EXPECT_EQ(
      parse_server_message(
          R"({"type":"response","class":"TooManyRequestsErrorMessage","body":{"errorCode":"000000002034751869","retryAfter":0}})")
          .error()
          .message,
      "body.errorCode: out of range");
  // Found by web_messaging_fuzz as well: the parser turns 0e330 into NaN, which no bound catches.
  EXPECT_EQ(
      parse_server_message(R"({"type":"response","class":"TooManyRequestsErrorMessage","body":{"retryAfter":0e330}})")
          .error()
          .message,
      "body.retryAfter: number out of range");
  auto fraction =
      parse_server_message(R"({"type":"response","class":"TooManyRequestsErrorMessage","body":{"retryAfter":1.2}})");
  ASSERT_TRUE(fraction.ok());
  EXPECT_EQ(std::get<TooManyRequests>(fraction->body).retry_after_seconds, 2) << "rounds up, never retries early";
  EXPECT_EQ(parse_server_message(R"({"type":"response","class":"string","body":{}})").error().message,
            "body: expected string");
  EXPECT_EQ(parse_server_message(R"({"type":"x","class":"string","body":"b"})").error().message,
            "type: expected response or message");
  EXPECT_EQ(parse_server_message(R"({"type":"message","class":"Nope","body":{}})").error().message,
            "class: unknown class 'Nope'");
  EXPECT_EQ(
      parse_server_message(R"({"type":"message","class":"StructuredMessage","body":{"type":"Text","direction":"Up"}})")
          .error()
          .message,
      "body.direction: expected Inbound or Outbound");
  EXPECT_EQ(parse_server_message(
                R"({"type":"message","class":"StructuredMessage","body":{"type":"Text","channel":{"from":{"id":3}}}})")
                .error()
                .message,
            "body.channel.from.id: expected string");
}
