// Archy flows in the running emulator: the kit's flow (its golden file) loaded from --flows with its substitutions,
// driven by a Web Messaging guest whose custom attributes carry the trace context, calling a Data Action on a local
// service; when the flow runs (once per opening message, at a Join, for each later message, not after a Transfer to
// ACD); and the files the emulator refuses to start with.
#include <atomic>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "archy_fixtures.h"
#include "tracechat/net/http_server.h"
#include "web_messaging_fixture.h"

namespace tracechat::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kSpanId = "00f067aa0ba902b7";
constexpr const char* kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

using tracechat::testing::archy::fixture;
using tracechat::testing::archy::kit_flow;
using tracechat::testing::archy::kSubstitutions;

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

json::object with_attributes(json::object message, json::object attributes) {
  message["channel"] = json::object{{"metadata", json::object{{"customAttributes", std::move(attributes)}}}};
  return message;
}

// What the service behind the Data Action was asked.
struct Request {
  std::string traceparent, conversation_id;
  json::value body;
};

class ArchyFlowTest : public WebMessagingTest {
 protected:
  ArchyFlowTest()
      : service_({}, [this](net::HttpRequest& r) {
          {
            std::lock_guard lock(mutex_);
            boost::system::error_code ec;
            auto body = json::parse(r.body, ec);
            requests_.push_back({std::string(r.header("traceparent").value_or("")),
                                 std::string(r.header("X-Conversation-Id").value_or("")),
                                 ec ? json::value(nullptr) : body});
          }
          // Held: the service answers once the test lets it (or after 5 s at most).
          for (int i = 0; i < 500 && held_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
          return net::json_response(status_, R"({"status":"shipped"})");
        }) {
    EXPECT_TRUE(service_.start().ok());
  }

  void configure(emulator::EmulatorOptions& o) override {
    o.config.bot.reply = "";  // the flow speaks for the bot
    std::string action = fixture("traced-action.json");
    action.replace(action.find("@SERVICE@"), 9, service_.url());
    write(dir_ / "actions" / "traced.json", action);
    write(dir_ / "flows" / "kit-flow.yaml", flow());
    o.data_actions_dir = dir_ / "actions";
    o.flows_dir = dir_ / "flows";
    o.flow_substitutions = kSubstitutions;
  }
  virtual std::string flow() { return kit_flow(); }

  // The text of the next message the guest sees from the agent side.
  std::string reply(RawWsClient& ws) {
    const auto m = read_message(ws, "Text", "Outbound");
    return m.is_object() ? text_of(m.at("body"), "text") : "(no answer)";
  }
  // The guest's first message, with the trace context in its custom attributes.
  void open_with(RawWsClient& ws, const std::string& text) {
    ws.send_json(on_message(
        with_attributes(text_message(text),
                        {{"otel_trace_id", kTraceId}, {"otel_span_id", kSpanId}, {"traceparent", kTraceparent}}),
        "m-" + text));
  }
  std::vector<Request> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

  std::mutex mutex_;
  std::vector<Request> requests_;
  int status_ = 200;
  std::atomic<bool> held_{false};
  net::HttpServer service_;
};

TEST_F(ArchyFlowTest, TheKitsFlowCallsTheDataActionWithTheGuestsTraceContext) {
  auto ws = session();
  open_with(*ws, "A-1");
  EXPECT_EQ(reply(*ws), "Checked: shipped");
  start().wait_for_flows();

  const auto seen = requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].traceparent, kTraceparent);
  const std::string conversation = seen[0].conversation_id;
  ASSERT_EQ(conversation.size(), 36u);
  EXPECT_EQ(seen[0].body, (json::value{{"otel_trace_id", kTraceId},
                                       {"otel_span_id", kSpanId},
                                       {"traceparent", kTraceparent},
                                       {"conversationId", conversation},
                                       {"orderId", "A-1"}}));
  // The conversation the action named is the guest's: its participant data has the
  // guest's trace context and the flow's result.
  auto c = http_json("GET", "/api/v2/conversations/" + conversation);
  const auto& attributes = c.at("participants").at(0).at("attributes");
  EXPECT_EQ(attributes.at("otel_trace_id"), kTraceId);
  EXPECT_EQ(attributes.at("tracechat_status"), "shipped");

  const auto stats = start().flow_stats();
  EXPECT_EQ(stats.runs, 1u);
  EXPECT_EQ(stats.action_calls, 1u);
  EXPECT_EQ(stats.action_failures, 0u);
  EXPECT_EQ(stats.transfers, 1u);
  EXPECT_EQ(start().flow_queue(conversation), "Support");
}

