// The explorer's trace document: the chat transcript read back from the spans, the
// critical path, and the JSON the page renders.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "support/chat_trace.h"
#include "support/sample_spans.h"
#include "tracechat/viewer/chat_transcript.h"
#include "tracechat/viewer/critical_path.h"
#include "tracechat/viewer/explorer_page.h"

using namespace tracechat;
using namespace tracechat::trace;
namespace json = boost::json;

namespace {
const SpanData& named(const std::vector<std::unique_ptr<SpanData>>& spans, std::string_view name, int nth = 0) {
  for (const auto& s : spans) {
    if (s->name == name && nth-- == 0) return *s;
  }
  throw std::runtime_error("no span " + std::string(name));
}
}  // namespace

TEST(ChatTranscript, MessagesInTimeOrderWithTheActionsUnderEachGuestMessage) {
  const auto spans = test_support::chat_trace({.messages = 2});
  const auto waterfall = viewer::build_waterfall(spans);
  const auto transcript = viewer::chat_transcript(waterfall);
  EXPECT_EQ(transcript.conversation_id, "3f9c2a1e-8d2b-4c1a-9b7e-5a6d4c3b2a10");
  ASSERT_EQ(transcript.messages.size(), 4u);
  EXPECT_TRUE(transcript.messages[0].from_guest);
  EXPECT_EQ(transcript.messages[0].message_id, "guest-message-0");
  EXPECT_EQ(transcript.messages[0].role, "guest");
  EXPECT_FALSE(transcript.messages[1].from_guest);
  EXPECT_EQ(transcript.messages[1].role, "bot");
  EXPECT_EQ(transcript.messages[1].message_id, "reply-0");
  EXPECT_EQ(transcript.messages[2].message_id, "guest-message-1");
  // Each guest message has its own action, found through the span tree.
  for (int m = 0; m < 2; ++m) {
    const auto& message = transcript.messages[static_cast<std::size_t>(2 * m)];
    ASSERT_EQ(message.data_actions.size(), 1u);
    EXPECT_EQ(message.data_actions[0], &named(spans, "dataaction lookupOrder", m));
    EXPECT_TRUE(message.actions_by_parent);
  }
  EXPECT_TRUE(transcript.messages[1].data_actions.empty());
  // Text is not recorded unless the client opted in.
  EXPECT_FALSE(transcript.messages[0].text.has_value());
}

TEST(ChatTranscript, WithoutPerMessageContextActionsGoToTheGuestMessageBeforeThem) {
  const auto spans = test_support::chat_trace({.messages = 3, .per_message_context = false, .record_text = true});
  const auto transcript = viewer::chat_transcript(viewer::build_waterfall(spans));
  ASSERT_EQ(transcript.messages.size(), 6u);
  for (int m = 0; m < 3; ++m) {
    const auto& message = transcript.messages[static_cast<std::size_t>(2 * m)];
    ASSERT_EQ(message.data_actions.size(), 1u) << m;
    EXPECT_EQ(message.data_actions[0], &named(spans, "dataaction lookupOrder", m));
    EXPECT_FALSE(message.actions_by_parent);
    EXPECT_EQ(message.text.value_or(""), "question " + std::to_string(m));
  }
  EXPECT_EQ(transcript.messages[1].text.value_or(""), "answer 0");
}

TEST(ChatTranscript, ReceivedMessagesRecordedAsEventsAreInTheTranscript) {
  auto spans = test_support::chat_trace({.messages = 1});
  SpanData& session = const_cast<SpanData&>(named(spans, "chat.session"));
  session.events.push_back(SpanEvent{std::string(conventions::kMessageReceivedEvent), session.start_time_unix_nano + 5,
                                     Attributes{{std::string(conventions::kMessageIdKey), std::string("early")},
                                                {std::string(conventions::kSenderRoleKey), std::string("agent")}}});
  const auto transcript = viewer::chat_transcript(viewer::build_waterfall(spans));
  ASSERT_EQ(transcript.messages.size(), 3u);
  EXPECT_EQ(transcript.messages[0].message_id, "early");
  EXPECT_EQ(transcript.messages[0].role, "agent");
  EXPECT_EQ(transcript.messages[0].span, &session);
}

TEST(CriticalPath, FollowsTheChildrenTheParentWaitedFor) {
  // root 0..100 with children a 0..30, b 20..60, c 70..90, d 40..50. Back from 100: c
  // ended last (on the path, back to 70); then b (back to 20); d started after 20: the
  // root did not wait for it; a started before 20: on the path. Under b, e 25..55 is.
  std::vector<std::unique_ptr<SpanData>> spans;
  const auto add = [&](const char* name, const char* id, const char* parent, std::uint64_t start, std::uint64_t end) {
    spans.push_back(test_support::tree_span(name, id, parent, start, end));
  };
  add("root", "0000000000000001", nullptr, 0, 100);
  add("a", "0000000000000002", "0000000000000001", 0, 30);
  add("b", "0000000000000003", "0000000000000001", 20, 60);
  add("c", "0000000000000004", "0000000000000001", 70, 90);
  add("d", "0000000000000005", "0000000000000001", 40, 50);
  add("e", "0000000000000006", "0000000000000003", 25, 55);
  const auto path = viewer::critical_path(viewer::build_waterfall(spans));
  std::set<std::string> on;
  for (const auto* s : path) on.insert(s->name);
  EXPECT_EQ(on, (std::set<std::string>{"root", "a", "b", "c", "e"}));
}

