// Codec cost per frame, both dialects: what the emulator pays per inbound frame and a
// client per outbound one.
#include <benchmark/benchmark.h>

#include "tracechat/protocol/guest_chat.h"
#include "tracechat/protocol/web_messaging.h"

namespace gc = tracechat::protocol::guest_chat;
namespace wm = tracechat::protocol::web_messaging;

namespace {

constexpr const char* kSendMessage =
    R"({"command":"send-message","requestId":"m17","traceparent":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","message":{"body":"Where is my order?","bodyType":"standard"}})";
constexpr const char* kOnMessage =
    R"({"action":"onMessage","token":"7d2e4c1a-0b9f-4e3d-8c7b-6a5f4e3d2c1b","tracingId":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","message":{"type":"Text","text":"Where is my order?"}})";

void BM_GuestChatParseSendMessage(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(gc::parse_client_frame(kSendMessage));
}
BENCHMARK(BM_GuestChatParseSendMessage);

void BM_GuestChatSerializeMessageEvent(benchmark::State& state) {
  gc::MessageEvent e;
  e.seq = 42;
  e.timestamp = "2026-11-25T10:31:59.123Z";
  e.message_id = "0f0e0d0c-0b0a-4908-8706-050403020100";
  e.sender = gc::Member{"11111111-2222-4333-8444-555555555555", "guest", "Ada"};
  e.body = "Where is my order?";
  e.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const gc::ServerFrame frame = e;
  for (auto _ : state) benchmark::DoNotOptimize(gc::serialize(frame));
}
BENCHMARK(BM_GuestChatSerializeMessageEvent);

void BM_WebMessagingParseOnMessage(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(wm::parse_client_request(kOnMessage));
}
BENCHMARK(BM_WebMessagingParseOnMessage);

void BM_WebMessagingLintOnMessage(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(wm::lint_client_request(kOnMessage));
}
BENCHMARK(BM_WebMessagingLintOnMessage);

}  // namespace

BENCHMARK_MAIN();
