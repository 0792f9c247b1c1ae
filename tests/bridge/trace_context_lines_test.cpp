// The bridge end to end with the trace context in several header lines, sent as raw bytes
// so that nothing between the test and the bridge joins or drops a line: which context the
// bridge continues, and what it forwards upstream (one traceparent line, one tracestate
// line or none).
#include <gtest/gtest.h>

#include <string>

#include "support/raw_http.h"
#include "tracechat/bridge/bridge.h"
#include "tracechat/trace/in_memory_exporter.h"
#include "tracechat/trace/sampler.h"
#include "tracechat/trace/span_processor.h"

namespace tracechat::bridge {
namespace {

using namespace std::chrono_literals;
using test_support::parse_messages;
using test_support::raw_exchange;
using test_support::RawMessage;
using test_support::ScriptedUpstream;

constexpr const char* kTraceId = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kParentId = "00f067aa0ba902b7";
const std::string kParent = std::string("00-") + kTraceId + "-" + kParentId + "-01";

class TraceContextLinesTest : public ::testing::Test {
 protected:
  TraceContextLinesTest() : upstream_([](const RawMessage&, int) { return ScriptedUpstream::response(200, "ok"); }) {
    trace::TracerProviderOptions provider_options;
    provider_options.sampler = trace::always_on_sampler();
    provider_options.processor =
        std::make_shared<trace::SimpleSpanProcessor>(std::make_unique<trace::InMemorySpanExporter>(store_));
    provider_ = std::make_unique<trace::TracerProvider>(std::move(provider_options));
    BridgeOptions options;
    options.listen = "127.0.0.1:0";
    options.upstream = *net::Url::parse("http://127.0.0.1:" + std::to_string(upstream_.port()) + "/api");
    options.upstream_timeout = 2s;
    options.threads = 1;
    options.tracer = provider_->tracer("bridge-test");
    auto started = Bridge::start(std::move(options));
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
    bridge_ = std::move(*started);
  }

  // Sends one GET with `header_lines` (each "Name: value\r\n") and returns what the
  // upstream received; the bridge's SERVER span goes to `server`.
  RawMessage send(const std::string& header_lines) {
    const auto answers = parse_messages(
        raw_exchange(bridge_->port(), "GET /orders HTTP/1.1\r\nHost: bridge\r\n" + header_lines + "\r\n"), true);
    EXPECT_EQ(answers.size(), 1u);
    EXPECT_EQ(answers.empty() ? 0 : answers[0].status(), 200);
    const auto requests = upstream_.requests();
    EXPECT_EQ(requests.size(), ++sent_);
    server_.reset();
    for (auto& span : store_->take()) {
      if (span->kind == trace::SpanKind::server) server_ = std::move(span);
    }
    EXPECT_TRUE(server_ != nullptr);
    return requests.empty() ? RawMessage{} : requests.back();
  }

  bool continued() const { return server_ && server_->parent_span_id.hex() == kParentId; }

