#include "tracechat/collector/span_store.h"

#include <sqlite3.h>

#include <map>

#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/protobuf_encoding.h"

namespace tracechat::collector {
using namespace tracechat::trace;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS spans (
  trace_id       BLOB    NOT NULL,
  span_id        BLOB    NOT NULL,
  parent_span_id BLOB,
  name           TEXT    NOT NULL,
  service_name   TEXT    NOT NULL,
  kind           INTEGER NOT NULL,
  start_ns       INTEGER NOT NULL,
  end_ns         INTEGER NOT NULL,
  status_code    INTEGER NOT NULL,
  otlp           BLOB    NOT NULL,
  PRIMARY KEY (trace_id, span_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS spans_by_start ON spans (start_ns);
)sql";

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
  // against process crashes, which is what a trace store needs.
  const char* setup = "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;";
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
  if (sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return sql_error(db_, "begin");
  Statement stmt(db_,
                 "INSERT OR REPLACE INTO spans (trace_id, span_id, parent_span_id, name, service_name, kind, "
                 "start_ns, end_ns, status_code, otlp) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  if (!stmt.ok()) {
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return sql_error(db_, "prepare insert");
  }
  for (std::size_t i = 0; i < spans.size(); ++i) {
    const SpanData& s = *spans[i];
    const std::string otlp = otlp::encode_traces_protobuf(spans.subspan(i, 1));
    const std::string service = service_of(s);
    sqlite3_stmt* st = stmt.get();
    bind_id(st, 1, s.context.trace_id);
    bind_id(st, 2, s.context.span_id);
    if (s.parent_span_id.valid()) {
      bind_id(st, 3, s.parent_span_id);
    } else {
      sqlite3_bind_null(st, 3);
    }
    sqlite3_bind_text(st, 4, s.name.data(), static_cast<int>(s.name.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 5, service.data(), static_cast<int>(service.size()), SQLITE_STATIC);
    sqlite3_bind_int(st, 6, static_cast<int>(s.kind));
    sqlite3_bind_int64(st, 7, static_cast<sqlite3_int64>(s.start_time_unix_nano));
    sqlite3_bind_int64(st, 8, static_cast<sqlite3_int64>(s.end_time_unix_nano));
    sqlite3_bind_int(st, 9, static_cast<int>(s.status.code));
    sqlite3_bind_blob(st, 10, otlp.data(), static_cast<int>(otlp.size()), SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
      auto error = sql_error(db_, "insert span");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return error;
    }
    sqlite3_reset(st);
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    auto error = sql_error(db_, "commit");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  }
  return {};
}

Result<std::vector<TraceSummary>> SpanStore::list_traces(std::uint64_t since_unix_nano, std::size_t limit) const {
  Statement stmt(db_,
                 "SELECT trace_id, MIN(start_ns), MAX(end_ns), COUNT(*), MAX(status_code = 2), "
                 "  (SELECT name FROM spans r WHERE r.trace_id = s.trace_id "
                 "     ORDER BY (r.parent_span_id IS NOT NULL), r.start_ns LIMIT 1), "
                 "  (SELECT group_concat(service_name, char(10)) FROM "
                 "     (SELECT DISTINCT service_name FROM spans v WHERE v.trace_id = s.trace_id ORDER BY 1)) "
                 "FROM spans s GROUP BY trace_id HAVING MAX(start_ns) >= ?1 "
                 "ORDER BY MIN(start_ns) DESC LIMIT ?2");
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
    t.has_error = sqlite3_column_int(stmt.get(), 4) != 0;
    if (const auto* name = sqlite3_column_text(stmt.get(), 5)) t.root_name = reinterpret_cast<const char*>(name);
    if (const auto* services = sqlite3_column_text(stmt.get(), 6)) {
      std::string_view all(reinterpret_cast<const char*>(services));
      while (!all.empty()) {
        const auto nl = all.find('\n');
        if (!all.substr(0, nl).empty()) t.services.emplace_back(all.substr(0, nl));
        if (nl == std::string_view::npos) break;
        all.remove_prefix(nl + 1);
      }
    }
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "list traces");
  return out;
}

Result<std::vector<std::unique_ptr<SpanData>>> SpanStore::load_trace(const TraceId& trace_id) const {
  Statement stmt(db_, "SELECT otlp FROM spans WHERE trace_id = ?1 ORDER BY start_ns, span_id");
  if (!stmt.ok()) return sql_error(db_, "prepare load");
  bind_id(stmt.get(), 1, trace_id);
  std::vector<std::unique_ptr<SpanData>> out;
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const void* blob = sqlite3_column_blob(stmt.get(), 0);
    const int size = sqlite3_column_bytes(stmt.get(), 0);
    auto decoded =
        otlp::decode_traces_protobuf(std::string_view(static_cast<const char*>(blob), static_cast<std::size_t>(size)));
    if (!decoded) return Error{"stored span of trace " + trace_id.hex() + " is corrupt: " + decoded.error().message};
    for (auto& s : decoded->spans) out.push_back(std::move(s));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "load trace");
  return out;
}

Result<std::uint64_t> SpanStore::span_count() const {
  Statement stmt(db_, "SELECT COUNT(*) FROM spans");
  if (!stmt.ok() || sqlite3_step(stmt.get()) != SQLITE_ROW) return sql_error(db_, "count spans");
  return static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 0));
}

}  // namespace tracechat::collector
