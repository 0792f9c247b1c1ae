// InMemorySpanExporter: keeps exported spans for tests to inspect.
#pragma once

#include <memory>
#include <mutex>
#include <vector>

#include "tracechat/trace/span_processor.h"

namespace tracechat::trace {

// The exporter is owned by a processor; tests keep this shared store to read from.
class InMemorySpanStore {
 public:
  void add(std::unique_ptr<SpanData> span);
  std::vector<std::unique_ptr<SpanData>> take();
  std::size_t size() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<SpanData>> spans_;
};

class InMemorySpanExporter final : public SpanExporter {
 public:
  explicit InMemorySpanExporter(std::shared_ptr<InMemorySpanStore> store) : store_(std::move(store)) {}
  ExportResult export_spans(std::span<std::unique_ptr<SpanData>> batch, std::chrono::milliseconds timeout) override;

 private:
  std::shared_ptr<InMemorySpanStore> store_;
};

// Accepts and discards everything (benchmarks, or telemetry switched off).
class NoopSpanExporter final : public SpanExporter {
 public:
  ExportResult export_spans(std::span<std::unique_ptr<SpanData>>, std::chrono::milliseconds) override {
    return ExportResult::success;
  }
};

}  // namespace tracechat::trace
