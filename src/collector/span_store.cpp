#include "tracechat/collector/span_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <map>
#include <set>
#include <unordered_map>

#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/protobuf_encoding.h"
#include "tracechat/trace/clock.h"

namespace tracechat::collector {
using namespace tracechat::trace;

namespace {

// otlp_requests says where each indexed request is in the request log and how many
// stored traces still need it; traces is the per-trace summary that listing reads,
// with the ids of the requests holding the trace's spans (`requests`: 8 bytes each,
// little-endian) — kept in the row rather than in a (trace, request) table, whose
// random-keyed inserts doubled the pages each commit wrote; store_meta says how far
// the log has been indexed. span_batches is the layout of stores written before
// 2026-12 (a re-encoded blob per trace per request): still read, and trimmed by
// retention, never written.
//
// Search (span_store.h). A trace's row lists its terms (`terms`: each a kind byte, a
// varint length and the text; its conversation id is in `conversation_id`, not again).
// Term buckets group the traces by first request: a bucket begins at a request and
// holds the traces whose first request is from there to the next bucket's (at least
// kTermBucketTraces traces, or fewer when its filter filled first). term_blooms holds a
// Bloom filter per bucket of every term its traces have (kBloomBits bits, kBloomHashes
// of them set per term by bloom_hash). A term is looked up by testing each bucket's
// filter, then reading the rows of the buckets that may have it (traces_by_first_request).
// Why not a (term, trace) row per term: keyed by term, each unique term (a conversation
// id) lands on a page of its own, so the pages each commit wrote doubled and the
// statements per trace quadrupled (the collector's ingest rate fell by half); a row
// per trace of its terms beside the summary still cost a statement per trace (-15%).
// Here a commit changes no more rows than before and rewrites one filter. Traces whose
// first request is older than the first bucket (indexed before the search index) get
// no terms.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS otlp_requests (
  id          INTEGER PRIMARY KEY,
  received_ns INTEGER NOT NULL,
  segment     INTEGER NOT NULL,
  offset      INTEGER NOT NULL,
  length      INTEGER NOT NULL,
  format      INTEGER NOT NULL,  -- 0 OTLP protobuf, 1 OTLP JSON
  traces      INTEGER NOT NULL   -- traces still stored that have spans in it
);
CREATE INDEX IF NOT EXISTS otlp_requests_by_segment ON otlp_requests (segment);
CREATE TABLE IF NOT EXISTS store_meta (
  key   TEXT PRIMARY KEY,
  value INTEGER NOT NULL
) WITHOUT ROWID;
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
  has_error     INTEGER NOT NULL,
  requests      BLOB    NOT NULL DEFAULT x'',
  first_request INTEGER,  -- the first of `requests`; null for the old layout's traces
  conversation_id TEXT,   -- the first non-empty chat.conversation.id; null: none
  terms         BLOB    NOT NULL DEFAULT x''  -- its other search terms
) WITHOUT ROWID;
-- Listing reads the newest starts from one and the recently active traces from the
-- other; retention takes the oldest ends from the second.
CREATE INDEX IF NOT EXISTS traces_by_start ON traces (start_ns);
CREATE INDEX IF NOT EXISTS traces_by_end ON traces (end_ns);
-- Size retention frees the oldest log segment by removing the traces that began in it.
CREATE INDEX IF NOT EXISTS traces_by_first_request ON traces (first_request);
-- Search: a Bloom filter of the terms of each term bucket, and the traces with an error
-- newest first (few, usually).
CREATE TABLE IF NOT EXISTS term_blooms (
  first_request INTEGER PRIMARY KEY,  -- where the bucket begins
  traces        INTEGER NOT NULL,     -- traces that joined it
  bloom         BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS traces_with_error_by_start ON traces (start_ns) WHERE has_error = 1;
-- The span attributes indexed besides the built-in ones (otlp::IndexedKeys), by slot.
CREATE TABLE IF NOT EXISTS indexed_attributes (
  slot INTEGER PRIMARY KEY,  -- from 5 (0-4 are the built-in keys), in the order they were added
  key  TEXT    NOT NULL UNIQUE
);
)sql";

// A search term (span_store.h): a kind byte and the text.
constexpr char kServiceTerm = 's';
constexpr char kSpanNameTerm = 'n';
// The kind of an indexed attribute's terms, by its slot (otlp::IndexedKeys).
constexpr char attribute_term(std::size_t slot) {
  return static_cast<char>(slot < 10 ? '0' + slot : 'A' + (slot - 10));
}
constexpr char kConversationTerm = attribute_term(otlp::kConversationIdAttribute);
static_assert(otlp::kMaxIndexedSpanAttributes <= 16);  // '0'-'9', 'A'-'F': never 's' or 'n'

struct Term {
  char kind;
  std::string_view text;
  friend bool operator==(const Term&, const Term&) = default;
};

// A bucket: at most this many traces, and a filter at most this full (past it a term
// not in the bucket tests positive more than 1 time in 60), whichever comes first.
constexpr std::int64_t kTermBucketTraces = 256;
constexpr std::size_t kBloomBits = 16384;  // 2 KiB: a row on one page
constexpr std::size_t kBloomHashes = 4;
constexpr std::size_t kBloomMaxSetBits = kBloomBits * 35 / 100;

// The term's hash for the filters: FNV-1a (64-bit) of its kind byte and text, and the
// splitmix64 finalizer. Stored filters depend on it: never change it.
std::uint64_t bloom_hash(const Term& term) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto mix = [&](char c) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  };
  mix(term.kind);
  for (const char c : term.text) mix(c);
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h;
}
// Calls visit(bit) for each of the term's kBloomHashes bits (double hashing).
template <typename Visit>
void for_each_bloom_bit(std::uint64_t hash, Visit&& visit) {
  const auto h1 = static_cast<std::uint32_t>(hash);
  const auto h2 = static_cast<std::uint32_t>(hash >> 32) | 1u;
  for (std::uint32_t i = 0; i < kBloomHashes; ++i) visit((h1 + i * h2) % kBloomBits);
}
// Whether `bloom` (kBloomBits / 8 bytes; shorter: nothing) may hold the term.
bool bloom_may_hold(std::string_view bloom, std::uint64_t hash) {
  if (bloom.size() * 8 < kBloomBits) return false;
  bool all = true;
  for_each_bloom_bit(hash, [&](std::size_t bit) {
    all = all && (static_cast<unsigned char>(bloom[bit / 8]) & (1u << (bit % 8))) != 0;
  });
  return all;
}

// A row's `terms`: each term its kind byte, its text's length (a varint) and the text.
void append_listed_term(std::string& list, const Term& term) {
  list.push_back(term.kind);
  std::size_t size = term.text.size();
  while (size >= 0x80) {
    list.push_back(static_cast<char>((size & 0x7f) | 0x80));
    size >>= 7;
  }
  list.push_back(static_cast<char>(size));
  list.append(term.text);
}
// Calls visit(term) for each listed term until it returns true; whether one did.
template <typename Visit>
bool for_each_listed_term(std::string_view list, Visit&& visit) {
  std::size_t at = 0;
  while (at < list.size()) {
    const char kind = list[at++];
    std::size_t size = 0;
    for (int shift = 0;; shift += 7) {
      if (at >= list.size() || shift > 28) return false;  // (never written so)
      const auto byte = static_cast<unsigned char>(list[at++]);
      size |= static_cast<std::size_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (list.size() - at < size) return false;
    if (visit(Term{kind, list.substr(at, size)})) return true;
    at += size;
  }
  return false;
}
bool lists_term(std::string_view list, const Term& term) {
  return for_each_listed_term(list, [&](const Term& t) { return t == term; });
}
std::size_t listed_terms(std::string_view list) {
  std::size_t n = 0;
  for_each_listed_term(list, [&](const Term&) {
    ++n;
    return false;
  });
  return n;
}
// Whether a trace whose row has `conversation` and `list` has the term.
bool has_term(std::string_view conversation, std::string_view list, const Term& term) {
  return (term.kind == kConversationTerm && term.text == conversation && !conversation.empty()) ||
         lists_term(list, term);
}

// A blob or text column as bytes (NULs included).
std::string_view column_bytes(sqlite3_stmt* row, int column) {
  const void* data = sqlite3_column_blob(row, column);
  const int size = sqlite3_column_bytes(row, column);
  return data == nullptr ? std::string_view()
                         : std::string_view(static_cast<const char*>(data), static_cast<std::size_t>(size));
}

// A trace row's `requests` column: request ids, 8 bytes each, little-endian.
void append_request_id(std::string& ids, std::int64_t id) {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(static_cast<std::uint64_t>(id) >> (8 * i));
  ids.append(bytes, 8);
}

// The ids in column `column` of `row` (a `requests` blob).
std::vector<sqlite3_int64> request_ids(sqlite3_stmt* row, int column) {
  const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(row, column));
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(row, column));
  std::vector<sqlite3_int64> out;
  for (std::size_t i = 0; bytes != nullptr && i + 8 <= size; i += 8) {
    std::uint64_t id = 0;
    for (int b = 0; b < 8; ++b) id |= static_cast<std::uint64_t>(bytes[i + b]) << (8 * b);
    out.push_back(static_cast<sqlite3_int64>(id));
  }
  return out;
}

