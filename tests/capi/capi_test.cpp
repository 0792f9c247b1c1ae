// The C ABI (include/tracechat/tracechat.h) against a real emulator: a chat through
// both event modes, the misuse a C caller can commit (every one an error code, never a
// crash; the sanitizer build runs these too), the callback thread's rules, and the
// trace core.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator/emulator_fixture.h"
#include "support/span_store_files.h"
#include "tracechat/collector/collector.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/conventions.h"
#include "tracechat/tracechat.h"
#include "tracechat/version.h"

namespace tracechat::testing {
namespace {

using namespace std::chrono_literals;

std::string session_text(tc_status (*get)(const tc_session*, char*, size_t, size_t*), const tc_session* s) {
  char buf[256];
  size_t length = 0;
  EXPECT_EQ(get(s, buf, sizeof buf, &length), TC_OK) << tc_last_error();
  return std::string(buf, length);
}

std::string text_of(const tc_event* e, tc_event_field field) {
  size_t length = 0;
  const char* text = tc_event_text(e, field, &length);
  return text == nullptr ? std::string() : std::string(text, length);
}

class CApiTest : public EmulatorTest {
 protected:
  void TearDown() override {
    if (session_ != nullptr) tc_session_destroy(session_);
    if (config_ != nullptr) tc_config_free(config_);
    EmulatorTest::TearDown();
  }
  tc_config* guest_chat_config() {
    EXPECT_EQ(tc_config_new(&config_), TC_OK);
    const std::string url = "ws://127.0.0.1:" + std::to_string(start().port()) + guest_path();
    EXPECT_EQ(tc_config_set_url(config_, url.c_str(), TC_NUL_TERMINATED), TC_OK) << tc_last_error();
    EXPECT_EQ(tc_config_set_display_name(config_, "Ada", 3), TC_OK);
    EXPECT_EQ(tc_config_set_attribute(config_, "plan", TC_NUL_TERMINATED, "gold", TC_NUL_TERMINATED), TC_OK);
    return config_;
  }
  // Poll mode: the events up to and including the first that `done` accepts.
  bool poll_until(const std::function<bool(const tc_event*)>& done, std::chrono::milliseconds timeout = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      tc_event* e = nullptr;
      const tc_status s = tc_session_poll(session_, 100, &e);
      if (s == TC_ERR_TIMEOUT) continue;
      EXPECT_EQ(s, TC_OK) << tc_last_error();
      if (s != TC_OK) return false;
      const bool found = done(e);
      EXPECT_EQ(tc_event_free(e), TC_OK);
      if (found) return true;
    }
    return false;
  }

