// OTLP encoding and collector ingest. Figures and the command are in docs/performance.md.
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <filesystem>
#include <functional>

#include "size_flags.h"
#include "support/span_store_files.h"
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
// A conversation id per trace, shaped like the platform's (a UUID).
std::string conversation_of(const TraceId& trace_id) {
  const std::string hex = trace_id.hex();
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
         hex.substr(20);
}

// 512 spans shaped like tracechat's own: a chat message span with five messaging
// attributes (the conversation's id among them: one per trace), one event, a parent
// and a status, from 32 concurrent chat sessions (traces) of 16 spans each.
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
    s->attributes.set("chat.conversation.id", conversation_of(s->context.trace_id));
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

// What the collector does with a protobuf request instead of decoding it: validate
// it as the decoder would and note what the store indexes.
static void BM_IndexProtobuf512(benchmark::State& state) {
  const auto body = otlp::encode_traces_protobuf(sample_batch());
  for (auto _ : state) {
    auto index = otlp::index_traces_protobuf(body);
    benchmark::DoNotOptimize(index);
  }
  state.SetItemsProcessed(state.iterations() * 512);
}
BENCHMARK(BM_IndexProtobuf512);

// The collector's JSON path: validate as the decoder would, keeping the parsed
// document instead of building spans.
static void BM_IndexJson512(benchmark::State& state) {
  const auto body = otlp::encode_traces_json(sample_batch());
  for (auto _ : state) {
    std::shared_ptr<const void> document;
    auto index = otlp::index_traces_json(body, document);
    benchmark::DoNotOptimize(index);
  }
  state.SetItemsProcessed(state.iterations() * 512);
}
BENCHMARK(BM_IndexJson512);

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
std::filesystem::path bench_db() { return test_support::fresh_span_store_path("bench"); }
// Fresh trace and span ids per batch: every batch is 32 new chat sessions (each its own
// conversation), a millisecond after the previous batch's.
void renumber(std::vector<std::unique_ptr<SpanData>>& spans) {
  static std::uint64_t batch = 0;
  ++batch;
  std::vector<TraceId> trace_ids;
  std::vector<std::string> conversations;
  for (int t = 0; t < 32; ++t) {
    trace_ids.push_back(default_id_generator().new_trace_id());
    conversations.push_back(conversation_of(trace_ids.back()));
  }
  for (std::size_t i = 0; i < spans.size(); ++i) {
    spans[i]->context.trace_id = trace_ids[i % trace_ids.size()];
    spans[i]->attributes.set("chat.conversation.id", conversations[i % trace_ids.size()]);
    spans[i]->context.span_id = default_id_generator().new_span_id();
    spans[i]->start_time_unix_nano = 1'764'000'000'000'000'000ULL + batch * 1'000'000 + i * 1000;
    spans[i]->end_time_unix_nano = spans[i]->start_time_unix_nano + 250'000;
  }
}

double process_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// The size of the store the listing benchmarks read: --store_spans=N (default small,
// so CI's smoke run stays quick).
std::size_t g_store_spans = 20'000;
// The traces of the store the explorer's benchmarks search: --explorer_traces=N
// (docs/performance.md measures 100000; the default keeps CI's smoke run quick).
std::size_t g_explorer_traces = 5'000;
}  // namespace

// The store alone: appending a 512-span request to the log and indexing it, as the
// collector does on its two threads, here one after the other.
static void BM_StoreInsert512(benchmark::State& state) {
  const auto path = bench_db();
  auto store = collector::SpanStore::open(path, collector::StoreAccess::write);
  auto spans = sample_batch();
  for (auto _ : state) {
    state.PauseTiming();
    renumber(spans);
    state.ResumeTiming();
    if (!(*store)->insert(spans).ok()) state.SkipWithError("insert failed");
  }
  state.SetItemsProcessed(state.iterations() * spans.size());
  store->reset();
  test_support::remove_span_store(path);
}
BENCHMARK(BM_StoreInsert512)->Unit(benchmark::kMillisecond);

