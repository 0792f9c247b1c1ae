#include "tracechat/collector/span_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <map>
#include <set>

#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/protobuf_encoding.h"

namespace tracechat::collector {
using namespace tracechat::trace;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS span_batches (
  trace_id   BLOB    NOT NULL,
  span_count INTEGER NOT NULL,
  otlp       BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS span_batches_by_trace ON span_batches (trace_id);
CREATE TABLE IF NOT EXISTS traces (
  trace_id      BLOB    PRIMARY KEY,
  start_ns      INTEGER NOT NULL,
  end_ns        INTEGER NOT NULL,
  span_count    INTEGER NOT NULL,
  root_name     TEXT    NOT NULL,
  root_start_ns INTEGER NOT NULL,
  root_is_root  INTEGER NOT NULL,
  services      TEXT    NOT NULL,
  has_error     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS traces_by_end ON traces (end_ns);
)sql";

// What one insert learns about one trace, merged into its summary row.
struct TraceDelta {
  std::uint64_t start = UINT64_MAX;
  std::uint64_t end = 0;
  std::uint64_t count = 0;
  std::string root_name;
  std::uint64_t root_start = UINT64_MAX;
  bool root_is_root = false;
  std::set<std::string> services;
  bool error = false;

  // The trace's root is its span without a parent; failing that, its earliest span.
  void offer_root(std::string_view name, std::uint64_t start_ns, bool is_root) {
    if (root_name.empty() && root_start == UINT64_MAX) {
      // first candidate
    } else if (root_is_root && !is_root) {
      return;
    } else if (root_is_root == is_root && start_ns >= root_start) {
      return;
    }
    root_name = std::string(name);
    root_start = start_ns;
    root_is_root = is_root;
  }
};

std::string join_lines(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out.push_back('\n');
    out += i;
  }
  return out;
}

std::set<std::string> split_lines(std::string_view text) {
  std::set<std::string> out;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    if (!text.substr(0, nl).empty()) out.emplace(text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return out;
}

// A prepared statement that finalizes itself.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  sqlite3_stmt* get() const { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

Error sql_error(sqlite3* db, std::string_view doing) { return Error{std::string(doing) + ": " + sqlite3_errmsg(db)}; }

template <typename Id>
void bind_id(sqlite3_stmt* stmt, int index, const Id& id) {
  sqlite3_bind_blob(stmt, index, id.bytes().data(), static_cast<int>(id.bytes().size()), SQLITE_TRANSIENT);
}

std::string service_of(const SpanData& span) {
  const auto* v = span.resource().attributes().find("service.name");
  return v != nullptr && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : std::string();
}

}  // namespace

Result<std::unique_ptr<SpanStore>> SpanStore::open(const std::filesystem::path& path) {
  std::unique_ptr<SpanStore> store(new SpanStore());
  store->path_ = path;
  const int rc = sqlite3_open_v2(path.c_str(), &store->db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    return Error{"cannot open span database '" + path.string() +
                 "': " + (store->db_ ? sqlite3_errmsg(store->db_) : sqlite3_errstr(rc))};
  }
  sqlite3_busy_timeout(store->db_, 5000);
  char* message = nullptr;
  // WAL lets the viewer read while the collector writes; NORMAL sync is durable
  // against process crashes, which is what a trace store needs. A 64 MiB page cache
  // keeps the index pages of a busy store in memory.
  const char* setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-65536;";
  if (sqlite3_exec(store->db_, setup, nullptr, nullptr, &message) != SQLITE_OK ||
      sqlite3_exec(store->db_, kSchema, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return Error{"cannot initialise span database '" + path.string() + "': " + text};
  }
  return store;
}

SpanStore::~SpanStore() { sqlite3_close_v2(db_); }

Result<void> SpanStore::insert(std::span<const std::unique_ptr<SpanData>> spans) {
  std::map<TraceId, TraceDelta> deltas;
  for (const auto& span : spans) {
    const SpanData& s = *span;
    auto& d = deltas[s.context.trace_id];
    d.start = std::min(d.start, s.start_time_unix_nano);
    d.end = std::max(d.end, s.end_time_unix_nano);
    ++d.count;
    d.offer_root(s.name, s.start_time_unix_nano, !s.parent_span_id.valid());
    d.services.insert(service_of(s));
    d.error = d.error || s.status.code == StatusCode::error;
  }
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return sql_error(db_, "begin");
  const auto fail = [&](std::string_view doing) {
    auto error = sql_error(db_, doing);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  };
  Statement add_batch(db_, "INSERT INTO span_batches (trace_id, span_count, otlp) VALUES (?1, ?2, ?3)");
  Statement get_trace(
      db_,
      "SELECT start_ns, end_ns, span_count, root_name, root_start_ns, root_is_root, services, has_error "
      "FROM traces WHERE trace_id = ?1");
  Statement put_trace(
      db_,
      "INSERT OR REPLACE INTO traces (trace_id, start_ns, end_ns, span_count, root_name, root_start_ns, "
      "root_is_root, services, has_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
  if (!add_batch.ok() || !get_trace.ok() || !put_trace.ok()) return fail("prepare insert");

  // The spans of one trace, encoded together: borrowed pointers, not copies.
  std::map<TraceId, std::vector<const SpanData*>> members;
  for (const auto& span : spans) members[span->context.trace_id].push_back(span.get());
  for (auto& [trace_id, list] : members) {
    const std::string otlp = otlp::encode_traces_protobuf(list);
    sqlite3_stmt* st = add_batch.get();
    bind_id(st, 1, trace_id);
    sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(list.size()));
    sqlite3_bind_blob(st, 3, otlp.data(), static_cast<int>(otlp.size()), SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) return fail("insert spans");
    sqlite3_reset(st);

    TraceDelta merged = deltas[trace_id];
    st = get_trace.get();
    bind_id(st, 1, trace_id);
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      merged.start = std::min(merged.start, static_cast<std::uint64_t>(sqlite3_column_int64(st, 0)));
      merged.end = std::max(merged.end, static_cast<std::uint64_t>(sqlite3_column_int64(st, 1)));
      merged.count += static_cast<std::uint64_t>(sqlite3_column_int64(st, 2));
      merged.offer_root(reinterpret_cast<const char*>(sqlite3_column_text(st, 3)),
                        static_cast<std::uint64_t>(sqlite3_column_int64(st, 4)), sqlite3_column_int(st, 5) != 0);
      for (auto& service : split_lines(reinterpret_cast<const char*>(sqlite3_column_text(st, 6)))) {
        merged.services.insert(service);
      }
      merged.error = merged.error || sqlite3_column_int(st, 7) != 0;
    } else if (rc != SQLITE_DONE) {
      return fail("read trace summary");
    }
    sqlite3_reset(st);

    const std::string services = join_lines(merged.services);
    st = put_trace.get();
    bind_id(st, 1, trace_id);
    sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(merged.start));
    sqlite3_bind_int64(st, 3, static_cast<sqlite3_int64>(merged.end));
    sqlite3_bind_int64(st, 4, static_cast<sqlite3_int64>(merged.count));
    sqlite3_bind_text(st, 5, merged.root_name.data(), static_cast<int>(merged.root_name.size()), SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, static_cast<sqlite3_int64>(merged.root_start));
    sqlite3_bind_int(st, 7, merged.root_is_root ? 1 : 0);
    sqlite3_bind_text(st, 8, services.data(), static_cast<int>(services.size()), SQLITE_STATIC);
    sqlite3_bind_int(st, 9, merged.error ? 1 : 0);
    if (sqlite3_step(st) != SQLITE_DONE) return fail("update trace summary");
    sqlite3_reset(st);
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("commit");
  return {};
}

Result<std::vector<TraceSummary>> SpanStore::list_traces(std::uint64_t since_unix_nano, std::size_t limit) const {
  Statement stmt(db_,
                 "SELECT trace_id, start_ns, end_ns, span_count, root_name, services, has_error FROM traces "
                 "WHERE end_ns >= ?1 ORDER BY start_ns DESC LIMIT ?2");
  if (!stmt.ok()) return sql_error(db_, "prepare list");
  sqlite3_bind_int64(stmt.get(), 1, static_cast<sqlite3_int64>(since_unix_nano));
  sqlite3_bind_int64(stmt.get(), 2, static_cast<sqlite3_int64>(limit));
  std::vector<TraceSummary> out;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    TraceSummary t;
    const void* blob = sqlite3_column_blob(stmt.get(), 0);
    const int size = sqlite3_column_bytes(stmt.get(), 0);
    if (auto id =
            TraceId::from_bytes(std::string_view(static_cast<const char*>(blob), static_cast<std::size_t>(size)))) {
      t.trace_id = *id;
    }
    t.start_unix_nano = static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 1));
    t.end_unix_nano = static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 2));
    t.span_count = static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 3));
    t.root_name = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 4));
    for (auto& s : split_lines(reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 5)))) {
      t.services.push_back(s);
    }
    t.has_error = sqlite3_column_int(stmt.get(), 6) != 0;
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "list traces");
  return out;
}

