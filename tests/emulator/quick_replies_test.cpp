// Quick replies, both ways, with raw frames: the bot (bot.quickReplies) offers them in an
// Outbound Structured message; the guest answers with a Structured ButtonResponse, which
// is echoed as such and reaches the bot and the flows as the guest's message. Guest-chat
// has no equivalent and gets the text only.
#include <fstream>

#include "web_messaging_fixture.h"

using namespace tracechat::testing;
namespace emulator = tracechat::emulator;

namespace {

class QuickReplies : public WebMessagingTest {
  void configure(emulator::EmulatorOptions& o) override {
    o.config.bot.quick_replies = {{"Yes", "yes", "Message"}, {"No", "no", "Message"}};
  }
};

json::object button_response(const std::string& text, const std::string& payload) {
  return json::object{
      {"type", "Structured"},
      {"content", json::array{{{"contentType", "ButtonResponse"},
                               {"buttonResponse", {{"type", "QuickReply"}, {"text", text}, {"payload", payload}}}}}}};
}

// A flow that repeats the payload of the button the guest chose.
class QuickReplyFlow : public WebMessagingTest {
  void configure(emulator::EmulatorOptions& o) override {
    o.config.bot.enabled = false;
    const auto flows = dir_ / "flows";
    std::filesystem::create_directories(flows);
    std::ofstream(flows / "payload.json") << R"json({"name": "Payload", "trigger": "guest-message",
        "steps": [{"type": "send-message", "text": "chose ${message.payload} (${message.body})"}]})json";
    o.flows_dir = flows;
  }
};

}  // namespace

TEST_F(QuickReplies, TheBotOffersQuickRepliesAndTakesTheAnswer) {
  auto ws = session();
  ws->send_json(on_message(text_message("Is it shipped?"), "m1"));
  auto offer = read_message(*ws, "Structured", "Outbound");
  const auto& body = offer.at("body");
  EXPECT_EQ(text_of(body, "text"), "You said: Is it shipped?");
  EXPECT_EQ(text_of(body, "originatingEntity"), "Bot");
  const auto& content = body.at("content").as_array();
  ASSERT_EQ(content.size(), 2u);
  EXPECT_EQ(text_of(content[0], "contentType"), "QuickReply");
  EXPECT_EQ(text_of(content[0].at("quickReply"), "text"), "Yes");
  EXPECT_EQ(text_of(content[0].at("quickReply"), "payload"), "yes");
  EXPECT_EQ(text_of(content[0].at("quickReply"), "action"), "Message");
  EXPECT_EQ(text_of(content[1].at("quickReply"), "text"), "No");

  ws->send_json(on_message(button_response("Yes", "yes"), "b1"));
  auto echo = read_message(*ws, "Structured", "Inbound");
  EXPECT_EQ(text_of(echo, "tracingId"), "b1");
  EXPECT_EQ(text_of(echo.at("body"), "text"), "Yes");
  const auto& answer = echo.at("body").at("content").as_array();
  ASSERT_EQ(answer.size(), 1u);
  EXPECT_EQ(text_of(answer[0], "contentType"), "ButtonResponse");
  EXPECT_EQ(text_of(answer[0].at("buttonResponse"), "payload"), "yes");
  EXPECT_EQ(text_of(echo.at("body").at("channel"), "messageId"), text_of(echo.at("body"), "id"));
  // The bot answers the button's text, and offers the choices again.
  EXPECT_EQ(text_of(read_message(*ws, "Structured", "Outbound").at("body"), "text"), "You said: Yes");
}

TEST_F(QuickReplies, OtherStructuredContentFromTheGuestIsRefused) {
  auto ws = session();
  ws->send_json(on_message(json::object{{"type", "Structured"},
                                        {"content", json::array{{{"contentType", "Attachment"}, {"attachment", {}}}}}},
                           "att"));
  auto refused = read_class(*ws, "string");
  EXPECT_EQ(refused.at("code"), 400);
  EXPECT_EQ(text_of(refused, "tracingId"), "att");
  EXPECT_NE(text_of(refused, "body").find("contentType Attachment is not supported"), std::string::npos)
      << text_of(refused, "body");
  ws->send_json(on_message(json::object{{"type", "Structured"}, {"text", "no buttons"}}, "plain"));
  refused = read_class(*ws, "string");
  EXPECT_EQ(refused.at("code"), 400);
  EXPECT_NE(text_of(refused, "body").find("ButtonResponse"), std::string::npos) << text_of(refused, "body");
  // Neither started a conversation.
  EXPECT_EQ(start().stats().conversations, 0u);
}

TEST_F(QuickReplies, GuestChatGetsTheTextOnly) {
  auto ws = open(guest_path());
  connect(*ws);
  ws->send_json({{"command", "send-message"}, {"requestId", "s1"}, {"message", {{"body", "hello"}}}});
  for (;;) {
    auto v = ws->read_json();
    ASSERT_TRUE(v.is_object());
    if (text_of(v, "type") != "message" || text_of(v.at("sender"), "role") != "bot") continue;
    EXPECT_EQ(text_of(v, "body"), "You said: hello");
    EXPECT_FALSE(v.as_object().contains("content")) << json::serialize(v);
    break;
  }
}

TEST_F(QuickReplyFlow, AFlowSeesTheButtonsPayload) {
  auto ws = session();
  ws->send_json(on_message(button_response("Yes please", "yes"), "b1"));
  EXPECT_EQ(text_of(read_message(*ws, "Text", "Outbound").at("body"), "text"), "chose yes (Yes please)");
}
