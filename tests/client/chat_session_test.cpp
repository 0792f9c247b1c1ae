// The chat client against the emulator, both dialects: lifecycle, trace context on the
// conversation, spans, diffing, limits.
#include "client_fixture.h"

namespace tracechat::testing {
namespace {

using client::ContextAttached;
using client::MessageDelivered;
using client::MessageReceived;

std::vector<std::string> string_array(const trace::SpanData& span, std::string_view key) {
  const auto* v = span.attributes.find(key);
  if (v == nullptr || !std::holds_alternative<std::vector<std::string>>(*v)) return {};
  return std::get<std::vector<std::string>>(*v);
}

class ChatSessionTest : public ClientTest {};

TEST_F(ChatSessionTest, GuestChatLifecycleAttachesTheContextRightAfterTheHandshake) {
  Recorder r;
  auto config = config_for(guest_chat_url());
  config.attributes.initial = {{"customer_tier", "gold"}};
  auto session = open(config, r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  EXPECT_EQ(r.states(), (std::vector<SessionState>{SessionState::connecting, SessionState::handshaking,
                                                   SessionState::attaching_context, SessionState::active}));

  const auto info = session->info();
  ASSERT_EQ(r.all<client::Connected>().size(), 1u);
  EXPECT_EQ(r.all<client::Connected>()[0].conversation_id, info.conversation_id);
  const auto context = session->context();
  EXPECT_EQ(info.trace_id, context.trace_id.hex());
  // The context is on the conversation before the session reports active.
  auto attached = r.all<ContextAttached>();
  ASSERT_EQ(attached.size(), 1u);
  EXPECT_EQ(attached[0].attributes.at("otel_trace_id"), context.trace_id.hex());
  auto stored = guest_attributes(info.conversation_id);
  EXPECT_EQ(str(stored, "otel_trace_id"), context.trace_id.hex());
  EXPECT_EQ(str(stored, "otel_span_id"), context.span_id.hex());
  EXPECT_EQ(str(stored, "traceparent"), context.traceparent());
  EXPECT_EQ(str(stored, "customer_tier"), "gold");

  auto id = session->send("Where is my order?");
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(r.wait_messages_from("bot")) << r.transcript();
  auto delivered = r.all<MessageDelivered>();
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].client_id, *id);
  std::vector<MessageReceived> own;
  for (const auto& m : r.all<MessageReceived>()) {
    if (m.own) own.push_back(m);
  }
  ASSERT_EQ(own.size(), 1u);
  EXPECT_EQ(own[0].client_id, *id);
  EXPECT_EQ(own[0].message_id, delivered[0].message_id);

  session->close();
  ASSERT_TRUE(session->wait_finished(10s));
  EXPECT_EQ(session->state(), SessionState::closed);
  EXPECT_EQ(r.all<client::ConversationEnded>().at(0).reason, "guest-left");
  EXPECT_TRUE(r.all<client::Warning>().empty()) << r.transcript();

