// SpanStore: spans in SQLite, the collector's storage and the viewer's source.
//
// A store is a SQLite file and, beside it, a folder `<file>.requests` of request log
// segments (see src/collector/request_log.h). Each accepted export request is
// appended to the log once, as the ExportTraceServiceRequest body it was (OTLP
// protobuf or JSON): that is what "stored" means. Indexing it afterwards adds a row
// saying where it is and updates a summary row for each trace it carries (times, span
// count, root span, services, error, the requests holding its spans) that
// `list_traces` reads; the
// position indexed so far is kept, so a collector that died between the two indexes
// the rest when it opens the store again (`recover`). Loading a trace reads the
// requests that hold its spans and keeps those. Measured history: a row per span with
// indexes ~100 k spans/s; a re-encoded SQLite blob per trace per request (the layout
// before 2026-12, still read) ~420 k for SQLite alone; a SQLite blob per request
// ~440 us a request; the log's one write ~50 us.
// A span stored twice (an exporter's retry) is returned once by load_trace, the later
// copy winning; the summary's span count counts it twice. WAL journal; each insert
// call is one transaction. Not thread-safe: one thread uses a SpanStore at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tracechat/collector/request_log.h"
#include "tracechat/otlp/decoding.h"
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

// An appended request and what it holds, for indexing.
struct IndexedRequest {
  LogLocation where;
  std::uint64_t received_unix_nano = 0;
  std::span<const otlp::SpanSummary> spans;  // the spans accepted from it
};

enum class StoreAccess {
  read,   // for viewers: never writes the request log
  write,  // for the one collector: appends and indexes (a second writer is refused)
};

// How much a store may keep; unset limits do not apply.
struct RetentionLimits {
  std::optional<std::chrono::seconds> max_age;  // traces whose last span ended longer ago go
  std::optional<std::uint64_t> max_bytes;       // oldest traces go until the data fits
};

struct RetentionResult {
  std::uint64_t traces_removed = 0;
  std::uint64_t requests_removed = 0;
  bool more = false;  // stopped at max_chunks with traces still beyond the limits
};

class SpanStore {
 public:
  // Creates the file and schema if needed. Errors name the path.
  // `segment_bytes`: where the request log starts a new segment (tests make it small).
  static Result<std::unique_ptr<SpanStore>> open(const std::filesystem::path& path,
                                                 StoreAccess access = StoreAccess::read,
                                                 std::uint64_t segment_bytes = RequestLog::kSegmentBytes);
  static std::filesystem::path log_dir_for(const std::filesystem::path& path);
  ~SpanStore();
  SpanStore(const SpanStore&) = delete;
  SpanStore& operator=(const SpanStore&) = delete;

  // Appends requests to the log: after this they are stored. Thread-safe, and may run
  // while another thread indexes. Needs StoreAccess::write.
  Result<std::vector<LogLocation>> append(std::span<const LogRecord> records);
  LogPosition log_end() const;
  // Indexes appended requests in one transaction, recording that the log is indexed
  // up to `indexed_through`.
  Result<void> index(std::span<const IndexedRequest> requests, LogPosition indexed_through);
  // Indexes what the log holds past the recorded position; returns how many requests.
  Result<std::uint64_t> recover(std::size_t batch_requests = 64);
  Result<LogPosition> indexed_position() const;
  // Appends and indexes the spans as one request (encoding them). Needs write access.
  Result<void> insert(std::span<const std::unique_ptr<trace::SpanData>> spans);

  // Removes whole traces beyond the limits, in transactions of at most `chunk` traces
  // so a writer waiting between them is not held up long, at most `max_chunks` of them
  // (then `more` says whether to call again). By age: the traces whose last span ended
  // before now - max_age. By size: the log's oldest closed segment is freed by removing
  // every trace that began in it (and so the segment's space comes back whatever else
  // those traces hold); old-layout traces go first. A segment file is deleted when no
  // indexed request in it is left; SQLite reuses its freed pages rather than shrinking,
  // so a store at its size limit stops growing. The segment being written is never
  // freed: a limit below it cannot be met (keep segments small beside small limits).
  Result<RetentionResult> apply_retention(const RetentionLimits& limits, std::uint64_t now_unix_nano,
                                          std::size_t chunk = 1000, std::size_t max_chunks = SIZE_MAX);
  // Bytes in use: the SQLite file's pages less its free ones, plus the request log.
  Result<std::uint64_t> used_bytes() const;

  // Traces with a span starting at or after `since_unix_nano`, newest first.
  Result<std::vector<TraceSummary>> list_traces(std::uint64_t since_unix_nano, std::size_t limit) const;
  // Every stored span of one trace, by start time.
  Result<std::vector<std::unique_ptr<trace::SpanData>>> load_trace(const trace::TraceId& trace_id) const;
  Result<std::uint64_t> span_count() const;

 private:
  SpanStore() = default;
  // Removes the traces `pick` (bound to ?1 = `bound`, ?2 = `limit`) selects.
  Result<std::size_t> remove_traces(const char* pick, std::int64_t bound, std::size_t limit, RetentionResult& result);
  Result<void> remove_unused_segments();
  struct Statements;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statements> statements_;
  std::unique_ptr<RequestLog> log_;
  StoreAccess access_ = StoreAccess::read;
  int lock_fd_ = -1;
  bool current_layout_ = true;  // false: a store from before 2026-12 a viewer opened as it was
  std::filesystem::path path_;
};

}  // namespace tracechat::collector
