#include "conversation_store.h"

#include <sqlite3.h>

#include <boost/json.hpp>
#include <condition_variable>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <variant>

#include "tracechat/protocol/guest_chat.h"

namespace tracechat::emulator {
namespace json = boost::json;

namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS conversations (
  id              TEXT PRIMARY KEY,
  organization_id TEXT NOT NULL,
  deployment_id   TEXT NOT NULL,
  dialect         TEXT NOT NULL,
  guest_key       TEXT NOT NULL,
  resume_token    TEXT NOT NULL,
  start_time      TEXT NOT NULL,
  end_time        TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS participants (
  conversation_id TEXT NOT NULL,
  participant_id  TEXT NOT NULL,
  purpose         TEXT NOT NULL,
  role            TEXT NOT NULL,
  name            TEXT NOT NULL,
  attributes      TEXT NOT NULL,
  PRIMARY KEY (conversation_id, participant_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  conversation_id TEXT    NOT NULL,
  seq             INTEGER NOT NULL,
  frame           TEXT    NOT NULL,
  PRIMARY KEY (conversation_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS messages (
  message_id      TEXT    PRIMARY KEY,
  conversation_id TEXT    NOT NULL,
  seq             INTEGER NOT NULL
) WITHOUT ROWID;
)sql";

// PRAGMA user_version: 0 before the messages index existed, 1 since. A database of
// version 0 gets its index built from the events already stored (once, at open), so
// messages sent before the upgrade are found too. An index table rather than a column
// of `events`: old rows need no rewrite, and the lookup is one primary-key search.
constexpr int kSchemaVersion = 1;

// A prepared statement, reset after each use.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool valid() const { return stmt_ != nullptr; }
  Statement& bind(int index, const std::string& text) {
    sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  bool run() {
    const int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return rc == SQLITE_DONE;
  }
  bool next() { return sqlite3_step(stmt_) == SQLITE_ROW; }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
  std::string text(int column) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return p == nullptr ? std::string() : std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
  }
  std::int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

std::string attributes_to_json(const Attributes& attributes) {
  json::object o;
  for (const auto& [k, v] : attributes) o[k] = v;
  return json::serialize(o);
}

Attributes attributes_from_json(const std::string& text) {
  Attributes out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_object()) return out;
  for (const auto& [k, value] : v.get_object()) {
    if (value.is_string()) out.emplace(std::string(k), std::string(value.get_string()));
  }
  return out;
}

struct EventWrite {
  std::string conversation_id;
  std::int64_t seq;
  std::string frame;
  std::string message_id;  // empty: not a message
};

int user_version(sqlite3* db) {
  Statement version(db, "PRAGMA user_version");
  return version.next() ? static_cast<int>(version.integer(0)) : 0;
}

// Indexes every stored message event (a database written before the index existed).
bool index_stored_messages(sqlite3* db) {
  if (sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return false;
  {
    Statement events(db, "SELECT conversation_id, seq, frame FROM events WHERE instr(frame, '\"messageId\"') > 0");
    Statement put(db, "INSERT OR REPLACE INTO messages VALUES (?1, ?2, ?3)");
    while (events.next()) {
      auto frame = protocol::guest_chat::parse_server_frame(events.text(2));
      const auto* message = frame ? std::get_if<protocol::guest_chat::MessageEvent>(&*frame) : nullptr;
      if (message != nullptr &&
          !put.bind(1, message->message_id).bind(2, events.text(0)).bind(3, events.integer(1)).run()) {
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return false;
      }
    }
  }
  const std::string set_version = "PRAGMA user_version = " + std::to_string(kSchemaVersion);
  if (sqlite3_exec(db, set_version.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK ||
      sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
    return false;
  }
  return true;
}
using Write = std::variant<ConversationRow, ParticipantRow, EventWrite>;

}  // namespace

struct ConversationStore::Impl {
  sqlite3* db = nullptr;      // the writer thread's connection
  sqlite3* reader = nullptr;  // load() and read_events(): WAL lets them read beside the writer
  std::mutex mutex;
  std::condition_variable work_cv;
  std::condition_variable done_cv;
  std::vector<Write> queue;
  std::uint64_t queued = 0;     // writes handed to the store, ever
  std::uint64_t committed = 0;  // writes committed (or failed), ever
  std::uint64_t errors = 0;
  bool stopping = false;
  std::thread writer;

  // The writer thread's statements; the reader's are made per call under `read_mutex`.
  std::unique_ptr<Statement> put_conversation;
  std::unique_ptr<Statement> put_participant;
  std::unique_ptr<Statement> put_event;
  std::unique_ptr<Statement> put_message;
  std::mutex read_mutex;

  ~Impl() {
    {
      std::lock_guard lock(mutex);
      stopping = true;
    }
    work_cv.notify_all();
    if (writer.joinable()) writer.join();
    put_conversation.reset();
    put_participant.reset();
    put_event.reset();
    put_message.reset();
    if (db != nullptr) sqlite3_close(db);
    if (reader != nullptr) sqlite3_close(reader);
  }

  bool apply(const Write& w) {
    return std::visit(
        [&](const auto& row) {
          using T = std::decay_t<decltype(row)>;
          if constexpr (std::is_same_v<T, ConversationRow>) {
            return put_conversation->bind(1, row.id)
                .bind(2, row.organization_id)
                .bind(3, row.deployment_id)
                .bind(4, row.dialect)
                .bind(5, row.guest_key)
                .bind(6, row.resume_token)
                .bind(7, row.start_time)
                .bind(8, row.end_time)
                .run();
          } else if constexpr (std::is_same_v<T, ParticipantRow>) {
            return put_participant->bind(1, row.conversation_id)
                .bind(2, row.participant_id)
                .bind(3, row.purpose)
                .bind(4, row.role)
                .bind(5, row.name)
                .bind(6, attributes_to_json(row.attributes))
                .run();
          } else {
            if (!put_event->bind(1, row.conversation_id).bind(2, row.seq).bind(3, row.frame).run()) return false;
            return row.message_id.empty() ||
                   put_message->bind(1, row.message_id).bind(2, row.conversation_id).bind(3, row.seq).run();
          }
        },
        w);
  }

  // Commits whatever has queued up, one transaction per batch.
  void write_loop() {
    std::vector<Write> batch;
    for (;;) {
      {
        std::unique_lock lock(mutex);
        work_cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty() && stopping) return;
        batch.swap(queue);
      }
      std::uint64_t failed = 0;
      sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
      for (const auto& w : batch) {
        if (!apply(w)) ++failed;
      }
      if (sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
        std::fprintf(stderr, "level=error component=store msg=\"commit failed\" error=\"%s\"\n", sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        failed = batch.size();
      }
      {
        std::lock_guard lock(mutex);
        committed += batch.size();
        errors += failed;
      }
      done_cv.notify_all();
      batch.clear();
    }
  }

  void enqueue(Write w) {
    {
      std::lock_guard lock(mutex);
      queue.push_back(std::move(w));
      ++queued;
    }
    work_cv.notify_one();
  }
};

ConversationStore::ConversationStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ConversationStore::~ConversationStore() = default;

Result<std::unique_ptr<ConversationStore>> ConversationStore::open(const std::filesystem::path& path) {
  auto impl = std::make_unique<Impl>();
  if (sqlite3_open_v2(path.c_str(), &impl->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    std::string why = impl->db != nullptr ? sqlite3_errmsg(impl->db) : "out of memory";
    return Error{"cannot open database '" + path.string() + "': " + why};
  }
  sqlite3_busy_timeout(impl->db, 5000);
  char* message = nullptr;
  const std::string setup = std::string("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") + kSchema;
  if (sqlite3_exec(impl->db, setup.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string why = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return Error{"cannot use database '" + path.string() + "': " + why};
  }
  impl->put_conversation = std::make_unique<Statement>(
      impl->db, "INSERT OR REPLACE INTO conversations VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  impl->put_participant =
      std::make_unique<Statement>(impl->db, "INSERT OR REPLACE INTO participants VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
  impl->put_event = std::make_unique<Statement>(impl->db, "INSERT OR REPLACE INTO events VALUES (?1, ?2, ?3)");
  impl->put_message = std::make_unique<Statement>(impl->db, "INSERT OR REPLACE INTO messages VALUES (?1, ?2, ?3)");
  if (!impl->put_conversation->valid() || !impl->put_participant->valid() || !impl->put_event->valid() ||
      !impl->put_message->valid()) {
    return Error{"cannot prepare statements on '" + path.string() + "': " + sqlite3_errmsg(impl->db)};
  }
  if (user_version(impl->db) < kSchemaVersion && !index_stored_messages(impl->db)) {
    return Error{"cannot index the messages of '" + path.string() + "': " + sqlite3_errmsg(impl->db)};
  }
  if (sqlite3_open_v2(path.c_str(), &impl->reader, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr) !=
      SQLITE_OK) {
    return Error{"cannot open database '" + path.string() + "' for reading"};
  }
  sqlite3_busy_timeout(impl->reader, 5000);
  auto* raw = impl.get();
  impl->writer = std::thread([raw] { raw->write_loop(); });
  return std::unique_ptr<ConversationStore>(new ConversationStore(std::move(impl)));
}

std::vector<StoredConversation> ConversationStore::load() {
  flush();
  std::lock_guard lock(impl_->read_mutex);
  std::vector<StoredConversation> out;
  std::map<std::string, std::size_t> index;
  Statement conversations(impl_->reader,
                          "SELECT id, organization_id, deployment_id, dialect, guest_key, resume_token, start_time, "
                          "end_time FROM conversations ORDER BY start_time");
  while (conversations.next()) {
    StoredConversation c;
    c.conversation =
        ConversationRow{conversations.text(0), conversations.text(1), conversations.text(2), conversations.text(3),
                        conversations.text(4), conversations.text(5), conversations.text(6), conversations.text(7)};
    index[c.conversation.id] = out.size();
    out.push_back(std::move(c));
  }
  Statement participants(impl_->reader,
                         "SELECT conversation_id, participant_id, purpose, role, name, attributes FROM participants");
  while (participants.next()) {
    auto it = index.find(participants.text(0));
    if (it == index.end()) continue;
    out[it->second].participants.push_back(
        ParticipantRow{participants.text(0), participants.text(1), participants.text(2), participants.text(3),
                       participants.text(4), attributes_from_json(participants.text(5))});
  }
  Statement seqs(impl_->reader, "SELECT conversation_id, MAX(seq) FROM events GROUP BY conversation_id");
  while (seqs.next()) {
    auto it = index.find(seqs.text(0));
    if (it != index.end()) out[it->second].last_seq = seqs.integer(1);
  }
  return out;
}

void ConversationStore::save_conversation(const ConversationRow& row) { impl_->enqueue(row); }
void ConversationStore::save_participant(const ParticipantRow& row) { impl_->enqueue(row); }
void ConversationStore::append_event(const std::string& conversation_id, std::int64_t seq, std::string frame,
                                     std::string message_id) {
  impl_->enqueue(EventWrite{conversation_id, seq, std::move(frame), std::move(message_id)});
}

void ConversationStore::flush() {
  std::unique_lock lock(impl_->mutex);
  const auto target = impl_->queued;
  impl_->done_cv.wait(lock, [&] { return impl_->committed >= target; });
}

std::vector<EventRow> ConversationStore::read_events(const std::string& conversation_id, std::int64_t after_seq) {
  flush();
  std::lock_guard lock(impl_->read_mutex);
  Statement select(impl_->reader, "SELECT seq, frame FROM events WHERE conversation_id = ?1 AND seq > ?2 ORDER BY seq");
  select.bind(1, conversation_id).bind(2, after_seq);
  std::vector<EventRow> out;
  while (select.next()) out.push_back(EventRow{select.integer(0), select.text(1)});
  return out;
}

std::optional<StoredMessage> ConversationStore::find_message(const std::string& message_id) {
  flush();
  std::lock_guard lock(impl_->read_mutex);
  Statement select(impl_->reader,
                   "SELECT m.conversation_id, m.seq, e.frame FROM messages m JOIN events e "
                   "ON e.conversation_id = m.conversation_id AND e.seq = m.seq WHERE m.message_id = ?1");
  select.bind(1, message_id);
  if (!select.next()) return std::nullopt;
  return StoredMessage{select.text(0), select.integer(1), select.text(2)};
}

std::uint64_t ConversationStore::write_errors() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->errors;
}

}  // namespace tracechat::emulator
