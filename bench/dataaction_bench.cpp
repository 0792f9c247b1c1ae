// What a Data Action call costs before it leaves the platform: rendering its templates.
// The traceparent header (two references, two $esc.url), and a JSON body rendered as data
// (a value with quotes and a line break escaped on the way).
//
//   ./build/bench/dataaction_bench
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include "tracechat/dataaction/velocity.h"

namespace {

using tracechat::dataaction::VelocityTemplate;

const boost::json::object& context() {
  static const boost::json::object c =
      boost::json::parse(R"({"input":{"otel_trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",
        "otel_span_id":"00f067aa0ba902b7","orderId":"A-1001 \"rush\"\nplease","qty":3}})")
          .as_object();
  return c;
}

void BM_TraceparentHeader(benchmark::State& state) {
  auto t = VelocityTemplate::parse("00-$esc.url(${input.otel_trace_id})-$esc.url(${input.otel_span_id})-01");
  for (auto _ : state) benchmark::DoNotOptimize(t->render(context()));
}

void BM_JsonBodyAsData(benchmark::State& state) {
  auto t = VelocityTemplate::parse(R"x({"orderId": "${input.orderId}", "qty": ${input.qty},
    #if($input.qty > 2)"bulk": true,#end "trace": "${input.otel_trace_id}"})x");
  for (auto _ : state) benchmark::DoNotOptimize(t->render_json(context()));
}

BENCHMARK(BM_TraceparentHeader)->Repetitions(3)->ReportAggregatesOnly(true);
BENCHMARK(BM_JsonBodyAsData)->Repetitions(3)->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