// The whole collector: one sender POSTs OTLP bodies over loopback (8 requests of 512
// spans per iteration, each waiting for its answer, as an exporter does), timed until
// every span is stored and indexed. collector_cpu_us_per_span is the process's CPU
// time less the sending thread's, per span.
static void collector_ingest(benchmark::State& state, otlp::Protocol protocol) {
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
  eo.protocol = protocol;
  otlp::OtlpHttpExporter exporter(eo);
  auto spans = sample_batch();
  constexpr int kRequests = 8;
  double collector_cpu = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::string> bodies;
    for (int r = 0; r < kRequests; ++r) {
      renumber(spans);
      bodies.push_back(protocol == otlp::Protocol::http_json ? otlp::encode_traces_json(spans)
                                                             : otlp::encode_traces_protobuf(spans));
    }
    const double process_before = process_cpu_seconds();
    const double sender_before = thread_cpu_seconds();
    state.ResumeTiming();
    for (auto& body : bodies) {
      if (exporter.export_encoded(std::move(body), spans.size(), std::chrono::seconds(30)) !=
          trace::ExportResult::success) {
        state.SkipWithError("export failed");
      }
    }
    if (!(*c)->flush(std::chrono::seconds(60))) state.SkipWithError("flush timed out");
    state.PauseTiming();
    collector_cpu += (process_cpu_seconds() - process_before) - (thread_cpu_seconds() - sender_before);
    state.ResumeTiming();
  }
  const double total_spans = static_cast<double>(state.iterations() * kRequests * spans.size());
  state.SetItemsProcessed(state.iterations() * kRequests * spans.size());
  state.counters["stored"] = static_cast<double>((*c)->stats().spans_indexed);
  state.counters["collector_cpu_us_per_span"] = collector_cpu / total_spans * 1e6;
  c->reset();
  test_support::remove_span_store(path);
}
static void BM_CollectorIngest512(benchmark::State& state) { collector_ingest(state, otlp::Protocol::http_protobuf); }
BENCHMARK(BM_CollectorIngest512)->Unit(benchmark::kMillisecond)->UseRealTime();
static void BM_CollectorIngestJson512(benchmark::State& state) { collector_ingest(state, otlp::Protocol::http_json); }
BENCHMARK(BM_CollectorIngestJson512)->Unit(benchmark::kMillisecond)->UseRealTime();

namespace {
// A store of g_store_spans spans (512-span requests of 32 traces), built once for the
// listing benchmarks, and some of its trace ids.
struct ListingStore {
  ListingStore() : path(bench_db()) {
    auto opened = collector::SpanStore::open(path, collector::StoreAccess::write);
    if (!opened) return;
    store = std::move(*opened);
    auto spans = sample_batch();
    for (std::size_t stored = 0; stored < g_store_spans; stored += spans.size()) {
      renumber(spans);
      if (!store->insert(spans).ok()) return;
      if (stored % (spans.size() * 64) == 0) trace_ids.push_back(spans[0]->context.trace_id);
    }
    ready = true;
  }
  ~ListingStore() {
    store.reset();
    test_support::remove_span_store(path);
  }
  std::filesystem::path path;
  std::unique_ptr<collector::SpanStore> store;
  std::vector<TraceId> trace_ids;
  bool ready = false;
};
ListingStore& listing_store() {
  static ListingStore store;
  return store;
}
}  // namespace

// `traces list`: the newest 50 traces of the store.
static void BM_TracesList(benchmark::State& state) {
  auto& s = listing_store();
  if (!s.ready) return state.SkipWithError("building the store failed");
  for (auto _ : state) {
    auto traces = s.store->list_traces(0, 50);
    if (!traces || traces->size() != 50) state.SkipWithError("listing failed");
    benchmark::DoNotOptimize(traces);
  }
  state.counters["store_spans"] = static_cast<double>(g_store_spans);
}
BENCHMARK(BM_TracesList)->Unit(benchmark::kMillisecond);

