// guest-chat-v1 against the emulator, rule by rule, over a real WebSocket with raw frames.
#include <regex>

#include "emulator_fixture.h"

using namespace tracechat::testing;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
const std::regex kTimestamp(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$)");
const char* kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::string str(const json::value& v, const char* key) {
  if (!v.is_object() || !v.as_object().contains(key) || !v.at(key).is_string())
    return "<missing " + std::string(key) + ">";
  return std::string(v.at(key).as_string());
}

json::value send_message(RawWsClient& ws, const std::string& id, const std::string& body) {
  ws.send_json({{"command", "send-message"}, {"requestId", id}, {"message", {{"body", body}}}});
  return ws.read_json();
}

class GuestChat : public EmulatorTest {};

class GuestChatNoBot : public EmulatorTest {
  void configure(tracechat::emulator::EmulatorOptions& o) override { o.config.bot.enabled = false; }
};

}  // namespace

TEST_F(GuestChat, RefusesBadUrlsBeforeTheUpgrade) {
  int status = 0;
  EXPECT_EQ(open("/v1/not-a-uuid/guest/" + std::string(kGuest) + "/connect", &status), nullptr);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(open(std::string("/v1/") + kOrg + "/guest/xyz/connect", &status), nullptr);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(open(guest_path() + "?deploymentId=nope", &status), nullptr);
  EXPECT_EQ(status, 400);
  EXPECT_EQ(open("/elsewhere", &status), nullptr);
  EXPECT_EQ(status, 404);
  EXPECT_EQ(http("GET", guest_path()).status, 426);
  EXPECT_NE(open(guest_path() + "?deploymentId=" + kDeployment), nullptr);
  // UUIDs are case-insensitive.
  std::string upper = guest_path();
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper.replace(0, 2, "/v");
  upper.replace(upper.size() - 8, 8, "/connect");
  upper.replace(upper.find("/GUEST/"), 7, "/guest/");
  EXPECT_NE(open(upper), nullptr);
}

class GuestChatRestricted : public EmulatorTest {
  void configure(tracechat::emulator::EmulatorOptions& o) override {
    o.config.organizations = {"99999999-9999-4999-8999-999999999999"};
  }
};

TEST_F(GuestChatRestricted, UnknownOrganizationIs404) {
  int status = 0;
  EXPECT_EQ(open(guest_path(), &status), nullptr);
  EXPECT_EQ(status, 404);
  EXPECT_NE(open("/v1/99999999-9999-4999-8999-999999999999/guest/" + std::string(kGuest) + "/connect"), nullptr);
}

TEST_F(GuestChat, ConnectRepliesWithIdsTokenAndTheLimits) {
  auto ws = open(guest_path());
  ASSERT_NE(ws, nullptr);
  ws->send_text(R"({"command":"connect","requestId":"c1","displayName":"Ada","resumeToken":null,"lastEventSeq":null})");
  auto reply = ws->read_json();
  ASSERT_TRUE(reply.is_object()) << reply;
  EXPECT_EQ(str(reply, "type"), "connected");
  EXPECT_EQ(str(reply, "requestId"), "c1");
  EXPECT_TRUE(std::regex_match(str(reply, "conversationId"), kUuid));
  EXPECT_TRUE(std::regex_match(str(reply, "memberId"), kUuid));
  EXPECT_GE(str(reply, "resumeToken").size(), 32u);
  EXPECT_EQ(reply.at("resumed"), false);
  EXPECT_EQ(json::serialize(reply.at("limits")),
            R"({"maxAttributeValueChars":256,"maxAttributesBytes":2048,"maxAttributes":50,"maxMessageChars":4096,)"
            R"("maxFrameBytes":65536,"messagesPerSecond":2E0,"messageBurst":4,"idleTimeoutSeconds":300})");
  // Then the members joining, as events numbered from 1.
  auto guest = ws->read_json();
  EXPECT_EQ(str(guest, "type"), "member-joined");
  EXPECT_EQ(guest.at("seq"), 1);
  EXPECT_TRUE(std::regex_match(str(guest, "timestamp"), kTimestamp));
  EXPECT_EQ(str(guest.at("member"), "memberId"), str(reply, "memberId"));
  EXPECT_EQ(str(guest.at("member"), "role"), "guest");
  EXPECT_EQ(str(guest.at("member"), "displayName"), "Ada");
  EXPECT_FALSE(guest.as_object().contains("requestId"));
  auto bot = ws->read_json();
  EXPECT_EQ(str(bot, "type"), "member-joined");
  EXPECT_EQ(bot.at("seq"), 2);
  EXPECT_EQ(str(bot.at("member"), "role"), "bot");
}