  std::shared_ptr<trace::InMemorySpanStore> store_ = std::make_shared<trace::InMemorySpanStore>();
  std::unique_ptr<trace::TracerProvider> provider_;
  ScriptedUpstream upstream_;
  std::unique_ptr<Bridge> bridge_;
  std::unique_ptr<trace::SpanData> server_;
  std::size_t sent_ = 0;
};

// RFC 9110: the two lines are one value, "<p>, <p>", which is not a traceparent. A new
// trace starts, and the caller's tracestate does not go with it.
TEST_F(TraceContextLinesTest, TwoTraceparentLinesRestartTheTrace) {
  const auto seen = send("traceparent: " + kParent + "\r\ntraceparent: " + kParent + "\r\ntracestate: congo=1\r\n");
  EXPECT_FALSE(continued());
  EXPECT_NE(server_->context.trace_id.hex(), kTraceId);
  EXPECT_EQ(seen.count("traceparent"), 1u) << "the bridge's own, once";
  EXPECT_EQ(seen.header("traceparent").substr(3, 32), server_->context.trace_id.hex());
  EXPECT_EQ(seen.count("tracestate"), 0u);
  EXPECT_EQ(bridge_->stats().new_traces, 1u);
}

// Names in any case; tracestate members in three lines, the first empty, go on in one.
TEST_F(TraceContextLinesTest, TracestateLinesAreCombinedAndForwardedAsOne) {
  const auto seen = send("TraceParent: " + kParent +
                         "\r\nTRACESTATE:\r\ntracestate: rojo=00f067aa0ba902b7\r\nTraceState: congo=t61rcWkgMzE, "
                         "a@b=1\r\n");
  ASSERT_TRUE(continued());
  EXPECT_EQ(server_->context.trace_id.hex(), kTraceId);
  EXPECT_EQ(server_->context.trace_state.to_header(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,a@b=1");
  EXPECT_EQ(seen.count("tracestate"), 1u);
  EXPECT_EQ(seen.header("tracestate"), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,a@b=1");
  EXPECT_EQ(seen.count("traceparent"), 1u);
  EXPECT_EQ(seen.header("traceparent").substr(3, 32), kTraceId);
  EXPECT_EQ(bridge_->stats().continued, 1u);
}

// A key repeated in a later line: the left-most member is kept and nothing else is lost.
TEST_F(TraceContextLinesTest, ADuplicateAcrossLinesCostsOnlyItself) {
  const auto seen = send("traceparent: " + kParent + "\r\ntracestate: congo=2\r\ntracestate: rojo=1,congo=1\r\n");
  ASSERT_TRUE(continued());
  EXPECT_EQ(seen.header("tracestate"), "congo=2,rojo=1");
}

// 20 + 13 members: 33 in the combined list, over the limit of 32. The tracestate is dropped;
// the traceparent is still continued.
TEST_F(TraceContextLinesTest, TheMemberLimitAppliesToTheCombinedList) {
  const auto members = [](int first, int end) {
    std::string out;
    for (int i = first; i < end; ++i)
      out.append(i > first ? "," : "").append("k").append(std::to_string(i)).append("=v");
    return out;
  };
  const std::string first = members(0, 20), second = members(20, 33);
  const auto seen = send("traceparent: " + kParent + "\r\ntracestate: " + first + "\r\ntracestate: " + second + "\r\n");
  EXPECT_TRUE(continued());
  EXPECT_TRUE(server_->context.trace_state.empty());
  EXPECT_EQ(seen.count("tracestate"), 0u);
}

// Over 512 characters combined: cut by whole entries, the large (over 128) first, from the end.
TEST_F(TraceContextLinesTest, ALongTracestateIsCutByTheW3cRule) {
  const std::string big(200, 'x'), mid(100, 'y');
  const auto seen = send("traceparent: " + kParent + "\r\ntracestate: a=" + big + ",m=1,z=" + big +
                         "\r\ntracestate: n=" + mid + ",o=" + mid + "\r\n");
  ASSERT_TRUE(continued());
  EXPECT_EQ(seen.header("tracestate"), "a=" + big + ",m=1,n=" + mid + ",o=" + mid);
}

// Level 2's random-trace-id flag describes the trace id, which the forwarded context keeps:
// it goes on as received; the sampled flag is the bridge's own decision (always on here).
TEST_F(TraceContextLinesTest, TheRandomFlagGoesOnAsReceived) {
  auto seen = send("traceparent: 00-" + std::string(kTraceId) + "-" + kParentId + "-02\r\n");
  ASSERT_TRUE(continued());
  EXPECT_EQ(seen.header("traceparent").substr(53), "03");
  seen = send("traceparent: " + kParent + "\r\n");
  EXPECT_EQ(seen.header("traceparent").substr(53), "01");
}

}  // namespace
}  // namespace tracechat::bridge
