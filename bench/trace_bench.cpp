// Trace core hot paths. Figures and the command are in docs/performance.md.
#include <benchmark/benchmark.h>

#include "tracechat/trace/batch_span_processor.h"
#include "tracechat/trace/in_memory_exporter.h"
#include "tracechat/trace/tracer.h"

using namespace tracechat::trace;

static void BM_NewTraceId(benchmark::State& state) {
  auto& ids = default_id_generator();
  for (auto _ : state) benchmark::DoNotOptimize(ids.new_trace_id());
}
BENCHMARK(BM_NewTraceId);

static void BM_NewSpanId(benchmark::State& state) {
  auto& ids = default_id_generator();
  for (auto _ : state) benchmark::DoNotOptimize(ids.new_span_id());
}
BENCHMARK(BM_NewSpanId);

static void BM_TraceparentFormat(benchmark::State& state) {
  const auto trace_id = default_id_generator().new_trace_id();
  const auto span_id = default_id_generator().new_span_id();
  char out[kTraceParentSize];
  for (auto _ : state) {
    format_traceparent(trace_id, span_id, TraceFlags(3), out);
    benchmark::DoNotOptimize(out);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_TraceparentFormat);

// The std::string flavour pays for one heap allocation (55 chars > SSO).
static void BM_TraceparentFormatString(benchmark::State& state) {
  const auto trace_id = default_id_generator().new_trace_id();
  const auto span_id = default_id_generator().new_span_id();
  for (auto _ : state) benchmark::DoNotOptimize(format_traceparent(trace_id, span_id, TraceFlags(3)));
}
BENCHMARK(BM_TraceparentFormatString);

static void BM_TraceparentParse(benchmark::State& state) {
  const std::string header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  for (auto _ : state) {
    auto parsed = parse_traceparent(header);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_TraceparentParse);

static void BM_TracestateParse(benchmark::State& state) {
  const std::string header = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
  for (auto _ : state) {
    auto parsed = TraceState::parse(header);
    benchmark::DoNotOptimize(parsed);
  }
}
BENCHMARK(BM_TracestateParse);

namespace {
// A provider whose batch processor feeds a no-op exporter: the measured thread pays
// for span creation, ids, clock reads and the queue hand-off; the export thread runs
// on the other core, as it would in production.
struct BatchPipeline {
  BatchPipeline() {
    TracerProviderOptions options;
    options.resource = std::make_shared<const Resource>(Resource::from_env("bench"));
    options.sampler = always_on_sampler();
    BatchSpanProcessorOptions bsp;  // OpenTelemetry defaults
    bsp.schedule_delay = std::chrono::milliseconds(5000);
    options.processor = processor = std::make_shared<BatchSpanProcessor>(std::make_unique<NoopSpanExporter>(), bsp);
    options.limits = SpanLimits{};
    provider = std::make_unique<TracerProvider>(std::move(options));
    tracer = provider->tracer("bench");
  }
  std::shared_ptr<BatchSpanProcessor> processor;
  std::unique_ptr<TracerProvider> provider;
  Tracer tracer;
};

void report_drops(benchmark::State& state, const BatchPipeline& p) {
  const auto stats = p.processor->stats();
  const double total = static_cast<double>(stats.spans_queued + stats.spans_dropped);
  state.counters["dropped_pct"] = total > 0 ? 100.0 * static_cast<double>(stats.spans_dropped) / total : 0.0;
}
}  // namespace

static void BM_SpanStartEnd(benchmark::State& state) {
  BatchPipeline p;
  for (auto _ : state) {
    Span span = p.tracer.start_span("chat.send_message");
    span.end();
  }
  report_drops(state, p);
}
BENCHMARK(BM_SpanStartEnd);

static void BM_SpanStartEndWith5Attributes(benchmark::State& state) {
  BatchPipeline p;
  for (auto _ : state) {
    Span span = p.tracer.start_span("chat.send_message");
    span.set_attribute("messaging.system", "genesys")
        .set_attribute("messaging.operation.type", "send")
        .set_attribute("messaging.destination.name", "guest-chat")
        .set_attribute("chat.conversation_id", "3f9c2a1e-8d2b-4c1a-9b7e-5a6d4c3b2a10")
        .set_attribute("chat.request_id", "r-000042");
    span.end();
  }
  report_drops(state, p);
}
BENCHMARK(BM_SpanStartEndWith5Attributes);

BENCHMARK_MAIN();
