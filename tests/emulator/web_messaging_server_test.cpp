// The Web Messaging dialect against the emulator, over a real WebSocket with raw frames.
#include "emulator_fixture.h"

using namespace tracechat::testing;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const char* kToken = "7d2e4c1a-0b9f-4e3d-8c7b-6a5f4e3d2c1b";
const char* kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string str(const json::value& v, const char* key) {
  if (!v.is_object() || !v.as_object().contains(key) || !v.at(key).is_string())
    return "<missing " + std::string(key) + ">";
  return std::string(v.at(key).as_string());
}

json::value read_class(RawWsClient& ws, const std::string& klass) {
  for (;;) {
    auto v = ws.read_json();
    if (!v.is_object()) return v;
    if (str(v, "class") == klass) return v;
  }
}

class WebMessaging : public EmulatorTest {
 protected:
  json::value configure_session(RawWsClient& ws, const char* token = kToken, bool start_new = false) {
    json::object request{
        {"action", "configureSession"}, {"token", token}, {"deploymentId", kDeployment}, {"tracingId", "cfg-1"}};
    if (start_new) request["startNew"] = true;
    ws.send_json(request);
    return read_class(ws, "SessionResponse");
  }
};

class WebMessagingNoBot : public WebMessaging {
  void configure(tracechat::emulator::EmulatorOptions& o) override { o.config.bot.enabled = false; }
};

}  // namespace

TEST_F(WebMessaging, RefusesBadDeploymentsBeforeTheUpgrade) {
  int status = 0;
  EXPECT_EQ(open("/v1", &status), nullptr);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(open("/v1?deploymentId=zzz", &status), nullptr);
  EXPECT_EQ(status, 400);
  EXPECT_NE(open(web_messaging_path() + "&application=tracechat%20tests"), nullptr);
}

class WebMessagingRestricted : public WebMessaging {
  void configure(tracechat::emulator::EmulatorOptions& o) override {
    o.config.deployments = {"99999999-9999-4999-8999-999999999999"};
  }
};

TEST_F(WebMessagingRestricted, UnknownDeploymentIs404) {
  int status = 0;
  EXPECT_EQ(open(web_messaging_path(), &status), nullptr);
  EXPECT_EQ(status, 404);
}

TEST_F(WebMessaging, ConfigureSessionAnswersWithTheSessionAndEchoesTracingId) {
  auto ws = open(web_messaging_path());
  ws->send_text(R"({"action":"onMessage","token":"t","tracingId":"early","message":{"type":"Text","text":"hi"}})");
  auto early = ws->read_json();
  EXPECT_EQ(str(early, "class"), "string");
  EXPECT_EQ(early.at("code"), 4007);  // session not found: configureSession first
  EXPECT_EQ(str(early, "tracingId"), "early");

  auto session = configure_session(*ws);
  EXPECT_EQ(str(session, "type"), "response");
  EXPECT_EQ(session.at("code"), 200);
  EXPECT_EQ(str(session, "tracingId"), "cfg-1");
  const auto& body = session.at("body");
  EXPECT_EQ(body.at("connected"), true);
  EXPECT_EQ(body.at("newSession"), true);
  EXPECT_EQ(body.at("readOnly"), false);
  EXPECT_EQ(body.at("maxCustomDataBytes"), 2048);

  // Same token again, on a new connection: the same session, not a new one.
  auto again = open(web_messaging_path());
  EXPECT_EQ(configure_session(*again).at("body").at("newSession"), false);

  ws->send_json({{"action", "configureSession"}, {"token", kToken}, {"deploymentId", kDeployment}});
  EXPECT_EQ(read_class(*ws, "string").at("code"), 400);  // already configured here
  auto other = open(web_messaging_path());
  other->send_json(
      {{"action", "configureSession"}, {"token", "x"}, {"deploymentId", "99999999-9999-4999-8999-999999999999"}});
  EXPECT_EQ(read_class(*other, "string").at("code"), 400);  // not the URL's deployment
}

