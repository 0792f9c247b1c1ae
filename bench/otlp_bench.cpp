// OTLP encoding and collector ingest. Figures and the command are in docs/performance.md.
#include <benchmark/benchmark.h>

#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/json_encoding.h"
#include "tracechat/otlp/protobuf_encoding.h"
#include "tracechat/trace/id_generator.h"

using namespace tracechat;
using namespace tracechat::trace;

namespace {
// 512 spans shaped like tracechat's own: a chat message span with five messaging
// attributes, one event, a parent and a status.
std::vector<std::unique_ptr<SpanData>> sample_batch(std::size_t n = 512) {
  auto origin = std::make_shared<SpanOrigin>();
  origin->resource = std::make_shared<const Resource>(Resource::from_env("bench-chat-ui"));
  origin->scope = InstrumentationScope{"tracechat.client", "0.1.0", ""};
  std::vector<std::unique_ptr<SpanData>> spans;
  auto& ids = default_id_generator();
  const auto trace_id = ids.new_trace_id();
  const auto root = ids.new_span_id();
  for (std::size_t i = 0; i < n; ++i) {
    auto s = std::make_unique<SpanData>();
    s->context.trace_id = trace_id;
    s->context.span_id = ids.new_span_id();
    s->context.flags = TraceFlags(3);
    s->parent_span_id = root;
    s->has_parent_flags = true;
    s->name = "chat.send_message";
    s->kind = SpanKind::producer;
    s->start_time_unix_nano = 1'764'000'000'000'000'000ULL + i * 1000;
    s->end_time_unix_nano = s->start_time_unix_nano + 250'000;
    s->attributes.set("messaging.system", "genesys");
    s->attributes.set("messaging.operation.type", "send");
    s->attributes.set("messaging.destination.name", "guest-chat");
    s->attributes.set("messaging.message.id", "m-" + std::to_string(i));
    s->attributes.set("chat.conversation_id", "3f9c2a1e-8d2b-4c1a-9b7e-5a6d4c3b2a10");
    s->events.push_back(SpanEvent{"ack", s->end_time_unix_nano, Attributes{{"seq", std::int64_t(i)}}});
    s->status.code = StatusCode::ok;
    s->origin = origin;
    spans.push_back(std::move(s));
  }
  return spans;
}
}  // namespace

static void BM_EncodeProtobuf512(benchmark::State& state) {
  const auto spans = sample_batch();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto body = otlp::encode_traces_protobuf(spans);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations() * spans.size());
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodeProtobuf512);

static void BM_EncodeJson512(benchmark::State& state) {
  const auto spans = sample_batch();
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto body = otlp::encode_traces_json(spans);
    bytes = body.size();
    benchmark::DoNotOptimize(body);
  }
  state.SetItemsProcessed(state.iterations() * spans.size());
  state.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodeJson512);

static void BM_DecodeProtobuf512(benchmark::State& state) {
  const auto body = otlp::encode_traces_protobuf(sample_batch());
  for (auto _ : state) {
    auto decoded = otlp::decode_traces_protobuf(body);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations() * 512);
}
BENCHMARK(BM_DecodeProtobuf512);

static void BM_DecodeJson512(benchmark::State& state) {
  const auto body = otlp::encode_traces_json(sample_batch());
  for (auto _ : state) {
    auto decoded = otlp::decode_traces_json(body);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations() * 512);
}
BENCHMARK(BM_DecodeJson512);

BENCHMARK_MAIN();