// `traces list --since 1h` on a store whose traces are all older: nothing matches, so
// the whole start-time index is walked (the worst case of listing).
static void BM_TracesListNothingRecent(benchmark::State& state) {
  auto& s = listing_store();
  if (!s.ready) return state.SkipWithError("building the store failed");
  for (auto _ : state) {
    auto traces = s.store->list_traces(UINT64_MAX / 2, 50);
    if (!traces || !traces->empty()) state.SkipWithError("listing failed");
    benchmark::DoNotOptimize(traces);
  }
  state.counters["store_spans"] = static_cast<double>(g_store_spans);
}
BENCHMARK(BM_TracesListNothingRecent)->Unit(benchmark::kMillisecond);

// `traces show`: one trace's spans, read back from the request log.
static void BM_TracesShow(benchmark::State& state) {
  auto& s = listing_store();
  if (!s.ready) return state.SkipWithError("building the store failed");
  std::size_t next = 0;
  for (auto _ : state) {
    auto spans = s.store->load_trace(s.trace_ids[next++ % s.trace_ids.size()]);
    if (!spans || spans->size() != 16) state.SkipWithError("loading failed");
    benchmark::DoNotOptimize(spans);
  }
  state.counters["store_spans"] = static_cast<double>(g_store_spans);
}
BENCHMARK(BM_TracesShow)->Unit(benchmark::kMillisecond);