TEST_F(WebMessaging, ASessionTokenNamesASessionOnlyOnItsOwnDeployment) {
  auto a = open(web_messaging_path());
  EXPECT_EQ(configure_session(*a).at("body").at("newSession"), true);

  // The same token on another deployment is another guest's session, not A's.
  const std::string other_deployment = "99999999-9999-4999-8999-999999999999";
  auto b = open(std::string("/v1?deploymentId=") + other_deployment);
  b->send_json({{"action", "configureSession"}, {"token", kToken}, {"deploymentId", other_deployment}});
  EXPECT_EQ(read_class(*b, "SessionResponse").at("body").at("newSession"), true);

  // Back on A's deployment, the token still resumes A's session.
  auto again = open(web_messaging_path());
  EXPECT_EQ(configure_session(*again).at("body").at("newSession"), false);
}

TEST_F(WebMessaging, AShortSessionTokenIsRefused) {
  auto ws = open(web_messaging_path());
  ws->send_json({{"action", "configureSession"}, {"token", "x"}, {"deploymentId", kDeployment}});
  const auto refused = read_class(*ws, "string");
  EXPECT_EQ(refused.at("code"), 400);
  EXPECT_NE(str(refused, "body").find("at least 16 characters"), std::string::npos);
  ws->send_json({{"action", "configureSession"}, {"token", "0123456789abcdef"}, {"deploymentId", kDeployment}});
  EXPECT_EQ(read_class(*ws, "SessionResponse").at("body").at("newSession"), true);
}

TEST_F(WebMessaging, PresenceJoinCarriesCustomAttributesIntoParticipantData) {
  auto ws = open(web_messaging_path());
  configure_session(*ws);
  ws->send_json(
      {{"action", "onMessage"},
       {"token", kToken},
       {"tracingId", kTraceparent},
       {"message",
        {{"type", "Event"},
         {"events", json::array{{{"eventType", "Presence"}, {"presence", {{"type", "Join"}}}}}},
         {"channel",
          {{"metadata",
            {{"customAttributes",
              {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}, {"otel_span_id", "00f067aa0ba902b7"}}}}}}}}}});
  auto echo = read_class(*ws, "StructuredMessage");
  EXPECT_EQ(str(echo, "type"), "message");
  EXPECT_EQ(str(echo, "tracingId"), kTraceparent);
  EXPECT_EQ(str(echo.at("body"), "type"), "Event");
  EXPECT_EQ(str(echo.at("body"), "direction"), "Inbound");
  EXPECT_EQ(str(echo.at("body").at("events").at(0).at("presence"), "type"), "Join");

  auto found = records_with_attribute("otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(str(found.at(0).at("participants").at(0).at("attributes"), "otel_span_id"), "00f067aa0ba902b7");
}