TEST(TraceDocument, CarriesSpansCriticalPathAndConversation) {
  const auto spans = test_support::chat_trace({.messages = 2, .failing_action = true});
  const auto waterfall = viewer::build_waterfall(spans);
  const json::value doc = json::parse(viewer::trace_document_json(waterfall, spans[0]->context.trace_id));
  EXPECT_EQ(doc.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(doc.at("rootName"), "chat.session");
  EXPECT_EQ(doc.at("errors"), 1);
  EXPECT_EQ(doc.at("services").as_array().size(), 3u);
  EXPECT_DOUBLE_EQ(doc.at("startUnixMs").as_double(), 1764950000000.0);
  const auto& rows = doc.at("spans").as_array();
  ASSERT_EQ(rows.size(), spans.size());
  EXPECT_EQ(rows[0].at("name"), "chat.session");
  EXPECT_EQ(rows[0].at("hasChildren"), true);
  EXPECT_EQ(rows[0].at("critical"), true);
  std::size_t errors = 0;
  for (const auto& row : rows) {
    if (row.at("error").as_bool()) {
      ++errors;
      EXPECT_EQ(row.at("statusCode"), "error");
      EXPECT_EQ(row.at("statusMessage"), "upstream 503");
    }
  }
  EXPECT_EQ(errors, 1u);
  const auto& conversation = doc.at("conversation").as_object();
  EXPECT_EQ(conversation.at("id"), "3f9c2a1e-8d2b-4c1a-9b7e-5a6d4c3b2a10");
  EXPECT_TRUE(conversation.at("platform").is_null());
  const auto& messages = conversation.at("messages").as_array();
  ASSERT_EQ(messages.size(), 4u);
  EXPECT_EQ(messages[0].at("direction"), "guest");
  EXPECT_EQ(messages[0].at("spanId").as_string(), named(spans, "chat.send_message").context.span_id.hex());
  EXPECT_EQ(messages[0].at("dataActionSpanIds").as_array().at(0).as_string(),
            named(spans, "dataaction lookupOrder").context.span_id.hex());
  EXPECT_EQ(messages[0].at("dataActionsLinkedBy"), "parent");
  EXPECT_FALSE(messages[0].as_object().contains("text"));
  EXPECT_EQ(messages[1].at("direction"), "reply");
}

TEST(TraceDocument, ATraceWithoutChatHasNoConversation) {
  std::vector<std::unique_ptr<SpanData>> spans;
  auto s = std::make_unique<SpanData>();
  s->context.trace_id = *TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  s->context.span_id = *SpanId::from_hex("0000000000000001");
  s->name = "GET /";
  spans.push_back(std::move(s));
  const json::value doc =
      json::parse(viewer::trace_document_json(viewer::build_waterfall(spans), spans[0]->context.trace_id));
  EXPECT_TRUE(doc.at("conversation").is_null());
}

TEST(ExplorerPage, ServedPageFetchesAndExportedPageEmbeds) {
  const std::string served = viewer::explorer_page();
  EXPECT_NE(served.find(R"(<script type="application/json" id="trace-data">null</script>)"), std::string::npos);
  EXPECT_EQ(served.find("/*@CSS@*/"), std::string::npos);
  EXPECT_EQ(served.find("/*@JS@*/"), std::string::npos);
  EXPECT_EQ(served.find("@DATA@"), std::string::npos);
  // The CSS and JavaScript are inline: neither may end its element early.
  const auto count = [&](std::string_view needle) {
    std::size_t n = 0;
    for (auto at = served.find(needle); at != std::string::npos; at = served.find(needle, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("</script"), 2u);  // the data's element and the script's
  EXPECT_EQ(count("</style"), 1u);
  // A document that contains the placeholders' text is embedded as it is, escaped.
  const std::string exported = viewer::explorer_page(R"({"x":"/*@JS@*/ </script>"})");
  EXPECT_NE(exported.find(R"({"x":"/*@JS@*/ \u003c/script\u003e"})"), std::string::npos);
  EXPECT_EQ(exported.find("</script>\"}"), std::string::npos);
}

// Two messages sent at once: the second waits in the queue, so its span starts before
// the first one's action; the action is the first's, which the platform took first. A
// refused message is marked and gets no action.
TEST(ChatTranscript, ByTimeAnActionGoesToTheMessageDeliveredBeforeIt) {
  auto spans = test_support::chat_trace({.messages = 3, .per_message_context = false});
  SpanData& first = const_cast<SpanData&>(named(spans, "chat.send_message", 0));
  SpanData& second = const_cast<SpanData&>(named(spans, "chat.send_message", 1));
  SpanData& third = const_cast<SpanData&>(named(spans, "chat.send_message", 2));
  const SpanData& first_action = named(spans, "dataaction lookupOrder", 0);
  second.start_time_unix_nano = first.start_time_unix_nano + 10;  // queued right after the first
  third.status = SpanStatus{StatusCode::error, "session is over"};
  const auto transcript = viewer::chat_transcript(viewer::build_waterfall(spans));
  const auto message_of = [&](const SpanData& span) -> const viewer::ChatMessage& {
    for (const auto& m : transcript.messages) {
      if (m.span == &span) return m;
    }
    throw std::runtime_error("no message");
  };
  ASSERT_EQ(message_of(first).data_actions.size(), 1u);
  EXPECT_EQ(message_of(first).data_actions[0], &first_action);
  // The second's own action, and the third's (whose message was never delivered).
  EXPECT_EQ(message_of(second).data_actions.size(), 2u);
  EXPECT_FALSE(message_of(third).delivered);
  EXPECT_TRUE(message_of(third).data_actions.empty());
  EXPECT_TRUE(message_of(first).delivered);
}
