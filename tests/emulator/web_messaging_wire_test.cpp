// The fields and codes of the emulator's Web Messaging frames that clients model, read
// raw: metadata.correlationId, channel.messageId, the platform's numeric error codes with
// `class: "string"` bodies, and TooManyRequestsErrorMessage with a numeric errorCode.
#include "tracechat/protocol/uuid.h"
#include "web_messaging_fixture.h"

using namespace tracechat::testing;
namespace emulator = tracechat::emulator;

namespace {

class WebMessagingWire : public WebMessagingTest {};

class WebMessagingWireNoBot : public WebMessagingTest {
  void configure(emulator::EmulatorOptions& o) override { o.config.bot.enabled = false; }
};

std::string correlation_id(const json::value& message) {
  const auto& body = message.at("body").as_object();
  const auto* metadata = body.if_contains("metadata");
  return metadata != nullptr ? text_of(*metadata, "correlationId") : "<no metadata>";
}

// An error answer: {"type":"response","class":"string","code":N,"body":"<text>"}.
void expect_error(const json::value& v, int code, const std::string& tracing_id = "") {
  EXPECT_EQ(text_of(v, "type"), "response") << json::serialize(v);
  EXPECT_EQ(text_of(v, "class"), "string") << json::serialize(v);
  EXPECT_EQ(v.at("code"), code) << json::serialize(v);
  EXPECT_TRUE(v.at("body").is_string()) << json::serialize(v);
  if (!tracing_id.empty()) {
    EXPECT_EQ(text_of(v, "tracingId"), tracing_id);
  }
}

}  // namespace

TEST_F(WebMessagingWire, EveryStructuredMessageCarriesACorrelationIdAndTheEchoItsMessageId) {
  auto ws = session();
  ws->send_json(on_message(text_message("Where is my order?"), "m1"));
  auto echo = read_message(*ws, "Text", "Inbound");
  EXPECT_EQ(text_of(echo, "tracingId"), "m1");
  EXPECT_TRUE(tracechat::protocol::is_uuid(correlation_id(echo))) << json::serialize(echo);
  EXPECT_EQ(text_of(echo.at("body").at("channel"), "messageId"), text_of(echo.at("body"), "id"));

  auto reply = read_message(*ws, "Text", "Outbound");
  EXPECT_TRUE(tracechat::protocol::is_uuid(correlation_id(reply))) << json::serialize(reply);
  EXPECT_NE(correlation_id(reply), correlation_id(echo));

  ws->send_json(on_message(event_message(presence("Join")), "j1"));
  EXPECT_TRUE(tracechat::protocol::is_uuid(correlation_id(read_message(*ws, "Event", "Inbound"))));

  ws->send_json({{"action", "echo"},
                 {"token", kSessionToken},
                 {"tracingId", "hb"},
                 {"message", {{"type", "Text"}, {"text", "ping"}}}});
  auto heartbeat = read_class(*ws, "StructuredMessage");
  EXPECT_EQ(text_of(heartbeat, "type"), "response");
  EXPECT_TRUE(tracechat::protocol::is_uuid(correlation_id(heartbeat)));
}

TEST_F(WebMessagingWireNoBot, TooManyRequestsHasANumericErrorCodeAndAPlainRate) {
  auto ws = session();
  for (int i = 0; i < 6; ++i) ws->send_json(on_message(text_message("x"), "r" + std::to_string(i)));
  auto limited = read_class(*ws, "TooManyRequestsErrorMessage");
  ASSERT_TRUE(limited.is_object());
  EXPECT_EQ(text_of(limited, "type"), "response");
  EXPECT_EQ(limited.at("code"), 429);
  ASSERT_TRUE(limited.at("body").at("errorCode").is_int64()) << json::serialize(limited);
  EXPECT_EQ(limited.at("body").at("errorCode"), 4029);
  const auto message = text_of(limited.at("body"), "errorMessage");
  EXPECT_NE(message.find("more than 2 messages per second"), std::string::npos) << message;
  EXPECT_EQ(message.find("2.0"), std::string::npos) << "a rate prints as 2, not 2.000000: " << message;
}

TEST_F(WebMessagingWire, ErrorsUseThePlatformsCodes) {
  auto ws = open(web_messaging_path());
  // 4007: no session on this connection yet.
  ws->send_json(on_message(text_message("hi"), "early"));
  expect_error(ws->read_json(), 4007, "early");
  // 4020: a required member is missing.
  ws->send_json({{"action", "configureSession"}, {"token", kSessionToken}, {"tracingId", "cfg0"}});
  auto missing = ws->read_json();
  expect_error(missing, 4020, "cfg0");
  EXPECT_EQ(text_of(missing, "body"), "deploymentId: required");
  // 400: what cannot be read at all.
  ws->send_text("{oops");
  expect_error(ws->read_json(), 400);
  configure_session(*ws);
  ws->send_json({{"action", "onMessage"}, {"token", kSessionToken}, {"tracingId", "nomsg"}});
  expect_error(ws->read_json(), 4020, "nomsg");
  ws->send_json(on_message(json::object{{"type", "Text"}}, "notext"));
  expect_error(ws->read_json(), 4020, "notext");
  // 4011: text over the limit (4096 characters).
  ws->send_json(on_message(text_message(std::string(4097, 'a')), "long"));
  expect_error(ws->read_json(), 4011, "long");
  // 4013: custom attributes over maxCustomDataBytes.
  json::object attributes;
  for (int i = 0; i < 9; ++i) attributes["k" + std::to_string(i)] = std::string(250, 'x');
  auto message = text_message("hi");
  message["channel"] = {{"metadata", {{"customAttributes", attributes}}}};
  ws->send_json(on_message(message, "big"));
  expect_error(ws->read_json(), 4013, "big");
  // No code of the platform's: HTTP-like 4xx.
  ws->send_json(on_message(text_message("hi"), "other", "someone-elses-token"));
  expect_error(ws->read_json(), 403, "other");
  ws->send_json(on_message(json::object{{"type", "Receipt"}, {"text", "x"}}, "receipt"));
  expect_error(ws->read_json(), 400, "receipt");
  ws->send_text(R"({"action":"echo","token":"x","pad":")" + std::string(70000, 'p') + "\"}");
  expect_error(ws->read_json(), 413);
  ws->send_binary("\x01\x02");
  expect_error(ws->read_json(), 400);
}

TEST_F(WebMessagingWire, AttributesWithoutAConversationAreRefusedClearly) {
  auto ws = session();
  auto typing =
      json::object{{"type", "Event"}, {"events", json::array{{{"eventType", "Typing"}, {"typing", {{"type", "On"}}}}}}};
  typing["channel"] = {{"metadata", {{"customAttributes", {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}}}}}};
  ws->send_json(on_message(typing, "t1"));
  auto refused = ws->read_json();
  expect_error(refused, 400, "t1");
  EXPECT_NE(text_of(refused, "body").find("no conversation yet"), std::string::npos);
  EXPECT_EQ(start().stats().conversations, 0u);
}