// What one insert learns about one trace, merged into its summary row.
struct TraceDelta {
  std::uint64_t start = UINT64_MAX;
  std::uint64_t end = 0;
  std::uint64_t count = 0;
  std::string root_name;
  std::uint64_t root_start = UINT64_MAX;
  bool root_is_root = false;
  std::vector<std::string> services;  // a trace has a handful: a vector beats a set
  bool error = false;
  std::string requests;  // ids of the requests holding its spans, 8 bytes each
  std::optional<std::int64_t> first_request;
  // Search: the first non-empty conversation id seen, and the distinct terms seen (views
  // into the requests being indexed), at most SpanStore::kMaxTermsPerTrace of them.
  std::string_view conversation;
  std::vector<Term> terms;

  void add_term(const Term& term) {
    if (term.text.size() > SpanStore::kMaxTermBytes) return;
    // Spans of a trace mostly repeat its terms: the latest first.
    for (auto it = terms.rbegin(); it != terms.rend(); ++it) {
      if (*it == term) return;
    }
    if (terms.size() <= SpanStore::kMaxTermsPerTrace) terms.push_back(term);  // (one more: its conversation id)
  }
  // What one span adds to the search index.
  void add_search_terms(const otlp::SpanSummary& s) {
    if (!s.service.empty()) add_term(Term{kServiceTerm, s.service});
    if (!s.name.empty()) add_term(Term{kSpanNameTerm, s.name});
    for (std::size_t i = 0; i < s.attributes.size(); ++i) {
      if (!s.attributes[i].has_value()) continue;
      const std::string_view value = s.attributes[i].text();
      add_term(Term{attribute_term(i), value});
      if (i == otlp::kConversationIdAttribute && conversation.empty() && value.size() <= SpanStore::kMaxTermBytes) {
        conversation = value;
      }
    }
  }

  void add_request(std::int64_t id) {
    if (!first_request) first_request = id;
    append_request_id(requests, id);
  }

