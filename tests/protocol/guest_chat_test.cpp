#include "tracechat/protocol/guest_chat.h"

#include <gtest/gtest.h>

using namespace tracechat::protocol::guest_chat;

namespace {
FrameError parse_error(std::string_view text) {
  auto r = parse_client_frame(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? FrameError{} : r.error();
}
}  // namespace

TEST(GuestChatClient, ParsesEveryCommandOfTheSpec) {
  auto c = parse_client_frame(
      R"({"command":"connect","requestId":"c1","displayName":"Ada","resumeToken":null,"lastEventSeq":null})");
  ASSERT_TRUE(c.ok());
  const auto& connect = std::get<Connect>(*c);
  EXPECT_EQ(connect.request_id, "c1");
  EXPECT_EQ(connect.display_name, "Ada");
  EXPECT_FALSE(connect.resume_token);
  EXPECT_FALSE(connect.last_event_seq);

  auto a = parse_client_frame(
      R"({"command":"set-attributes","requestId":"a1","attributes":{"otel_trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","gone":null}})");
  ASSERT_TRUE(a.ok());
  const auto& set = std::get<SetAttributes>(*a);
  ASSERT_EQ(set.attributes.size(), 2u);
  EXPECT_EQ(set.attributes[0].first, "otel_trace_id");
  EXPECT_EQ(*set.attributes[0].second, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_FALSE(set.attributes[1].second);

  auto m = parse_client_frame(
      R"({"command":"send-message","requestId":"m1","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","message":{"body":"Where is my order?","bodyType":"standard","customAttributes":{"x":"y"}}})");
  ASSERT_TRUE(m.ok());
  const auto& send = std::get<SendMessage>(*m);
  EXPECT_EQ(send.body, "Where is my order?");
  EXPECT_EQ(*send.traceparent, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");

  for (const char* cmd : {"typing", "ping", "disconnect"}) {
    auto f = parse_client_frame(std::string(R"({"command":")") + cmd + R"(","requestId":"x"})");
    ASSERT_TRUE(f.ok()) << cmd;
    EXPECT_EQ(command_name(*f), cmd);
  }
}

TEST(GuestChatClient, ErrorsNameTheFieldAndCarryTheSpecCode) {
  auto e = parse_error("not json");
  EXPECT_EQ(e.code, 400);
  EXPECT_EQ(e.error, "bad-request");
  EXPECT_FALSE(e.request_id);
  EXPECT_EQ(parse_error("[1,2]").message, "a frame must be a JSON object");
  EXPECT_EQ(parse_error(R"({"command":"ping"})").message, "requestId: required");
  EXPECT_EQ(parse_error(R"({"command":"ping","requestId":""})").message, "requestId: must be 1 to 128 characters");
  EXPECT_EQ(parse_error(R"({"command":"ping","requestId":")" + std::string(129, 'r') + "\"}").message,
            "requestId: must be 1 to 128 characters");
  e = parse_error(R"({"command":7,"requestId":"r"})");
  EXPECT_EQ(e.message, "command: expected string");
  EXPECT_EQ(*e.request_id, "r");
  EXPECT_EQ(parse_error(R"({"command":"fly","requestId":"r"})").message, "command: unknown command 'fly'");
  e = parse_error(R"({"command":"set-attributes","requestId":"r","attributes":{"k":5}})");
  EXPECT_EQ(e.error, "invalid-attributes");
  EXPECT_EQ(e.message, "attributes.k: expected string or null");
  e = parse_error(R"({"command":"send-message","requestId":"r","message":{"body":1}})");
  EXPECT_EQ(e.error, "invalid-message");
  EXPECT_EQ(e.message, "message.body: expected string");
  EXPECT_EQ(
      parse_error(R"({"command":"send-message","requestId":"r","message":{"body":"x","bodyType":"loud"}})").message,
      "message.bodyType: must be standard or notice");
  EXPECT_EQ(parse_error(R"({"command":"connect","requestId":"r","lastEventSeq":"5"})").message,
            "lastEventSeq: expected integer");
  std::string deep = R"({"command":"ping","requestId":"r","x":)" + std::string(60, '[') + std::string(60, ']') + "}";
  EXPECT_EQ(parse_error(deep).message, "JSON nested deeper than 50 levels");
}

TEST(GuestChatClient, SerializeRoundTrips) {
  Connect c;
  c.request_id = "c1";
  c.display_name = "Ada \"the\" guest";
  c.resume_token = "tok";
  c.last_event_seq = 12;
  SetAttributes a;
  a.request_id = "a1";
  a.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  a.attributes = {{"otel_trace_id", "x"}, {"old", std::nullopt}};
  SendMessage m;
  m.request_id = "m1";
  m.body = "héllo\n";
  m.body_type = "notice";
  Ping p;
  p.request_id = "p1";
  for (const ClientFrame& frame : {ClientFrame(c), ClientFrame(a), ClientFrame(m), ClientFrame(p)}) {
    const auto text = serialize(frame);
    auto back = parse_client_frame(text);
    ASSERT_TRUE(back.ok()) << text;
    EXPECT_EQ(serialize(*back), text);
    EXPECT_TRUE(lint_client_frame(text).empty()) << text;  // what we send is never dropped
  }
}

TEST(GuestChatClient, LintFindsWhatTheServerDrops) {
  // The seed's frame: customAttributes on send-message.
  EXPECT_EQ(
      lint_client_frame(
          R"({"command":"send-message","requestId":"m1","message":{"body":"hi","customAttributes":{"otel_trace_id":"x"}}})"),
      (std::vector<std::string>{"message.customAttributes"}));
  EXPECT_EQ(
      lint_client_frame(R"({"command":"send-message","requestId":"m1","customAttributes":{},"message":{"body":"hi"}})"),
      (std::vector<std::string>{"customAttributes"}));
  EXPECT_EQ(lint_client_frame(R"({"command":"ping","requestId":"p","extra":1})"), (std::vector<std::string>{"extra"}));
  EXPECT_TRUE(lint_client_frame(R"({"command":"ping","requestId":"p","traceparent":"x"})").empty());
}

TEST(GuestChatServer, EveryFrameRoundTrips) {
  Connected connected{"c1", "conv", "member", "resume", true, Limits{}};
  connected.limits.messages_per_second = 2.5;
  AttributesSet set{"a1", {{"k", "v"}}, {"k"}, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"};
  MessageAccepted accepted{"m1", "msg", 12, std::nullopt};
  ErrorReply error{"m2", 429, "rate-limited", "slow down", 500};
  MessageEvent message;
  message.seq = 13;
  message.timestamp = "2026-11-24T19:00:00.123Z";
  message.message_id = "msg";
  message.sender = Member{"b", "bot", "Bot"};
  message.body = "Hello";
  message.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  MemberJoined joined;
  joined.seq = 1;
  joined.timestamp = "2026-11-24T19:00:00.000Z";
  joined.member = Member{"g", "guest", "Ada"};
  AttributesUpdated updated;
  updated.seq = 2;
  updated.timestamp = "2026-11-24T19:00:00.001Z";
  updated.attributes = {{"a", "1"}};
  updated.changed = {"a"};
  Disconnected bye;
  bye.request_id = "d1";
  bye.reason = "guest-left";
  for (const ServerFrame& frame : {ServerFrame(connected), ServerFrame(set), ServerFrame(accepted),
                                   ServerFrame(Ack{"t1"}), ServerFrame(Pong{"p1"}), ServerFrame(error),
                                   ServerFrame(message), ServerFrame(joined), ServerFrame(updated), ServerFrame(bye)}) {
    const auto text = serialize(frame);
    auto back = parse_server_frame(text);
    ASSERT_TRUE(back.ok()) << text << ": " << back.error().message;
    EXPECT_EQ(serialize(*back), text);
    EXPECT_EQ(back->index(), frame.index());
  }
  EXPECT_EQ(
      serialize(ServerFrame(error)),
      R"({"type":"error","requestId":"m2","code":429,"error":"rate-limited","message":"slow down","retryAfterMs":500})");
  EXPECT_EQ(event_header(ServerFrame(message))->seq, 13);
  EXPECT_EQ(event_header(ServerFrame(Ack{"t1"})), nullptr);
}

TEST(GuestChatServer, MalformedServerFramesAreErrors) {
  EXPECT_EQ(parse_server_frame(R"({"type":"warp"})").error().message, "type: unknown frame type 'warp'");
  EXPECT_EQ(parse_server_frame(R"({"type":"message","messageId":"m","body":"x"})").error().message, "sender: required");
  EXPECT_EQ(
      parse_server_frame(R"({"type":"message","messageId":"m","body":"x","sender":{"role":"bot"}})").error().message,
      "sender.memberId: required");
  EXPECT_EQ(parse_server_frame(R"({"type":"attributes-set","requestId":"a","attributes":{"k":1}})").error().message,
            "attributes.k: expected string");
  // Numbers the JSON parser cannot represent (infinite, or NaN from 0e330) are refused.
  const std::string connected =
      R"({"type":"connected","requestId":"c","conversationId":"c","memberId":"m","resumeToken":"t","resumed":false,)";
  EXPECT_EQ(parse_server_frame(connected + R"("limits":{"messagesPerSecond":1e400}})").error().message,
            "limits.messagesPerSecond: number out of range");
  EXPECT_EQ(parse_server_frame(connected + R"("limits":{"messagesPerSecond":0e330}})").error().message,
            "limits.messagesPerSecond: number out of range");
}