namespace {
// A store of g_explorer_traces chat traces for the explorer's searches, newest last:
// each its own conversation (`conv-<i>`), service chat-ui (and orders in every 8th,
// whose trace has a dataaction.call span with dataaction.name=GetOrder, and an HTTP 503
// in every 200th), an error in every 50th (error.type=timeout in every 1000th); 4 spans
// each, 32 traces a request.
struct ExplorerStore {
  static constexpr std::size_t kTracesPerRequest = 32;
  ExplorerStore() : path(bench_db()) {
    auto opened = collector::SpanStore::open(path, collector::StoreAccess::write);
    if (!opened) return;
    store = std::move(*opened);
    auto chat = std::make_shared<SpanOrigin>();
    chat->resource = std::make_shared<const Resource>(Attributes{{"service.name", std::string("chat-ui")}});
    auto orders = std::make_shared<SpanOrigin>();
    orders->resource = std::make_shared<const Resource>(Attributes{{"service.name", std::string("orders")}});
    auto& ids = default_id_generator();
    std::vector<std::unique_ptr<SpanData>> spans;
    for (std::size_t i = 0; i < g_explorer_traces; ++i) {
      const TraceId trace_id = ids.new_trace_id();
      const std::uint64_t start = 1'764'000'000'000'000'000ULL + i * 1'000'000;
      const SpanId root = ids.new_span_id();
      const std::string conversation = "conv-" + std::to_string(i);
      const char* names[] = {"chat.session", "chat.send_message", "chat.send_message",
                             i % 8 == 0 ? "dataaction.call" : "chat.receive_message"};
      for (std::size_t k = 0; k < 4; ++k) {
        auto s = std::make_unique<SpanData>();
        s->context.trace_id = trace_id;
        s->context.span_id = k == 0 ? root : ids.new_span_id();
        if (k > 0) s->parent_span_id = root;
        s->name = names[k];
        s->start_time_unix_nano = start + k * 1000;
        s->end_time_unix_nano = start + 900'000;
        s->attributes.set("chat.conversation.id", conversation);
        s->origin = chat;
        if (k == 3 && i % 8 == 0) {
          s->origin = orders;
          s->attributes.set("dataaction.name", "GetOrder");
          s->attributes.set("http.response.status_code", std::int64_t{i % 100 == 0 ? 503 : 200});
        }
        if (k == 3 && i % 50 == 0) s->status.code = StatusCode::error;
        if (k == 3 && i % 1000 == 0) s->attributes.set("error.type", "timeout");
        spans.push_back(std::move(s));
      }
      if (spans.size() == 4 * kTracesPerRequest || i + 1 == g_explorer_traces) {
        if (!store->insert(spans).ok()) return;
        spans.clear();
      }
    }
    ready = true;
  }
  ~ExplorerStore() {
    store.reset();
    test_support::remove_span_store(path);
  }
  std::filesystem::path path;
  std::unique_ptr<collector::SpanStore> store;
  bool ready = false;
};
ExplorerStore& explorer_store() {
  static ExplorerStore store;
  return store;
}

// One search per iteration; `vary` may change the query each time.
void explorer_search(benchmark::State& state, collector::TraceQuery query,
                     const std::function<void(collector::TraceQuery&, std::size_t)>& vary = {}) {
  auto& s = explorer_store();
  if (!s.ready) return state.SkipWithError("building the store failed");
  std::size_t rows = 0, n = 0;
  for (auto _ : state) {
    if (vary) vary(query, n++);
    auto page = s.store->search_traces(query);
    if (!page) return state.SkipWithError(page.error().message.c_str());
    rows = page->traces.size();
    benchmark::DoNotOptimize(page);
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["store_traces"] = static_cast<double>(g_explorer_traces);
  state.counters["by_term"] = s.store->last_search_plan() == collector::SearchPlan::by_term ? 1 : 0;
}
}  // namespace

// The explorer's first view: the newest 50 traces.
static void BM_ExplorerFirstPage(benchmark::State& state) { explorer_search(state, {}); }
BENCHMARK(BM_ExplorerFirstPage)->Unit(benchmark::kMillisecond);

// A conversation's traces: a rare term (one trace), a different one each time.
static void BM_ExplorerSearchConversation(benchmark::State& state) {
  explorer_search(state, {}, [](collector::TraceQuery& q, std::size_t n) {
    q.conversation_id = "conv-" + std::to_string((n * 7919) % g_explorer_traces);
  });
}
BENCHMARK(BM_ExplorerSearchConversation)->Unit(benchmark::kMillisecond);

// A service every trace has: a common term.
static void BM_ExplorerSearchService(benchmark::State& state) {
  collector::TraceQuery q;
  q.service = "chat-ui";
  explorer_search(state, q);
}
BENCHMARK(BM_ExplorerSearchService)->Unit(benchmark::kMillisecond);

// A span name one trace in 8 has.
static void BM_ExplorerSearchSpanName(benchmark::State& state) {
  collector::TraceQuery q;
  q.span_name = "dataaction.call";
  explorer_search(state, q);
}
BENCHMARK(BM_ExplorerSearchSpanName)->Unit(benchmark::kMillisecond);

// An attribute value one trace in 200 has.
static void BM_ExplorerSearchAttribute(benchmark::State& state) {
  collector::TraceQuery q;
  q.attributes = {{"http.response.status_code", "503"}};
  explorer_search(state, q);
}
BENCHMARK(BM_ExplorerSearchAttribute)->Unit(benchmark::kMillisecond);

// An attribute value one trace in 1000 has: rare, but in a quarter of the term buckets.
static void BM_ExplorerSearchRareAttribute(benchmark::State& state) {
  collector::TraceQuery q;
  q.attributes = {{"error.type", "timeout"}};
  explorer_search(state, q);
}
BENCHMARK(BM_ExplorerSearchRareAttribute)->Unit(benchmark::kMillisecond);

// The traces with an error (one in 50).
static void BM_ExplorerSearchErrors(benchmark::State& state) {
  collector::TraceQuery q;
  q.errors_only = true;
  explorer_search(state, q);
}
BENCHMARK(BM_ExplorerSearchErrors)->Unit(benchmark::kMillisecond);

// The 20th page of a common term: a cursor deep in the store.
static void BM_ExplorerSearchServicePage20(benchmark::State& state) {
  auto& s = explorer_store();
  if (!s.ready) return state.SkipWithError("building the store failed");
  collector::TraceQuery q;
  q.service = "chat-ui";
  for (int page = 1; page < 20; ++page) {
    auto result = s.store->search_traces(q);
    if (!result || !result->next) return state.SkipWithError("too few pages");
    q.after = result->next;
  }
  explorer_search(state, q);
}
BENCHMARK(BM_ExplorerSearchServicePage20)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
  return tracechat::bench::run_benchmarks(
      argc, argv, {{"--store_spans=", &g_store_spans}, {"--explorer_traces=", &g_explorer_traces, 1}});
}