  void add_service(std::string_view service) {
    if (std::find(services.begin(), services.end(), service) == services.end()) services.emplace_back(service);
  }
  // Sorted, one per line, as the summary row keeps them.
  std::string services_text() {
    std::sort(services.begin(), services.end());
    std::string out;
    for (const auto& service : services) {
      if (service.empty()) continue;
      if (!out.empty()) out.push_back('\n');
      out += service;
    }
    return out;
  }

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

// Whether the traces table has `column` (the layouts before 2026-12 and before the
// search index lack some).
bool traces_has_column(sqlite3* db, const char* column) {
  const std::string probe = std::string("SELECT ") + column + " FROM traces LIMIT 0";
  return sqlite3_exec(db, probe.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

Error sql_error(sqlite3* db, std::string_view doing) { return Error{std::string(doing) + ": " + sqlite3_errmsg(db)}; }

template <typename Id>
void bind_id(sqlite3_stmt* stmt, int index, const Id& id) {
  sqlite3_bind_blob(stmt, index, id.bytes().data(), static_cast<int>(id.bytes().size()), SQLITE_TRANSIENT);
}

}  // namespace

std::filesystem::path SpanStore::log_dir_for(const std::filesystem::path& path) {
  return std::filesystem::path(path.string() + ".requests");
}

Result<std::unique_ptr<SpanStore>> SpanStore::open(const std::filesystem::path& path, StoreAccess access,
                                                   std::uint64_t segment_bytes) {
  std::unique_ptr<SpanStore> store(new SpanStore());
  store->path_ = path;
  store->access_ = access;
  const int create = access == StoreAccess::read_existing ? 0 : SQLITE_OPEN_CREATE;
  const int rc =
      sqlite3_open_v2(path.c_str(), &store->db_, SQLITE_OPEN_READWRITE | create | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    return Error{"cannot open span database '" + path.string() +
                 "': " + (store->db_ ? sqlite3_errmsg(store->db_) : sqlite3_errstr(rc))};
  }
  sqlite3_busy_timeout(store->db_, 5000);
  const auto failed = [&](std::string_view doing, char* message) {
    std::string text = message ? message : sqlite3_errmsg(store->db_);
    sqlite3_free(message);
    return Error{"cannot " + std::string(doing) + " span database '" + path.string() + "': " + text};
  };
  char* message = nullptr;
  // WAL lets the viewer read while the collector writes; NORMAL sync is durable
  // against process crashes, which is what a trace store needs. A 64 MiB page cache
  // keeps the index pages of a busy store in memory. A checkpoint every 10000 WAL pages
  // (the WAL file grows to ~40 MiB) rather than SQLite's 1000: a commit of a 512-span
  // request writes ~70 pages, most of them leaves of the traces table it keys at
  // random, so a checkpoint every 14 commits copied nearly every page again and synced;
  // at 10000 a hot page is copied once per ~140 commits. With the search index's
  // columns and filters, BM_CollectorIngest512 measured 0.57-0.80 M spans/s at 1000 and
  // 0.76-0.86 M at 10000 (0.72-0.90 M before the search index, at 1000).
  // The explorer keeps a connection per reading thread (up to five): 16 MiB each.
  const std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=") +
                            (access == StoreAccess::read_existing ? "-16384" : "-65536") +
                            "; PRAGMA wal_autocheckpoint=10000;";
  if (sqlite3_exec(store->db_, setup.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    return failed("initialise", message);
  }
  const auto dir = log_dir_for(path);
  if (access == StoreAccess::write) {
    // One writer per store: two would interleave their appends.
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    store->lock_fd_ = ::open((dir / "writer.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (store->lock_fd_ < 0 || flock(store->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
      return Error{"span store '" + path.string() + "' is already being written by another process (a collector?)"};
    }
  }
  const auto has_column = [&](const char* column) { return traces_has_column(store->db_, column); };
  const bool existing =
      sqlite3_exec(store->db_, "SELECT 1 FROM traces LIMIT 0", nullptr, nullptr, nullptr) == SQLITE_OK;
  if (!existing && access == StoreAccess::read_existing) {
    return Error{"span database '" + path.string() + "' has no traces (not a tracechat store, or not one yet)"};
  }
  if (access == StoreAccess::write || !existing) {
    // The schema, and the upgrade of a store from before 2026-12, in one immediate
    // transaction: a viewer opening the store meanwhile waits instead of racing.
    if (sqlite3_exec(store->db_, "BEGIN IMMEDIATE", nullptr, nullptr, &message) != SQLITE_OK) {
      return failed("initialise", message);
    }
    // The columns later versions added, before the schema (whose indexes need them).
    const bool upgrade_log = existing && !has_column("requests");
    const char* upgrade_log_sql =
        "ALTER TABLE traces ADD COLUMN requests BLOB NOT NULL DEFAULT x''; "
        "ALTER TABLE traces ADD COLUMN first_request INTEGER;";
    const bool upgrade_search = existing && !has_column("terms");
    const char* upgrade_search_sql =
        "ALTER TABLE traces ADD COLUMN conversation_id TEXT; "
        "ALTER TABLE traces ADD COLUMN terms BLOB NOT NULL DEFAULT x'';";
    const bool upgrade = upgrade_log || upgrade_search;
    if ((upgrade_log && sqlite3_exec(store->db_, upgrade_log_sql, nullptr, nullptr, &message) != SQLITE_OK) ||
        (upgrade_search && sqlite3_exec(store->db_, upgrade_search_sql, nullptr, nullptr, &message) != SQLITE_OK) ||
        sqlite3_exec(store->db_, kSchema, nullptr, nullptr, &message) != SQLITE_OK ||
        sqlite3_exec(store->db_, "COMMIT", nullptr, nullptr, &message) != SQLITE_OK) {
      sqlite3_exec(store->db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return failed(upgrade ? "upgrade" : "initialise", message);
    }
  }
  // A viewer leaves an old store as it is (it may be read-only, and a collector may be
  // writing it) and reads it the old way until a collector has upgraded it.
  store->current_layout_ = false;
  store->search_index_ = false;
  store->detect_layout();
  TRACECHAT_CHECK(store->read_indexed_keys());
  TRACECHAT_TRY(store->log_, RequestLog::open(dir, access == StoreAccess::write, segment_bytes));
  return store;
}

Result<void> SpanStore::read_indexed_keys() const {
  otlp::IndexedKeys keys;
  Statement stmt(db_, "SELECT slot, key FROM indexed_attributes ORDER BY slot");
  if (!stmt.ok()) {
    // A store from before the table has the built-in keys; any other failure is one.
    Statement table(db_, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'indexed_attributes'");
    if (!table.ok()) return sql_error(db_, "read the indexed attributes");
    const int found = sqlite3_step(table.get());
    if (found == SQLITE_DONE) {
      indexed_keys_ = keys;
      return {};
    }
    return sql_error(db_, "read the indexed attributes");
  }
  int rc;
  while ((rc = sqlite3_step(stmt.get())) == SQLITE_ROW) {
    const auto slot = sqlite3_column_int64(stmt.get(), 0);
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 1));
    const std::string_view key = text == nullptr ? std::string_view() : std::string_view(text);
    if (slot != static_cast<std::int64_t>(keys.size()) || keys.slot(key) >= 0) {
      return Error{"span store '" + path_.string() + "': indexed attribute '" + std::string(key) + "' at slot " +
                   std::to_string(slot) + " is out of order"};
    }
    TRACECHAT_CHECK(keys.add(key));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "read the indexed attributes");
  indexed_keys_ = std::move(keys);
  return {};
}

Result<bool> SpanStore::indexes_attribute(std::string_view key) const {
  if (indexed_keys_.slot(key) >= 0) return true;
  TRACECHAT_CHECK(read_indexed_keys());  // a collector may have added it since this store was opened
  return indexed_keys_.slot(key) >= 0;
}

Result<void> SpanStore::index_attributes(const std::vector<std::string>& keys) {
  if (access_ != StoreAccess::write) return Error{"span store '" + path_.string() + "' was opened for reading"};
  otlp::IndexedKeys updated = indexed_keys_;
  std::vector<std::string> added;
  for (const auto& key : keys) {
    if (updated.slot(key) >= 0) continue;
    TRACECHAT_CHECK(updated.add(key));
    added.push_back(key);
  }
  if (added.empty()) return {};
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return sql_error(db_, "index attributes");
  }
  Statement put(db_, "INSERT INTO indexed_attributes (slot, key) VALUES (?1, ?2)");
  bool ok = put.ok();
  for (const auto& key : added) {
    if (!ok) break;
    sqlite3_bind_int64(put.get(), 1, updated.slot(key));
    sqlite3_bind_text(put.get(), 2, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
    ok = sqlite3_step(put.get()) == SQLITE_DONE;
    sqlite3_reset(put.get());
  }
  if (!ok || sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    const Error error = sql_error(db_, "index attributes");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  }
  indexed_keys_ = std::move(updated);
  return {};
}

void SpanStore::detect_layout() const {
  if (current_layout_ && search_index_) return;  // an upgraded store is never downgraded
  current_layout_ = traces_has_column(db_, "first_request");
  search_index_ = traces_has_column(db_, "terms") &&
                  sqlite3_exec(db_, "SELECT 1 FROM term_blooms LIMIT 0", nullptr, nullptr, nullptr) == SQLITE_OK;
}

SpanStore::~SpanStore() {
  statements_.reset();  // finalized before the connection closes
  sqlite3_close_v2(db_);
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

// The statements of the ingest path, prepared once per store, and the term filters it
// is writing.
struct SpanStore::Statements {
  explicit Statements(sqlite3* db)
      : add_request(db,
                    "INSERT INTO otlp_requests (received_ns, segment, offset, length, format, traces) "
                    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
        get_trace(db,
                  "SELECT start_ns, end_ns, span_count, root_name, root_start_ns, root_is_root, services, has_error, "
                  "requests, first_request, conversation_id, terms FROM traces WHERE trace_id = ?1"),
        put_trace(db,
                  // An update in place, not REPLACE's delete and insert: the indexes
                  // change only where start or end did.
                  "INSERT INTO traces (trace_id, start_ns, end_ns, span_count, root_name, root_start_ns, "
                  "root_is_root, services, has_error, requests, first_request, conversation_id, terms) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
                  "ON CONFLICT (trace_id) DO UPDATE SET start_ns = excluded.start_ns, end_ns = excluded.end_ns, "
                  "span_count = excluded.span_count, root_name = excluded.root_name, "
                  "root_start_ns = excluded.root_start_ns, root_is_root = excluded.root_is_root, "
                  "services = excluded.services, has_error = excluded.has_error, requests = excluded.requests, "
                  "first_request = excluded.first_request, conversation_id = excluded.conversation_id, "
                  "terms = excluded.terms"),
        bucket_of(db,
                  "SELECT first_request, traces, bloom FROM term_blooms WHERE first_request <= ?1 "
                  "ORDER BY first_request DESC LIMIT 1"),
        put_bloom(db, "INSERT OR REPLACE INTO term_blooms (first_request, traces, bloom) VALUES (?1, ?2, ?3)"),
        set_position(db,
                     "INSERT OR REPLACE INTO store_meta (key, value) VALUES ('indexed_segment', ?1), "
                     "('indexed_offset', ?2)") {}
  bool ok() const {
    return add_request.ok() && get_trace.ok() && put_trace.ok() && bucket_of.ok() && put_bloom.ok() &&
           set_position.ok();
  }
  Statement add_request;
  Statement get_trace;
  Statement put_trace;
  Statement bucket_of;
  Statement put_bloom;
  Statement set_position;

  // A bucket's filter as a transaction changes it.
  struct Bloom {
    std::int64_t traces = 0;
    std::string bits = std::string(kBloomBits / 8, '\0');
    std::size_t set = 0;  // bits set
    bool dirty = false;
    bool full() const { return traces >= kTermBucketTraces || set > kBloomMaxSetBits; }
    void add(std::uint64_t hash) {
      for_each_bloom_bit(hash, [&](std::size_t bit) {
        auto& byte = reinterpret_cast<unsigned char&>(bits[bit / 8]);
        const auto mask = static_cast<unsigned char>(1u << (bit % 8));
        if ((byte & mask) == 0) ++set;
        byte |= mask;
      });
      dirty = true;
    }
  };
  // The filters read, by the request their bucket begins at: the newest bucket's (which
  // new traces join; `newest` says which it is, once read), and those of older buckets
  // a transaction added terms to. Dropped when a transaction fails, and read again.
  std::map<std::int64_t, Bloom> blooms;
  std::optional<std::int64_t> newest;
  bool newest_read = false;
  std::int64_t newest_joined_from = INT64_MIN;  // the latest first request of its traces so far

  // The filter of the bucket holding the traces whose first request is `request`;
  // null when none does (the trace is older than the search index), or on an error
  // (`failed`).
  Bloom* bucket_of_request(std::int64_t request, bool& failed) {
    if (!read_newest(failed)) return nullptr;
    if (newest && *newest <= request) return &blooms[*newest];
    auto it = blooms.upper_bound(request);  // a bucket read before, if it is the one
    sqlite3_stmt* get = bucket_of.get();
    sqlite3_bind_int64(get, 1, request);
    const int rc = sqlite3_step(get);
    Bloom* found = nullptr;
    if (rc == SQLITE_ROW) {
      const std::int64_t begins = sqlite3_column_int64(get, 0);
      if (it != blooms.begin() && std::prev(it)->first == begins) {
        found = &std::prev(it)->second;
      } else {
        found = &blooms[begins];
        read(get, *found);
      }
    }
    sqlite3_reset(get);
    failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
    return found;
  }
  // The filter of the bucket a new trace (first request `request`, no lower than those
  // before it in the transaction) joins: the newest, or a new one when that is full.
  Bloom* join(std::int64_t request, bool& failed) {
    if (!read_newest(failed)) return nullptr;
    // (A bucket ends between requests: the traces of one request share it.)
    if (!newest || (blooms[*newest].full() && request > newest_joined_from)) {
      newest = request;
      blooms[request] = Bloom();
    }
    newest_joined_from = request;
    Bloom& bloom = blooms[*newest];
    ++bloom.traces;
    bloom.dirty = true;
    return &bloom;
  }
  bool read_newest(bool& failed) {
    if (newest_read) return true;
    sqlite3_stmt* get = bucket_of.get();
    sqlite3_bind_int64(get, 1, INT64_MAX);
    const int rc = sqlite3_step(get);
    if (rc == SQLITE_ROW) {
      newest = sqlite3_column_int64(get, 0);
      read(get, blooms[*newest]);
    }
    sqlite3_reset(get);
    failed = rc != SQLITE_ROW && rc != SQLITE_DONE;
    newest_read = !failed;
    return newest_read;
  }
  static void read(sqlite3_stmt* row, Bloom& bloom) {
    bloom = Bloom();
    bloom.traces = sqlite3_column_int64(row, 1);
    const std::string_view stored = column_bytes(row, 2);
    if (stored.size() != bloom.bits.size()) return;
    bloom.bits = stored;
    for (const char c : stored) bloom.set += static_cast<std::size_t>(std::popcount(static_cast<unsigned char>(c)));
  }
  void forget_blooms() {
    blooms.clear();
    newest.reset();
    newest_read = false;
    newest_joined_from = INT64_MIN;
  }
};

Result<void> SpanStore::insert(std::span<const std::unique_ptr<SpanData>> spans) {
  const std::string otlp = otlp::encode_traces_protobuf(spans);
  TRACECHAT_TRY(const auto contents, otlp::index_traces_protobuf(otlp, indexed_keys_));
  const LogRecord record{otlp, now_unix_nano()};
  TRACECHAT_TRY(const auto where, append(std::span<const LogRecord>(&record, 1)));
  const IndexedRequest request{where[0], record.received_unix_nano, contents.spans};
  return index(std::span<const IndexedRequest>(&request, 1), log_->end());
}

Result<std::vector<LogLocation>> SpanStore::append(std::span<const LogRecord> records) {
  if (access_ != StoreAccess::write) return Error{"span store '" + path_.string() + "' was opened for reading"};
  return log_->append(records);
}

LogPosition SpanStore::log_end() const { return log_->end(); }

Result<void> SpanStore::index(std::span<const IndexedRequest> requests, LogPosition indexed_through) {
  if (!statements_) {
    statements_ = std::make_unique<Statements>(db_);
    if (!statements_->ok()) {
      auto error = sql_error(db_, "prepare insert");
      statements_.reset();
      return error;
    }
  }
  Statements& st = *statements_;
  // Immediate: the write lock is taken up front, so a viewer's transaction in between
  // is waited out by the busy handler instead of failing the commit.
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return sql_error(db_, "begin");
  const auto fail = [&](std::string_view doing) {
    auto error = sql_error(db_, doing);
    for (auto* statement :
         {&st.add_request, &st.get_trace, &st.put_trace, &st.bucket_of, &st.put_bloom, &st.set_position}) {
      sqlite3_reset(statement->get());
    }
    st.forget_blooms();
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  };

  // Every trace touched by any of the requests, merged across them: one summary
  // update per trace per transaction, however many requests carried it.
  std::unordered_map<TraceId, TraceDelta> deltas;
  std::vector<std::pair<TraceId, std::uint32_t>> per_trace;  // this request's traces and span counts
  for (const IndexedRequest& request : requests) {
    if (request.spans.empty()) continue;  // nothing to find it by
    per_trace.clear();
    for (const otlp::SpanSummary& s : request.spans) {
      auto& d = deltas[s.trace_id];
      d.start = std::min(d.start, s.start_unix_nano);
      d.end = std::max(d.end, s.end_unix_nano);
      ++d.count;
      d.offer_root(s.name, s.start_unix_nano, !s.has_parent);
      d.add_service(s.service);
      d.error = d.error || s.error;
      d.add_search_terms(s);
      // Spans of one trace usually arrive together: look at the last entry first.
      if (!per_trace.empty() && per_trace.back().first == s.trace_id) {
        ++per_trace.back().second;
      } else if (auto it = std::find_if(per_trace.begin(), per_trace.end(),
                                        [&](const auto& e) { return e.first == s.trace_id; });
                 it != per_trace.end()) {
        ++it->second;
      } else {
        per_trace.emplace_back(s.trace_id, 1);
      }
    }
    sqlite3_stmt* add = st.add_request.get();
    sqlite3_bind_int64(add, 1, static_cast<sqlite3_int64>(request.received_unix_nano));
    sqlite3_bind_int64(add, 2, request.where.segment);
    sqlite3_bind_int64(add, 3, static_cast<sqlite3_int64>(request.where.offset));
    sqlite3_bind_int64(add, 4, request.where.length);
    sqlite3_bind_int(add, 5, request.where.format == BodyFormat::json ? 1 : 0);
    sqlite3_bind_int64(add, 6, static_cast<sqlite3_int64>(per_trace.size()));
    if (sqlite3_step(add) != SQLITE_DONE) return fail("insert request");
    sqlite3_reset(add);
    const sqlite3_int64 request_id = sqlite3_last_insert_rowid(db_);

    for (const auto& entry : per_trace) deltas[entry.first].add_request(request_id);
  }

  std::string terms;  // the trace's list of terms, as its row keeps it
  std::string conversation;
  std::vector<std::uint64_t> added;  // the hashes of the terms it gains
  // By first request: new traces join the newest term bucket in request order.
  std::vector<std::pair<const TraceId*, TraceDelta*>> ordered;
  ordered.reserve(deltas.size());
  for (auto& [trace_id, delta] : deltas) ordered.emplace_back(&trace_id, &delta);
  std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) {
    return a.second->first_request.value_or(0) < b.second->first_request.value_or(0);
  });
  for (const auto& [trace_id_pointer, delta] : ordered) {
    const TraceId& trace_id = *trace_id_pointer;
    TraceDelta& merged = *delta;
    sqlite3_stmt* get = st.get_trace.get();
    bind_id(get, 1, trace_id);
    const int rc = sqlite3_step(get);
    terms.clear();
    conversation.clear();
    const bool existed = rc == SQLITE_ROW;
    bool stored_first_request = false;  // (a trace of the layout before 2026-12 has none)
    if (existed) {
      merged.start = std::min(merged.start, static_cast<std::uint64_t>(sqlite3_column_int64(get, 0)));
      merged.end = std::max(merged.end, static_cast<std::uint64_t>(sqlite3_column_int64(get, 1)));
      merged.count += static_cast<std::uint64_t>(sqlite3_column_int64(get, 2));
      merged.offer_root(reinterpret_cast<const char*>(sqlite3_column_text(get, 3)),
                        static_cast<std::uint64_t>(sqlite3_column_int64(get, 4)), sqlite3_column_int(get, 5) != 0);
      for (auto& service : split_lines(reinterpret_cast<const char*>(sqlite3_column_text(get, 6)))) {
        merged.add_service(service);
      }
      merged.error = merged.error || sqlite3_column_int(get, 7) != 0;
      // The stored ids first: requests stay in arrival order.
      const auto* stored = static_cast<const char*>(sqlite3_column_blob(get, 8));
      merged.requests.insert(0, stored ? stored : "", static_cast<std::size_t>(sqlite3_column_bytes(get, 8)));
      // An old-layout trace (no first request yet) gets this one: its log data begins here.
      if (sqlite3_column_type(get, 9) != SQLITE_NULL) {
        merged.first_request = sqlite3_column_int64(get, 9);
        stored_first_request = true;
      }
      conversation = column_bytes(get, 10);
      terms = column_bytes(get, 11);
    } else if (rc != SQLITE_DONE) {
      return fail("read trace summary");
    }
    sqlite3_reset(get);

    // Its term bucket (a new trace joins the newest; one from before the search index
    // has none); the first conversation id stays; the terms its list lacks, up to the
    // cap, go into the list and the bucket's filter.
    bool failed = false;
    Statements::Bloom* bloom = nullptr;
    if (!existed && merged.first_request) {
      bloom = st.join(*merged.first_request, failed);
    } else if (stored_first_request && (!merged.terms.empty() || !merged.conversation.empty())) {
      bloom = st.bucket_of_request(*merged.first_request, failed);
    }
    if (failed) return fail("read term filter");
    if (bloom != nullptr) {
      added.clear();
      if (conversation.empty() && !merged.conversation.empty()) {
        conversation = merged.conversation;
        added.push_back(bloom_hash(Term{kConversationTerm, conversation}));
      }
      std::size_t listed = terms.empty() ? 0 : listed_terms(terms);
      for (const Term& t : merged.terms) {
        if (listed >= kMaxTermsPerTrace) break;
        if (has_term(conversation, terms, t)) continue;
        append_listed_term(terms, t);
        ++listed;
        added.push_back(bloom_hash(t));
      }
      for (const std::uint64_t hash : added) bloom->add(hash);
    }

    const std::string services = merged.services_text();
    sqlite3_stmt* put = st.put_trace.get();
    bind_id(put, 1, trace_id);
    sqlite3_bind_int64(put, 2, static_cast<sqlite3_int64>(merged.start));
    sqlite3_bind_int64(put, 3, static_cast<sqlite3_int64>(merged.end));
    sqlite3_bind_int64(put, 4, static_cast<sqlite3_int64>(merged.count));
    sqlite3_bind_text(put, 5, merged.root_name.data(), static_cast<int>(merged.root_name.size()), SQLITE_STATIC);
    sqlite3_bind_int64(put, 6, static_cast<sqlite3_int64>(merged.root_start));
    sqlite3_bind_int(put, 7, merged.root_is_root ? 1 : 0);
    sqlite3_bind_text(put, 8, services.data(), static_cast<int>(services.size()), SQLITE_STATIC);
    sqlite3_bind_int(put, 9, merged.error ? 1 : 0);
    sqlite3_bind_blob(put, 10, merged.requests.data(), static_cast<int>(merged.requests.size()), SQLITE_STATIC);
    if (merged.first_request) {
      sqlite3_bind_int64(put, 11, *merged.first_request);
    } else {
      sqlite3_bind_null(put, 11);
    }
    if (conversation.empty()) {
      sqlite3_bind_null(put, 12);
    } else {
      sqlite3_bind_text(put, 12, conversation.data(), static_cast<int>(conversation.size()), SQLITE_STATIC);
    }
    sqlite3_bind_blob(put, 13, terms.data(), static_cast<int>(terms.size()), SQLITE_STATIC);
    if (sqlite3_step(put) != SQLITE_DONE) return fail("update trace summary");
    sqlite3_reset(put);
  }
  // The filters that gained terms; then only the current bucket's is kept.
  for (auto it = st.blooms.begin(); it != st.blooms.end();) {
    Statements::Bloom& bloom = it->second;
    if (bloom.dirty) {
      sqlite3_stmt* put_bloom = st.put_bloom.get();
      sqlite3_bind_int64(put_bloom, 1, it->first);
      sqlite3_bind_int64(put_bloom, 2, bloom.traces);
      sqlite3_bind_blob(put_bloom, 3, bloom.bits.data(), static_cast<int>(bloom.bits.size()), SQLITE_STATIC);
      if (sqlite3_step(put_bloom) != SQLITE_DONE) return fail("update term filter");
      sqlite3_reset(put_bloom);
      bloom.dirty = false;
    }
    it = st.newest == it->first ? std::next(it) : st.blooms.erase(it);
  }
  sqlite3_stmt* position = st.set_position.get();
  sqlite3_bind_int64(position, 1, indexed_through.segment);
  sqlite3_bind_int64(position, 2, static_cast<sqlite3_int64>(indexed_through.offset));
  if (sqlite3_step(position) != SQLITE_DONE) return fail("record the indexed position");
  sqlite3_reset(position);
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("commit");
  return {};
}

Result<LogPosition> SpanStore::indexed_position() const {
  Statement stmt(db_, "SELECT key, value FROM store_meta WHERE key IN ('indexed_segment', 'indexed_offset')");
  if (!stmt.ok()) return sql_error(db_, "prepare position");
  LogPosition position{0, 0};
  while (sqlite3_step(stmt.get()) == SQLITE_ROW) {
    const std::string_view key = reinterpret_cast<const char*>(sqlite3_column_text(stmt.get(), 0));
    const auto value = sqlite3_column_int64(stmt.get(), 1);
    if (key == "indexed_segment") position.segment = static_cast<std::uint32_t>(value);
    if (key == "indexed_offset") position.offset = static_cast<std::uint64_t>(value);
  }
  return position;
}

Result<std::uint64_t> SpanStore::recover(std::size_t batch_requests) {
  TRACECHAT_TRY(const LogPosition from, indexed_position());
  std::uint64_t recovered = 0;
  std::vector<std::string> payloads;  // the index's views point into them (reserved: never moved)...
  payloads.reserve(batch_requests);
  std::vector<std::shared_ptr<const void>> documents;  // ...or into these (JSON text with escapes)
  std::vector<otlp::TraceIndex> indexes;
  std::vector<IndexedRequest> batch;
  std::vector<std::pair<LogLocation, std::uint64_t>> locations;
  LogPosition position = from;
  while (true) {
    payloads.clear();
    documents.clear();
    indexes.clear();
    locations.clear();
    std::size_t seen = 0;
    TRACECHAT_TRY(const LogPosition after, log_->scan(position, [&](const LogLocation& where, std::uint64_t received,
                                                                    std::string_view payload) {
      ++seen;
      // A record that does not validate (a torn write the OS left behind)
      // is skipped: nothing in it was acknowledged as stored.
      if (where.format == BodyFormat::json) {
        auto index = otlp::index_traces_json(payloads.emplace_back(payload), documents.emplace_back(), indexed_keys_);
        if (index) {
          indexes.push_back(std::move(*index));
          locations.emplace_back(where, received);
        }
      } else {
        auto index = otlp::index_traces_protobuf(payloads.emplace_back(payload), indexed_keys_);
        if (index) {
          indexes.push_back(std::move(*index));
          locations.emplace_back(where, received);
        }
      }
      return seen < batch_requests;
    }));
    if (after == position) break;
    batch.clear();
    for (std::size_t i = 0; i < indexes.size(); ++i) {
      batch.push_back(IndexedRequest{locations[i].first, locations[i].second, indexes[i].spans});
    }
    TRACECHAT_CHECK(index(batch, after));
    recovered += batch.size();
    position = after;
  }
  return recovered;
}

namespace {

// The columns a TraceSummary is read from (read_summary), then the trace's other terms;
// a store from before the search index has neither of the last two.
std::string summary_columns(bool search_index) {
  return std::string("trace_id, start_ns, end_ns, span_count, root_name, services, has_error, ") +
         (search_index ? "conversation_id, terms" : "NULL, x''");
}
constexpr int kConversationColumn = 7;
constexpr int kTermsColumn = 8;

TraceSummary read_summary(sqlite3_stmt* row) {
  TraceSummary t;
  if (auto id = TraceId::from_bytes(column_bytes(row, 0))) t.trace_id = *id;
  t.start_unix_nano = static_cast<std::uint64_t>(sqlite3_column_int64(row, 1));
  t.end_unix_nano = static_cast<std::uint64_t>(sqlite3_column_int64(row, 2));
  t.span_count = static_cast<std::uint64_t>(sqlite3_column_int64(row, 3));
  t.root_name = column_bytes(row, 4);
  for (auto& service : split_lines(column_bytes(row, 5))) t.services.push_back(service);
  t.has_error = sqlite3_column_int(row, 6) != 0;
  t.conversation_id = column_bytes(row, kConversationColumn);
  return t;
}

}  // namespace

Result<std::vector<TraceSummary>> SpanStore::list_traces(std::uint64_t since_unix_nano, std::size_t limit) const {
  detect_layout();
  // Two index ranges, never a scan of the table: the traces that started since, newest
  // first (by start time); then, if the page is not full, those that started before
  // but were still running (by end time: only the recently active ones). Together they
  // are "every trace with a span at or after `since`", already in start-time order.
  // One query with `end_ns >= ?` walked the whole start index when nothing matched:
  // 786 ms on a store of 10 M spans.
  const std::string columns = "SELECT " + summary_columns(search_index_) + " FROM traces ";
  // (A store from before 2026-12 that no collector has upgraded yet has neither index
  // for sure: it is read with the one query it always was.)
  Statement started(
      db_, (columns + (current_layout_ ? "INDEXED BY traces_by_start WHERE start_ns >= ?1 " : "WHERE end_ns >= ?1 ") +
            "ORDER BY start_ns DESC LIMIT ?2")
               .c_str());
  Statement running(db_, (columns + "INDEXED BY traces_by_end WHERE end_ns >= ?1 AND start_ns < ?1 "
                                    "ORDER BY start_ns DESC LIMIT ?2")
                             .c_str());
  if (!started.ok() || (current_layout_ && !running.ok())) return sql_error(db_, "prepare list");
  std::vector<TraceSummary> out;
  for (const Statement* stmt : {&started, &running}) {
    if (out.size() >= limit || (stmt == &running && !current_layout_)) break;
    sqlite3_bind_int64(stmt->get(), 1, static_cast<sqlite3_int64>(since_unix_nano));
    sqlite3_bind_int64(stmt->get(), 2, static_cast<sqlite3_int64>(limit - out.size()));
    int rc;
    while ((rc = sqlite3_step(stmt->get())) == SQLITE_ROW) out.push_back(read_summary(stmt->get()));
    if (rc != SQLITE_DONE) return sql_error(db_, "list traces");
  }
  return out;
}

Result<std::optional<TraceSummary>> SpanStore::trace_summary(const TraceId& trace_id) const {
  Statement get(db_, ("SELECT " + summary_columns(search_index_) + " FROM traces WHERE trace_id = ?1").c_str());
  if (!get.ok()) return sql_error(db_, "prepare trace summary");
  bind_id(get.get(), 1, trace_id);
  const int rc = sqlite3_step(get.get());
  if (rc == SQLITE_ROW) return std::optional<TraceSummary>(read_summary(get.get()));
  if (rc != SQLITE_DONE) return sql_error(db_, "read trace summary");
  return std::optional<TraceSummary>();
}

namespace {

// A trace's place in search order, as SQLite compares (start_ns, trace_id): the start as
// stored (a signed 64-bit integer), then the id's bytes.
struct Position {
  std::int64_t start = 0;
  std::string id;  // bytes
  friend bool operator<(const Position& a, const Position& b) {
    if (a.start != b.start) return a.start < b.start;
    return a.id < b.id;  // byte-wise, the shorter first on a tie: as SQLite orders blobs
  }
};

std::string id_bytes(const TraceId& id) {
  return std::string(reinterpret_cast<const char*>(id.bytes().data()), id.bytes().size());
}

// What a search asks of a trace.
struct Conditions {
  std::vector<std::pair<char, std::string>> terms;  // (kind, text): all must be the trace's
  std::vector<std::uint64_t> hashes;                // theirs, for the filters
  bool errors_only = false;
  std::int64_t from = INT64_MIN;  // start >= from
  Position before;                // (start, id) < before: the cursor's and the upper bound's

  // Whether a row (summary_columns) matches; `at` is its position.
  bool row_matches(sqlite3_stmt* row, Position& at) const {
    if (errors_only && sqlite3_column_int(row, 6) == 0) return false;
    at.start = sqlite3_column_int64(row, 1);
    at.id = column_bytes(row, 0);
    if (at.start < from || !(at < before)) return false;
    const std::string_view conversation = column_bytes(row, kConversationColumn);
    const std::string_view list = column_bytes(row, kTermsColumn);
    return std::all_of(terms.begin(), terms.end(), [&](const auto& term) {
      return has_term(conversation, list, Term{term.first, term.second});
    });
  }
};

// A read transaction: the statements of one search see one state of the store.
class ReadTransaction {
 public:
  explicit ReadTransaction(sqlite3* db) : db_(db) {
    open_ = sqlite3_get_autocommit(db_) != 0 && sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~ReadTransaction() {
    if (open_) sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  sqlite3* db_;
  bool open_ = false;
};

}  // namespace

Result<TracePage> SpanStore::search_traces(const TraceQuery& query) const {
  detect_layout();
  last_search_plan_ = SearchPlan::none;
  Conditions c;
  c.errors_only = query.errors_only;
  for (const auto& [key, value] : query.attributes) {
    TRACECHAT_TRY(const bool indexed, indexes_attribute(key));
    const int slot = indexed_keys_.slot(key);
    if (!indexed) {
      return Error{"attribute '" + key + "' is not indexed; search by one of: " + indexed_keys_.list() +
                   " (or index it: tracechat collector --index-attribute)"};
    }
    c.terms.emplace_back(attribute_term(static_cast<std::size_t>(slot)), value);
  }
  if (!query.conversation_id.empty()) c.terms.emplace_back(kConversationTerm, query.conversation_id);
  if (!query.service.empty()) c.terms.emplace_back(kServiceTerm, query.service);
  if (!query.span_name.empty()) c.terms.emplace_back(kSpanNameTerm, query.span_name);
  std::sort(c.terms.begin(), c.terms.end());
  c.terms.erase(std::unique(c.terms.begin(), c.terms.end()), c.terms.end());
  if (!c.terms.empty() && !search_index_) {
    return Error{"span store '" + path_.string() +
                 "' predates the search index; run a collector on it once to upgrade it (searching by conversation, "
                 "service, span name or attribute needs it)"};
  }
  for (const auto& [kind, text] : c.terms) c.hashes.push_back(bloom_hash(Term{kind, text}));

  TracePage page;
  const std::size_t limit = std::clamp<std::size_t>(query.limit, 1, TraceQuery::kMaxPage);
  // Nothing has a term longer than the cap, nor starts where no time is.
  for (const auto& term : c.terms) {
    if (term.second.size() > kMaxTermBytes) return page;
  }
  if (query.start_from_unix_nano) {
    if (*query.start_from_unix_nano > static_cast<std::uint64_t>(INT64_MAX)) return page;
    c.from = static_cast<std::int64_t>(*query.start_from_unix_nano);
  }
  c.before = Position{INT64_MAX, std::string(17, '\xff')};  // after every trace
  if (query.start_to_unix_nano && *query.start_to_unix_nano <= static_cast<std::uint64_t>(INT64_MAX)) {
    c.before = Position{static_cast<std::int64_t>(*query.start_to_unix_nano), std::string()};
  }
  if (query.after) {
    // (The start as stored: a cursor holds what a row had, so never clamped.)
    Position cursor{static_cast<std::int64_t>(query.after->start_unix_nano), id_bytes(query.after->trace_id)};
    if (cursor < c.before) c.before = std::move(cursor);
  }
  const std::string columns = summary_columns(search_index_);
  // The page from rows that match, in order; one more tells that another page follows.
  const auto finish = [&](std::vector<TraceSummary> rows) {
    if (rows.size() > limit) {
      rows.resize(limit);
      page.next = TraceQuery::Cursor{rows.back().start_unix_nano, rows.back().trace_id};
    }
    page.traces = std::move(rows);
    return page;
  };
  const ReadTransaction transaction(db_);
  if (query.trace_id) {
    last_search_plan_ = SearchPlan::trace_id;
    Statement get(db_, ("SELECT " + columns + " FROM traces WHERE trace_id = ?1").c_str());
    if (!get.ok()) return sql_error(db_, "prepare search");
    bind_id(get.get(), 1, *query.trace_id);
    std::vector<TraceSummary> rows;
    Position at;
    const int rc = sqlite3_step(get.get());
    if (rc == SQLITE_ROW && c.row_matches(get.get(), at)) rows.push_back(read_summary(get.get()));
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql_error(db_, "search traces");
    return finish(std::move(rows));
  }

  // The buckets whose filters may hold every term, and how many traces they have.
  // (A bucket: the first requests of its traces, from the first to before the second.)
  std::vector<std::pair<std::int64_t, std::int64_t>> candidates;
  std::size_t candidate_traces = 0, buckets = 0;
  if (!c.terms.empty()) {
    Statement blooms(db_, "SELECT first_request, traces, bloom FROM term_blooms ORDER BY first_request DESC");
    if (!blooms.ok()) return sql_error(db_, "prepare search");
    int rc;
    std::int64_t next = INT64_MAX;  // where the newer bucket begins
    while ((rc = sqlite3_step(blooms.get())) == SQLITE_ROW) {
      const std::int64_t begins = sqlite3_column_int64(blooms.get(), 0);
      const auto traces = static_cast<std::size_t>(std::max<sqlite3_int64>(sqlite3_column_int64(blooms.get(), 1), 0));
      const std::string_view bloom = column_bytes(blooms.get(), 2);
      const std::int64_t ends = std::exchange(next, begins);
      ++buckets;
      if (!std::all_of(c.hashes.begin(), c.hashes.end(),
                       [&](std::uint64_t hash) { return bloom_may_hold(bloom, hash); })) {
        continue;
      }
      candidates.emplace_back(begins, ends);
      candidate_traces += traces;
    }
    if (rc != SQLITE_DONE) return sql_error(db_, "search traces");
    if (candidates.empty()) return page;  // no trace has them all
  }

  // The term plan reads every candidate's traces; a walk newest first reads until the
  // page is full. A term in most buckets is common: the walk meets its matches at once.
  // One in at most a third of them is rare or spread thin; then the walk may read a
  // bucket's worth of traces per candidate's share of the store for each row (if each
  // candidate holds one match), and the term plan is taken unless it would read more
  // than that (a third of a store of millions).
  const double walk_rows = static_cast<double>(limit + 1) * static_cast<double>(buckets) /
                           static_cast<double>(std::max<std::size_t>(candidates.size(), 1)) *
                           static_cast<double>(kTermBucketTraces);
  const bool by_term =
      term_plan_rows_ ? candidate_traces <= *term_plan_rows_
                      : candidate_traces <= kDefaultTermPlanRows ||
                            (3 * candidates.size() <= buckets && static_cast<double>(candidate_traces) <= walk_rows);
  if (!c.terms.empty() && by_term) {
    // By term: the rows of the buckets that may hold the terms, checked; the matches'
    // positions sorted, and the page's rows read again.
    last_search_plan_ = SearchPlan::by_term;
    Statement bucket_rows(
        db_, ("SELECT " + columns +
              " FROM traces INDEXED BY traces_by_first_request WHERE first_request >= ?1 AND first_request < ?2")
                 .c_str());
    Statement get(db_, ("SELECT " + columns + " FROM traces WHERE trace_id = ?1").c_str());
    if (!bucket_rows.ok() || !get.ok()) return sql_error(db_, "prepare search");
    std::vector<Position> matches;
    Position at;
    for (const auto& [begins, ends] : candidates) {
      sqlite3_bind_int64(bucket_rows.get(), 1, begins);
      sqlite3_bind_int64(bucket_rows.get(), 2, ends);
      int rc;
      while ((rc = sqlite3_step(bucket_rows.get())) == SQLITE_ROW) {
        if (c.row_matches(bucket_rows.get(), at)) matches.push_back(at);
      }
      sqlite3_reset(bucket_rows.get());
      if (rc != SQLITE_DONE) return sql_error(db_, "search traces");
    }
    const std::size_t keep = std::min(matches.size(), limit + 1);
    std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(keep), matches.end(),
                      [](const Position& a, const Position& b) { return b < a; });
    std::vector<TraceSummary> rows;
    rows.reserve(keep);
    for (std::size_t i = 0; i < keep; ++i) {
      sqlite3_bind_blob(get.get(), 1, matches[i].id.data(), static_cast<int>(matches[i].id.size()), SQLITE_STATIC);
      const int rc = sqlite3_step(get.get());
      if (rc == SQLITE_ROW) rows.push_back(read_summary(get.get()));
      sqlite3_reset(get.get());
      if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql_error(db_, "search traces");
    }
    return finish(std::move(rows));
  }

  // By start: the traces newest first from the cursor, each checked, until the page is
  // full. Those with an error have an index of their own; a store from before 2026-12
  // that no collector has upgraded has no index to walk, and is sorted.
  last_search_plan_ = SearchPlan::by_start;
  std::string sql = "SELECT " + columns + " FROM traces ";
  if (current_layout_) {
    sql += c.errors_only && search_index_ ? "INDEXED BY traces_with_error_by_start " : "INDEXED BY traces_by_start ";
  }
  sql += "WHERE start_ns >= ?1 AND (start_ns, trace_id) < (?2, ?3) ";
  if (c.errors_only) sql += "AND has_error = 1 ";
  sql += "ORDER BY start_ns DESC, trace_id DESC";
  Statement walk(db_, sql.c_str());
  if (!walk.ok()) return sql_error(db_, "prepare search");
  sqlite3_bind_int64(walk.get(), 1, c.from);
  sqlite3_bind_int64(walk.get(), 2, c.before.start);
  sqlite3_bind_blob(walk.get(), 3, c.before.id.data(), static_cast<int>(c.before.id.size()), SQLITE_STATIC);
  std::vector<TraceSummary> rows;
  Position at;
  int rc = SQLITE_DONE;
  while (rows.size() <= limit && (rc = sqlite3_step(walk.get())) == SQLITE_ROW) {
    if (c.row_matches(walk.get(), at)) rows.push_back(read_summary(walk.get()));
  }
  if (rows.size() <= limit && rc != SQLITE_DONE) return sql_error(db_, "search traces");
  return finish(std::move(rows));
}

namespace {
std::vector<std::unique_ptr<SpanData>> sorted_by_start(std::map<SpanId, std::unique_ptr<SpanData>>& spans) {
  std::vector<std::unique_ptr<SpanData>> out;
  out.reserve(spans.size());
  for (auto& [id, span] : spans) out.push_back(std::move(span));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a->start_time_unix_nano < b->start_time_unix_nano; });
  return out;
}
}  // namespace

Result<std::vector<std::unique_ptr<SpanData>>> SpanStore::load_trace(const TraceId& trace_id) const {
  std::map<SpanId, std::unique_ptr<SpanData>> latest;  // a re-sent span: the later copy wins
  const auto keep = [&](std::string_view body, BodyFormat format = BodyFormat::protobuf) -> Result<void> {
    auto decoded = format == BodyFormat::json ? otlp::decode_traces_json(body) : otlp::decode_traces_protobuf(body);
    if (!decoded) return Error{"stored spans of trace " + trace_id.hex() + " are corrupt: " + decoded.error().message};
    for (auto& s : decoded->spans) {  // a request also holds other traces' spans
      if (s->context.trace_id == trace_id) latest[s->context.span_id] = std::move(s);
    }
    return {};
  };
  // The old layout's blobs first (a store upgraded in place holds them before any
  // request), then the requests in arrival order.
  Statement batches(db_, "SELECT otlp FROM span_batches WHERE trace_id = ?1 ORDER BY rowid");
  if (!batches.ok()) return sql_error(db_, "prepare load");
  bind_id(batches.get(), 1, trace_id);
  int rc;
  while ((rc = sqlite3_step(batches.get())) == SQLITE_ROW) {
    const void* blob = sqlite3_column_blob(batches.get(), 0);
    TRACECHAT_CHECK(keep(std::string_view(static_cast<const char*>(blob),
                                          static_cast<std::size_t>(sqlite3_column_bytes(batches.get(), 0)))));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "load trace");
  if (!current_layout_) return sorted_by_start(latest);
  Statement requests(db_, "SELECT requests FROM traces WHERE trace_id = ?1");
  Statement where(db_, "SELECT segment, offset, length, format FROM otlp_requests WHERE id = ?1");
  if (!requests.ok() || !where.ok()) return sql_error(db_, "prepare load");
  bind_id(requests.get(), 1, trace_id);
  std::vector<sqlite3_int64> ids;
  if ((rc = sqlite3_step(requests.get())) == SQLITE_ROW) {
    ids = request_ids(requests.get(), 0);
  } else if (rc != SQLITE_DONE) {
    return sql_error(db_, "load trace");
  }
  for (const sqlite3_int64 id : ids) {
    sqlite3_bind_int64(where.get(), 1, id);
    rc = sqlite3_step(where.get());
    if (rc != SQLITE_ROW) {
      sqlite3_reset(where.get());
      if (rc == SQLITE_DONE) continue;  // removed by retention since the summary was read
      return sql_error(db_, "load trace");
    }
    const LogLocation location{static_cast<std::uint32_t>(sqlite3_column_int64(where.get(), 0)),
                               static_cast<std::uint64_t>(sqlite3_column_int64(where.get(), 1)),
                               static_cast<std::uint32_t>(sqlite3_column_int64(where.get(), 2)),
                               sqlite3_column_int(where.get(), 3) == 1 ? BodyFormat::json : BodyFormat::protobuf};
    sqlite3_reset(where.get());
    auto body = log_->read(location);
    if (!body) {
      // Retention may have removed the segment since the row was read: the trace is
      // being removed, and what is left of it is what there is.
      if (!std::filesystem::exists(log_->dir() / RequestLog::segment_name(location.segment))) continue;
      return Error{"spans of trace " + trace_id.hex() + " are missing: " + body.error().message};
    }
    TRACECHAT_CHECK(keep(*body, location.format));
  }
  return sorted_by_start(latest);
}

Result<std::uint64_t> SpanStore::oldest_start() const {
  Statement stmt(db_, "SELECT COALESCE(MIN(start_ns), 0) FROM traces");  // one step down the start index
  if (!stmt.ok() || sqlite3_step(stmt.get()) != SQLITE_ROW) return sql_error(db_, "read the oldest trace");
  return static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 0));
}

Result<std::uint64_t> SpanStore::span_count() const {
  // Every span that arrived, a re-sent one twice, as the summaries count them.
  Statement stmt(db_, "SELECT COALESCE(SUM(span_count), 0) FROM traces");
  if (!stmt.ok() || sqlite3_step(stmt.get()) != SQLITE_ROW) return sql_error(db_, "count spans");
  return static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 0));
}

}  // namespace tracechat::collector