TEST_F(WebMessaging, DeprecatedTopLevelChannelMetadataIsSilentlyIgnored) {
  auto ws = open(web_messaging_path());
  configure_session(*ws);
  ws->send_json(
      {{"action", "onMessage"},
       {"token", kToken},
       {"tracingId", "m1"},
       {"channel", {{"metadata", {{"customAttributes", {{"otel_trace_id", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}}}}}}},
       {"message", {{"type", "Text"}, {"text", "hello"}}}});
  auto echo = read_class(*ws, "StructuredMessage");
  EXPECT_EQ(str(echo, "tracingId"), "m1");  // no error: the attributes just vanish
  EXPECT_TRUE(records_with_attribute("otel_trace_id", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa").empty());
}

TEST_F(WebMessaging, TextIsEchoedInboundAndTheBotAnswersOutbound) {
  auto ws = open(web_messaging_path());
  configure_session(*ws);
  ws->send_json({{"action", "onMessage"},
                 {"token", kToken},
                 {"tracingId", "t-1"},
                 {"message", {{"type", "Text"}, {"text", "Where is my order?"}}}});
  auto echo = read_class(*ws, "StructuredMessage");
  EXPECT_EQ(str(echo, "tracingId"), "t-1");
  EXPECT_EQ(str(echo.at("body"), "direction"), "Inbound");
  EXPECT_EQ(str(echo.at("body"), "text"), "Where is my order?");
  auto reply = read_class(*ws, "StructuredMessage");
  EXPECT_FALSE(reply.as_object().contains("tracingId"));
  EXPECT_EQ(str(reply.at("body"), "direction"), "Outbound");
  EXPECT_EQ(str(reply.at("body"), "originatingEntity"), "Bot");
  EXPECT_EQ(str(reply.at("body"), "text"), "You said: Where is my order?");
  EXPECT_EQ(str(reply.at("body").at("channel").at("from"), "nickname"), "Tracechat Bot");
}

TEST_F(WebMessagingNoBot, OnMessageIsLimitedToTheRateWithRetryAfter) {
  auto ws = open(web_messaging_path());
  configure_session(*ws);
  for (int i = 0; i < 6; ++i) {
    ws->send_json({{"action", "onMessage"},
                   {"token", kToken},
                   {"tracingId", "r" + std::to_string(i)},
                   {"message", {{"type", "Text"}, {"text", "x"}}}});
  }
  int echoed = 0;
  int limited = 0;
  for (int i = 0; i < 6; ++i) {
    auto v = ws->read_json();
    if (str(v, "class") == "StructuredMessage") ++echoed;
    if (str(v, "class") == "TooManyRequestsErrorMessage") {
      ++limited;
      EXPECT_EQ(v.at("code"), 429);
      EXPECT_EQ(v.at("body").at("retryAfter"), 1);
      EXPECT_EQ(str(v, "tracingId").substr(0, 1), "r");
    }
  }
  EXPECT_EQ(echoed, 4);
  EXPECT_EQ(limited, 2);
}

TEST_F(WebMessaging, EchoAnswersWithTheSameText) {
  auto ws = open(web_messaging_path());
  configure_session(*ws);
  ws->send_text(std::string(R"({"action":"echo","token":")") + kToken +
                R"(","tracingId":"hb","message":{"type":"Text","text":"ping"}})");
  auto v = read_class(*ws, "StructuredMessage");
  EXPECT_EQ(str(v, "type"), "response");
  EXPECT_EQ(str(v, "tracingId"), "hb");
  EXPECT_EQ(str(v.at("body"), "text"), "ping");
}

TEST_F(WebMessaging, OverBudgetAttributesAreRejectedWhole) {
  auto ws = open(web_messaging_path());
  configure_session(*ws);
  json::object attributes;
  for (int i = 0; i < 9; ++i) attributes["k" + std::to_string(i)] = std::string(250, 'x');
  attributes["marker"] = "m";
  ws->send_json(
      {{"action", "onMessage"},
       {"token", kToken},
       {"tracingId", "big"},
       {"message",
        {{"type", "Text"}, {"text", "hi"}, {"channel", {{"metadata", {{"customAttributes", attributes}}}}}}}});
  auto v = read_class(*ws, "string");
  EXPECT_EQ(v.at("code"), 4013);  // over maxCustomDataBytes
  EXPECT_EQ(str(v, "tracingId"), "big");
  EXPECT_TRUE(records_with_attribute("marker", "m").empty());
  EXPECT_FALSE(ws->read(200ms));  // and the text was not posted
}

TEST_F(WebMessaging, BadRequestsAreAnsweredAndTheConnectionStaysOpen) {
  auto ws = open(web_messaging_path());
  ws->send_text("{oops");
  EXPECT_EQ(read_class(*ws, "string").at("code"), 400);
  ws->send_text(R"({"action":"configureSession","token":"t"})");
  EXPECT_EQ(str(read_class(*ws, "string"), "body"), "deploymentId: required");
  ws->send_binary("\x01\x02");
  EXPECT_EQ(read_class(*ws, "string").at("code"), 400);
  configure_session(*ws);
  ws->send_json({{"action", "onMessage"}, {"token", "someone-else"}, {"message", {{"type", "Text"}, {"text", "x"}}}});
  EXPECT_EQ(read_class(*ws, "string").at("code"), 403);
  ws->send_json({{"action", "onMessage"}, {"token", kToken}, {"message", {{"type", "Text"}, {"text", 5}}}});
  EXPECT_EQ(str(read_class(*ws, "string"), "body"), "message.text: expected string");
  ws->send_text(R"({"action":"echo","token":"x","pad":")" + std::string(70000, 'p') + "\"}");
  EXPECT_EQ(read_class(*ws, "string").at("code"), 413);
  ws->send_text(std::string(R"({"action":"echo","token":")") + kToken +
                R"(","message":{"type":"Text","text":"alive"}})");
  EXPECT_EQ(str(read_class(*ws, "StructuredMessage").at("body"), "text"), "alive");
}