Result<std::vector<std::unique_ptr<SpanData>>> SpanStore::load_trace(const TraceId& trace_id) const {
  Statement stmt(db_, "SELECT otlp FROM span_batches WHERE trace_id = ?1 ORDER BY rowid");
  if (!stmt.ok()) return sql_error(db_, "prepare load");
  bind_id(stmt.get(), 1, trace_id);
  std::map<SpanId, std::unique_ptr<SpanData>> latest;  // a re-sent span: the later copy wins
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const void* blob = sqlite3_column_blob(stmt.get(), 0);
    const int size = sqlite3_column_bytes(stmt.get(), 0);
    auto decoded =
        otlp::decode_traces_protobuf(std::string_view(static_cast<const char*>(blob), static_cast<std::size_t>(size)));
    if (!decoded) return Error{"stored spans of trace " + trace_id.hex() + " are corrupt: " + decoded.error().message};
    for (auto& s : decoded->spans) latest[s->context.span_id] = std::move(s);
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "load trace");
  std::vector<std::unique_ptr<SpanData>> out;
  out.reserve(latest.size());
  for (auto& [id, span] : latest) out.push_back(std::move(span));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a->start_time_unix_nano < b->start_time_unix_nano; });
  return out;
}

Result<std::uint64_t> SpanStore::span_count() const {
  Statement stmt(db_, "SELECT COALESCE(SUM(span_count), 0) FROM span_batches");
  if (!stmt.ok() || sqlite3_step(stmt.get()) != SQLITE_ROW) return sql_error(db_, "count spans");
  return static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 0));
}

}  // namespace tracechat::collector