namespace tracechat::collector {

Result<std::uint64_t> SpanStore::used_bytes() const {
  Statement stmt(db_,
                 "SELECT (page_count - freelist_count) * page_size FROM pragma_page_count(), "
                 "pragma_freelist_count(), pragma_page_size()");
  if (!stmt.ok() || sqlite3_step(stmt.get()) != SQLITE_ROW) return sql_error(db_, "measure store");
  return static_cast<std::uint64_t>(sqlite3_column_int64(stmt.get(), 0)) + log_->bytes();
}

// A segment goes when no indexed request is in it any more; never the one being
// appended to, nor one holding requests not yet indexed.
Result<void> SpanStore::remove_unused_segments() {
  TRACECHAT_TRY(const LogPosition indexed, indexed_position());
  const std::uint32_t keep_from = std::min(indexed.segment, log_->end().segment);
  Statement used(db_, "SELECT 1 FROM otlp_requests WHERE segment = ?1 LIMIT 1");
  if (!used.ok()) return sql_error(db_, "prepare segment check");
  for (const auto& [segment, size] : log_->segments()) {
    if (segment >= keep_from) break;
    sqlite3_bind_int64(used.get(), 1, segment);
    const int rc = sqlite3_step(used.get());
    sqlite3_reset(used.get());
    if (rc == SQLITE_ROW) continue;
    if (rc != SQLITE_DONE) return sql_error(db_, "check segment");
    TRACECHAT_CHECK(log_->remove_segment(segment));
  }
  return {};
}

// Removes the traces `pick` selects, in one transaction; returns how many went.
Result<std::size_t> SpanStore::remove_traces(const char* pick_sql, std::int64_t bound, std::size_t limit,
                                             RetentionResult& result) {
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return sql_error(db_, "begin");
  const auto fail = [&](std::string_view doing) {
    auto error = sql_error(db_, doing);
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return error;
  };
  std::vector<TraceId> victims;
  {
    Statement pick(db_, pick_sql);
    if (!pick.ok()) return fail("prepare retention");
    sqlite3_bind_int64(pick.get(), 1, bound);
    sqlite3_bind_int64(pick.get(), 2, static_cast<sqlite3_int64>(limit));
    int rc;
    while ((rc = sqlite3_step(pick.get())) == SQLITE_ROW) {
      const void* blob = sqlite3_column_blob(pick.get(), 0);
      const auto size = static_cast<std::size_t>(sqlite3_column_bytes(pick.get(), 0));
      if (auto id = TraceId::from_bytes(std::string_view(static_cast<const char*>(blob), size))) victims.push_back(*id);
    }
    if (rc != SQLITE_DONE) return fail("choose traces to remove");
  }
  Statement requests_of(db_, "SELECT requests FROM traces WHERE trace_id = ?1");
  Statement drop_batches(db_, "DELETE FROM span_batches WHERE trace_id = ?1");
  Statement drop_summary(db_, "DELETE FROM traces WHERE trace_id = ?1");
  Statement release(db_, "UPDATE otlp_requests SET traces = traces - 1 WHERE id = ?1 RETURNING traces");
  Statement drop_request(db_, "DELETE FROM otlp_requests WHERE id = ?1");
  if (!requests_of.ok() || !drop_batches.ok() || !drop_summary.ok() || !release.ok() || !drop_request.ok()) {
    return fail("prepare retention");
  }
  const auto run = [](const Statement& statement) {
    const int rc = sqlite3_step(statement.get());
    sqlite3_reset(statement.get());
    return rc == SQLITE_DONE;
  };
  std::vector<sqlite3_int64> requests;
  for (const TraceId& id : victims) {
    bind_id(requests_of.get(), 1, id);
    if (sqlite3_step(requests_of.get()) == SQLITE_ROW) {
      const auto ids = request_ids(requests_of.get(), 0);
      requests.insert(requests.end(), ids.begin(), ids.end());
    }
    sqlite3_reset(requests_of.get());
    for (const Statement* statement : {&drop_batches, &drop_summary}) {
      bind_id(statement->get(), 1, id);
      if (!run(*statement)) return fail("remove trace");
    }
  }
  // The filters of the term buckets none of whose traces is left, from the oldest and
  // from the newest (a bucket emptied in the middle stays until those before it go).
  // Then the newest bucket left has a trace whose first request is stored, so request
  // ids (which SQLite may hand out again once the newest are gone) stay past its start.
  if (search_index_) {
    Statement used(db_,
                   "SELECT 1 FROM traces INDEXED BY traces_by_first_request "
                   "WHERE first_request >= ?1 AND first_request < ?2 LIMIT 1");
    Statement drop_bloom(db_, "DELETE FROM term_blooms WHERE first_request = ?1");
    if (!used.ok() || !drop_bloom.ok()) return fail("prepare retention");
    for (const char* order : {"ASC", "DESC"}) {
      // The end bucket and its neighbour, whose start is where the end one's traces end.
      Statement ends(
          db_,
          (std::string("SELECT first_request FROM term_blooms ORDER BY first_request ") + order + " LIMIT 2").c_str());
      if (!ends.ok()) return fail("prepare retention");
      while (true) {
        std::int64_t found[2];
        int n = 0;
        while (n < 2 && sqlite3_step(ends.get()) == SQLITE_ROW) found[n++] = sqlite3_column_int64(ends.get(), 0);
        sqlite3_reset(ends.get());
        if (n == 0) break;
        const bool oldest = order[0] == 'A';
        const std::int64_t begins = found[0];
        const std::int64_t until = oldest && n == 2 ? found[1] : INT64_MAX;
        sqlite3_bind_int64(used.get(), 1, begins);
        sqlite3_bind_int64(used.get(), 2, until);
        const int rc = sqlite3_step(used.get());
        sqlite3_reset(used.get());
        if (rc == SQLITE_ROW) break;
        if (rc != SQLITE_DONE) return fail("check term filters");
        sqlite3_bind_int64(drop_bloom.get(), 1, begins);
        if (!run(drop_bloom)) return fail("remove term filter");
      }
    }
  }
  // Each (trace, request) pair was counted once in the request's `traces`, so a request
  // shared by two of the removed traces is released twice.
  for (const sqlite3_int64 request : requests) {
    sqlite3_bind_int64(release.get(), 1, request);
    const int rc = sqlite3_step(release.get());
    const sqlite3_int64 left = rc == SQLITE_ROW ? sqlite3_column_int64(release.get(), 0) : -1;
    while (sqlite3_step(release.get()) == SQLITE_ROW) {
    }
    sqlite3_reset(release.get());
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return fail("release request");
    if (left != 0) continue;
    sqlite3_bind_int64(drop_request.get(), 1, request);
    if (!run(drop_request)) return fail("remove request");
    ++result.requests_removed;
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fail("commit retention");
  if (statements_) statements_->forget_blooms();  // read again: some may be gone
  result.traces_removed += victims.size();
  if (access_ == StoreAccess::write && !requests.empty()) TRACECHAT_CHECK(remove_unused_segments());
  return victims.size();
}

Result<RetentionResult> SpanStore::apply_retention(const RetentionLimits& limits, std::uint64_t now_unix_nano,
                                                   std::size_t chunk, std::size_t max_chunks) {
  RetentionResult result;
  chunk = std::max<std::size_t>(chunk, 1);
  std::size_t chunks = 0;  // counted only when something was removed
  const auto out_of_chunks = [&] {
    if (chunks < max_chunks) return false;
    result.more = true;
    return true;
  };
  if (limits.max_age) {
    const auto age_ns = static_cast<std::uint64_t>(std::chrono::nanoseconds(*limits.max_age).count());
    const std::uint64_t cutoff = now_unix_nano > age_ns ? now_unix_nano - age_ns : 0;
    while (true) {
      if (out_of_chunks()) return result;
      TRACECHAT_TRY(
          const std::size_t removed,
          remove_traces("SELECT trace_id FROM traces INDEXED BY traces_by_end WHERE end_ns < ?1 "
                        "ORDER BY end_ns LIMIT ?2",
                        static_cast<std::int64_t>(std::min<std::uint64_t>(cutoff, INT64_MAX)), chunk, result));
      if (removed > 0) ++chunks;
      if (removed < chunk) break;
    }
  }
  if (limits.max_bytes) {
    while (true) {
      TRACECHAT_TRY(const std::uint64_t used, used_bytes());
      if (used <= *limits.max_bytes) break;
      if (out_of_chunks()) return result;
      // Traces of the old layout (their spans in SQLite) first, the oldest-ended first.
      TRACECHAT_TRY(std::size_t removed,
                    remove_traces("SELECT trace_id FROM traces WHERE first_request IS NULL AND ?1 = ?1 "
                                  "ORDER BY end_ns LIMIT ?2",
                                  0, chunk, result));
      if (removed == 0) {
        // Then the traces that began in the oldest closed segment, which frees it.
        TRACECHAT_TRY(const LogPosition indexed, indexed_position());
        const auto segments = log_->segments();
        const std::uint32_t writing = std::min(indexed.segment, log_->end().segment);
        if (segments.empty() || segments.front().first >= writing) break;  // only the live segment left
        Statement last(db_, "SELECT MAX(id) FROM otlp_requests WHERE segment <= ?1");
        if (!last.ok()) return sql_error(db_, "prepare retention");
        sqlite3_bind_int64(last.get(), 1, segments.front().first);
        if (sqlite3_step(last.get()) != SQLITE_ROW) return sql_error(db_, "retention");
        const bool any = sqlite3_column_type(last.get(), 0) != SQLITE_NULL;
        const sqlite3_int64 last_request = sqlite3_column_int64(last.get(), 0);
        if (any) {
          TRACECHAT_TRY(removed, remove_traces("SELECT trace_id FROM traces INDEXED BY traces_by_first_request "
                                               "WHERE first_request <= ?1 ORDER BY first_request LIMIT ?2",
                                               last_request, chunk, result));
        }
        if (removed == 0) {
          // Nothing began there: the segment holds no indexed request any more.
          const auto before = segments.size();
          TRACECHAT_CHECK(remove_unused_segments());
          if (log_->segments().size() == before) break;  // cannot shrink further
          continue;
        }
      }
      ++chunks;
    }
  }
  return result;
}

}  // namespace tracechat::collector