TEST_F(GuestChat, CommandsOutOfOrderAre409) {
  auto ws = open(guest_path());
  ws->send_text(R"({"command":"ping","requestId":"p0"})");
  auto early = ws->read_json();
  EXPECT_EQ(str(early, "type"), "error");
  EXPECT_EQ(early.at("code"), 409);
  EXPECT_EQ(str(early, "error"), "not-connected");
  EXPECT_EQ(str(early, "requestId"), "p0");
  connect(*ws);
  ws->send_text(R"({"command":"connect","requestId":"c2"})");
  auto again = ws->read_until_type("error");
  EXPECT_EQ(again.at("code"), 409);
  EXPECT_EQ(str(again, "error"), "already-connected");
  EXPECT_EQ(str(again, "requestId"), "c2");
}

TEST_F(GuestChat, SetAttributesMergesTruncatesAndBroadcasts) {
  auto ws = open(guest_path());
  auto connected = connect(*ws);
  const std::string conversation = str(connected, "conversationId");
  const std::string long_value =
      std::string(250, 'a') + "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";  // 258 code points
  ws->send_json({{"command", "set-attributes"},
                 {"requestId", "a1"},
                 {"traceparent", kTraceparent},
                 {"attributes", {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}, {"note", long_value}}}});
  auto set = ws->read_until_type("attributes-set");
  EXPECT_EQ(str(set, "requestId"), "a1");
  EXPECT_EQ(str(set, "traceparent"), kTraceparent);
  EXPECT_EQ(json::serialize(set.at("truncated")), R"(["note"])");
  const std::string cut = str(set.at("attributes"), "note");
  EXPECT_EQ(cut, std::string(250, 'a') +
                     "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9");  // 256 code points, whole characters
  auto updated = ws->read_json();
  EXPECT_EQ(str(updated, "type"), "attributes-updated");
  EXPECT_EQ(json::serialize(updated.at("changed")), R"(["note","otel_trace_id"])");
  EXPECT_TRUE(updated.as_object().contains("seq"));

  // null deletes; an unchanged value is not "changed".
  ws->send_json({{"command", "set-attributes"},
                 {"requestId", "a2"},
                 {"attributes", {{"note", nullptr}, {"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}}}});
  auto second = ws->read_until_type("attributes-set");
  EXPECT_EQ(json::serialize(second.at("attributes")), R"({"otel_trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})");
  EXPECT_EQ(json::serialize(ws->read_until_type("attributes-updated").at("changed")), R"(["note"])");

  // The platform sees them as participant data.
  auto rest = http_json("GET", "/api/v2/conversations/" + conversation);
  EXPECT_EQ(json::serialize(rest.at("participants").at(0).at("attributes")),
            R"({"otel_trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})");
}

TEST_F(GuestChat, InvalidOrOverBudgetAttributesChangeNothing) {
  auto ws = open(guest_path());
  const std::string conversation = str(connect(*ws), "conversationId");
  ws->send_json({{"command", "set-attributes"}, {"requestId", "a0"}, {"attributes", {{"keep", "1"}}}});
  ws->read_until_type("attributes-updated");

  ws->send_json({{"command", "set-attributes"}, {"requestId", "a1"}, {"attributes", {{"ok", "1"}, {"9bad", "x"}}}});
  auto bad_key = ws->read_json();
  EXPECT_EQ(bad_key.at("code"), 400);
  EXPECT_EQ(str(bad_key, "error"), "invalid-attributes");
  EXPECT_NE(str(bad_key, "message").find("9bad"), std::string::npos);

  ws->send_text(R"({"command":"set-attributes","requestId":"a2","attributes":{"n":5}})");
  auto bad_type = ws->read_json();
  EXPECT_EQ(str(bad_type, "error"), "invalid-attributes");
  EXPECT_NE(str(bad_type, "message").find("attributes.n"), std::string::npos);

  json::object many;
  for (int i = 0; i < 9; ++i) many["k" + std::to_string(i)] = std::string(250, 'x');  // 9 * 252 bytes > 2048
  ws->send_json({{"command", "set-attributes"}, {"requestId", "a3"}, {"attributes", many}});
  auto too_big = ws->read_json();
  EXPECT_EQ(too_big.at("code"), 413);
  EXPECT_EQ(str(too_big, "error"), "attributes-too-large");

  json::object count;
  for (int i = 0; i < 51; ++i) count["c" + std::to_string(i)] = "v";
  ws->send_json({{"command", "set-attributes"}, {"requestId", "a4"}, {"attributes", count}});
  EXPECT_EQ(ws->read_json().at("code"), 400);

  auto rest = http_json("GET", "/api/v2/conversations/" + conversation);
  EXPECT_EQ(json::serialize(rest.at("participants").at(0).at("attributes")), R"({"keep":"1"})");
}

TEST_F(GuestChatNoBot, SendMessageIsAcceptedThenPublishedAndDropsUnknownFields) {
  auto ws = open(guest_path());
  auto connected = connect(*ws);
  ws->read_until_type("member-joined");
  ws->send_json(
      {{"command", "send-message"},
       {"requestId", "m1"},
       {"traceparent", kTraceparent},
       {"customAttributes", {{"otel_trace_id", "dropped"}}},
       {"message", {{"body", "Where is my order?"}, {"bodyType", "standard"}, {"customAttributes", {{"x", "y"}}}}}});
  auto accepted = ws->read_json();
  EXPECT_EQ(str(accepted, "type"), "message-accepted");
  EXPECT_EQ(str(accepted, "requestId"), "m1");
  EXPECT_TRUE(std::regex_match(str(accepted, "messageId"), kUuid));
  EXPECT_EQ(str(accepted, "traceparent"), kTraceparent);
  auto event = ws->read_json();
  EXPECT_EQ(str(event, "type"), "message");
  EXPECT_EQ(str(event, "messageId"), str(accepted, "messageId"));
  EXPECT_EQ(event.at("seq"), accepted.at("seq"));
  EXPECT_EQ(accepted.at("seq"), 2);  // after member-joined
  EXPECT_EQ(str(event, "body"), "Where is my order?");
  EXPECT_EQ(str(event, "bodyType"), "standard");
  EXPECT_EQ(str(event, "traceparent"), kTraceparent);
  EXPECT_EQ(str(event.at("sender"), "role"), "guest");
  EXPECT_EQ(str(event.at("sender"), "memberId"), str(connected, "memberId"));
  EXPECT_FALSE(event.as_object().contains("customAttributes"));
  // The seed's symptom, reproduced: customAttributes on send-message never reach the conversation.
  auto rest = http_json("GET", "/api/v2/conversations/" + str(connected, "conversationId"));
  EXPECT_EQ(json::serialize(rest.at("participants").at(0).at("attributes")), "{}");
}

TEST_F(GuestChat, MessageBodyRules) {
  auto ws = open(guest_path());
  connect(*ws);
  auto empty = send_message(*ws, "m1", "");
  while (str(empty, "type") != "error") empty = ws->read_json();
  EXPECT_EQ(empty.at("code"), 400);
  EXPECT_EQ(str(empty, "error"), "invalid-message");
  // 4096 code points of two bytes each is fine; 4097 is not.
  std::string at_limit;
  for (int i = 0; i < 4096; ++i) at_limit += "\xC3\xA9";
  ws->send_json({{"command", "send-message"}, {"requestId", "m2"}, {"message", {{"body", at_limit}}}});
  EXPECT_EQ(str(ws->read_until_type("message-accepted"), "requestId"), "m2");
  ws->send_json({{"command", "send-message"}, {"requestId", "m3"}, {"message", {{"body", at_limit + "x"}}}});
  auto too_long = ws->read_until_type("error");
  EXPECT_EQ(too_long.at("code"), 413);
  EXPECT_EQ(str(too_long, "error"), "message-too-large");
  ws->send_text(R"({"command":"send-message","requestId":"m4","message":{"body":"x","bodyType":"shout"}})");
  auto bad_type = ws->read_until_type("error");
  EXPECT_EQ(str(bad_type, "error"), "invalid-message");
  ws->send_text(R"({"command":"send-message","requestId":"m5","message":{"body":"notice me","bodyType":"notice"}})");
  EXPECT_EQ(str(ws->read_until_type("message"), "bodyType"), "notice");
}

TEST_F(GuestChatNoBot, RateLimitRefusesWithRetryAfterAndStoresNothing) {
  auto ws = open(guest_path());
  const std::string token = str(connect(*ws), "resumeToken");
  int accepted = 0;
  int limited = 0;
  std::int64_t retry_after = 0;
  for (int i = 0; i < 8; ++i) {
    ws->send_json({{"command", "send-message"}, {"requestId", "m" + std::to_string(i)}, {"message", {{"body", "hi"}}}});
  }
  for (int replies = 0; replies < 8;) {
    auto v = ws->read_json();
    ASSERT_TRUE(v.is_object());
    if (str(v, "type") == "message-accepted") {
      ++accepted, ++replies;
    } else if (str(v, "type") == "error") {
      EXPECT_EQ(v.at("code"), 429);
      EXPECT_EQ(str(v, "error"), "rate-limited");
      retry_after = v.at("retryAfterMs").as_int64();
      ++limited, ++replies;
    }
  }
  EXPECT_EQ(accepted, 4);  // the burst
  EXPECT_EQ(limited, 4);
  EXPECT_GT(retry_after, 0);
  EXPECT_LE(retry_after, 500);
  // Typing counts against the same bucket.
  ws->send_text(R"({"command":"typing","requestId":"t1"})");
  EXPECT_EQ(ws->read_until_type("error").at("code"), 429);
  std::this_thread::sleep_for(std::chrono::milliseconds(retry_after + 20));
  ws->send_text(R"({"command":"typing","requestId":"t2"})");
  EXPECT_EQ(str(ws->read_json(), "type"), "ack");

  // Only the accepted ones are in the conversation's history.
  auto reader = open(guest_path());
  reader->send_json({{"command", "connect"}, {"requestId", "r"}, {"resumeToken", token}, {"lastEventSeq", 0}});
  reader->read_until_type("connected");
  int messages = 0;
  while (auto frame = reader->read(200ms)) {
    if (str(json::parse(*frame), "type") == "message") ++messages;
  }
  EXPECT_EQ(messages, 4);
}

TEST_F(GuestChat, TypingPingAndBotReply) {
  auto ws = open(guest_path());
  connect(*ws);
  ws->send_text(R"({"command":"typing","requestId":"t1"})");
  EXPECT_EQ(json::serialize(ws->read_until_type("ack")), R"({"type":"ack","requestId":"t1"})");
  ws->send_text(R"({"command":"ping","requestId":"p1"})");
  EXPECT_EQ(json::serialize(ws->read_until_type("pong")), R"({"type":"pong","requestId":"p1"})");
  send_message(*ws, "m1", "hello bot");
  auto own = ws->read_until_type("message");
  EXPECT_EQ(str(own.at("sender"), "role"), "guest");
  auto reply = ws->read_until_type("message");
  EXPECT_EQ(str(reply.at("sender"), "role"), "bot");
  EXPECT_EQ(str(reply.at("sender"), "displayName"), "Tracechat Bot");
  EXPECT_EQ(str(reply, "body"), "You said: hello bot");
  EXPECT_EQ(reply.at("seq").as_int64(), own.at("seq").as_int64() + 1);
}

TEST_F(GuestChat, DisconnectEndsTheConversationAndCloses1000) {
  auto ws = open(guest_path());
  auto connected = connect(*ws);
  auto token = str(connected, "resumeToken");
  auto watcher = open(guest_path());  // a second connection of the same guest, resumed
  watcher->send_json({{"command", "connect"}, {"requestId", "w"}, {"resumeToken", token}, {"lastEventSeq", 2}});
  EXPECT_EQ(watcher->read_until_type("connected").at("resumed"), true);

  ws->send_text(R"({"command":"disconnect","requestId":"d1"})");
  auto bye = ws->read_until_type("disconnected");
  EXPECT_EQ(str(bye, "requestId"), "d1");
  EXPECT_EQ(str(bye, "reason"), "guest-left");
  EXPECT_EQ(ws->wait_closed(), 1000);
  auto seen = watcher->read_until_type("disconnected");
  EXPECT_EQ(str(seen, "reason"), "guest-left");
  EXPECT_FALSE(seen.as_object().contains("requestId"));
  EXPECT_EQ(seen.at("seq"), bye.at("seq"));
  EXPECT_EQ(watcher->wait_closed(), 1000);

  auto rest = http_json("GET", "/api/v2/conversations/" + str(connected, "conversationId"));
  EXPECT_TRUE(rest.as_object().contains("endTime"));
  // An ended conversation cannot be resumed.
  auto late = open(guest_path());
  late->send_json({{"command", "connect"}, {"requestId", "c9"}, {"resumeToken", token}});
  auto refused = late->read_json();
  EXPECT_EQ(refused.at("code"), 404);
  EXPECT_EQ(str(refused, "error"), "conversation-not-found");
}

TEST_F(GuestChat, ResumeReplaysExactlyTheMissedEvents) {
  auto ws = open(guest_path());
  auto connected = connect(*ws);
  for (int i = 0; i < 3; ++i) {
    send_message(*ws, "m" + std::to_string(i), "message " + std::to_string(i));
    ws->read_until_type("message");
    ws->read_until_type("message");  // the bot's answer
  }
  // Everything the first connection saw, in order, keyed by seq.
  std::vector<std::string> all;
  {
    auto reader = open(guest_path());
    reader->send_json({{"command", "connect"},
                       {"requestId", "r"},
                       {"resumeToken", str(connected, "resumeToken")},
                       {"lastEventSeq", 0}});
    reader->read_until_type("connected");
    for (int i = 0; i < 8; ++i) all.push_back(*reader->read());
    EXPECT_FALSE(reader->read(100ms));
  }
  ws->drop();
  auto again = open(guest_path());
  again->send_json({{"command", "connect"},
                    {"requestId", "c2"},
                    {"resumeToken", str(connected, "resumeToken")},
                    {"lastEventSeq", 5}});
  auto resumed = again->read_json();
  EXPECT_EQ(str(resumed, "type"), "connected");
  EXPECT_EQ(resumed.at("resumed"), true);
  EXPECT_EQ(str(resumed, "conversationId"), str(connected, "conversationId"));
  EXPECT_EQ(str(resumed, "memberId"), str(connected, "memberId"));
  for (std::size_t i = 5; i < all.size(); ++i) EXPECT_EQ(*again->read(), all[i]);
  EXPECT_FALSE(again->read(100ms));

  // Another guest's token, or an unknown one, is not this conversation.
  auto thief = open(guest_path(kOtherGuest));
  thief->send_json({{"command", "connect"}, {"requestId", "x"}, {"resumeToken", str(connected, "resumeToken")}});
  EXPECT_EQ(str(thief->read_json(), "error"), "conversation-not-found");
  auto unknown = open(guest_path());
  unknown->send_json({{"command", "connect"}, {"requestId", "y"}, {"resumeToken", "nope"}});
  EXPECT_EQ(unknown->read_json().at("code"), 404);
}

TEST_F(GuestChat, RestartKeepsConversationsAndReplaysExactly) {
  std::string token, conversation;
  std::vector<std::string> before;
  {
    auto ws = open(guest_path());
    auto connected = connect(*ws, "c1");
    token = str(connected, "resumeToken");
    conversation = str(connected, "conversationId");
    before.push_back(*ws->read());
    before.push_back(*ws->read());
    ws->send_json({{"command", "set-attributes"},
                   {"requestId", "a1"},
                   {"attributes", {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}}}});
    ws->read_until_type("attributes-set");
    before.push_back(*ws->read());
    for (int i = 0; i < 2; ++i) {
      ws->send_json({{"command", "send-message"},
                     {"requestId", "m" + std::to_string(i)},
                     {"message", {{"body", "before restart " + std::to_string(i)}}}});
      ws->read_until_type("message-accepted");
      before.push_back(*ws->read());
      before.push_back(*ws->read());  // bot
    }
    restart();  // mid-conversation: the connection gets server-shutdown and is closed
    auto last = json::parse(*ws->read());
    EXPECT_EQ(str(last, "reason"), "server-shutdown");
    EXPECT_EQ(ws->wait_closed(), 1001);
  }
  auto ws = open(guest_path());
  ws->send_json({{"command", "connect"}, {"requestId", "c2"}, {"resumeToken", token}, {"lastEventSeq", 0}});
  auto resumed = ws->read_json();
  EXPECT_EQ(resumed.at("resumed"), true);
  EXPECT_EQ(str(resumed, "conversationId"), conversation);
  for (const auto& frame : before) EXPECT_EQ(*ws->read(), frame);
  EXPECT_FALSE(ws->read(100ms));
  // Numbering continues where it stopped.
  ws->send_json({{"command", "send-message"}, {"requestId", "m9"}, {"message", {{"body", "after restart"}}}});
  EXPECT_EQ(ws->read_until_type("message-accepted").at("seq").as_int64(), static_cast<std::int64_t>(before.size()) + 1);
  auto rest = http_json("GET", "/api/v2/conversations/" + conversation);
  EXPECT_EQ(str(rest.at("participants").at(0).at("attributes"), "otel_trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST_F(GuestChat, HostileFramesGetErrorsAndTheConnectionStaysOpen) {
  auto ws = open(guest_path());
  connect(*ws);
  const auto expect_error = [&](const std::string& frame, int code, const std::string& error) {
    ws->send_text(frame);
    auto v = ws->read_until_type("error");
    EXPECT_EQ(v.at("code"), code) << frame.substr(0, 80);
    EXPECT_EQ(str(v, "error"), error) << frame.substr(0, 80);
    return v;
  };
  expect_error("{not json", 400, "bad-request");
  expect_error("[1,2,3]", 400, "bad-request");
  expect_error(std::string(60, '[') + std::string(60, ']'), 400, "bad-request");
  auto nested =
      expect_error(R"({"command":"ping","requestId":"n","x":)" + std::string(55, '[') + std::string(55, ']') + "}", 400,
                   "bad-request");
  EXPECT_NE(str(nested, "message").find("deeper than 50"), std::string::npos);
  expect_error(R"({"command":"fly","requestId":"u1"})", 400, "bad-request");
  auto wrong =
      expect_error(R"({"command":"send-message","requestId":"w1","message":{"body":7}})", 400, "invalid-message");
  EXPECT_EQ(str(wrong, "message"), "message.body: expected string");
  EXPECT_EQ(str(wrong, "requestId"), "w1");
  expect_error(R"({"command":"ping"})", 400, "bad-request");
  expect_error(R"({"command":"ping","requestId":""})", 400, "bad-request");
  expect_error(R"({"command":"ping","requestId":")" + std::string(129, 'r') + "\"}", 400, "bad-request");
  auto big = expect_error(R"({"command":"ping","requestId":"big","pad":")" + std::string(70000, 'x') + "\"}", 413,
                          "frame-too-large");
  EXPECT_FALSE(big.as_object().contains("requestId"));  // not processed
  ws->send_binary(std::string("\x00\x01\x02", 3));
  EXPECT_EQ(ws->read_until_type("error").at("code"), 400);
  ws->send_text(R"({"command":"ping","requestId":"still-here"})");
  EXPECT_EQ(str(ws->read_until_type("pong"), "requestId"), "still-here");
  // More than 4x the frame limit: close 1009.
  ws->send_text(std::string(4 * 65536 + 1, ' '));
  EXPECT_EQ(ws->wait_closed(), 1009);
}

class GuestChatShortIdle : public EmulatorTest {
  void configure(tracechat::emulator::EmulatorOptions& o) override { o.config.limits.idle_timeout_seconds = 1; }
};

TEST_F(GuestChatShortIdle, IdleConnectionsAreClosedAndPingKeepsThemAlive) {
  auto idle = open(guest_path());
  auto busy = open(guest_path(kOtherGuest));
  connect(*idle);
  connect(*busy);
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(300ms);
    busy->send_json({{"command", "ping"}, {"requestId", "p" + std::to_string(i)}});
  }
  auto last = idle->read_until_type("disconnected");
  EXPECT_EQ(str(last, "reason"), "idle-timeout");
  EXPECT_EQ(idle->wait_closed(), 1000);
  EXPECT_FALSE(busy->closed());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(str(busy->read_until_type("pong"), "requestId"), "p" + std::to_string(i));
  busy->send_text(R"({"command":"ping","requestId":"alive"})");
  EXPECT_EQ(str(busy->read_until_type("pong"), "requestId"), "alive");
}

