// GET /api/v2/conversations/messages/{messageId}/details: the message ids a guest sees,
// in both dialects, lead to their message and conversation, also after a restart and on a
// database written before messages were indexed.
#include <sqlite3.h>

#include "common/rfc3339.h"
#include "emulator_fixture.h"

using namespace tracechat::testing;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const char* kToken = "7d2e4c1a-0b9f-4e3d-8c7b-6a5f4e3d2c1b";

std::string str(const json::value& v, const char* key) {
  if (!v.is_object() || !v.as_object().contains(key) || !v.at(key).is_string()) return "<missing>";
  return std::string(v.at(key).as_string());
}

json::value read_class(RawWsClient& ws, const std::string& klass) {
  for (;;) {
    auto v = ws.read_json();
    if (!v.is_object() || str(v, "class") == klass) return v;
  }
}

class MessageDetails : public EmulatorTest {
 protected:
  json::value details(const std::string& message_id, int expected_status = 200) {
    return http_json("GET", "/api/v2/conversations/messages/" + message_id + "/details", "", expected_status);
  }

  struct GuestChatMessages {
    std::string conversation, guest_message, bot_message;
  };
  // A guest-chat conversation with one guest message and the bot's reply, as the guest
  // saw them.
  GuestChatMessages guest_chat_exchange() {
    auto ws = open(guest_path());
    GuestChatMessages out;
    out.conversation = str(connect(*ws), "conversationId");
    ws->send_json({{"command", "send-message"}, {"requestId", "m1"}, {"message", {{"body", "Where is my order?"}}}});
    for (int i = 0; i < 20 && out.bot_message.empty(); ++i) {
      auto event = ws->read_until_type("message");
      if (!event.is_object()) break;
      (str(event.at("sender"), "role") == "guest" ? out.guest_message : out.bot_message) = str(event, "messageId");
    }
    return out;
  }
};

}  // namespace

TEST_F(MessageDetails, GuestChatMessagesOfBothSides) {
  const auto m = guest_chat_exchange();
  ASSERT_NE(m.guest_message, "<missing>");
  ASSERT_FALSE(m.bot_message.empty());

  auto inbound = details(m.guest_message);
  EXPECT_EQ(str(inbound, "id"), m.guest_message);
  EXPECT_EQ(str(inbound, "conversationId"), m.conversation);
  EXPECT_EQ(str(inbound, "direction"), "inbound");
  EXPECT_EQ(str(inbound, "textBody"), "Where is my order?");
  EXPECT_EQ(str(inbound, "messengerType"), "open");
  EXPECT_EQ(str(inbound, "status"), "received");
  EXPECT_TRUE(tracechat::common::parse_rfc3339_ms(str(inbound, "timestamp")));
  EXPECT_EQ(str(inbound, "selfUri"), "/api/v2/conversations/messages/" + m.guest_message + "/details");
  EXPECT_EQ(str(inbound.at("normalizedMessage"), "text"), "Where is my order?");

  auto outbound = details(m.bot_message);
  EXPECT_EQ(str(outbound, "conversationId"), m.conversation);
  EXPECT_EQ(str(outbound, "direction"), "outbound");
  EXPECT_EQ(str(outbound, "status"), "delivered");
  EXPECT_EQ(str(outbound, "textBody"), "You said: Where is my order?");
}

TEST_F(MessageDetails, WebMessagingIdsAreTheSameMessages) {
  auto ws = open(web_messaging_path());
  ws->send_json({{"action", "configureSession"}, {"token", kToken}, {"deploymentId", kDeployment}});
  read_class(*ws, "SessionResponse");
  ws->send_json({{"action", "onMessage"},
                 {"token", kToken},
                 {"tracingId", "t-1"},
                 {"message", {{"type", "Text"}, {"text", "hello"}}}});
  const auto echo = read_class(*ws, "StructuredMessage");
  const auto reply = read_class(*ws, "StructuredMessage");
  ASSERT_EQ(str(reply.at("body"), "direction"), "Outbound");

  auto inbound = details(str(echo.at("body"), "id"));
  EXPECT_EQ(str(inbound, "direction"), "inbound");
  EXPECT_EQ(str(inbound, "textBody"), "hello");
  EXPECT_EQ(str(inbound, "messengerType"), "webmessaging");
  auto outbound = details(str(reply.at("body"), "id"));
  EXPECT_EQ(str(outbound, "direction"), "outbound");
  EXPECT_EQ(str(outbound, "textBody"), "You said: hello");
  EXPECT_EQ(str(outbound, "conversationId"), str(inbound, "conversationId"));
  // The guest's own conversation, as the REST API knows it.
  auto conversation = http_json("GET", "/api/v2/conversations/" + str(inbound, "conversationId"));
  EXPECT_EQ(str(conversation, "id"), str(inbound, "conversationId"));
}

TEST_F(MessageDetails, UnknownMessagesAreNotFound) {
  auto missing = details("00000000-0000-4000-8000-000000000000", 404);
  EXPECT_EQ(str(missing, "code"), "not.found");
  EXPECT_EQ(http("GET", "/api/v2/conversations/messages/x").status, 404);
  EXPECT_EQ(http("POST", "/api/v2/conversations/messages/x/details", "{}").status, 405);
}

TEST_F(MessageDetails, MessagesAreFoundAfterARestart) {
  const auto m = guest_chat_exchange();
  restart();
  EXPECT_EQ(str(details(m.guest_message), "conversationId"), m.conversation);
  EXPECT_EQ(str(details(m.bot_message), "direction"), "outbound");
}

TEST_F(MessageDetails, ADatabaseFromBeforeTheIndexIsIndexedAtStart) {
  const auto m = guest_chat_exchange();
  emulator_.reset();
  // What a database written by an emulator without the index looks like.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(options_.db.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "DROP TABLE messages; PRAGMA user_version = 0;", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  restart();
  EXPECT_EQ(str(details(m.guest_message), "conversationId"), m.conversation);
  EXPECT_EQ(str(details(m.bot_message), "textBody"), "You said: Where is my order?");
}
