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
//
// Search (search_traces, for the trace explorer). A trace's search terms are one per
// distinct service name (the resource's `service.name`), per distinct span name, and
// per distinct value of each indexed span attribute (otlp::IndexedKeys: the built-in
// ones and those the collector was told to index, which the store keeps in its
// indexed_attributes table; a string as it is, an int in decimal, a bool as true/false:
// otlp::IndexedValue). A term is a kind byte and the text: 's' a service, 'n' a span
// name, '0'-'9' then 'A'-'F' the value of the key in that slot (so keys keep their slots);
// the text is bytes, NULs and newlines included, and is matched exactly. The summary row keeps the
// trace's conversation id (`conversation_id`: the first non-empty
// `chat.conversation.id`, always indexed) and lists its other terms (`terms`), so a
// later batch of the trace adds only the terms the list lacks, with no lookup. Term
// buckets, a Bloom filter each (term_blooms), find the traces of a term: see
// span_store.cpp for the layout and why. Caps keep hostile data from growing the index
// without bound: a term (or conversation id) longer than kMaxTermBytes is not indexed,
// and once a trace lists kMaxTermsPerTrace terms its further ones are not indexed
// (such a trace cannot be found by them). Retention removes the filters of the oldest
// and newest buckets whose traces are all gone (one emptied between others stays until
// those before it go; bucket trace counts are never lowered, so the planner's estimates
// only err towards walking). Traces a collector indexed before the search index (in a
// store it then upgraded) have no terms, nor get any from later spans: they are found
// by time, trace id and errors, not by term.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tracechat/collector/request_log.h"
#include "tracechat/otlp/decoding.h"
#include "tracechat/result.h"
#include "tracechat/trace/span_data.h"

struct sqlite3;

namespace tracechat::collector {

struct TraceSummary {
  trace::TraceId trace_id;
  std::string conversation_id;  // the first non-empty chat.conversation.id of its spans; empty: none
  std::string root_name;        // the root span's name, or the earliest span's if the root is missing
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
  read,           // for viewers: never writes the request log
  write,          // for the one collector: appends and indexes (a second writer is refused)
  read_existing,  // as read, but a store that is not there (yet) is an error: neither the
                  // file nor its schema is made (the explorer's extra connections)
};

// How much a store may keep; unset limits do not apply.
struct RetentionLimits {
  std::optional<std::chrono::seconds> max_age;  // traces whose last span ended longer ago go
  std::optional<std::uint64_t> max_bytes;       // oldest traces go until the data fits
};

// A search of the stored traces (search_traces): every condition given must hold.
struct TraceQuery {
  std::optional<trace::TraceId> trace_id;
  std::string conversation_id;  // empty: any
  std::string service;          // exact service.name; empty: any
  std::string span_name;        // exact; the trace has a span of this name; empty: any
  // key=value, all must match; each key must be one the store indexes (indexed_keys()).
  std::vector<std::pair<std::string, std::string>> attributes;
  bool errors_only = false;
  std::optional<std::uint64_t> start_from_unix_nano;  // trace start >= this
  std::optional<std::uint64_t> start_to_unix_nano;    // trace start < this
  std::size_t limit = 50;                             // rows per page: 0 is taken as 1, at most kMaxPage
  static constexpr std::size_t kMaxPage = 1000;
  // Where a page ends: traces come newest start first, ties by trace id descending (by
  // its bytes), so (start, trace id) orders them all.
  struct Cursor {
    std::uint64_t start_unix_nano = 0;
    trace::TraceId trace_id;
  };
  std::optional<Cursor> after;  // the last row of the previous page: this page begins after it
};

struct TracePage {
  std::vector<TraceSummary> traces;        // newest start first; ties by trace id descending
  std::optional<TraceQuery::Cursor> next;  // set when another page follows: pass it as `after`
};

// How search_traces answered a query (for tests and benchmarks).
enum class SearchPlan {
  none,      // no search yet, or none needed (a term no trace has)
  trace_id,  // a primary key lookup
  by_term,   // the traces of the term buckets that may hold the terms, read and sorted
  by_start,  // traces newest first (by start, or among those with errors), each checked
};

struct RetentionResult {
  std::uint64_t traces_removed = 0;
  std::uint64_t requests_removed = 0;
  bool more = false;  // stopped at max_chunks with traces still beyond the limits
};

class SpanStore {
 public:
  static constexpr std::size_t kMaxTermsPerTrace = 256;  // besides its conversation id
  static constexpr std::size_t kMaxTermBytes = 512;      // of a term's text
  // Terms whose filters point at no more than this many traces (or at no more than a
  // third of the term buckets) are searched by reading those traces; more common ones
  // by walking the traces newest first (search_traces).
  static constexpr std::size_t kDefaultTermPlanRows = 2000;