TEST_F(GuestChat, ManyConnectionsOpeningAndClosingLeaveOthersUntouched) {
  auto ws = open(guest_path());
  auto connected = connect(*ws);
  std::vector<std::thread> churn;
  std::atomic<int> opened{0};
  for (int t = 0; t < 4; ++t) {
    churn.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        auto c = RawWsClient::connect(emulator_->port(), guest_path(kOtherGuest));
        if (!c) continue;
        ++opened;
        if (i % 3 == 0) c->send_text("garbage " + std::to_string(t));
        if (i % 3 == 1) c->send_text(R"({"command":"connect","requestId":"x"})");
        if (i % 5 == 0) c->drop();
      }
    });
  }
  send_message(*ws, "m1", "during the storm");
  for (auto& t : churn) t.join();
  EXPECT_EQ(opened.load(), 2000);
  auto event = ws->read_until_type("message");
  EXPECT_EQ(str(event, "body"), "during the storm");
  ws->send_text(R"({"command":"ping","requestId":"after"})");
  EXPECT_EQ(str(ws->read_until_type("pong"), "requestId"), "after");
  auto rest = http_json("GET", "/api/v2/conversations/" + str(connected, "conversationId"));
  EXPECT_FALSE(rest.as_object().contains("endTime"));
}

class GuestChatLogged : public EmulatorTest {
 protected:
  void configure(tracechat::emulator::EmulatorOptions& o) override {
    log_file_ = std::tmpfile();
    o.log = log_file_;
  }
  std::string logged() {
    std::fflush(log_file_);
    std::rewind(log_file_);
    std::string out;
    char buffer[4096];
    while (const auto n = std::fread(buffer, 1, sizeof buffer, log_file_)) out.append(buffer, n);
    return out;
  }
  void TearDown() override {
    EmulatorTest::TearDown();
    std::fclose(log_file_);
  }
  std::FILE* log_file_ = nullptr;
};