TEST_F(ArchyFlowTest, ATransferToAcdTakesTheConversationFromTheFlow) {
  auto ws = session();
  open_with(*ws, "A-1");
  EXPECT_EQ(reply(*ws), "Checked: shipped");
  start().wait_for_flows();

  ws->send_json(on_message(text_message("A-2"), "m2"));
  EXPECT_EQ(text_of(read_message(*ws, "Text", "Inbound"), "tracingId"), "m2");
  // The echo's answer comes after the message was handed to the flows.
  frames_before_echo(*ws);
  start().wait_for_flows();
  for (const auto& frame : frames_before_echo(*ws)) {
    EXPECT_NE(text_of(frame.at("body"), "direction"), "Outbound") << json::serialize(frame);
  }
  EXPECT_EQ(start().flow_stats().runs, 1u);
  EXPECT_EQ(requests().size(), 1u);
  // Queued, not ended: the guest can still write (to the agent the emulator does not have).
  EXPECT_EQ(start().stats().active_conversations, 1u);
}

// With a bot (the stand-in for the agent of the flow's queue), the flow has the
// conversation until its Transfer to ACD and the bot only the messages after it.
class ArchyFlowWithAgentTest : public ArchyFlowTest {
 protected:
  void configure(emulator::EmulatorOptions& o) override {
    ArchyFlowTest::configure(o);
    o.config.bot.reply = "agent: {body}";
    o.config.bot.reply_delay = std::chrono::milliseconds(1);
  }
};

TEST_F(ArchyFlowWithAgentTest, TheAgentAnswersOnlyTheMessagesAfterTheTransfer) {
  auto ws = session();
  open_with(*ws, "A-1");
  EXPECT_EQ(reply(*ws), "Checked: shipped");
  start().wait_for_flows();
  ws->send_json(on_message(text_message("A-2"), "m2"));
  // Not "agent: A-1": the flow answered the first message, the agent was not there yet.
  EXPECT_EQ(reply(*ws), "agent: A-2");
  EXPECT_EQ(start().flow_stats().runs, 1u);
}

