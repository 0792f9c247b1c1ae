// FileSpanExporter: appends one OTLP/JSON ExportTraceServiceRequest per line to a
// file (the OpenTelemetry "file exporter" format), so a trace can be read without
// a collector.
#pragma once

#include <cstdio>
#include <filesystem>
#include <mutex>

#include "tracechat/trace/span_processor.h"

namespace tracechat::otlp {

class FileSpanExporter final : public trace::SpanExporter {
 public:
  // Opens (creating, appending) the file; throws std::runtime_error naming the path
  // and the OS error if it cannot.
  explicit FileSpanExporter(const std::filesystem::path& path);
  ~FileSpanExporter() override;
  FileSpanExporter(const FileSpanExporter&) = delete;
  FileSpanExporter& operator=(const FileSpanExporter&) = delete;

  trace::ExportResult export_spans(std::span<std::unique_ptr<trace::SpanData>> batch,
                                   std::chrono::milliseconds timeout) override;
  bool force_flush(std::chrono::milliseconds timeout) override;
  bool shutdown(std::chrono::milliseconds timeout) override;

 private:
  std::mutex mutex_;
  std::filesystem::path path_;
  std::FILE* file_ = nullptr;
};

}  // namespace tracechat::otlp
