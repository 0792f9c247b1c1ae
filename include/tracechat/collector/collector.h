// Collector: the embedded OTLP/HTTP receiver. Each request is validated (as the
// decoder would, without building spans), appended to the SpanStore's request log and only then answered 200; an
// indexer thread then indexes it for listing and loading (Collector::flush waits for that), many requests to a
// transaction, and applies the retention limits between batches. Optionally every request body is also forwarded,
// unchanged, to an upstream OTLP endpoint (a real OpenTelemetry Collector). Both queues are bounded: a full index queue
// answers 503 + Retry-After (the sender retries), a full forward queue drops and counts.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tracechat/collector/otlp_receiver.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/net/url.h"
#include "tracechat/result.h"

namespace tracechat::collector {

struct CollectorOptions {
  std::string listen = "127.0.0.1:4318";
  std::filesystem::path db = "traces.sqlite";
  std::optional<std::string> forward;  // upstream base URL; /v1/traces is appended
  ReceiverLimits limits;
  std::size_t max_queued_spans = 200000;             // stored, waiting to be indexed
  std::size_t max_queued_bytes = 256 * 1024 * 1024;  // the memory those requests hold
  std::size_t max_forward_queue_bytes = 64 * 1024 * 1024;
  unsigned io_threads = 2;  // decode requests side by side
  RetentionLimits retention;
  std::chrono::milliseconds retention_interval{60000};  // how often the limits are applied
  // Span attributes to index besides the built-in ones (otlp/indexed_keys.h), so that
  // traces can be searched by them. The store keeps them, in order: a key indexed once
  // stays indexed, and its values are found in the traces indexed since.
  std::vector<std::string> indexed_attributes;
};

struct CollectorStats {
  std::uint64_t requests = 0;
  std::uint64_t spans_received = 0;
  std::uint64_t spans_rejected = 0;  // invalid ids, reported to the sender as partial success
  std::uint64_t spans_stored = 0;    // appended to the request log (answered 200)
  std::uint64_t spans_indexed = 0;   // visible to listing and loading
  std::uint64_t store_errors = 0;    // appends that failed (their requests were answered 503)
  std::uint64_t index_errors = 0;    // index transactions that failed (retried)
  std::uint64_t traces_expired = 0;  // removed by retention
  std::uint64_t busy_responses = 0;  // 503s because the store queue was full
  std::uint64_t forward_requests = 0;
  std::uint64_t forward_dropped = 0;  // bodies dropped: forward queue full or upstream failed
};

using net::parse_listen_address;

class Collector {
 public:
  static Result<std::unique_ptr<Collector>> start(CollectorOptions options);
  ~Collector();  // stops: the store queue is written out first

  std::uint16_t port() const;
  std::string url() const;  // http://host:port
  CollectorStats stats() const;
  // The span attributes indexed: the built-in ones, then the store's own.
  const otlp::IndexedKeys& indexed_keys() const;
  // Waits until everything received so far is stored (and forwarded).
  bool flush(std::chrono::milliseconds timeout);
  void stop();

 private:
  struct Impl;
  explicit Collector(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::collector
