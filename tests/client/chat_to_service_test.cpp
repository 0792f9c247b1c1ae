// The whole path of the trace context, end to end in one process: a chat session (the
// client library) that continues a parent given as header lines, the attributes it puts
// on the conversation, the emulator running the generated flow and the generated Data
// Action, and the service the action calls, which must receive the chat's own traceparent
// (its flags included) and the parent's tracestate — and no tracestate header at all when
// the chat has none.
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "client_fixture.h"
#include "tracechat/conventions.h"
#include "tracechat/generators/data_action_export.h"
#include "tracechat/generators/flow_snippet.h"
#include "tracechat/net/http_server.h"
#include "tracechat/trace/propagation.h"

namespace tracechat::testing {
namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

class ChatToServiceTest : public ClientTest {
 protected:
  ChatToServiceTest()
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
    auto flow = generators::flow_snippet_emulator({"Order lookup", "Tracing", "guest-message", {}});
    ASSERT_TRUE(flow.ok());
    write(dir_ / "flows" / "generated.json", *flow);
    o.data_actions_dir = dir_ / "actions";
    o.flows_dir = dir_ / "flows";
  }

  // Opens a guest-chat session with `config`, sends one message and returns the request
  // the service received for it; `session` is the chat's context.
  std::optional<net::HttpRequest> chat(client::ChatSessionConfig config, trace::SpanContext& session_context) {
    Recorder r;
    auto session = open(std::move(config), r);
    if (!session || !r.wait_state(client::SessionState::active)) return std::nullopt;
    session_context = session->context();
    if (!session->send("A-1").ok()) return std::nullopt;
    for (int i = 0; i < 1000; ++i) {
      if (std::lock_guard lock(mutex_); !seen_.empty()) break;
      std::this_thread::sleep_for(10ms);
    }
    session->close();
    std::lock_guard lock(mutex_);
    if (seen_.empty()) return std::nullopt;
    return seen_.front();
  }

  static std::optional<std::string> header(const net::HttpRequest& r, std::string_view name) {
    const auto v = r.header(name);
    return v ? std::optional<std::string>(*v) : std::nullopt;
  }

  std::mutex mutex_;
  std::vector<net::HttpRequest> seen_;
  net::HttpServer service_;
};

TEST_F(ChatToServiceTest, TheParentsTracestateAndTheChatsFlagsReachTheService) {
  // The parent as `tracechat chat --parent ... --tracestate ... --tracestate ...` takes it:
  // not sampled, random trace id, its tracestate in two lines.
  const std::vector<trace::FieldLine> lines{{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02"},
                                            {"tracestate", "congo=t61rcWkgMzE"},
                                            {"tracestate", "rojo=00f067aa0ba902b7"}};
  auto extracted = trace::extract_context(lines);
  ASSERT_TRUE(extracted.parent) << extracted.traceparent_error;
  auto config = config_for(guest_chat_url());
  config.trace.parent = *extracted.parent;

  trace::SpanContext session;
  const auto seen = chat(std::move(config), session);
  ASSERT_TRUE(seen);
  EXPECT_EQ(session.trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(session.flags.random()) << "kept from the parent";
  // The chat's own context, flags and all, not a header rebuilt with flags 01.
  EXPECT_EQ(header(*seen, conventions::kTraceparentHeader), session.traceparent());
  EXPECT_EQ(session.traceparent().substr(53), "03");
  EXPECT_EQ(header(*seen, conventions::kTracestateHeader), "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
}

TEST_F(ChatToServiceTest, WithoutATracestateNoTracestateHeaderIsSent) {
  trace::SpanContext session;
  const auto seen = chat(config_for(guest_chat_url()), session);
  ASSERT_TRUE(seen);
  EXPECT_EQ(header(*seen, conventions::kTraceparentHeader), session.traceparent());
  EXPECT_EQ(header(*seen, conventions::kTracestateHeader), std::nullopt) << "omitted, not sent empty";
}

}  // namespace
}  // namespace tracechat::testing