TEST_F(ArchyFlowWithAgentTest, AMessageThatWaitedWhileTheFlowTransferredGoesToTheAgent) {
  held_ = true;  // the flow is still in its Data Action when A-2 arrives
  auto ws = session();
  open_with(*ws, "A-1");
  ws->send_json(on_message(text_message("A-2"), "m2"));
  // A-2 waits behind A-1's run: the path under test (not the one after the transfer).
  bool waited = false;
  for (int i = 0; i < 500 && !waited; ++i) {
    waited = start().flow_stats().waiting == 1;
    if (!waited) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  held_ = false;
  ASSERT_TRUE(waited) << "A-2 did not wait behind the run of A-1";
  EXPECT_EQ(reply(*ws), "Checked: shipped");
  EXPECT_EQ(reply(*ws), "agent: A-2");
  start().wait_for_flows();
  EXPECT_EQ(start().flow_stats().runs, 1u);
  EXPECT_EQ(start().flow_stats().waiting, 0u);
  EXPECT_EQ(requests().size(), 1u);
}

TEST_F(ArchyFlowTest, AFailingServiceTakesTheFailurePathWithItsErrorCode) {
  status_ = 500;
  auto ws = session();
  open_with(*ws, "A-1");
  EXPECT_EQ(reply(*ws), "Sorry, that did not work (upstream).");
  start().wait_for_flows();
  const auto stats = start().flow_stats();
  EXPECT_EQ(stats.action_failures, 1u);
  EXPECT_EQ(stats.transfers, 1u);  // the paths converge on the Transfer to ACD
}

TEST_F(ArchyFlowTest, WithoutTheTraceContextTheActionRefusesItsInputs) {
  auto ws = session();
  ws->send_json(on_message(text_message("A-1"), "m1"));
  // otel_trace_id and otel_span_id are the action's required inputs; NOT_SET ones are not sent.
  EXPECT_EQ(reply(*ws), "Sorry, that did not work (bad.request).");
  start().wait_for_flows();
  EXPECT_TRUE(requests().empty());
}

// The flow's own timeout (its callData's, 1 s here) is shorter than the action's (60 s).
class ArchyFlowTimeoutTest : public ArchyFlowTest {
  void configure(emulator::EmulatorOptions& o) override {
    held_ = true;  // the service answers after the test saw the timeout (5 s at most)
    ArchyFlowTest::configure(o);
  }
  std::string flow() override {
    std::string text = ArchyFlowTest::flow();
    text.replace(text.find("seconds: 10"), 11, "seconds: 1");
    return text;
  }
};

TEST_F(ArchyFlowTimeoutTest, ASlowServiceTakesTheTimeoutPath) {
  auto ws = session();
  open_with(*ws, "A-1");
  EXPECT_EQ(reply(*ws), "Sorry, that took too long.");
  held_ = false;
  start().wait_for_flows();
  EXPECT_EQ(start().flow_stats().action_failures, 1u);
}

// When the flow runs: tests/emulator/archy/echo.yaml says what it was run for.
class ArchyEchoFlowTest : public WebMessagingTest {
 protected:
  void configure(emulator::EmulatorOptions& o) override {
    o.config.bot.reply = "";
    write(dir_ / "flows" / "echo.yaml", fixture("echo.yaml"));
    o.flows_dir = dir_ / "flows";
  }
  std::string reply(RawWsClient& ws) {
    const auto m = read_message(ws, "Text", "Outbound");
    return m.is_object() ? text_of(m.at("body"), "text") : "(no answer)";
  }
};

TEST_F(ArchyEchoFlowTest, TheOpeningMessageRunsTheFlowOnceAsANewConversation) {
  auto ws = session();
  ws->send_json(on_message(text_message("hello"), "m1"));
  EXPECT_EQ(reply(*ws), "new: hello (5)");
  ws->send_json(on_message(text_message("again"), "m2"));
  EXPECT_EQ(reply(*ws), "again: again (5)");
  start().wait_for_flows();
  EXPECT_EQ(start().flow_stats().runs, 2u);
}

TEST_F(ArchyEchoFlowTest, AJoinRunsTheFlowAtTheStartWithAnEmptyBody) {
  auto ws = session();
  ws->send_json(on_message(event_message(presence("Join")), "join"));
  EXPECT_EQ(reply(*ws), "new:  (0)");
  ws->send_json(on_message(text_message("hi"), "m1"));
  EXPECT_EQ(reply(*ws), "again: hi (2)");
  start().wait_for_flows();
  EXPECT_EQ(start().flow_stats().runs, 2u);
}

TEST_F(ArchyEchoFlowTest, GuestChatsConnectIsAHandshakeTheFirstMessageOpens) {
  auto ws = open(guest_path());
  connect(*ws);
  ws->send_json({{"command", "send-message"}, {"requestId", "m1"}, {"message", {{"body", "hello"}}}});
  std::string said = "(no answer)";
  for (int i = 0; i < 20; ++i) {
    auto frame = ws->read_json();
    if (frame.is_object() && text_of(frame, "type") == "message" && frame.at("sender").at("role") == "bot") {
      said = text_of(frame, "body");
      break;
    }
  }
  EXPECT_EQ(said, "new: hello (5)");
  start().wait_for_flows();
  EXPECT_EQ(start().flow_stats().runs, 1u);
}

TEST_F(ArchyEchoFlowTest, ADisconnectEndsTheConversation) {
  auto ws = session();
  ws->send_json(on_message(text_message("bye"), "m1"));
  EXPECT_EQ(reply(*ws), "new: bye (3)");
  start().wait_for_flows();
  EXPECT_EQ(start().stats().active_conversations, 0u);
  EXPECT_EQ(start().flow_stats().flow_errors, 0u);
}

// Files the emulator does not start with.
class ArchyFlowFiles : public EmulatorTest {
 protected:
  std::string start_error() {
    auto started = emulator::Emulator::start(options_);
    return started ? "(started)" : started.error().message;
  }
};

TEST_F(ArchyFlowFiles, APlaceholderWithoutASubstitutionNamesTheOptionToGive) {
  std::string action = fixture("traced-action.json");
  action.replace(action.find("@SERVICE@"), 9, "http://127.0.0.1:9");
  write(dir_ / "actions" / "traced.json", action);
  write(dir_ / "flows" / "kit-flow.yaml", kit_flow());
  options_.data_actions_dir = dir_ / "actions";
  options_.flows_dir = dir_ / "flows";
  EXPECT_EQ(start_error(), (dir_ / "flows" / "kit-flow.yaml").string() +
                               ":5: {{flow_name}} has no substitution: give it with --flow-substitution "
                               "flow_name=VALUE");
  options_.flow_substitutions = kSubstitutions;
  options_.flow_substitutions.erase("queue_name");
  EXPECT_EQ(start_error(), (dir_ / "flows" / "kit-flow.yaml").string() +
                               ":149: {{queue_name}} has no substitution: give it with --flow-substitution "
                               "queue_name=VALUE");
  options_.flow_substitutions = kSubstitutions;
  options_.flow_substitutions["a}}"] = "x";
  EXPECT_EQ(start_error(),
            "flow substitutions: substitution key 'a}}': no braces or line breaks (it is the name inside {{...}})");
}

TEST_F(ArchyFlowFiles, OneInboundMessageFlowAtATime) {
  write(dir_ / "flows" / "a.yaml", fixture("echo.yaml"));
  write(dir_ / "flows" / "b.yml", fixture("echo.yaml"));
  options_.flows_dir = dir_ / "flows";
  EXPECT_EQ(start_error(), (dir_ / "flows" / "b.yml").string() + ": a second inboundShortMessage flow (" +
                               (dir_ / "flows" / "a.yaml").string() +
                               " is one): the emulator runs one inbound message flow for every conversation");
}

TEST_F(ArchyFlowFiles, AnUnsupportedActionNamesItsLine) {
  std::string text = fixture("echo.yaml");
  text.replace(text.find("          - sendResponse:"), 0,
               "          - callBotFlow:\n              name: Call Bot Flow\n");
  write(dir_ / "flows" / "echo.yaml", text);
  options_.flows_dir = dir_ / "flows";
  EXPECT_EQ(start_error(), (dir_ / "flows" / "echo.yaml").string() +
                               ":52: action 'Call Bot Flow' (callBotFlow): not supported by the emulator");
}

}  // namespace
}  // namespace tracechat::testing
