// OTLP encoding and collector ingest. Figures and the command are in docs/performance.md.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>

#include "tracechat/collector/collector.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/http_exporter.h"
#include "tracechat/otlp/json_encoding.h"
#include "tracechat/otlp/protobuf_encoding.h"
#include "tracechat/trace/id_generator.h"

using namespace tracechat;
using namespace tracechat::trace;

namespace {
// 512 spans shaped like tracechat's own: a chat message span with five messaging
// attributes, one event, a parent and a status, from 32 concurrent chat sessions
// (traces) of 16 spans each.
std::vector<std::unique_ptr<SpanData>> sample_batch(std::size_t n = 512, std::size_t traces = 32) {
  auto origin = std::make_shared<SpanOrigin>();
  origin->resource = std::make_shared<const Resource>(Resource::from_env("bench-chat-ui"));
  origin->scope = InstrumentationScope{"tracechat.client", "0.1.0", ""};
  std::vector<std::unique_ptr<SpanData>> spans;
  auto& ids = default_id_generator();
  std::vector<TraceId> trace_ids;
  for (std::size_t t = 0; t < traces; ++t) trace_ids.push_back(ids.new_trace_id());
  const auto root = ids.new_span_id();
  for (std::size_t i = 0; i < n; ++i) {
    auto s = std::make_unique<SpanData>();
    s->context.trace_id = trace_ids[i % traces];
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

namespace {
std::filesystem::path bench_db() {
  const auto path =
      std::filesystem::temp_directory_path() / ("tracechat-bench-" + std::to_string(getpid()) + ".sqlite");
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  return path;
}
// Fresh trace and span ids per batch: every batch is 32 new chat sessions.
void renumber(std::vector<std::unique_ptr<SpanData>>& spans) {
  std::vector<TraceId> trace_ids;
  for (int t = 0; t < 32; ++t) trace_ids.push_back(default_id_generator().new_trace_id());
  for (std::size_t i = 0; i < spans.size(); ++i) {
    spans[i]->context.trace_id = trace_ids[i % trace_ids.size()];
    spans[i]->context.span_id = default_id_generator().new_span_id();
  }
}
}  // namespace

// SQLite ingest alone: one transaction per 512-span batch, as the collector's writer does.
static void BM_StoreInsert512(benchmark::State& state) {
  const auto path = bench_db();
  auto store = collector::SpanStore::open(path);
  auto spans = sample_batch();
  for (auto _ : state) {
    state.PauseTiming();
    renumber(spans);
    state.ResumeTiming();
    if (!(*store)->insert(spans).ok()) state.SkipWithError("insert failed");
  }
  state.SetItemsProcessed(state.iterations() * spans.size());
  store->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}
BENCHMARK(BM_StoreInsert512)->Unit(benchmark::kMillisecond);

// The whole collector: HTTP POSTs of OTLP protobuf bodies over loopback (8 requests
// of 512 spans per iteration), decoding, queueing and the SQLite transactions, timed
// until every span is stored.
static void BM_CollectorIngest512(benchmark::State& state) {
  const auto path = bench_db();
  collector::CollectorOptions options;
  options.listen = "127.0.0.1:0";
  options.db = path;
  auto c = collector::Collector::start(options);
  if (!c) {
    state.SkipWithError(c.error().message.c_str());
    return;
  }
  otlp::OtlpHttpExporterOptions eo;
  eo.endpoint = *otlp::OtlpHttpExporterOptions::traces_url_from_base((*c)->url());
  otlp::OtlpHttpExporter exporter(eo);
  auto spans = sample_batch();
  constexpr int kRequests = 8;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::string> bodies;
    for (int r = 0; r < kRequests; ++r) {
      renumber(spans);
      bodies.push_back(otlp::encode_traces_protobuf(spans));
    }
    state.ResumeTiming();
    for (auto& body : bodies) {
      if (exporter.export_encoded(std::move(body), spans.size(), std::chrono::seconds(30)) !=
          trace::ExportResult::success) {
        state.SkipWithError("export failed");
      }
    }
    if (!(*c)->flush(std::chrono::seconds(60))) state.SkipWithError("flush timed out");
  }
  state.SetItemsProcessed(state.iterations() * kRequests * spans.size());
  state.counters["stored"] = static_cast<double>((*c)->stats().spans_stored);
  c->reset();
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
}
BENCHMARK(BM_CollectorIngest512)->Unit(benchmark::kMillisecond)->UseRealTime();

BENCHMARK_MAIN();