  // Spans: the session is the root; the message is a producer span whose context is
  // what the server recorded with the message.
  session.reset();
  auto roots = spans_named("chat.session");
  ASSERT_EQ(roots.size(), 1u);
  EXPECT_EQ(roots[0]->context.span_id, context.span_id);
  auto sends = spans_named("chat.send_message");
  ASSERT_EQ(sends.size(), 1u);
  EXPECT_EQ(sends[0]->kind, trace::SpanKind::producer);
  EXPECT_EQ(sends[0]->parent_span_id, context.span_id);
  EXPECT_EQ(own[0].traceparent, sends[0]->context.traceparent());
  const auto* message_id = sends[0]->attributes.find("messaging.message.id");
  ASSERT_NE(message_id, nullptr);
  EXPECT_EQ(std::get<std::string>(*message_id), delivered[0].message_id);
  auto sets = spans_named("chat.set_attributes");
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(string_array(*sets[0], "chat.attributes.keys"),
            (std::vector<std::string>{"customer_tier", "otel_span_id", "otel_trace_id", "traceparent"}));
  auto receives = spans_named("chat.receive_message");
  ASSERT_GE(receives.size(), 1u);
  EXPECT_EQ(receives[0]->kind, trace::SpanKind::consumer);
}

TEST_F(ChatSessionTest, WebMessagingLifecycleWithAutoStartAttachesTheContextOnTheJoin) {
  // The deployment auto-starts, so the context rides on a Presence Join right away
  // (without auto-start it waits for the first message: web_messaging_platform_test.cpp).
  options_.config.web_messaging.auto_start = true;
  Recorder r;
  auto session = open(config_for(web_messaging_url()), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  EXPECT_EQ(r.states(), (std::vector<SessionState>{SessionState::connecting, SessionState::handshaking,
                                                   SessionState::attaching_context, SessionState::active}));
  const auto context = session->context();
  // Web Messaging does not show the conversation id to the guest: find it the way a
  // support engineer would, by trace id in the analytics query.
  const auto conversation_id = conversation_with_trace(context.trace_id.hex());
  ASSERT_FALSE(conversation_id.empty());
  auto stored = guest_attributes(conversation_id);
  EXPECT_EQ(str(stored, "traceparent"), context.traceparent());

  auto id = session->send("hello");
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(r.wait_messages_from("bot")) << r.transcript();
  ASSERT_EQ(r.all<MessageDelivered>().size(), 1u);
  auto received = r.all<MessageReceived>();
  ASSERT_EQ(received.size(), 2u) << r.transcript();
  EXPECT_TRUE(received[0].own);
  EXPECT_EQ(received[0].client_id, *id);
  EXPECT_EQ(received[1].body, "You said: hello");

  session->close();
  ASSERT_TRUE(session->wait_finished(10s));
  EXPECT_EQ(session->state(), SessionState::closed);
  EXPECT_TRUE(r.all<client::Warning>().empty()) << r.transcript();
  auto ended = http_json("GET", "/api/v2/conversations/" + conversation_id);
  EXPECT_TRUE(ended.as_object().contains("endTime") || ended.as_object().contains("conversationEnd")) << ended;
}

TEST_F(ChatSessionTest, OnlyChangedAttributesAreSent) {
  Recorder r;
  auto session = open(config_for(guest_chat_url()), r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  const auto conversation = session->info().conversation_id;

  ASSERT_TRUE(session->set_attributes({{"order", "A-1"}}).ok());
  ASSERT_TRUE(r.wait_count<client::AttributesChanged>(2)) << r.transcript();  // the attach, then this
  ASSERT_TRUE(session->set_attributes({{"order", "A-1"}}).ok());              // unchanged: nothing to send
  ASSERT_TRUE(session->set_attributes({{"order", "A-1"}, {"step", "checkout"}}).ok());
  ASSERT_TRUE(session->set_attributes({{"order", std::nullopt}}).ok());
  ASSERT_TRUE(r.wait([&](const auto&) {
    auto stored = guest_attributes(conversation);
    return !stored.contains("order") && stored.contains("step");
  }));
  session.reset();
  std::vector<std::vector<std::string>> sent;
  for (const auto& s : spans_named("chat.set_attributes")) sent.push_back(string_array(*s, "chat.attributes.keys"));
  ASSERT_GE(sent.size(), 3u);
  EXPECT_EQ(sent[1], std::vector<std::string>{"order"});
  // The rest went in one or two requests, but never resent order=A-1 unchanged.
  std::vector<std::string> rest;
  for (std::size_t i = 2; i < sent.size(); ++i) rest.insert(rest.end(), sent[i].begin(), sent[i].end());
  EXPECT_EQ(std::count(rest.begin(), rest.end(), "step"), 1);
  EXPECT_EQ(std::count(rest.begin(), rest.end(), "order"), 1);  // the deletion only
}

TEST_F(ChatSessionTest, CallerAttributesOverBudgetAreRefusedLocallyNamingTheKey) {
  Recorder r;
  auto session = open(config_for(guest_chat_url()), r);
  ASSERT_TRUE(r.wait_state(SessionState::active));
  auto too_long = session->set_attributes({{"note", std::string(300, 'x')}});
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.error().message, "attribute 'note': the value is 300 characters; the server keeps 256");
  auto bad_key = session->set_attributes({{"has space", "v"}});
  ASSERT_FALSE(bad_key.ok());
  EXPECT_NE(bad_key.error().message.find("'has space'"), std::string::npos);
  std::map<std::string, std::optional<std::string>> many;
  for (int i = 0; i < 10; ++i) many["k" + std::to_string(i)] = std::string(250, 'v');
  auto too_much = session->set_attributes(many);
  ASSERT_FALSE(too_much.ok());
  EXPECT_NE(too_much.error().message.find("bytes; the server allows 2048"), std::string::npos)
      << too_much.error().message;
  auto reserved = session->set_attributes({{"traceparent", "x"}});
  ASSERT_FALSE(reserved.ok());
  EXPECT_NE(reserved.error().message.find("set by the session"), std::string::npos);
  // Nothing of the refused sets reached the conversation.
  auto stored = guest_attributes(session->info().conversation_id);
  EXPECT_FALSE(stored.contains("note"));
  EXPECT_FALSE(stored.contains("k0"));
}

class TruncatingServerTest : public ClientTest {
  void configure(emulator::EmulatorOptions& o) override { o.config.limits.max_attribute_value_chars = 20; }
};

TEST_F(TruncatingServerTest, TheTraceContextIsNeverSentTruncated) {
  Recorder r;
  auto config = config_for(guest_chat_url());
  config.attributes.initial = {{"tier", "gold"}};
  auto session = open(config, r);
  ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
  auto warnings = r.all<client::Warning>();
  ASSERT_EQ(warnings.size(), 1u) << r.transcript();
  EXPECT_EQ(warnings[0].code, "context-not-attached");
  EXPECT_NE(warnings[0].message.find("keeps 20 characters"), std::string::npos) << warnings[0].message;
  auto stored = guest_attributes(session->info().conversation_id);
  EXPECT_FALSE(stored.contains("otel_trace_id"));
  EXPECT_FALSE(stored.contains("traceparent"));
  EXPECT_EQ(str(stored, "tier"), "gold");  // the chat and the caller's attributes go on
  // Per-message correlation still works: it costs no attribute budget.
  ASSERT_TRUE(session->send("hi").ok());
  ASSERT_TRUE(r.wait_count<MessageDelivered>(1));
}

TEST_F(ChatSessionTest, PerMessageContextMovesTheSpanKeysToEachMessage) {
  for (const bool web_messaging : {false, true}) {
    SCOPED_TRACE(web_messaging ? "web messaging" : "guest-chat");
    Recorder r;
    auto config = config_for(web_messaging ? web_messaging_url() : guest_chat_url());
    config.trace.per_message_context = true;
    config.web_messaging_messages_per_second = 20;
    auto session = open(config, r);
    ASSERT_TRUE(r.wait_state(SessionState::active)) << r.transcript();
    const auto trace_id = session->context().trace_id.hex();
    ASSERT_TRUE(session->send("one").ok());
    ASSERT_TRUE(session->send("two").ok());
    ASSERT_TRUE(r.wait_count<MessageDelivered>(2)) << r.transcript();
    const auto conversation = conversation_with_trace(trace_id);
    ASSERT_FALSE(conversation.empty());
    auto stored = guest_attributes(conversation);
    session.reset();
    std::string last_traceparent;
    for (const auto& s : spans_named("chat.send_message")) {
      if (s->context.trace_id.hex() == trace_id) last_traceparent = s->context.traceparent();
    }
    EXPECT_EQ(str(stored, "traceparent"), last_traceparent);
    EXPECT_EQ(str(stored, "otel_trace_id"), trace_id);
  }
}

// A message queued and close() called while the context is being attached (end of input
// right after the first line, in `tracechat chat`'s line mode): the drain waits for the
// attach, then delivers the message and leaves — it used to wait for close_timeout.
TEST_F(ChatSessionTest, ClosedWhileTheContextIsAttachedItDeliversWhatWasQueuedAndLeaves) {
  Recorder r;
  auto record = r.callback();
  std::atomic<ChatSession*> opened{nullptr};
  std::atomic<bool> acted{false};
  auto config = config_for(guest_chat_url());
  config.close_timeout = 60s;  // far beyond the wait below: a stuck drain fails the test
  auto session = ChatSession::open(config, [&](const client::SessionEvent& e) {
    record(e);
    const auto* changed = std::get_if<client::StateChanged>(&e);
    if (changed == nullptr || changed->to != SessionState::attaching_context || acted.exchange(true)) return;
    // On the session's thread, before the attach's answer can be read: open() has
    // returned long since (the handshake took a round trip).
    for (int i = 0; i < 1000 && opened.load() == nullptr; ++i) std::this_thread::sleep_for(1ms);
    opened.load()->send("queued while attaching").ok();
    opened.load()->close();
  });
  ASSERT_TRUE(session.ok()) << session.error().message;
  opened = session->get();
  ASSERT_TRUE((*session)->wait_finished(10s)) << r.transcript();
  EXPECT_EQ((*session)->state(), SessionState::closed) << r.transcript();
  ASSERT_TRUE(acted.load());
  EXPECT_EQ(r.all<MessageDelivered>().size(), 1u) << r.transcript();
  EXPECT_TRUE(r.all<client::MessageFailed>().empty()) << r.transcript();
  EXPECT_EQ(r.all<client::ConversationEnded>().at(0).reason, "guest-left") << r.transcript();
}

TEST_F(ChatSessionTest, SendQueueIsBoundedAndAFullQueueIsAnError) {
  Recorder r;
  auto config = config_for(guest_chat_url());
  config.max_queued_messages = 3;
  auto session = open(config, r);
  // Before the session is active, messages wait in the queue.
  ASSERT_TRUE(session->send("1").ok());
  ASSERT_TRUE(session->send("2").ok());
  ASSERT_TRUE(session->send("3").ok());
  auto full = session->send("4");
  ASSERT_FALSE(full.ok());
  EXPECT_NE(full.error().message.find("queue is full"), std::string::npos);
  EXPECT_FALSE(session->send("").ok());
  EXPECT_NE(session->send(std::string(5000, 'x')).error().message.find("5000 characters"), std::string::npos);
  ASSERT_TRUE(r.wait_count<MessageDelivered>(3)) << r.transcript();
  EXPECT_TRUE(session->send("5").ok());
}

TEST_F(ChatSessionTest, ConfigAndUrlErrorsAreClear) {
  const auto error = [](client::ChatSessionConfig c) {
    auto s = ChatSession::open(std::move(c));
    return s.ok() ? std::string("(opened)") : s.error().message;
  };
  client::ChatSessionConfig c;
  c.url = "ws://127.0.0.1:1/nowhere";
  EXPECT_NE(error(c).find("cannot tell the dialect"), std::string::npos);
  c.url = "ftp://x/v1?deploymentId=a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
  EXPECT_NE(error(c).find("unsupported URL scheme 'ftp'"), std::string::npos) << error(c);
  c.url = "ws://x/v1/not-a-uuid/guest/0f0e0d0c-0b0a-4908-8706-050403020100/connect";
  EXPECT_EQ(error(c), "url: organizationId 'not-a-uuid' is not a UUID");
  c.url = "ws://x" + web_messaging_path();
  c.dialect = client::Dialect::guest_chat;
  EXPECT_EQ(error(c), "url: the path is a web-messaging endpoint, but the dialect is set to guest-chat");
  c.dialect = client::Dialect::automatic;
  c.trace.traceparent_key = "bad key";
  EXPECT_NE(error(c).find("trace attribute name 'bad key'"), std::string::npos);
}

TEST_F(ChatSessionTest, AnUnreachableServerFailsWithTheCause) {
  Recorder r;
  auto unreachable = open(config_for(std::string("ws://127.0.0.1:1") + guest_path()), r);
  ASSERT_NE(unreachable, nullptr);
  ASSERT_TRUE(unreachable->wait_finished(10s)) << r.transcript();
  EXPECT_EQ(unreachable->state(), SessionState::failed);
  EXPECT_NE(unreachable->info().failure.find("cannot connect to ws://127.0.0.1:1"), std::string::npos)
      << unreachable->info().failure;
  EXPECT_EQ(r.states().back(), SessionState::failed);
  EXPECT_FALSE(unreachable->send("x").ok());
}

class ClosedOrganizationTest : public ClientTest {
  void configure(emulator::EmulatorOptions& o) override { o.config.organizations = {kOrg}; }
};

TEST_F(ClosedOrganizationTest, ARefusedUpgradeFailsAtOnceWithTheStatus) {
  Recorder r;
  const std::string other_org = "99999999-2222-4333-8444-555555555555";
  auto session = open(config_for("ws://127.0.0.1:" + std::to_string(start().port()) + "/v1/" + other_org + "/guest/" +
                                 kGuest + "/connect"),
                      r);
  ASSERT_TRUE(session->wait_finished(10s)) << r.transcript();
  EXPECT_EQ(session->state(), SessionState::failed);
  EXPECT_NE(session->info().failure.find("404"), std::string::npos) << session->info().failure;
}

}  // namespace
}  // namespace tracechat::testing
