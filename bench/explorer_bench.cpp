// The explorer's answers as the page gets them: an HTTP GET to `tracechat ui`'s API over
// loopback, on a store of chat traces (11 spans each: a session, two guest messages with
// a Data Action, its upstream call and the backend's span, two replies), every 500th
// with an error, and one long chat of 2,000 messages. The store's size is a flag, --traces=N (default small, so CI's
// smoke run stays quick; docs/performance.md has the figures at 100,000).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>

#include "size_flags.h"
#include "support/chat_trace.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/explorer/explorer.h"
#include "tracechat/net/http_client.h"

using namespace tracechat;

namespace {

std::size_t g_traces = 2'000;
// A chat of 2,000 guest messages (~12,000 spans), for the benchmark of reading beside it.
constexpr int kLargeChatMessages = 2'000;

std::string trace_hex(std::size_t n) {
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016zx%016zx", n + 1, n * 7919 + 3);
  return hex;
}
std::string conversation_of(std::size_t n) {
  char text[48];
  std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012zx", n + 1);
  return text;
}

// The store and the explorer on it, built once for every benchmark.
struct ExplorerFixture {
  ExplorerFixture()
      : dir(std::filesystem::temp_directory_path() / ("tracechat-explorer-bench-" + std::to_string(getpid()))) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto store = collector::SpanStore::open(dir / "traces.sqlite", collector::StoreAccess::write);
    if (!store) return;
    // 100 traces to a request, as a collector receiving from many chats would get them.
    std::vector<std::unique_ptr<trace::SpanData>> batch;
    for (std::size_t n = 0; n < g_traces; ++n) {
      test_support::ChatTraceOptions o;
      o.trace_id = trace_hex(n);
      o.conversation_id = conversation_of(n);
      o.start = 1'764'950'000'000'000'000ULL + n * 10'000'000ULL;  // one every 10 ms
      o.failing_action = n % 500 == 0;
      for (auto& span : test_support::chat_trace(o)) batch.push_back(std::move(span));
      if (batch.size() >= 1100 || n + 1 == g_traces) {
        if (!(*store)->insert(batch).ok()) return;
        batch.clear();
      }
    }
    test_support::ChatTraceOptions large;
    large.trace_id = trace_hex(g_traces);
    large.conversation_id = conversation_of(g_traces);
    large.messages = kLargeChatMessages;
    if (!(*store)->insert(test_support::chat_trace(large)).ok()) return;
    store->reset();
    explorer::ExplorerOptions options;
    options.listen = "127.0.0.1:0";
    options.db = dir / "traces.sqlite";
    auto started = explorer::Explorer::start(options);
    if (!started) return;
    server = std::move(*started);
    client = std::make_unique<net::HttpClient>(*net::Url::parse(server->url()));
    ready = true;
  }
  ~ExplorerFixture() {
    client.reset();
    server.reset();
    std::filesystem::remove_all(dir);
  }
  std::filesystem::path dir;
  std::unique_ptr<explorer::Explorer> server;
  std::unique_ptr<net::HttpClient> client;
  bool ready = false;
};

ExplorerFixture& fixture() {
  static ExplorerFixture f;
  return f;
}

void get(benchmark::State& state, const std::string& target, std::size_t want_rows_at_least = 1) {
  auto& f = fixture();
  if (!f.ready) return state.SkipWithError("building the store failed");
  net::HttpRequest request;
  request.target = target;
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto response = f.client->send(request, std::chrono::seconds(30));
    if (!response || response->status != 200) return state.SkipWithError(("GET " + target + " failed").c_str());
    bytes = response->body.size();
    // An answer with fewer rows than expected did not do the work being measured.
    std::size_t rows = 0;
    for (auto at = response->body.find("\"traceId\""); at != std::string::npos;
         at = response->body.find("\"traceId\"", at + 1)) {
      ++rows;
    }
    if (rows < want_rows_at_least) return state.SkipWithError(("too few rows from " + target).c_str());
  }
  state.counters["store_traces"] = static_cast<double>(g_traces);
  state.counters["bytes"] = static_cast<double>(bytes);
}

}  // namespace

