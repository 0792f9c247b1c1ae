// Flows and Data Actions in the emulator: a guest message starts a flow that reads the
// trace ids from participant data, calls a Data Action (a local service), answers with
// its output and stores it; failures take their own path. And flow files that are wrong.
#include <fstream>
#include <mutex>
#include <thread>

#include "emulator/flow_format.h"
#include "emulator_fixture.h"
#include "tracechat/generators/data_action_export.h"
#include "tracechat/generators/flow_snippet.h"
#include "tracechat/net/http_server.h"

namespace tracechat::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kFlow = R"x({
  "name": "Order status",
  "trigger": "guest-message",
  "steps": [
    {"type": "get-participant-data", "variables": {"traceId": "otel_trace_id", "spanId": "otel_span_id"}},
    {"id": "call", "type": "call-data-action", "action": "Order lookup",
     "inputs": {"otel_trace_id": "${flow.traceId}", "otel_span_id": "${flow.spanId}", "orderId": "${message.body}"},
     "outputs": {"status": "orderStatus"},
     "on": {"success": "tell", "failure": "sorry"}},
    {"id": "tell", "type": "send-message", "text": "Order ${message.body}: ${flow.orderStatus}"},
    {"type": "set-participant-data", "attributes": {"order_status": "${flow.orderStatus}"}, "next": "end"},
    {"id": "sorry", "type": "send-message", "text": "Sorry (${flow.errorCode})"}
  ]})x";

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

class FlowTest : public EmulatorTest {
 protected:
  FlowTest()
      : service_({}, [this](net::HttpRequest& r) {
          std::lock_guard lock(mutex_);
          traceparents_.push_back(std::string(r.header("traceparent").value_or("")));
          std::this_thread::sleep_for(delay_);
          return net::json_response(status_, R"({"status":"shipped"})");
        }) {
    EXPECT_TRUE(service_.start().ok());
  }

  void configure(emulator::EmulatorOptions& o) override {
    o.config.bot.reply = "";  // the flow speaks for the bot
    auto action =
        generators::export_data_action({"Order lookup", service_.url() + "/orders", "POST", {"orderId"}, {"status"}});
    ASSERT_TRUE(action.ok());
    write(dir_ / "actions" / "order.json", *action);
    write(dir_ / "flows" / "order.json", kFlow);
    o.data_actions_dir = dir_ / "actions";
    o.flows_dir = dir_ / "flows";
  }

  // A guest with trace ids on the conversation sends `body`; returns the flow's answer.
  std::string ask(RawWsClient& ws, const std::string& body) {
    ws.send_json({{"command", "send-message"}, {"requestId", "m-" + body}, {"message", {{"body", body}}}});
    for (int i = 0; i < 20; ++i) {
      auto frame = ws.read_json();
      if (frame.is_object() && frame.as_object().contains("type") && frame.at("type") == "message" &&
          frame.at("sender").at("role") == "bot") {
        return std::string(frame.at("body").as_string());
      }
    }
    return "(no answer)";
  }

  std::mutex mutex_;
  std::vector<std::string> traceparents_;
  int status_ = 200;
  std::chrono::milliseconds delay_{0};
  net::HttpServer service_;
};

TEST_F(FlowTest, AGuestMessageRunsTheFlowWhichCallsTheDataActionWithTheTraceContext) {
  auto ws = open(guest_path());
  const auto connected = connect(*ws);
  const std::string conversation(connected.at("conversationId").as_string());
  ws->send_json(
      {{"command", "set-attributes"},
       {"requestId", "a1"},
       {"attributes", {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}, {"otel_span_id", "00f067aa0ba902b7"}}}});
  ws->read_until_type("attributes-set");

  EXPECT_EQ(ask(*ws, "A-1"), "Order A-1: shipped");
  emulator_->wait_for_flows();
  {
    std::lock_guard lock(mutex_);
    ASSERT_EQ(traceparents_.size(), 1u);
    EXPECT_EQ(traceparents_[0], "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  }
  auto c = http_json("GET", "/api/v2/conversations/" + conversation);
  EXPECT_EQ(c.at("participants").at(0).at("attributes").at("order_status"), "shipped");
  const auto stats = emulator_->flow_stats();
  EXPECT_EQ(stats.runs, 1u);
  EXPECT_EQ(stats.action_calls, 1u);
  EXPECT_EQ(stats.action_failures, 0u);
}

TEST_F(FlowTest, AFailingDataActionTakesTheFailurePath) {
  status_ = 503;
  auto ws = open(guest_path());
  connect(*ws);
  ws->send_json({{"command", "set-attributes"},
                 {"requestId", "a1"},
                 {"attributes", {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}}}});
  ws->read_until_type("attributes-set");
  EXPECT_EQ(ask(*ws, "A-2"), "Sorry (upstream)");
  emulator_->wait_for_flows();
  EXPECT_EQ(emulator_->flow_stats().action_failures, 1u);
}

// A slow service: the action's 1 s timeout passes and the flow takes its timeout path.
class SlowServiceFlowTest : public FlowTest {
  void configure(emulator::EmulatorOptions& o) override {
    FlowTest::configure(o);
    delay_ = 1500ms;
    auto action = boost::json::parse(
        *generators::export_data_action({"Order lookup", service_.url() + "/orders", "POST", {"orderId"}, {"status"}}));
    action.at("config").as_object()["timeoutSeconds"] = 1;
    write(dir_ / "actions" / "order.json", boost::json::serialize(action));
    std::string flow = kFlow;
    flow.replace(flow.find(R"("failure": "sorry")"), 18, R"("failure": "sorry", "timeout": "slow")");
    flow.replace(flow.rfind("]"), 1, R"x(, {"id": "slow", "type": "send-message", "text": "Too slow"}])x");
    write(dir_ / "flows" / "order.json", flow);
  }
};