  // Creates the file and schema if needed (but for read_existing). Errors name the path.
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
  // One page of the traces matching `query`, newest start first; page on with
  // `query.after = page.next` (a cursor never skips nor repeats a trace, ties of start
  // time included, though traces indexed meanwhile may move between pages). Without
  // conditions: the newest traces. An attribute key the store does not index is an
  // error naming the indexed keys. The plan: a trace id is a primary key lookup;
  // with terms (conversation, service, span name, attributes), the term buckets whose
  // filters may hold them all are found, and if they hold no more traces than
  // kDefaultTermPlanRows, or are at most a third of the buckets, those traces are read,
  // checked and sorted; otherwise
  // (and without terms) the traces are walked newest first from the cursor (those with
  // errors through their own index, for errors_only), each checked, until the page is
  // full. A search reads in one transaction. On a store from before the search index
  // that no collector has upgraded yet, a search with a term is an error saying so; the
  // other conditions work.
  Result<TracePage> search_traces(const TraceQuery& query) const;
  // The span attributes indexed: the built-in ones and those added to the store. A viewer
  // reads them at open and again when a search names a key it does not know (a collector
  // may have added it since).
  const otlp::IndexedKeys& indexed_keys() const { return indexed_keys_; }
  // Whether `key` is indexed (read again from the store when it is not yet known).
  Result<bool> indexes_attribute(std::string_view key) const;
  // indexed_keys() as the store has them now (a collector may have added some).
  Result<void> refresh_indexed_keys() const { return read_indexed_keys(); }
  // Writers: index these keys too from now on (keys already indexed stay as they are;
  // traces indexed before get no terms for a new one). An error when the store would hold
  // more than otlp::kMaxIndexedSpanAttributes keys, or a key is empty or too long.
  Result<void> index_attributes(const std::vector<std::string>& keys);
  // One trace's summary; empty when the store has no such trace.
  Result<std::optional<TraceSummary>> trace_summary(const trace::TraceId& trace_id) const;
  // From now on the term plan is taken exactly when the candidate buckets hold at most
  // `rows` traces: tests set 0 (always walk) or SIZE_MAX (always by term) to hold the
  // two plans against each other; nullopt: the planner's own choice.
  void set_term_plan_rows(std::optional<std::size_t> rows) { term_plan_rows_ = rows; }
  SearchPlan last_search_plan() const { return last_search_plan_; }
  // Every stored span of one trace, by start time.
  Result<std::vector<std::unique_ptr<trace::SpanData>>> load_trace(const trace::TraceId& trace_id) const;
  Result<std::uint64_t> span_count() const;
  // The earliest start of a stored trace (0: none), which retention moves on: with the
  // indexed position, what a viewer watches to know the listing changed.
  Result<std::uint64_t> oldest_start() const;

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
  // Looked at again by a viewer of an old store before each listing and search: a
  // collector may have upgraded it since (detect_layout).
  mutable bool current_layout_ = true;  // false: a store from before 2026-12 a viewer opened as it was
  mutable bool search_index_ = true;    // false: a store from before the search index a viewer opened as it was
  void detect_layout() const;
  Result<void> read_indexed_keys() const;
  mutable otlp::IndexedKeys indexed_keys_;
  std::optional<std::size_t> term_plan_rows_;
  mutable SearchPlan last_search_plan_ = SearchPlan::none;
  std::filesystem::path path_;
};

}  // namespace tracechat::collector