// The list's first page: what the page asks for when it opens, and on every live change.
static void BM_ApiFirstPage(benchmark::State& state) { get(state, "/api/traces?limit=50", 50); }
BENCHMARK(BM_ApiFirstPage)->Unit(benchmark::kMillisecond)->UseRealTime();

// A conversation id: one trace among all of them.
static void BM_ApiSearchConversation(benchmark::State& state) {
  get(state, "/api/traces?conversation_id=" + conversation_of(g_traces / 3));
}
BENCHMARK(BM_ApiSearchConversation)->Unit(benchmark::kMillisecond)->UseRealTime();

// A service every trace has: a page of 50 out of all of them.
static void BM_ApiSearchService(benchmark::State& state) { get(state, "/api/traces?service=orders-service", 50); }
BENCHMARK(BM_ApiSearchService)->Unit(benchmark::kMillisecond)->UseRealTime();

// An attribute that one trace in 500 has, with errors only.
static void BM_ApiSearchAttributeErrors(benchmark::State& state) {
  get(state, "/api/traces?attr=http.response.status_code%3D503&errors=1");
}
BENCHMARK(BM_ApiSearchAttributeErrors)->Unit(benchmark::kMillisecond)->UseRealTime();

// A time range in the middle of the store.
static void BM_ApiSearchTimeRange(benchmark::State& state) {
  get(state, "/api/traces?from=2025-12-05T15:53:25.000Z&to=2025-12-05T15:53:30.000Z", 50);
}
BENCHMARK(BM_ApiSearchTimeRange)->Unit(benchmark::kMillisecond)->UseRealTime();

// A page deep in the list, by cursor: as cheap as the first.
static void BM_ApiDeepPage(benchmark::State& state) {
  const std::size_t n = g_traces / 2;
  get(state,
      "/api/traces?limit=50&after=" + std::to_string(1'764'950'000'000'000'000ULL + n * 10'000'000ULL) + "-" +
          trace_hex(n),
      50);
}
BENCHMARK(BM_ApiDeepPage)->Unit(benchmark::kMillisecond)->UseRealTime();

// One trace's document: its spans from the request log, the waterfall, the transcript.
static void BM_ApiTrace(benchmark::State& state) { get(state, "/api/traces/" + trace_hex(g_traces / 2)); }
BENCHMARK(BM_ApiTrace)->Unit(benchmark::kMillisecond)->UseRealTime();

// The first page while another reader loads the large chat's trace over and over: the
// list does not wait for it (each request reads on a connection of its own).
static void BM_ApiFirstPageBesideALargeTrace(benchmark::State& state) {
  auto& f = fixture();
  if (!f.ready) return state.SkipWithError("building the store failed");
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> large_loads{0};
  std::thread reader([&] {
    net::HttpClient client(*net::Url::parse(f.server->url()));
    net::HttpRequest request;
    request.target = "/api/traces/" + trace_hex(g_traces);
    while (!stop.load()) {
      auto response = client.send(request, std::chrono::seconds(30));
      if (!response || response->status != 200) return;
      ++large_loads;
    }
  });
  get(state, "/api/traces?limit=50", 50);
  stop = true;
  reader.join();
  // Without a load beside it, the figure would be the plain first page's under this name.
  if (large_loads.load() == 0) return state.SkipWithError("the large trace was never loaded beside the list");
  state.counters["large_loads"] = static_cast<double>(large_loads.load());
}
BENCHMARK(BM_ApiFirstPageBesideALargeTrace)->Unit(benchmark::kMillisecond)->UseRealTime();

// The large trace's document alone.
static void BM_ApiLargeTrace(benchmark::State& state) { get(state, "/api/traces/" + trace_hex(g_traces)); }
BENCHMARK(BM_ApiLargeTrace)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) { return tracechat::bench::run_benchmarks(argc, argv, {{"--traces=", &g_traces}}); }
