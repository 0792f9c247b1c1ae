#include "tracechat/collector/collector.h"

#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "tracechat/collector/span_store.h"
#include "tracechat/net/http_server.h"
#include "tracechat/otlp/http_exporter.h"
#include "tracechat/trace/env.h"

namespace tracechat::collector {
using namespace std::chrono_literals;

struct Collector::Impl final : SpanSink {
  CollectorOptions options;
  std::unique_ptr<SpanStore> store;
  std::unique_ptr<net::HttpServer> server;

  std::mutex mutex;
  std::condition_variable work_cv;
  std::condition_variable idle_cv;
  std::vector<std::unique_ptr<trace::SpanData>> pending;
  bool writing = false;
  bool stopping = false;
  std::thread writer;

  struct ForwardItem {
    std::string body;
    otlp::Protocol protocol;
    std::size_t spans;
  };
  std::deque<ForwardItem> forward_queue;
  std::size_t forward_bytes = 0;
  bool forwarding = false;
  std::thread forwarder;
  std::unique_ptr<otlp::OtlpHttpExporter> forward_protobuf;
  std::unique_ptr<otlp::OtlpHttpExporter> forward_json;

  CollectorStats counters;  // guarded by mutex

  bool accept(otlp::DecodedTraces traces, std::string_view body, std::string_view content_type) override {
    std::lock_guard lock(mutex);
    ++counters.requests;
    if (!pending.empty() && pending.size() + traces.spans.size() > options.max_queued_spans) {
      ++counters.busy_responses;
      return false;
    }
    counters.spans_received += traces.spans.size();
    counters.spans_rejected += traces.rejected_spans;
    for (auto& s : traces.spans) pending.push_back(std::move(s));
    if (forward_protobuf) {
      if (forward_bytes + body.size() > options.max_forward_queue_bytes) {
        ++counters.forward_dropped;
      } else {
        forward_bytes += body.size();
        forward_queue.push_back(
            ForwardItem{std::string(body),
                        content_type == "application/json" ? otlp::Protocol::http_json : otlp::Protocol::http_protobuf,
                        traces.spans.size()});
      }
    }
    work_cv.notify_all();
    return true;
  }

  void write_loop() {
    std::unique_lock lock(mutex);
    while (true) {
      work_cv.wait(lock, [&] { return stopping || !pending.empty(); });
      if (pending.empty() && stopping) return;
      // Everything that queued up while the last transaction ran goes in this one.
      auto batch = std::exchange(pending, {});
      writing = true;
      lock.unlock();
      const auto result = store->insert(batch);
      if (!result) {
        trace::diagnostic("collector: storing " + std::to_string(batch.size()) +
                          " spans failed: " + result.error().message);
      }
      lock.lock();
      writing = false;
      if (result) {
        counters.spans_stored += batch.size();
      } else {
        ++counters.store_errors;
      }
      idle_cv.notify_all();
    }
  }

  void forward_loop() {
    std::unique_lock lock(mutex);
    while (true) {
      work_cv.wait(lock, [&] { return stopping || !forward_queue.empty(); });
      if (forward_queue.empty() && stopping) return;
      ForwardItem item = std::move(forward_queue.front());
      forward_queue.pop_front();
      forward_bytes -= item.body.size();
      forwarding = true;
      lock.unlock();
      auto& exporter = item.protocol == otlp::Protocol::http_json ? *forward_json : *forward_protobuf;
      const auto result = exporter.export_encoded(std::move(item.body), item.spans, 30s);
      lock.lock();
      forwarding = false;
      ++counters.forward_requests;
      if (result != trace::ExportResult::success) ++counters.forward_dropped;
      idle_cv.notify_all();
    }
  }
};

Collector::Collector(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<std::unique_ptr<Collector>> Collector::start(CollectorOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  auto address = net::parse_listen_address(impl->options.listen);
  if (!address) return address.error();
  auto store = SpanStore::open(impl->options.db);
  if (!store) return store.error();
  impl->store = std::move(*store);

  if (impl->options.forward) {
    auto url = otlp::OtlpHttpExporterOptions::traces_url_from_base(*impl->options.forward);
    if (!url) return Error{"--forward: " + url.error().message};
    for (auto protocol : {otlp::Protocol::http_protobuf, otlp::Protocol::http_json}) {
      otlp::OtlpHttpExporterOptions o;
      o.endpoint = *url;
      o.protocol = protocol;
      auto exporter = std::make_unique<otlp::OtlpHttpExporter>(std::move(o));
      (protocol == otlp::Protocol::http_json ? impl->forward_json : impl->forward_protobuf) = std::move(exporter);
    }
  }

  net::HttpServerOptions server_options;
  server_options.address = address->first;
  server_options.port = address->second;
  // Compressed bodies are limited after decompression by the receiver; the wire
  // limit only has to stop absurd uploads early.
  server_options.body_limit = impl->options.limits.max_body_bytes;
  Impl* raw = impl.get();
  impl->server = std::make_unique<net::HttpServer>(server_options, [raw](net::HttpRequest& request) {
    return handle_otlp_request(request, *raw, raw->options.limits);
  });
  impl->writer = std::thread([raw] { raw->write_loop(); });
  if (impl->forward_protobuf) impl->forwarder = std::thread([raw] { raw->forward_loop(); });
  std::unique_ptr<Collector> collector(new Collector(std::move(impl)));
  if (auto started = collector->impl_->server->start(); !started) return started.error();
  return collector;
}

Collector::~Collector() { stop(); }

void Collector::stop() {
  if (!impl_) return;
  impl_->server->stop();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->work_cv.notify_all();
  }
  if (impl_->writer.joinable()) impl_->writer.join();
  if (impl_->forwarder.joinable()) {
    impl_->forward_protobuf->shutdown(0ms);  // stop waiting between retries
    impl_->forward_json->shutdown(0ms);
    impl_->forwarder.join();
  }
}

std::uint16_t Collector::port() const { return impl_->server->port(); }
std::string Collector::url() const { return impl_->server->url(); }

CollectorStats Collector::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

bool Collector::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->idle_cv.wait_for(lock, timeout, [&] {
    return impl_->pending.empty() && !impl_->writing && impl_->forward_queue.empty() && !impl_->forwarding;
  });
}

}  // namespace tracechat::collector
