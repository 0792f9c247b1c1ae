#include "tracechat/collector/collector.h"

#include <algorithm>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "tracechat/collector/span_store.h"
#include "tracechat/net/http_server.h"
#include "tracechat/otlp/http_exporter.h"
#include "tracechat/trace/clock.h"
#include "tracechat/trace/env.h"

namespace tracechat::collector {
using namespace std::chrono_literals;

struct Collector::Impl final : SpanSink {
  CollectorOptions options;
  std::unique_ptr<SpanStore> store;
  otlp::IndexedKeys indexed_keys;  // the store's, fixed from the start on
  std::unique_ptr<net::HttpServer> server;

  // An appended request waiting to be indexed.
  struct IndexJob {
    LogLocation where;
    std::uint64_t received_unix_nano = 0;
    AcceptedRequest request;  // its index points into it
    std::size_t held = 0;     // bytes counted in queued_bytes
  };

  // Appends and the index queue's order: a request is queued under the same lock that
  // appended it, so the queue is in log order and the indexer can record "indexed up
  // to here" without skipping a record another thread appended meanwhile.
  std::mutex append_mutex;
  std::mutex mutex;
  std::condition_variable index_cv;
  std::condition_variable idle_cv;
  std::deque<IndexJob> index_queue;
  std::size_t queued_spans = 0;  // in index_queue
  std::size_t queued_bytes = 0;  // held by index_queue
  bool indexing = false;
  bool stopping = false;
  std::thread indexer;

  struct ForwardItem {
    std::string body;
    otlp::Protocol protocol;
    std::size_t spans;
  };
  std::deque<ForwardItem> forward_queue;
  std::size_t forward_bytes = 0;
  bool forwarding = false;
  std::thread forwarder;
  std::condition_variable forward_cv;
  std::unique_ptr<otlp::OtlpHttpExporter> forward_protobuf;
  std::unique_ptr<otlp::OtlpHttpExporter> forward_json;

  CollectorStats counters;  // guarded by mutex

  // A 200 means stored: the request is in the log before the answer goes. Indexing
  // (what listing and loading read) follows on the indexer thread, on the other core.
  std::optional<std::string> accept(AcceptedRequest request) override {
    const std::size_t spans = request.index.spans.size();
    // What a queued request holds in memory: its body and its index (and, for JSON, the
    // unescaped copies of strings the index keeps that were written with escapes: few).
    const std::size_t held = request.body.size() + spans * sizeof(otlp::SpanSummary);
    {
      std::lock_guard lock(mutex);
      ++counters.requests;
      // A soft bound: requests appending side by side may pass it by a request each.
      if (queued_spans > 0 &&
          (queued_spans + spans > options.max_queued_spans || queued_bytes + held > options.max_queued_bytes)) {
        ++counters.busy_responses;
        return "collector is busy; retry later";
      }
    }
    std::optional<LogLocation> where;
    const std::uint64_t received = trace::now_unix_nano();
    std::unique_lock append_lock(append_mutex);
    if (spans > 0) {
      const LogRecord record{request.body, received, request.format};
      auto appended = store->append(std::span<const LogRecord>(&record, 1));
      if (!appended) {
        std::lock_guard lock(mutex);
        ++counters.store_errors;
        trace::diagnostic("collector: storing " + std::to_string(spans) + " spans failed: " + appended.error().message);
        return "the collector could not store the spans (" + appended.error().message + "); retry later";
      }
      where = (*appended)[0];
    }
    std::lock_guard lock(mutex);
    append_lock.unlock();  // the queue's order is settled once this lock is held
    counters.spans_received += spans;
    counters.spans_rejected += request.index.rejected_spans;
    counters.spans_stored += spans;
    // Forwarded once stored, so a request the sender must retry is not sent on twice.
    if (forward_protobuf) {
      if (forward_bytes + request.body.size() > options.max_forward_queue_bytes) {
        ++counters.forward_dropped;
      } else {
        forward_bytes += request.body.size();
        forward_queue.push_back(ForwardItem{
            request.body,
            request.format == BodyFormat::json ? otlp::Protocol::http_json : otlp::Protocol::http_protobuf, spans});
        forward_cv.notify_one();
      }
    }
    if (where) {
      queued_spans += spans;
      queued_bytes += held;
      // Moving the body keeps its buffer, so the index's views stay valid.
      index_queue.push_back(IndexJob{*where, received, std::move(request), held});
      index_cv.notify_one();
    }
    return std::nullopt;
  }

