// SpanStore: spans in SQLite, the collector's storage and the viewer's source.
//
// Each insert stores, per trace it touches, one row holding that trace's spans as an
// OTLP protobuf ExportTraceServiceRequest (so everything the receiver decoded is kept),
// and updates a per-trace summary row (times, span count, root span, services, error)
// that `list_traces` reads. A row per span with indexes beside it measured ~100 k
// spans/s on the reference machine; a row per trace per batch is several times faster.
// A span stored twice (an exporter's retry) is returned once by load_trace, the later
// copy winning; the summary's span count counts it twice. WAL journal; each insert
// call is one transaction. Not thread-safe: one thread uses a SpanStore at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tracechat/result.h"
#include "tracechat/trace/span_data.h"

struct sqlite3;

namespace tracechat::collector {

struct TraceSummary {
  trace::TraceId trace_id;
  std::string root_name;  // the root span's name, or the earliest span's if the root is missing
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  std::uint64_t span_count = 0;
  std::vector<std::string> services;
  bool has_error = false;
};

class SpanStore {
 public:
  // Creates the file and schema if needed. Errors name the path.
  static Result<std::unique_ptr<SpanStore>> open(const std::filesystem::path& path);
  ~SpanStore();
  SpanStore(const SpanStore&) = delete;
  SpanStore& operator=(const SpanStore&) = delete;

  // Stores the spans in one transaction.
  Result<void> insert(std::span<const std::unique_ptr<trace::SpanData>> spans);

  // Traces with a span starting at or after `since_unix_nano`, newest first.
  Result<std::vector<TraceSummary>> list_traces(std::uint64_t since_unix_nano, std::size_t limit) const;
  // Every stored span of one trace, by start time.
  Result<std::vector<std::unique_ptr<trace::SpanData>>> load_trace(const trace::TraceId& trace_id) const;
  Result<std::uint64_t> span_count() const;

 private:
  SpanStore() = default;
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
};

}  // namespace tracechat::collector
