#include "tracechat/trace/batch_span_processor.h"

#include <algorithm>
#include <bit>
#include <exception>

#include "mpmc_ring.h"
#include "span_data_pool.h"
#include "tracechat/trace/env.h"

namespace tracechat::trace {

// The span queue: an MpmcRing of exactly max_queue_size cells. Producers share no
// counter with the export thread beyond the ring's own positions.
class BatchSpanProcessor::Queue {
 public:
  explicit Queue(std::size_t capacity) : ring_(capacity) {}
  ~Queue() {
    while (SpanData* span = try_pop()) detail::recycle_span_data(span);
  }

  std::optional<std::size_t> try_push(SpanData* span) noexcept { return ring_.try_push(span); }
  // Only the export thread pops, and after it stopped, shutdown() and the destructor.
  SpanData* try_pop() noexcept { return ring_.try_pop_single_consumer(); }
  std::uint64_t pushed() const noexcept { return ring_.pushed(); }

 private:
  detail::MpmcRing<SpanData> ring_;
};

BatchSpanProcessorOptions BatchSpanProcessorOptions::from_env() {
  BatchSpanProcessorOptions o;
  o.max_queue_size = env_uint("OTEL_BSP_MAX_QUEUE_SIZE", o.max_queue_size);
  o.max_export_batch_size = env_uint("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", o.max_export_batch_size);
  o.schedule_delay = std::chrono::milliseconds(env_uint("OTEL_BSP_SCHEDULE_DELAY", o.schedule_delay.count()));
  o.export_timeout = std::chrono::milliseconds(env_uint("OTEL_BSP_EXPORT_TIMEOUT", o.export_timeout.count()));
  if (o.max_queue_size == 0) {
    diagnostic("OTEL_BSP_MAX_QUEUE_SIZE must be positive; using 2048");
    o.max_queue_size = 2048;
  }
  if (o.max_export_batch_size == 0) {
    diagnostic("OTEL_BSP_MAX_EXPORT_BATCH_SIZE must be positive; using 512");
    o.max_export_batch_size = 512;
  }
  return o;
}

BatchSpanProcessor::BatchSpanProcessor(std::unique_ptr<SpanExporter> exporter, BatchSpanProcessorOptions options)
    : options_(options), exporter_(std::move(exporter)) {
  if (options_.max_queue_size == 0) options_.max_queue_size = 1;
  options_.max_export_batch_size = std::clamp<std::size_t>(options_.max_export_batch_size, 1, options_.max_queue_size);
  queue_ = std::make_unique<Queue>(options_.max_queue_size);
  wake_stride_mask_ = std::bit_floor(options_.max_export_batch_size) - 1;
  worker_ = std::thread([this] { run(); });
}

BatchSpanProcessor::~BatchSpanProcessor() { shutdown(options_.export_timeout); }

void BatchSpanProcessor::on_end(std::unique_ptr<SpanData> span) {
  if (!span || !span->context.sampled()) return;
  if (!accepting_.load(std::memory_order_relaxed)) {
    spans_dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  SpanData* raw = span.release();
  const std::optional<std::size_t> position = queue_->try_push(raw);
  if (!position) {
    detail::recycle_span_data(raw);
    spans_dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  // Every batch-sized run of pushes wakes the worker (the stride is the batch size
  // rounded down to a power of two, so a non-power-of-two batch wakes it a little
  // early). Reading the queue's fill level instead would touch the export thread's
  // cache line on every span.
  if ((*position & wake_stride_mask_) == wake_stride_mask_) wake_worker();
}

void BatchSpanProcessor::wake_worker() {
  // While a wake-up is pending, later ones cost one relaxed load.
  if (wake_pending_.load(std::memory_order_relaxed) || wake_pending_.exchange(true, std::memory_order_acq_rel)) {
    return;
  }
  std::lock_guard lock(mutex_);
  worker_signaled_ = true;
  worker_cv_.notify_one();
}

namespace {
// Spans the exporter did not keep go back to the pool.
void recycle(std::vector<std::unique_ptr<SpanData>>& batch) {
  for (auto& span : batch) detail::recycle_span_data(span.release());
  batch.clear();
}
}  // namespace

std::size_t BatchSpanProcessor::export_available(std::size_t max_spans) {
  std::vector<std::unique_ptr<SpanData>> batch;
  batch.reserve(options_.max_export_batch_size);
  std::size_t taken = 0;
  while (taken < max_spans) {
    while (batch.size() < options_.max_export_batch_size) {
      SpanData* span = queue_->try_pop();
      if (span == nullptr) break;
      batch.emplace_back(span);
    }
    if (batch.empty()) return taken;
    taken += batch.size();
    if (abandon_.load(std::memory_order_relaxed)) {
      spans_dropped_.fetch_add(batch.size(), std::memory_order_relaxed);
      recycle(batch);
      continue;
    }
    ExportResult result = ExportResult::failure;
    try {
      result = exporter_->export_spans(batch, options_.export_timeout);
    } catch (const std::exception& e) {
      diagnostic(std::string("span exporter threw: ") + e.what());
    } catch (...) {
      diagnostic("span exporter threw a non-standard exception");
    }
    if (result == ExportResult::success) {
      spans_exported_.fetch_add(batch.size(), std::memory_order_relaxed);
      batches_exported_.fetch_add(1, std::memory_order_relaxed);
    } else {
      spans_export_failed_.fetch_add(batch.size(), std::memory_order_relaxed);
    }
    recycle(batch);
  }
  return taken;
}

void BatchSpanProcessor::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    worker_cv_.wait_for(lock, options_.schedule_delay,
                        [this] { return stop_requested_ || worker_signaled_ || flush_requested_ != flush_completed_; });
    worker_signaled_ = false;
    wake_pending_.store(false, std::memory_order_release);
    const std::uint64_t flush_target = flush_requested_;
    const bool stopping = stop_requested_;
    lock.unlock();

    export_available(SIZE_MAX);
    if (flush_target != flush_completed_) exporter_->force_flush(options_.export_timeout);

    lock.lock();
    flush_completed_ = flush_target;
    flushed_cv_.notify_all();
    if (stopping) return;
  }
}

bool BatchSpanProcessor::force_flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  if (stop_requested_) return false;
  const std::uint64_t target = ++flush_requested_;
  worker_cv_.notify_one();
  return flushed_cv_.wait_for(lock, timeout, [&] { return flush_completed_ >= target; });
}