  tc_config* config_ = nullptr;
  tc_session* session_ = nullptr;
};

bool is_bot_message(const tc_event* e) {
  return tc_event_get_type(e) == TC_EVENT_MESSAGE_RECEIVED && text_of(e, TC_FIELD_SENDER_ROLE) == "bot";
}

TEST_F(CApiTest, ChatsInPollModeAndTheConversationGetsTheTrace) {
  ASSERT_EQ(tc_session_open(guest_chat_config(), nullptr, nullptr, &session_), TC_OK) << tc_last_error();
  std::string connected_trace;
  std::map<std::string, std::string> attached;
  ASSERT_TRUE(poll_until([&](const tc_event* e) {
    if (tc_event_get_type(e) == TC_EVENT_CONNECTED) {
      connected_trace = text_of(e, TC_FIELD_TRACE_ID);
      std::uint64_t on_first_message = 2;
      EXPECT_EQ(tc_event_number(e, TC_FIELD_CONTEXT_ON_FIRST_MESSAGE, &on_first_message), TC_OK);
      EXPECT_EQ(on_first_message, 0u);  // guest-chat: after the handshake
    }
    if (tc_event_get_type(e) != TC_EVENT_CONTEXT_ATTACHED) return false;
    for (std::size_t i = 0; i < tc_event_attribute_count(e); ++i) {
      const char *key = nullptr, *value = nullptr;
      size_t key_length = 0, value_length = 0;
      EXPECT_EQ(tc_event_attribute(e, i, &key, &key_length, &value, &value_length), TC_OK);
      attached[std::string(key, key_length)] = std::string(value, value_length);
    }
    EXPECT_EQ(tc_event_attribute(e, tc_event_attribute_count(e), nullptr, nullptr, nullptr, nullptr),
              TC_ERR_INVALID_ARGUMENT);
    return true;
  }));
  std::uint64_t id = 0;
  EXPECT_EQ(tc_session_send(session_, "", 0, &id), TC_ERR_INVALID_ARGUMENT);
  ASSERT_EQ(tc_session_send(session_, "hello from C", TC_NUL_TERMINATED, &id), TC_OK) << tc_last_error();
  EXPECT_GT(id, 0u);
  std::string reply;
  ASSERT_TRUE(poll_until([&](const tc_event* e) {
    if (!is_bot_message(e)) return false;
    reply = text_of(e, TC_FIELD_BODY);
    size_t length = 0;
    EXPECT_NE(tc_event_describe(e, &length), nullptr);
    EXPECT_GT(length, 0u);
    return true;
  }));
  EXPECT_FALSE(reply.empty());

  const std::string trace_id = session_text(tc_session_trace_id, session_);
  EXPECT_EQ(trace_id.size(), 32u);
  EXPECT_EQ(trace_id, connected_trace);
  const std::string conversation = session_text(tc_session_conversation_id, session_);
  EXPECT_EQ(conversation.size(), 36u);
  EXPECT_EQ(session_text(tc_session_traceparent, session_).substr(3, 32), trace_id);
  // The conversation carries the trace, as a support engineer finds it over REST.
  EXPECT_EQ(conversations_with_attribute("otel_trace_id", trace_id), std::vector<std::string>{conversation});
  EXPECT_EQ(conversations_with_attribute("plan", "gold"), std::vector<std::string>{conversation});
  EXPECT_EQ(attached["plan"], "gold");  // what CONTEXT_ATTACHED said was sent
  EXPECT_EQ(attached["otel_trace_id"], trace_id);

  tc_state state;
  ASSERT_EQ(tc_session_state(session_, &state), TC_OK);
  EXPECT_EQ(state, TC_STATE_ACTIVE);
  ASSERT_EQ(tc_session_close(session_), TC_OK);
  EXPECT_EQ(tc_session_wait_finished(session_, 10000), TC_OK) << tc_last_error();
  ASSERT_EQ(tc_session_state(session_, &state), TC_OK);
  EXPECT_EQ(state, TC_STATE_CLOSED);
  // After close: an error code, never a crash.
  EXPECT_EQ(tc_session_send(session_, "late", TC_NUL_TERMINATED, nullptr), TC_ERR_CLOSED);
  EXPECT_NE(std::string(tc_last_error()), "");
  EXPECT_EQ(tc_session_typing(session_), TC_ERR_CLOSED);
}

// Callback mode: events come on the session's own thread, one at a time; the callback
// may call its session (here: it answers the attach with a message), but may not destroy
// it or wait for it.
struct CallbackLog {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<tc_event*> events;  // clones, freed by the test
  std::thread::id caller;
  std::atomic<bool> other_thread{true};
  std::atomic<int> inside{0};
  std::atomic<bool> overlapped{false};
  tc_status send_from_callback = TC_ERR_INTERNAL;
  tc_status destroy_from_callback = TC_OK;
  tc_status wait_from_callback = TC_OK;
  tc_status free_lent = TC_OK;
};

void on_event(tc_session* session, const tc_event* event, void* user_data) {
  auto& log = *static_cast<CallbackLog*>(user_data);
  if (log.inside.fetch_add(1) != 0) log.overlapped = true;
  if (std::this_thread::get_id() == log.caller) log.other_thread = false;
  if (tc_event_get_type(event) == TC_EVENT_CONTEXT_ATTACHED) {
    log.send_from_callback = tc_session_send(session, "from the callback", TC_NUL_TERMINATED, nullptr);
    log.destroy_from_callback = tc_session_destroy(session);
    log.wait_from_callback = tc_session_wait_finished(session, 0);
    log.free_lent = tc_event_free(const_cast<tc_event*>(event));
  }
  tc_event* copy = nullptr;
  if (tc_event_clone(event, &copy) == TC_OK) {
    std::lock_guard lock(log.mutex);
    log.events.push_back(copy);
  }
  log.inside.fetch_sub(1);
  log.changed.notify_all();
}

TEST_F(CApiTest, CallbackModeRunsOnTheSessionsThreadUnderItsRules) {
  CallbackLog log;
  log.caller = std::this_thread::get_id();
  // Whatever happens below, the session goes before the log its callback writes to.
  struct DestroyFirst {
    tc_session*& session;
    ~DestroyFirst() {
      if (session != nullptr) tc_session_destroy(session);
      session = nullptr;
    }
  } destroy_first{session_};
  ASSERT_EQ(tc_session_open(guest_chat_config(), on_event, &log, &session_), TC_OK) << tc_last_error();
  {
    std::unique_lock lock(log.mutex);
    ASSERT_TRUE(log.changed.wait_for(lock, 10s, [&] {
      for (auto* e : log.events) {
        if (is_bot_message(e)) return true;
      }
      return false;
    }));
  }
  EXPECT_TRUE(log.other_thread);
  EXPECT_FALSE(log.overlapped);
  EXPECT_EQ(log.send_from_callback, TC_OK);
  EXPECT_EQ(log.destroy_from_callback, TC_ERR_WRONG_THREAD);
  EXPECT_EQ(log.wait_from_callback, TC_ERR_WRONG_THREAD);
  EXPECT_EQ(log.free_lent, TC_ERR_INVALID_ARGUMENT);  // lent, not the caller's to free
  // The callback's message got the bot's answer: "You said: from the callback".
  bool answered = false;
  {
    std::lock_guard lock(log.mutex);
    for (auto* e : log.events)
      answered |= is_bot_message(e) && text_of(e, TC_FIELD_BODY).find("from the callback") != std::string::npos;
  }
  EXPECT_TRUE(answered);
  // No polling in callback mode.
  tc_event* none = nullptr;
  EXPECT_EQ(tc_session_poll(session_, 0, &none), TC_ERR_INVALID_ARGUMENT);
  // Destroy from the test's thread, while the session may still be calling back.
  EXPECT_EQ(tc_session_destroy(session_), TC_OK);
  session_ = nullptr;
  std::lock_guard lock(log.mutex);
  for (auto* e : log.events) EXPECT_EQ(tc_event_free(e), TC_OK);
}

TEST_F(CApiTest, MisuseIsAnErrorCodeNeverACrash) {
  // Null handles and null out-pointers.
  EXPECT_EQ(tc_config_new(nullptr), TC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tc_config_free(nullptr), TC_ERR_INVALID_HANDLE);
  EXPECT_EQ(tc_config_set_url(nullptr, "ws://x", TC_NUL_TERMINATED), TC_ERR_INVALID_HANDLE);
  EXPECT_EQ(tc_session_destroy(nullptr), TC_ERR_INVALID_HANDLE);
  EXPECT_EQ(tc_session_send(nullptr, "x", 1, nullptr), TC_ERR_INVALID_HANDLE);
  EXPECT_EQ(tc_session_close(nullptr), TC_ERR_INVALID_HANDLE);
  tc_state state;
  EXPECT_EQ(tc_session_state(nullptr, &state), TC_ERR_INVALID_HANDLE);
  EXPECT_EQ(tc_event_free(nullptr), TC_ERR_INVALID_HANDLE);
  EXPECT_EQ(tc_event_get_type(nullptr), 0);
  EXPECT_EQ(tc_event_text(nullptr, TC_FIELD_BODY, nullptr), nullptr);
  EXPECT_EQ(tc_span_end(nullptr), TC_ERR_INVALID_HANDLE);
  // A pointer that was never a handle.
  int not_a_handle = 0;
  EXPECT_EQ(tc_session_send(reinterpret_cast<tc_session*>(&not_a_handle), "x", 1, nullptr), TC_ERR_INVALID_HANDLE);
  EXPECT_EQ(tc_config_free(reinterpret_cast<tc_config*>(&not_a_handle)), TC_ERR_INVALID_HANDLE);
  EXPECT_NE(std::string(tc_last_error()).find("not a live tc_config"), std::string::npos) << tc_last_error();

  // A config: bad values, and opening without an endpoint.
  tc_config* c = nullptr;
  ASSERT_EQ(tc_config_new(&c), TC_OK);
  EXPECT_EQ(tc_config_set_display_name(c, "\xff\xfe", 2), TC_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(tc_last_error()).find("UTF-8"), std::string::npos);
  EXPECT_EQ(tc_config_set_display_name(c, "\xed\xa0\x80", 3), TC_ERR_INVALID_ARGUMENT);  // a surrogate
  EXPECT_EQ(tc_config_set_display_name(c, nullptr, 0), TC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tc_config_set_dialect(c, static_cast<tc_dialect>(9)), TC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tc_config_set_deployment(c, "mars-1", TC_NUL_TERMINATED, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                                     TC_NUL_TERMINATED),
            TC_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(tc_last_error()).find("mars-1"), std::string::npos) << tc_last_error();
  EXPECT_EQ(tc_config_set_deployment(c, "us-west-2", TC_NUL_TERMINATED, "not-a-uuid", TC_NUL_TERMINATED),
            TC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tc_config_set_parent(c, "00-zz", TC_NUL_TERMINATED), TC_ERR_INVALID_ARGUMENT);
  tc_session* s = nullptr;
  EXPECT_EQ(tc_session_open(c, nullptr, nullptr, &s), TC_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(tc_last_error()).find("no endpoint"), std::string::npos);
  EXPECT_EQ(tc_config_set_url(c, "ftp://example.com/", TC_NUL_TERMINATED), TC_OK);  // checked when opened
  EXPECT_EQ(tc_session_open(c, nullptr, nullptr, &s), TC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(s, nullptr);
  EXPECT_EQ(tc_config_set_deployment(c, "us-west-2", TC_NUL_TERMINATED, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                                     TC_NUL_TERMINATED),
            TC_OK);
  EXPECT_EQ(tc_config_free(c), TC_OK);
  EXPECT_EQ(tc_config_free(c), TC_ERR_INVALID_HANDLE);  // freed twice: guarded

  // A session: too small a buffer, a lent event, destroy twice, calls after destroy.
  ASSERT_EQ(tc_session_open(guest_chat_config(), nullptr, nullptr, &session_), TC_OK) << tc_last_error();
  char small[8];
  size_t length = 0;
  EXPECT_EQ(tc_session_trace_id(session_, small, sizeof small, &length), TC_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(length, 32u);
  EXPECT_EQ(small[0], '\0');
  EXPECT_EQ(tc_session_trace_id(session_, nullptr, 0, &length), TC_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(tc_session_send(session_, "\xc3", 1, nullptr), TC_ERR_INVALID_ARGUMENT);  // cut short
  EXPECT_EQ(tc_session_poll(session_, 0, nullptr), TC_ERR_INVALID_ARGUMENT);
  tc_event* never = reinterpret_cast<tc_event*>(&not_a_handle);
  EXPECT_EQ(tc_session_poll(session_, -1, &never), TC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(never, nullptr);  // an out-pointer is cleared on failure
  EXPECT_EQ(tc_session_wait_finished(session_, -1), TC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tc_config_set_dialect(static_cast<tc_config*>(nullptr), static_cast<tc_dialect>(-1)),
            TC_ERR_INVALID_HANDLE);
  ASSERT_TRUE(poll_until([](const tc_event* e) { return tc_event_get_type(e) == TC_EVENT_CONTEXT_ATTACHED; }));
  tc_event* e = nullptr;
  ASSERT_TRUE(tc_session_poll(session_, 5000, &e) == TC_OK);
  EXPECT_EQ(tc_event_text(e, static_cast<tc_event_field>(999), nullptr), nullptr);
  EXPECT_EQ(tc_event_text(e, static_cast<tc_event_field>(-5), nullptr), nullptr);  // any int: refused, defined
  std::uint64_t number = 0;
  EXPECT_EQ(tc_event_number(e, TC_FIELD_RETRY_AFTER_MS, &number), TC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tc_event_quick_reply(e, 3, nullptr, nullptr, nullptr, nullptr), TC_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(tc_event_free(e), TC_OK);
  EXPECT_EQ(tc_event_free(e), TC_ERR_INVALID_HANDLE);  // freed twice: guarded
  EXPECT_EQ(tc_session_destroy(session_), TC_OK);
  EXPECT_EQ(tc_session_destroy(session_), TC_ERR_INVALID_HANDLE);  // destroyed twice: guarded
  EXPECT_EQ(tc_session_send(session_, "x", 1, nullptr), TC_ERR_INVALID_HANDLE);
  EXPECT_EQ(tc_session_trace_id(session_, small, sizeof small, &length), TC_ERR_INVALID_HANDLE);
  tc_span* span = nullptr;
  EXPECT_EQ(tc_span_start(session_, "x", 1, nullptr, &span), TC_ERR_INVALID_HANDLE);
  session_ = nullptr;
}

// The rest of a UI's calls: attributes set and deleted, a quick reply (guest-chat has no
// buttons: its label is sent), the numbers of events, and "wait forever".
TEST_F(CApiTest, AttributesQuickRepliesAndNumbers) {
  ASSERT_EQ(tc_session_open(guest_chat_config(), nullptr, nullptr, &session_), TC_OK) << tc_last_error();
  ASSERT_TRUE(poll_until([](const tc_event* e) { return tc_event_get_type(e) == TC_EVENT_CONTEXT_ATTACHED; }));
  EXPECT_EQ(tc_session_set_attribute(session_, "order", TC_NUL_TERMINATED, "A-1", TC_NUL_TERMINATED), TC_OK)
      << tc_last_error();
  EXPECT_EQ(tc_session_set_attribute(session_, "plan", TC_NUL_TERMINATED, nullptr, 0), TC_OK) << tc_last_error();
  EXPECT_EQ(tc_session_set_attribute(session_, "bad key!", TC_NUL_TERMINATED, "x", 1), TC_ERR_REFUSED);
  std::uint64_t id = 0;
  ASSERT_EQ(tc_session_send_quick_reply(session_, "Yes", 3, "YES", 3, &id), TC_OK) << tc_last_error();
  std::uint64_t delivered = 0;
  std::string answer;
  ASSERT_TRUE(poll_until([&](const tc_event* e) {
    if (tc_event_get_type(e) == TC_EVENT_MESSAGE_DELIVERED) {
      EXPECT_EQ(tc_event_number(e, TC_FIELD_CLIENT_ID, &delivered), TC_OK);
    }
    if (!is_bot_message(e)) return false;
    answer = text_of(e, TC_FIELD_BODY);
    std::uint64_t own = 1;
    EXPECT_EQ(tc_event_number(e, TC_FIELD_OWN, &own), TC_OK);
    EXPECT_EQ(own, 0u);
    EXPECT_EQ(tc_event_quick_reply_count(e), 0u);
    return true;
  }));
  EXPECT_EQ(delivered, id);
  EXPECT_NE(answer.find("Yes"), std::string::npos) << answer;
  EXPECT_EQ(conversations_with_attribute("order", "A-1").size(), 1u);
  EXPECT_TRUE(conversations_with_attribute("plan", "gold").empty());  // deleted
  ASSERT_EQ(tc_session_close(session_), TC_OK);
  EXPECT_EQ(tc_session_wait_finished(session_, INT64_MAX), TC_OK) << tc_last_error();
}

// Calls from other threads while the session is destroyed: each one either works or
// says the handle is gone.
TEST_F(CApiTest, DestroyWhileOtherThreadsCall) {
  ASSERT_EQ(tc_session_open(guest_chat_config(), nullptr, nullptr, &session_), TC_OK) << tc_last_error();
  std::atomic<bool> stop{false};
  std::atomic<int> unexpected{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t) {
    callers.emplace_back([&, t] {
      while (!stop) {
        tc_state state;
        tc_event* e = nullptr;
        const tc_status s = t == 0 ? tc_session_state(session_, &state) : tc_session_poll(session_, 5, &e);
        if (s == TC_OK && e != nullptr) tc_event_free(e);
        if (s != TC_OK && s != TC_ERR_TIMEOUT && s != TC_ERR_INVALID_HANDLE) ++unexpected;
      }
    });
  }
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(tc_session_destroy(session_), TC_OK);
  std::this_thread::sleep_for(20ms);
  stop = true;
  for (auto& t : callers) t.join();
  EXPECT_EQ(unexpected, 0);
  session_ = nullptr;
}

TEST_F(CApiTest, TheUIsSpansJoinTheSessionsTrace) {
  ASSERT_EQ(tc_session_open(guest_chat_config(), nullptr, nullptr, &session_), TC_OK) << tc_last_error();
  tc_span_context session_context;
  ASSERT_EQ(tc_session_context(session_, &session_context), TC_OK);
  tc_span* render = nullptr;
  ASSERT_EQ(tc_span_start(session_, "ui.render", TC_NUL_TERMINATED, nullptr, &render), TC_OK) << tc_last_error();
  tc_span_context render_context;
  ASSERT_EQ(tc_span_get_context(render, &render_context), TC_OK);
  EXPECT_EQ(std::memcmp(render_context.trace_id, session_context.trace_id, 16), 0);
  EXPECT_NE(std::memcmp(render_context.span_id, session_context.span_id, 8), 0);
  // A child of the UI's own span.
  tc_span* lookup = nullptr;
  ASSERT_EQ(tc_span_start(session_, "ui.lookup", TC_NUL_TERMINATED, &render_context, &lookup), TC_OK);
  EXPECT_EQ(tc_span_set_attribute(lookup, "ui.screen", TC_NUL_TERMINATED, "orders", TC_NUL_TERMINATED), TC_OK);
  EXPECT_EQ(tc_span_set_error(lookup, "not found", TC_NUL_TERMINATED), TC_OK);
  EXPECT_EQ(tc_span_end(lookup), TC_OK);
  EXPECT_EQ(tc_span_end(lookup), TC_ERR_INVALID_HANDLE);  // ended twice: guarded
  EXPECT_EQ(tc_span_set_attribute(lookup, "k", 1, "v", 1), TC_ERR_INVALID_HANDLE);
  // A span may end after its session is gone.
  EXPECT_EQ(tc_session_destroy(session_), TC_OK);
  session_ = nullptr;
  EXPECT_EQ(tc_span_end(render), TC_OK);
}

// A message's text reaches its span only when the configuration asks for it: the
// session's spans go to a collector, and its store is read back.
TEST_F(CApiTest, MessageTextIsOnTheSpanOnlyWhenAskedFor) {
  namespace fs = std::filesystem;
  // The collector and its store, both gone when the test ends, however it ends.
  struct Store {
    fs::path db = test_support::fresh_span_store_path("capi");
    std::unique_ptr<collector::Collector> collector;
    ~Store() {
      collector.reset();
      test_support::remove_span_store(db);
    }
  } store;
  collector::CollectorOptions options;
  options.listen = "127.0.0.1:0";
  options.db = store.db;
  auto started = collector::Collector::start(options);
  ASSERT_TRUE(started.ok()) << started.error().message;
  store.collector = std::move(*started);
  const auto& collector = store.collector;

  EXPECT_EQ(tc_config_set_record_message_text(nullptr, 1), TC_ERR_INVALID_HANDLE);
  guest_chat_config();
  EXPECT_EQ(tc_config_set_record_message_text(config_, 2), TC_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(tc_last_error()).find("record"), std::string::npos) << tc_last_error();
  ASSERT_EQ(tc_config_set_otlp_endpoint(config_, collector->url().c_str(), TC_NUL_TERMINATED), TC_OK)
      << tc_last_error();

  // One chat; the text on each of its chat.send_message spans ("-" where there is none).
  const auto chat = [&](int record) {
    std::vector<std::string> texts;
    EXPECT_EQ(tc_config_set_record_message_text(config_, record), TC_OK) << tc_last_error();
    EXPECT_EQ(tc_session_open(config_, nullptr, nullptr, &session_), TC_OK) << tc_last_error();
    if (session_ == nullptr) return texts;
    EXPECT_TRUE(poll_until([](const tc_event* e) { return tc_event_get_type(e) == TC_EVENT_CONTEXT_ATTACHED; }));
    EXPECT_EQ(tc_session_send(session_, "my order is late", TC_NUL_TERMINATED, nullptr), TC_OK) << tc_last_error();
    EXPECT_TRUE(poll_until(is_bot_message));
    const auto trace_id = trace::TraceId::from_hex(session_text(tc_session_trace_id, session_));
    EXPECT_EQ(tc_session_close(session_), TC_OK);
    EXPECT_EQ(tc_session_wait_finished(session_, 10000), TC_OK) << tc_last_error();
    EXPECT_EQ(tc_session_destroy(session_), TC_OK);  // waits for the export
    session_ = nullptr;
    EXPECT_TRUE(collector->flush(10s));
    auto reader = collector::SpanStore::open(store.db);
    EXPECT_TRUE(reader.ok() && trace_id);
    if (!reader.ok() || !trace_id) return texts;
    auto spans = (*reader)->load_trace(*trace_id);
    EXPECT_TRUE(spans.ok());
    if (!spans.ok()) return texts;
    for (const auto& span : *spans) {
      if (span->name != "chat.send_message") continue;
      const auto* text = span->attributes.find(conventions::kMessageTextKey);
      texts.push_back(text == nullptr ? "-" : std::get<std::string>(*text));
    }
    return texts;
  };
  EXPECT_EQ(chat(1), std::vector<std::string>{"my order is late"});
  EXPECT_EQ(chat(0), std::vector<std::string>{"-"});  // the default, set back
}

TEST(CApi, TraceparentsParseAndFormat) {
  const char* text = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  tc_span_context c;
  ASSERT_EQ(tc_traceparent_parse(text, TC_NUL_TERMINATED, &c), TC_OK) << tc_last_error();
  EXPECT_EQ(c.trace_id[0], 0x4b);
  EXPECT_EQ(c.span_id[7], 0xb7);
  EXPECT_EQ(c.trace_flags, 1);
  EXPECT_EQ(c.remote, 1);
  char buf[56];
  size_t length = 0;
  ASSERT_EQ(tc_traceparent_format(&c, buf, sizeof buf, &length), TC_OK);
  EXPECT_EQ(length, 55u);
  EXPECT_STREQ(buf, text);
  EXPECT_EQ(tc_traceparent_format(&c, buf, 55, &length), TC_ERR_BUFFER_TOO_SMALL);  // no room for the NUL
  EXPECT_EQ(tc_traceparent_parse("00-00000000000000000000000000000000-00f067aa0ba902b7-01", TC_NUL_TERMINATED, &c),
            TC_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::string(tc_last_error()).find("traceparent"), std::string::npos);
  EXPECT_EQ(tc_traceparent_parse(text, 20, &c), TC_ERR_INVALID_ARGUMENT);
  tc_span_context zero{};
  EXPECT_EQ(tc_traceparent_format(&zero, buf, sizeof buf, &length), TC_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(tc_version(), TRACECHAT_VERSION);
  EXPECT_EQ(tc_abi_version(), TC_ABI_VERSION);
  EXPECT_STREQ(tc_status_name(TC_ERR_CLOSED), "TC_ERR_CLOSED");
  EXPECT_STREQ(tc_status_name(static_cast<tc_status>(1234)), "TC_ERR_UNKNOWN");
  EXPECT_EQ(tc_event_text(nullptr, static_cast<tc_event_field>(-5), nullptr), nullptr);
}

}  // namespace
}  // namespace tracechat::testing
