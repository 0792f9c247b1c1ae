#include "tracechat/otlp/file_exporter.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "tracechat/otlp/json_encoding.h"
#include "tracechat/trace/env.h"

namespace tracechat::otlp {

FileSpanExporter::FileSpanExporter(const std::filesystem::path& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "ae");
  if (file_ == nullptr) {
    throw std::runtime_error("cannot open span file '" + path.string() + "': " + std::strerror(errno));
  }
}

FileSpanExporter::~FileSpanExporter() {
  if (file_ != nullptr) std::fclose(file_);
}

trace::ExportResult FileSpanExporter::export_spans(std::span<std::unique_ptr<trace::SpanData>> batch,
                                                   std::chrono::milliseconds) {
  if (batch.empty()) return trace::ExportResult::success;
  std::string line = encode_traces_json(batch);
  line.push_back('\n');
  std::lock_guard lock(mutex_);
  if (file_ == nullptr) return trace::ExportResult::failure;
  // A line is written whole or the batch counts as failed; readers skip a torn tail.
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0) {
    trace::diagnostic("writing spans to '" + path_.string() + "' failed: " + std::strerror(errno));
    return trace::ExportResult::failure;
  }
  return trace::ExportResult::success;
}

bool FileSpanExporter::force_flush(std::chrono::milliseconds) {
  std::lock_guard lock(mutex_);
  return file_ != nullptr && std::fflush(file_) == 0;
}

bool FileSpanExporter::shutdown(std::chrono::milliseconds) {
  std::lock_guard lock(mutex_);
  if (file_ == nullptr) return true;
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  return ok;
}

}  // namespace tracechat::otlp