bool BatchSpanProcessor::shutdown(std::chrono::milliseconds timeout) {
  std::call_once(shutdown_once_, [&] {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    accepting_.store(false, std::memory_order_relaxed);
    {
      std::unique_lock lock(mutex_);
      stop_requested_ = true;
      const std::uint64_t target = ++flush_requested_;
      worker_cv_.notify_one();
      if (!flushed_cv_.wait_until(lock, deadline, [&] { return flush_completed_ >= target; })) {
        // The exporter is too slow: let the current export finish, drop the rest.
        abandon_.store(true, std::memory_order_relaxed);
        shutdown_result_ = false;
      }
    }
    worker_.join();
    // Spans that raced with shutdown (pushed after the worker's last pass).
    std::uint64_t late = 0;
    while (SpanData* span = queue_->try_pop()) {
      detail::recycle_span_data(span);
      ++late;
    }
    spans_dropped_.fetch_add(late, std::memory_order_relaxed);
    const auto left =
        std::max(std::chrono::milliseconds(0),
                 std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!exporter_->shutdown(left)) shutdown_result_ = false;
  });
  return shutdown_result_;
}

BatchSpanProcessorStats BatchSpanProcessor::stats() const noexcept {
  BatchSpanProcessorStats s;
  s.spans_queued = queue_->pushed();
  s.spans_dropped = spans_dropped_.load(std::memory_order_relaxed);
  s.spans_exported = spans_exported_.load(std::memory_order_relaxed);
  s.spans_export_failed = spans_export_failed_.load(std::memory_order_relaxed);
  s.batches_exported = batches_exported_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace tracechat::trace
