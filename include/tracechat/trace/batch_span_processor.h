// BatchSpanProcessor: the OpenTelemetry batching processor. Ending a span only puts
// it on a bounded lock-free queue; a background thread exports batches. When the
// queue is full the span is dropped and counted: telemetry never blocks the caller.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "tracechat/trace/span_processor.h"

namespace tracechat::trace {

struct BatchSpanProcessorOptions {
  std::size_t max_queue_size = 2048;                // OTEL_BSP_MAX_QUEUE_SIZE
  std::size_t max_export_batch_size = 512;          // OTEL_BSP_MAX_EXPORT_BATCH_SIZE
  std::chrono::milliseconds schedule_delay{5000};   // OTEL_BSP_SCHEDULE_DELAY
  std::chrono::milliseconds export_timeout{30000};  // OTEL_BSP_EXPORT_TIMEOUT

  // Defaults overridden by the OTEL_BSP_* environment variables. A batch size
  // larger than the queue is clamped to the queue size, as the spec requires.
  static BatchSpanProcessorOptions from_env();
};

// Once the processor is quiet, every sampled span handed to on_end is counted in
// exactly one of spans_exported, spans_export_failed and spans_dropped.
struct BatchSpanProcessorStats {
  std::uint64_t spans_queued = 0;         // accepted onto the queue
  std::uint64_t spans_dropped = 0;        // queue full, ended after shutdown, or left at a shutdown timeout
  std::uint64_t spans_exported = 0;       // in batches the exporter accepted
  std::uint64_t spans_export_failed = 0;  // in batches the exporter refused
  std::uint64_t batches_exported = 0;
};

class BatchSpanProcessor final : public SpanProcessor {
 public:
  BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter,
                     BatchSpanProcessorOptions options = BatchSpanProcessorOptions::from_env());
  ~BatchSpanProcessor() override;
  BatchSpanProcessor(const BatchSpanProcessor&) = delete;
  BatchSpanProcessor& operator=(const BatchSpanProcessor&) = delete;

  void on_end(std::unique_ptr<SpanData> span) override;
  // Exports everything queued before the call; false if that took longer than timeout.
  bool force_flush(std::chrono::milliseconds timeout) override;
  // Exports what is queued, stops the worker and shuts the exporter down. Spans still
  // queued when the timeout expires are dropped and counted. Idempotent.
  bool shutdown(std::chrono::milliseconds timeout) override;

  BatchSpanProcessorStats stats() const noexcept;
  const BatchSpanProcessorOptions& options() const noexcept { return options_; }

 private:
  class Queue;
  void run();
  // Returns the number of spans taken off the queue.
  std::size_t export_available(std::size_t max_spans);
  void wake_worker();

  BatchSpanProcessorOptions options_;
  std::unique_ptr<SpanExporter> exporter_;
  // Read by producers on every span; written once or at shutdown.
  std::unique_ptr<Queue> queue_;
  std::size_t wake_stride_mask_ = 0;
  std::atomic<bool> accepting_{true};

  alignas(64) std::mutex mutex_;
  std::condition_variable worker_cv_;
  std::condition_variable flushed_cv_;
  bool worker_signaled_ = false;  // guarded by mutex_
  std::atomic<bool> wake_pending_{false};
  std::uint64_t flush_requested_ = 0;  // generations, guarded by mutex_
  std::uint64_t flush_completed_ = 0;
  bool stop_requested_ = false;
  std::atomic<bool> abandon_{false};  // shutdown timed out: drop what is left

  // Written by producers (only when the queue is full); kept off the line of the
  // counters the export thread writes for every batch.
  alignas(64) std::atomic<std::uint64_t> spans_dropped_{0};
  alignas(64) std::atomic<std::uint64_t> spans_exported_{0};
  std::atomic<std::uint64_t> spans_export_failed_{0};
  std::atomic<std::uint64_t> batches_exported_{0};

  std::once_flag shutdown_once_;
  bool shutdown_result_ = true;
  std::thread worker_;
};

}  // namespace tracechat::trace
