// The generated flow steps: they bind the chat's trace context (the ids, the whole
// traceparent with its flags, the tracestate) and the conversation's id to the generated
// action's inputs. Checked as text, and run by the emulator against a local service
// together with the generated action (and with a flow that binds only the ids: the action
// still runs).
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
            "input 'conversationId': a name other than the trace context's (otel_trace_id, otel_span_id, traceparent, "
            "tracestate) and conversationId is required");
}

TEST(FlowSnippet, BindsTheWholeTraceparentAndTheTracestateInBothFormats) {
  auto flow = generators::flow_snippet_emulator({"Order lookup", "Tracing", "guest-message", {}});
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  const auto steps = json::parse(*flow).at("steps");
  EXPECT_EQ(steps.at(0).at("variables").at("traceparent"), "traceparent");
  EXPECT_EQ(steps.at(0).at("variables").at("tracestate"), "tracestate");
  // Quiet: an attribute the chat did not set is an empty input, not the reference's text.
  EXPECT_EQ(steps.at(1).at("inputs").at("traceparent"), "$!{flow.traceparent}");
  EXPECT_EQ(steps.at(1).at("inputs").at("tracestate"), "$!{flow.tracestate}");

  auto text = generators::flow_snippet_architect({"Order lookup", "Tracing", "guest-message", {}});
  ASSERT_TRUE(text.ok());
  EXPECT_NE(text->find("Attribute Name \"tracestate\"  ->  Variable to Assign: Flow.tracestate"), std::string::npos)
      << *text;
  EXPECT_NE(text->find("traceparent    <-  Flow.traceparent"), std::string::npos) << *text;
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
          seen_.push_back(r);
          return net::json_response(200, "{}");
        }) {
    EXPECT_TRUE(service_.start().ok());
  }

  void configure(emulator::EmulatorOptions& o) override {
    o.config.bot.reply = "";
    auto action = generators::export_data_action({"Order lookup", service_.url() + "/orders", "POST", {}, {}});
    ASSERT_TRUE(action.ok());
    write(dir_ / "actions" / "order.json", *action);
    o.data_actions_dir = dir_ / "actions";
    o.flows_dir = dir_ / "flows";
  }

  // A guest conversation with the trace context attached (`attributes`, by default the
  // ids only) sends one message; the flows run.
  std::string converse(json::object attributes = {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
                                                  {"otel_span_id", "00f067aa0ba902b7"}},
                       const std::string& guest = kGuest) {
    const std::size_t before = calls();
    auto ws = open(guest_path(guest));
    const auto connected = connect(*ws);
    ws->send_json({{"command", "set-attributes"}, {"requestId", "a1"}, {"attributes", std::move(attributes)}});
    ws->read_until_type("attributes-set");
    ws->send_json({{"command", "send-message"}, {"requestId", "m1"}, {"message", {{"body", "A-1"}}}});
    // The flow is queued after the message is published, so the echo of the message may
    // come first: wait for the service's call, then for the run to end.
    for (int i = 0; i < 500; ++i) {
      if (calls() > before) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    emulator_->wait_for_flows();
    return std::string(connected.at("conversationId").as_string());
  }

  // A header of the service's request `i`: its value, nullopt when it was not sent.
  std::optional<std::string> header(std::size_t i, std::string_view name) {
    std::lock_guard lock(mutex_);
    if (i >= seen_.size()) return std::nullopt;
    const auto v = seen_[i].header(name);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  }
  std::size_t calls() {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }

  std::mutex mutex_;
  std::vector<net::HttpRequest> seen_;
  net::HttpServer service_;
};

TEST_F(GeneratedFlowTest, TheGeneratedFlowSendsTheConversationIdToTheService) {
  auto flow = generators::flow_snippet_emulator({"Order lookup", "Tracing", "guest-message", {}});
  ASSERT_TRUE(flow.ok());
  write(dir_ / "flows" / "generated.json", *flow);
  const auto conversation = converse();
  EXPECT_EQ(emulator_->flow_stats().action_failures, 0u);
  ASSERT_EQ(calls(), 1u);
  EXPECT_EQ(header(0, conventions::kConversationIdHeader), conversation);
}

TEST_F(GeneratedFlowTest, AFlowThatDoesNotBindItStillRunsTheActionWithoutTheHeader) {
  write(dir_ / "flows" / "old.json", kOldFlow);
  converse();
  EXPECT_EQ(emulator_->flow_stats().action_failures, 0u);
  ASSERT_EQ(calls(), 1u);
  // Left out, never the template's own `$!esc.url(${input.conversationId})`.
  EXPECT_EQ(header(0, conventions::kConversationIdHeader), std::nullopt);
  // The traceparent of an old flow is built from the ids, flags 01, as before.
  EXPECT_EQ(header(0, conventions::kTraceparentHeader), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(header(0, conventions::kTracestateHeader), std::nullopt);
}

// The client's attributes through participant data, the generated flow and the generated
// action to the service: the chat's own flags (here not sampled, random trace id) and its
// tracestate arrive; without a tracestate attribute no tracestate header is sent at all.
TEST_F(GeneratedFlowTest, TheChatsFlagsAndTracestateReachTheService) {
  auto flow = generators::flow_snippet_emulator({"Order lookup", "Tracing", "guest-message", {}});
  ASSERT_TRUE(flow.ok());
  write(dir_ / "flows" / "generated.json", *flow);
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02";
  converse({{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
            {"otel_span_id", "00f067aa0ba902b7"},
            {"traceparent", traceparent},
            {"tracestate", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"}});
  converse({{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
            {"otel_span_id", "00f067aa0ba902b7"},
            {"traceparent", traceparent}},
           kOtherGuest);
  EXPECT_EQ(emulator_->flow_stats().action_failures, 0u);
  ASSERT_EQ(calls(), 2u);
  EXPECT_EQ(header(0, conventions::kTraceparentHeader), traceparent);
  EXPECT_EQ(header(0, conventions::kTracestateHeader), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  EXPECT_EQ(header(1, conventions::kTraceparentHeader), traceparent);
  EXPECT_EQ(header(1, conventions::kTracestateHeader), std::nullopt) << "omitted, not sent empty";
}

}  // namespace
}  // namespace tracechat::testing
