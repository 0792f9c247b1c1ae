// CPU per guest message on the client, without the network: the producer span and its
// context (start_outgoing), waiting in the send queue (OutgoingQueue: the rate-limit
// token, the attempt, the delivery that ends the span and remembers the traceparent), the
// frame with the traceparent / tracingId (the dialect's render), and the span's end
// handed to a batch processor. These are the functions SessionCore calls for every message.
//
//   ./build/bench/client_bench
#include <benchmark/benchmark.h>

#include "client/dialect.h"
#include "client/outgoing.h"
#include "tracechat/conventions.h"
#include "tracechat/trace/batch_span_processor.h"
#include "tracechat/trace/in_memory_exporter.h"
#include "tracechat/trace/sampler.h"

namespace {

using namespace tracechat;

void run(benchmark::State& state, client::Dialect dialect_kind) {
  trace::TracerProviderOptions options;
  options.sampler = trace::always_on_sampler();
  options.processor = std::make_shared<trace::BatchSpanProcessor>(std::make_unique<trace::NoopSpanExporter>(),
                                                                  trace::BatchSpanProcessorOptions{});
  trace::TracerProvider provider(std::move(options));
  const trace::Tracer tracer = provider.tracer("client_bench");
  trace::Span session = tracer.start_span(conventions::kSessionSpan);

  client::ChatSessionConfig config;
  client::Endpoint endpoint;
  endpoint.dialect = dialect_kind;
  endpoint.deployment_id = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
  config.web_messaging_token = "6f9619ff-8b86-4011-b42d-00c04fc964ff";
  auto dialect = dialect_kind == client::Dialect::web_messaging ? client::make_web_messaging_dialect(endpoint, config)
                                                                : client::make_guest_chat_dialect();
  const std::string system = dialect_kind == client::Dialect::web_messaging ? "genesys_web_messaging" : "guest_chat";
  client::OutgoingQueue queue;
  // A bucket that never runs dry: the take is measured, not the wait.
  queue.set_rate(1e12, 1e12);
  const std::string text = "Hello, where is my order #4711? It was due yesterday.";
  const std::string message_id = "m-4711";
  std::uint64_t id = 0, bytes = 0;

  for (auto _ : state) {
    queue.push(client::start_outgoing(tracer, session.context(), system, ++id, text));
    benchmark::DoNotOptimize(queue.take_token());
    client::Outgoing& front = queue.next_attempt();
    client::Request request;
    request.kind = client::Request::Kind::message;
    request.text = front.text;
    request.traceparent = front.traceparent;
    request.correlation = dialect->correlation(id, front.traceparent);
    std::string frame = dialect->render(request);
    bytes += frame.size();
    benchmark::DoNotOptimize(frame);
    queue.sent(request.correlation);
    benchmark::DoNotOptimize(queue.delivered(message_id));
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["frame_bytes"] = benchmark::Counter(static_cast<double>(bytes) / static_cast<double>(id));
  session.end();
}

void BM_GuestChatMessage(benchmark::State& state) { run(state, client::Dialect::guest_chat); }
void BM_WebMessagingMessage(benchmark::State& state) { run(state, client::Dialect::web_messaging); }

BENCHMARK(BM_GuestChatMessage)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_WebMessagingMessage)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