  // Indexes what was appended, everything queued at once in one transaction, and
  // applies the retention limits between batches.
  void index_loop() {
    constexpr std::size_t kMaxJobsPerTransaction = 256;
    const bool retaining = options.retention.max_age || options.retention.max_bytes;
    auto next_retention = std::chrono::steady_clock::now();
    std::unique_lock lock(mutex);
    while (true) {
      if (retaining) {
        index_cv.wait_until(lock, next_retention, [&] { return stopping || !index_queue.empty(); });
      } else {
        index_cv.wait(lock, [&] { return stopping || !index_queue.empty(); });
      }
      if (index_queue.empty() && stopping) return;
      if (!index_queue.empty()) {
        const std::size_t take = std::min(index_queue.size(), kMaxJobsPerTransaction);
        std::vector<IndexJob> jobs(std::make_move_iterator(index_queue.begin()),
                                   std::make_move_iterator(index_queue.begin() + static_cast<std::ptrdiff_t>(take)));
        index_queue.erase(index_queue.begin(), index_queue.begin() + static_cast<std::ptrdiff_t>(take));
        indexing = true;
        lock.unlock();
        std::vector<IndexedRequest> requests;
        requests.reserve(jobs.size());
        std::size_t spans = 0;
        std::size_t held = 0;
        for (const auto& job : jobs) {
          requests.push_back(IndexedRequest{job.where, job.received_unix_nano, job.request.index.spans});
          spans += job.request.index.spans.size();
          held += job.held;
        }
        const LogLocation& last = jobs.back().where;
        auto indexed = store->index(requests, LogPosition{last.segment, last.offset + last.length});
        lock.lock();
        indexing = false;
        if (indexed) {
          queued_spans -= spans;
          queued_bytes -= held;
          counters.spans_indexed += spans;
        } else {
          // Kept in order at the front and tried again shortly; meanwhile the queue
          // fills and senders are told to retry.
          ++counters.index_errors;
          trace::diagnostic("collector: indexing " + std::to_string(spans) +
                            " spans failed (retrying): " + indexed.error().message);
          index_queue.insert(index_queue.begin(), std::make_move_iterator(jobs.begin()),
                             std::make_move_iterator(jobs.end()));
          index_cv.wait_for(lock, 1s, [&] { return stopping; });
          if (stopping) return;  // what stays unindexed is indexed by the next start
        }
        idle_cv.notify_all();
      }
      if (retaining && std::chrono::steady_clock::now() >= next_retention) {
        lock.unlock();
        auto trimmed = store->apply_retention(options.retention, trace::now_unix_nano(), kRetentionChunk, 1);
        lock.lock();
        if (!trimmed) {
          trace::diagnostic("collector: retention failed: " + trimmed.error().message);
        } else {
          counters.traces_expired += trimmed->traces_removed;
        }
        // More to trim: come back after the next batch, else after the interval.
        next_retention = std::chrono::steady_clock::now() +
                         (trimmed && trimmed->more ? std::chrono::milliseconds(0) : options.retention_interval);
      }
    }
  }
  static constexpr std::size_t kRetentionChunk = 1000;

  void forward_loop() {
    std::unique_lock lock(mutex);
    while (true) {
      forward_cv.wait(lock, [&] { return stopping || !forward_queue.empty(); });
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
  // Log space comes back a segment at a time: beside a small size limit, small segments.
  std::uint64_t segment_bytes = RequestLog::kSegmentBytes;
  if (impl->options.retention.max_bytes) {
    segment_bytes = std::clamp<std::uint64_t>(*impl->options.retention.max_bytes / 16, 1 << 20, segment_bytes);
  }
  // What can fail is tried before the store learns new indexed keys, which it keeps for
  // good: the forward URL, the store itself, the listening address.
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
  otlp::IndexedKeys checked;  // the keys' text and count, before the store is touched
  for (const auto& key : impl->options.indexed_attributes) TRACECHAT_CHECK(checked.add(key));
  auto store = SpanStore::open(impl->options.db, StoreAccess::write, segment_bytes);
  if (!store) return store.error();
  impl->store = std::move(*store);

  net::HttpServerOptions server_options;
  server_options.address = address->first;
  server_options.port = address->second;
  // Compressed bodies are limited after decompression by the receiver; the wire
  // limit only has to stop absurd uploads early.
  server_options.body_limit = impl->options.limits.max_body_bytes;
  server_options.threads = std::max(1u, impl->options.io_threads);
  Impl* raw = impl.get();
  impl->server = std::make_unique<net::HttpServer>(server_options, [raw](net::HttpRequest& request) {
    return handle_otlp_request(request, *raw, raw->options.limits, raw->indexed_keys);
  });
  TRACECHAT_CHECK(impl->server->listen());

  // Before the recovery below, which indexes with them.
  TRACECHAT_CHECK(impl->store->index_attributes(impl->options.indexed_attributes));
  impl->indexed_keys = impl->store->indexed_keys();
  // Requests a previous run stored but did not index.
  if (auto recovered = impl->store->recover(); !recovered) {
    return Error{"cannot index what the request log of '" + impl->options.db.string() +
                 "' holds: " + recovered.error().message};
  }
  impl->indexer = std::thread([raw] { raw->index_loop(); });
  if (impl->forward_protobuf) impl->forwarder = std::thread([raw] { raw->forward_loop(); });
  std::unique_ptr<Collector> collector(new Collector(std::move(impl)));
  if (auto started = collector->impl_->server->start(); !started) return started.error();
  return collector;
}

Collector::~Collector() { stop(); }

void Collector::stop() {
  if (!impl_) return;
  // Requests in progress finish (and are stored) before the server's threads end.
  impl_->server->stop();
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stopping = true;
    impl_->forward_cv.notify_all();
    impl_->index_cv.notify_all();
  }
  if (impl_->indexer.joinable()) impl_->indexer.join();
  if (impl_->forwarder.joinable()) {
    impl_->forward_protobuf->shutdown(0ms);  // stop waiting between retries
    impl_->forward_json->shutdown(0ms);
    impl_->forwarder.join();
  }
}

std::uint16_t Collector::port() const { return impl_->server->port(); }
std::string Collector::url() const { return impl_->server->url(); }

const otlp::IndexedKeys& Collector::indexed_keys() const { return impl_->indexed_keys; }

CollectorStats Collector::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->counters;
}

bool Collector::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mutex);
  return impl_->idle_cv.wait_for(lock, timeout, [&] {
    return impl_->index_queue.empty() && !impl_->indexing && impl_->forward_queue.empty() && !impl_->forwarding;
  });
}

}  // namespace tracechat::collector
