#include "tracechat/trace/in_memory_exporter.h"

namespace tracechat::trace {

void InMemorySpanStore::add(std::unique_ptr<SpanData> span) {
  std::lock_guard lock(mutex_);
  spans_.push_back(std::move(span));
}

std::vector<std::unique_ptr<SpanData>> InMemorySpanStore::take() {
  std::lock_guard lock(mutex_);
  return std::exchange(spans_, {});
}

std::size_t InMemorySpanStore::size() const {
  std::lock_guard lock(mutex_);
  return spans_.size();
}

ExportResult InMemorySpanExporter::export_spans(std::span<std::unique_ptr<SpanData>> batch, std::chrono::milliseconds) {
  for (auto& span : batch) store_->add(std::move(span));
  return ExportResult::success;
}

}  // namespace tracechat::trace
