// The kit's flow and action run in the emulator, filled in with --flow-substitution's
// values as the genesyscloud_flow resource fills them: a guest's message reaches a local
// service with the chat's trace context, the conversation's id and the action's name in
// its headers, and the flow transfers the conversation to the queue. With names full of
// `$`, `#`, `${` and quotes too: they arrive as they were given.
#include <mutex>
#include <thread>

#include "emulator/emulator_fixture.h"
#include "generators/kit_samples.h"
#include "tracechat/conventions.h"
#include "tracechat/net/http_server.h"

namespace tracechat::testing {
namespace {

class KitInTheEmulator : public EmulatorTest {
 protected:
  KitInTheEmulator()
      : service_({}, [this](net::HttpRequest& r) {
          std::lock_guard lock(mutex_);
          seen_.push_back(r);
          return net::json_response(200, R"({"status":"shipped"})");
        }) {
    EXPECT_TRUE(service_.start().ok());
  }

  // Writes the kit for `o` (its URL pointed at the local service) and runs it.
  void run_kit(generators::KitOptions o) {
    o.url = service_.url() + "/orders/$esc.url(${input.orderId})";
    kit_ = o;
    auto files = generators::generate_kit(o);
    ASSERT_TRUE(files.ok()) << files.error().message;
    ASSERT_TRUE(generators::write_kit(*files, dir_ / "kit", false).ok());
    options_.config.bot.reply = "";
    options_.data_actions_dir = dir_ / "kit" / "data-actions";
    options_.flows_dir = dir_ / "kit" / "flows";
    options_.flow_substitutions = {{"flow_name", o.flow_name},
                                   {"data_action_category", o.category},
                                   {"data_action_name", o.action_name},
                                   {"queue_name", o.queue.value_or("Support")}};
    start();
  }

  // A guest with the trace context attached says "A-1" (and "A-2"... up to `messages`,
  // each once the one before reached the service); the flow runs.
  std::string converse(int messages = 1) {
    auto ws = open(guest_path());
    const auto connected = connect(*ws);
    ws->send_json({{"command", "set-attributes"},
                   {"requestId", "a1"},
                   {"attributes",
                    {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
                     {"otel_span_id", "00f067aa0ba902b7"},
                     {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03"}}}});
    ws->read_until_type("attributes-set");
    for (int m = 1; m <= messages; ++m) {
      const std::string n = std::to_string(m);
      ws->send_json({{"command", "send-message"}, {"requestId", "m" + n}, {"message", {{"body", "A-" + n}}}});
      for (int i = 0; i < 500 && calls() < static_cast<std::size_t>(m); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      emulator_->wait_for_flows();
    }
    return std::string(connected.at("conversationId").as_string());
  }

  std::size_t calls() {
    std::lock_guard lock(mutex_);
    return seen_.size();
  }
  net::HttpRequest first() {
    std::lock_guard lock(mutex_);
    return seen_.front();
  }
  std::optional<std::string> header(std::string_view name) {
    std::lock_guard lock(mutex_);
    if (seen_.empty()) return std::nullopt;
    const auto v = seen_.front().header(name);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  }

  std::mutex mutex_;
  std::vector<net::HttpRequest> seen_;
  net::HttpServer service_;
  generators::KitOptions kit_;
};

TEST_F(KitInTheEmulator, TheDefaultKitCarriesTheTraceToTheService) {
  run_kit(default_kit_options());
  const auto conversation = converse();
  EXPECT_EQ(emulator_->flow_stats().action_failures, 0u);
  ASSERT_EQ(calls(), 1u);
  EXPECT_EQ(first().target, "/orders/A-1");
  EXPECT_EQ(json::parse(first().body).at("orderId"), "A-1");
  EXPECT_EQ(header(conventions::kTraceparentHeader), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
  EXPECT_EQ(header(conventions::kConversationIdHeader), conversation);
  EXPECT_EQ(header(conventions::kActionHeader), "Traced request");
  EXPECT_EQ(emulator_->flow_queue(conversation), "Support");
}

TEST_F(KitInTheEmulator, HostileNamesArriveAsGiven) {
  run_kit(adversarial_kit_options());
  const auto conversation = converse();
  EXPECT_EQ(emulator_->flow_stats().action_failures, 0u);
  ASSERT_EQ(calls(), 1u);
  EXPECT_EQ(header(conventions::kActionHeader), kit_.action_name);
  EXPECT_EQ(emulator_->flow_queue(conversation), kit_.queue);
}

// The flow `tracechat load` runs: without its Transfer to ACD it keeps the conversation,
// and each message runs it, Data Action and all.
TEST_F(KitInTheEmulator, WithoutTheTransferEachMessageCallsTheAction) {
  auto o = default_kit_options();
  o.transfer_to_acd = false;
  run_kit(o);
  const auto conversation = converse(3);
  ASSERT_EQ(calls(), 3u);
  const auto stats = emulator_->flow_stats();
  EXPECT_EQ(stats.runs, 3u);
  EXPECT_EQ(stats.action_failures, 0u);
  EXPECT_EQ(stats.transfers, 0u);
  EXPECT_EQ(emulator_->flow_queue(conversation), std::nullopt);
}

}  // namespace
}  // namespace tracechat::testing