TEST_F(WebMessaging, CloseSessionClosesEveryConnectionOfTheSession) {
  auto a = open(web_messaging_path());
  auto b = open(web_messaging_path());
  configure_session(*a);
  configure_session(*b);
  a->send_json({{"action", "closeSession"}, {"token", kToken}, {"tracingId", "bye"}, {"closeAllConnections", true}});
  auto answer = read_class(*a, "string");
  EXPECT_EQ(answer.at("code"), 200);
  EXPECT_EQ(str(answer, "tracingId"), "bye");
  EXPECT_EQ(str(read_class(*a, "ConnectionClosedEvent"), "type"), "message");
  EXPECT_EQ(a->wait_closed(), 1000);
  read_class(*b, "ConnectionClosedEvent");
  EXPECT_EQ(b->wait_closed(), 1000);
}

TEST_F(WebMessaging, GuestDisconnectMakesTheSessionReadOnlyUntilStartNew) {
  auto ws = open(web_messaging_path());
  configure_session(*ws);
  ws->send_json({{"action", "onMessage"}, {"token", kToken}, {"message", {{"type", "Text"}, {"text", "hi"}}}});
  read_class(*ws, "StructuredMessage");  // the conversation started with the first message
  ws->send_json({{"action", "onMessage"},
                 {"token", kToken},
                 {"message",
                  {{"type", "Event"},
                   {"events", json::array{{{"eventType", "Presence"}, {"presence", {{"type", "Disconnect"}}}}}}}}});
  // The echo of the Disconnect (the bot's answer to "hi" may come first).
  while (str(read_class(*ws, "StructuredMessage").at("body"), "type") != "Event") {
  }
  auto again = open(web_messaging_path());
  auto session = configure_session(*again);
  EXPECT_EQ(session.at("body").at("readOnly"), true);
  EXPECT_EQ(session.at("body").at("newSession"), false);
  again->send_json({{"action", "onMessage"}, {"token", kToken}, {"message", {{"type", "Text"}, {"text", "x"}}}});
  EXPECT_EQ(read_class(*again, "string").at("code"), 409);
  auto fresh = open(web_messaging_path());
  EXPECT_EQ(configure_session(*fresh, kToken, true).at("body").at("newSession"), true);
}

TEST_F(WebMessaging, RestartResumesTheSessionByToken) {
  std::string conversation;
  {
    auto ws = open(web_messaging_path());
    configure_session(*ws);
    ws->send_json(
        {{"action", "onMessage"},
         {"token", kToken},
         {"message",
          {{"type", "Text"},
           {"text", "hi"},
           {"channel",
            {{"metadata", {{"customAttributes", {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}}}}}}}}}});
    read_class(*ws, "StructuredMessage");
    auto found = records_with_attribute("otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
    ASSERT_EQ(found.size(), 1u);
    conversation = str(found.at(0), "conversationId");
    restart();
    EXPECT_EQ(str(read_class(*ws, "ConnectionClosedEvent").at("body"), "reasonCode"), "server-shutdown");
  }
  auto ws = open(web_messaging_path());
  EXPECT_EQ(configure_session(*ws).at("body").at("newSession"), false);
  auto found = records_with_attribute("otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(str(found.at(0), "conversationId"), conversation);
}

TEST_F(WebMessaging, PresenceClearEndsTheConversationAndClearsTheSession) {
  auto ws = open(web_messaging_path());
  configure_session(*ws);
  ws->send_json(
      {{"action", "onMessage"},
       {"token", kToken},
       {"message",
        {{"type", "Event"}, {"events", json::array{{{"eventType", "Presence"}, {"presence", {{"type", "Join"}}}}}}}}});
  read_class(*ws, "StructuredMessage");  // the Join started the conversation
  ws->send_json(
      {{"action", "onMessage"},
       {"token", kToken},
       {"tracingId", "clr"},
       {"message",
        {{"type", "Event"}, {"events", json::array{{{"eventType", "Presence"}, {"presence", {{"type", "Clear"}}}}}}}}});
  auto cleared = read_class(*ws, "SessionClearedEvent");
  EXPECT_EQ(str(cleared, "tracingId"), "clr");
  EXPECT_EQ(ws->wait_closed(), 1000);
  auto again = open(web_messaging_path());
  EXPECT_EQ(configure_session(*again).at("body").at("readOnly"), true);
}
