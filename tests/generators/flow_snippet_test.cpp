// The generated flow steps: they bind the conversation's id to the generated action's
// conversationId input, so its X-Conversation-Id header names the conversation. Checked
// as text, and run by the emulator against a local service together with the generated
// action (and with a flow that does not bind the id: the action still runs).
#include "tracechat/generators/flow_snippet.h"

#include <fstream>
#include <mutex>
#include <thread>

#include "emulator/emulator_fixture.h"
#include "tracechat/conventions.h"
#include "tracechat/generators/data_action_export.h"
#include "tracechat/net/http_server.h"

namespace tracechat::testing {
namespace {

TEST(FlowSnippet, BindsTheConversationIdInBothFormats) {
  auto flow = generators::flow_snippet_emulator({"Order lookup", "Tracing", "guest-message", {}});
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  const auto inputs = json::parse(*flow).at("steps").at(1).at("inputs");
  EXPECT_EQ(inputs.at("conversationId"), "${conversation.id}");
  EXPECT_EQ(inputs.at("otel_trace_id"), "${flow.otel_trace_id}");

  auto steps = generators::flow_snippet_architect({"Order lookup", "Tracing", "guest-message", {}});
  ASSERT_TRUE(steps.ok());
  EXPECT_NE(steps->find("conversationId <-  Message.ConversationId"), std::string::npos) << *steps;

  // An extra input cannot take the name over.
  auto taken =
      generators::flow_snippet_emulator({"Order lookup", "Tracing", "guest-message", {{"conversationId", "x"}}});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.error().message,
            "input 'conversationId': a name other than the trace ids and conversationId is required");
}

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

// The flow a user wrote before conversationId existed: it binds the trace ids only.
constexpr const char* kOldFlow = R"x({
  "name": "Old flow",
  "trigger": "guest-message",
  "steps": [
    {"type": "get-participant-data", "variables": {"traceId": "otel_trace_id", "spanId": "otel_span_id"}},
    {"type": "call-data-action", "action": "Order lookup",
     "inputs": {"otel_trace_id": "${flow.traceId}", "otel_span_id": "${flow.spanId}"},
     "on": {"failure": "failed"}},
    {"type": "send-message", "text": "looked up", "next": "end"},
    {"id": "failed", "type": "send-message", "text": "failed: ${flow.error}"}
  ]})x";

class GeneratedFlowTest : public EmulatorTest {
 protected:
  GeneratedFlowTest()
      : service_({}, [this](net::HttpRequest& r) {
          std::lock_guard lock(mutex_);
          const auto id = r.header(conventions::kConversationIdHeader);
          seen_.push_back(id ? std::optional<std::string>(*id) : std::nullopt);
          return net::json_response(200, "{}");
        }) {
    EXPECT_TRUE(service_.start().ok());
  }

  void configure(emulator::EmulatorOptions& o) override {
    o.config.bot.reply = "";
    auto action =
        generators::export_data_action({"Order lookup", service_.url() + "/orders", "POST", "Tracing", {}, {}});
    ASSERT_TRUE(action.ok());
    write(dir_ / "actions" / "order.json", *action);
    o.data_actions_dir = dir_ / "actions";
    o.flows_dir = dir_ / "flows";
  }

  // A guest conversation with the trace ids attached sends one message; the flows run.
  std::string converse() {
    auto ws = open(guest_path());
    const auto connected = connect(*ws);
    ws->send_json({{"command", "set-attributes"},
                   {"requestId", "a1"},
                   {"attributes",
                    {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}, {"otel_span_id", "00f067aa0ba902b7"}}}});
    ws->read_until_type("attributes-set");
    ws->send_json({{"command", "send-message"}, {"requestId", "m1"}, {"message", {{"body", "A-1"}}}});
    // The flow is queued after the message is published, so the echo of the message may
    // come first: wait for the service's call, then for the run to end.
    for (int i = 0; i < 500; ++i) {
      if (std::lock_guard lock(mutex_); !seen_.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    emulator_->wait_for_flows();
    return std::string(connected.at("conversationId").as_string());
  }

  std::mutex mutex_;
  std::vector<std::optional<std::string>> seen_;
  net::HttpServer service_;
};

TEST_F(GeneratedFlowTest, TheGeneratedFlowSendsTheConversationIdToTheService) {
  auto flow = generators::flow_snippet_emulator({"Order lookup", "Tracing", "guest-message", {}});
  ASSERT_TRUE(flow.ok());
  write(dir_ / "flows" / "generated.json", *flow);
  const auto conversation = converse();
  EXPECT_EQ(emulator_->flow_stats().action_failures, 0u);
  std::lock_guard lock(mutex_);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0], conversation);
}

TEST_F(GeneratedFlowTest, AFlowThatDoesNotBindItStillRunsTheActionWithAnEmptyHeader) {
  write(dir_ / "flows" / "old.json", kOldFlow);
  converse();
  EXPECT_EQ(emulator_->flow_stats().action_failures, 0u);
  std::lock_guard lock(mutex_);
  ASSERT_EQ(seen_.size(), 1u);
  // Empty (or absent), never the template's own `$!esc.url(${input.conversationId})`.
  EXPECT_EQ(seen_[0].value_or(""), "");
}

}  // namespace
}  // namespace tracechat::testing