TEST_F(SlowServiceFlowTest, ATimeoutTakesTheTimeoutPath) {
  auto ws = open(guest_path());
  connect(*ws);
  EXPECT_EQ(ask(*ws, "A-3"), "Too slow");
  emulator_->wait_for_flows();
  EXPECT_EQ(emulator_->flow_stats().action_failures, 1u);
}

TEST(FlowFiles, TheGeneratedSnippetIsAFlowTheEmulatorLoads) {
  std::map<std::string, dataaction::DataAction> actions;
  auto action = generators::export_data_action({"Order lookup", "https://x/orders", "POST", {"orderId"}, {}});
  ASSERT_TRUE(action.ok());
  auto parsed = dataaction::DataAction::parse(*action);
  ASSERT_TRUE(parsed.ok());
  actions.emplace("Order lookup", std::move(*parsed));
  auto snippet =
      generators::flow_snippet_emulator({"Order lookup", "Tracing", "guest-message", {{"orderId", "${message.body}"}}});
  ASSERT_TRUE(snippet.ok()) << snippet.error().message;
  auto flow = emulator::parse_flow(*snippet, actions);
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  EXPECT_EQ(flow->steps.size(), 3u);
  auto steps = generators::flow_snippet_architect({"Order lookup", "Tracing", "guest-message", {}});
  ASSERT_TRUE(steps.ok());
  EXPECT_NE(steps->find("Attribute Name \"otel_trace_id\""), std::string::npos);
  EXPECT_FALSE(generators::flow_snippet_emulator({"", "T", "guest-message", {}}).ok());
}

TEST(FlowFiles, ErrorsNameThePath) {
  std::map<std::string, dataaction::DataAction> actions;
  const auto error = [&](const std::string& text) {
    auto f = emulator::parse_flow(text, actions);
    return f ? std::string("(parsed)") : f.error().message;
  };
  EXPECT_EQ(error(R"({"name":"f","trigger":"sometimes","steps":[]})"),
            "trigger: one of conversation-started, guest-message, attributes-set");
  EXPECT_EQ(error(R"({"name":"f","trigger":"guest-message","steps":[{"type":"dance"}]})"),
            "steps[0].type: one of get-participant-data, call-data-action, set-participant-data, send-message, "
            "disconnect");
  EXPECT_EQ(error(R"({"name":"f","trigger":"guest-message","steps":[{"type":"call-data-action","action":"x"}]})"),
            "steps[0].action: no Data Action named 'x' (loaded: none)");
  EXPECT_EQ(
      error(R"({"name":"f","trigger":"guest-message","steps":[{"type":"send-message","text":"hi","next":"nope"}]})"),
      "steps[0].next: no step 'nope'");
  EXPECT_EQ(error(R"({"name":"f","trigger":"guest-message","steps":[{"type":"send-message","text":"${x"}]})"),
            "steps[0].text: line 1, column 1: ${ without }");
  EXPECT_EQ(
      error(
          R"({"name":"f","trigger":"guest-message","steps":[{"id":"a","type":"disconnect"},{"id":"a","type":"disconnect"}]})"),
      "steps[1].id: 'a' is taken");
}

// A field of the wrong type is an error that names its path; it is never read as if it
// were empty (a numeric text used to send an empty message, a numeric next to fall
// through to the following step).
TEST(FlowFiles, AFieldOfTheWrongTypeIsAnErrorNamingItsPath) {
  std::map<std::string, dataaction::DataAction> actions;
  const auto error = [&](const std::string& steps) {
    auto f = emulator::parse_flow(R"({"name":"f","trigger":"guest-message","steps":[)" + steps + "]}", actions);
    return f ? std::string("(parsed)") : f.error().message;
  };
  EXPECT_EQ(error(R"({"type":"send-message","text":42})"), "steps[0].text: expected string");
  EXPECT_EQ(error(R"({"type":"disconnect","id":7})"), "steps[0].id: expected string");
  EXPECT_EQ(error(R"({"type":"send-message","text":"hi"},{"type":"disconnect","next":["end"]})"),
            "steps[1].next: expected string");
  EXPECT_EQ(error(R"({"type":true})"), "steps[0].type: expected string");
  EXPECT_EQ(error(R"({"type":"call-data-action","action":{"name":"x"}})"), "steps[0].action: expected string");
  EXPECT_EQ(error(R"({"type":"get-participant-data","variables":{"traceId":1}})"),
            "steps[0].variables.traceId: expected string");
  EXPECT_EQ(error(R"({"type":"set-participant-data","attributes":"x"})"), "steps[0].attributes: expected object");
  EXPECT_EQ(error(R"(7)"), "steps[0]: expected object");
  EXPECT_EQ(emulator::parse_flow(R"({"name":1,"trigger":"guest-message","steps":[{"type":"disconnect"}]})", actions)
                .error()
                .message,
            "name: expected string");
  EXPECT_EQ(emulator::parse_flow(R"({"name":"f","trigger":"guest-message","steps":{}})", actions).error().message,
            "steps: expected array");
  // Absent and null read as not given, as everywhere the JSON reader reads.
  EXPECT_EQ(error(R"({"type":"send-message","text":"hi","id":null,"next":null},{"type":"disconnect"})"), "(parsed)");
  EXPECT_EQ(error(R"({"type":"get-participant-data","variables":null})"), "(parsed)");
}

}  // namespace
}  // namespace tracechat::testing
