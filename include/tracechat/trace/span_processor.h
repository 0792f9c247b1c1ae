// SpanProcessor and SpanExporter: the OpenTelemetry SDK pipeline. A processor sees
// every recording span when it starts and ends; an exporter sends finished batches.
#pragma once

#include <chrono>
#include <memory>
#include <span>

#include "tracechat/trace/span_data.h"

namespace tracechat::trace {

enum class ExportResult { success, failure };

class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // Called from one thread at a time. `timeout` bounds how long the call may take.
  // The exporter may move the spans out of the batch.
  virtual ExportResult export_spans(std::span<std::unique_ptr<SpanData>> batch, std::chrono::milliseconds timeout) = 0;
  virtual bool force_flush(std::chrono::milliseconds /*timeout*/) { return true; }
  virtual bool shutdown(std::chrono::milliseconds /*timeout*/) { return true; }
};

class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  virtual void on_start(SpanData& /*span*/) {}
  // Must not block on I/O: this runs on the thread that ended the span.
  virtual void on_end(std::unique_ptr<SpanData> span) = 0;
  virtual bool force_flush(std::chrono::milliseconds timeout) = 0;
  virtual bool shutdown(std::chrono::milliseconds timeout) = 0;
};

// Exports every sampled span synchronously on the ending thread. For tests and
// tools only: it blocks the caller on export.
class SimpleSpanProcessor final : public SpanProcessor {
 public:
  explicit SimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter);
  void on_end(std::unique_ptr<SpanData> span) override;
  bool force_flush(std::chrono::milliseconds timeout) override;
  bool shutdown(std::chrono::milliseconds timeout) override;

 private:
  std::unique_ptr<SpanExporter> exporter_;
};

}  // namespace tracechat::trace