TEST_F(GuestChatLogged, OneLinePerConnectionAndPerErrorWithoutBodies) {
  auto ws = open(guest_path());
  const std::string conversation = str(connect(*ws), "conversationId");
  ws->send_json({{"command", "set-attributes"}, {"requestId", "a"}, {"attributes", {{"secret_key", "s3cr3t-value"}}}});
  ws->read_until_type("attributes-set");
  // Markers that no port, id or duration in a log line can contain by chance.
  send_message(*ws, "m1", "my card number is BODY-MARKER-4111");
  ws->send_text(R"({"command":"fly","requestId":"u"})");
  ws->read_until_type("error");
  // A command that would set the window title and clear the screen of whoever reads
  // the log, with a C1 CSI too: every control character is spelled out.
  ws->send_text(R"({"command":"\u001b]0;owned\u0007\u001b[2J\u009b31m","requestId":"u2"})");
  ws->read_until_type("error");
  ws->send_text(R"({"command":"disconnect","requestId":"d"})");
  EXPECT_EQ(ws->wait_closed(), 1000);
  emulator_->stop();
  const std::string log = logged();
  EXPECT_EQ(log.find("BODY-MARKER"), std::string::npos) << log;
  EXPECT_EQ(log.find("s3cr3t"), std::string::npos) << log;
  const auto connection_line = log.find("event=connection dialect=guest-chat");
  ASSERT_NE(connection_line, std::string::npos) << log;
  const std::string line = log.substr(connection_line, log.find('\n', connection_line) - connection_line);
  EXPECT_NE(line.find("organization=" + std::string(kOrg)), std::string::npos) << line;
  EXPECT_NE(line.find("conversation=" + conversation), std::string::npos) << line;
  EXPECT_NE(line.find("frames_in=6"), std::string::npos) << line;
  EXPECT_NE(line.find("errors=2"), std::string::npos) << line;
  EXPECT_EQ(log.find('\x1b'), std::string::npos) << log;
  EXPECT_EQ(log.find('\x07'), std::string::npos) << log;
  EXPECT_EQ(log.find("\u009b"), std::string::npos) << log;
  EXPECT_NE(log.find(R"(unknown command '\x1b]0;owned\x07\x1b[2J\u009b31m')"), std::string::npos) << log;
  EXPECT_NE(log.find("level=error dialect=guest-chat"), std::string::npos) << log;
}

TEST_F(GuestChatNoBot, TypingReachesTheConversationsOtherConnectionsOnly) {
  auto ws = open(guest_path());
  auto connected = connect(*ws);
  ws->read_until_type("member-joined");
  auto other = open(guest_path());
  other->send_json({{"command", "connect"},
                    {"requestId", "o"},
                    {"resumeToken", str(connected, "resumeToken")},
                    {"lastEventSeq", 1}});
  other->read_until_type("connected");
  ws->send_text(R"({"command":"typing","requestId":"t1"})");
  EXPECT_EQ(str(ws->read_json(), "type"), "ack");
  auto typing = other->read_json();
  EXPECT_EQ(str(typing, "type"), "typing");
  EXPECT_EQ(str(typing, "memberId"), str(connected, "memberId"));
  EXPECT_EQ(typing.at("seq"), 2);
  EXPECT_FALSE(ws->read(150ms));  // not echoed to the connection that typed
}
