// Chat sessions against a real emulator: a recorder for their events and spans, and a
// helper to open a session on either dialect.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <vector>

#include "emulator/emulator_fixture.h"
#include "tracechat/client/chat_session.h"
#include "tracechat/trace/in_memory_exporter.h"
#include "tracechat/trace/sampler.h"
#include "tracechat/trace/span_processor.h"

namespace tracechat::testing {

using namespace std::chrono_literals;
using client::ChatSession;
using client::SessionEvent;
using client::SessionState;

// Collects a session's events (from the loop's thread) for the test thread to wait on.
class Recorder {
 public:
  client::EventCallback callback() {
    return [this](const SessionEvent& e) {
      std::lock_guard lock(mutex_);
      events_.push_back(e);
      changed_.notify_all();
    };
  }
  // Waits until `done(events)` holds; false on timeout.
  bool wait(const std::function<bool(const std::vector<SessionEvent>&)>& done,
            std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return done(events_); });
  }
  template <typename T>
  std::vector<T> all() {
    std::lock_guard lock(mutex_);
    std::vector<T> out;
    for (const auto& e : events_) {
      if (const auto* t = std::get_if<T>(&e)) out.push_back(*t);
    }
    return out;
  }
  template <typename T>
  bool wait_count(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    return wait(
        [&](const auto& events) {
          std::size_t count = 0;
          for (const auto& e : events) count += std::holds_alternative<T>(e) ? 1 : 0;
          return count >= n;
        },
        timeout);
  }
  bool wait_state(SessionState state, std::chrono::milliseconds timeout = 10s) {
    return wait(
        [&](const auto& events) {
          for (const auto& e : events) {
            if (const auto* s = std::get_if<client::StateChanged>(&e); s && s->to == state) return true;
          }
          return false;
        },
        timeout);
  }
  // Waits for `n` messages from members with `role` (guest: this session's own).
  bool wait_messages_from(const std::string& role, std::size_t n = 1, std::chrono::milliseconds timeout = 10s) {
    return wait(
        [&](const auto& events) {
          std::size_t count = 0;
          for (const auto& e : events) {
            if (const auto* m = std::get_if<client::MessageReceived>(&e); m && m->sender_role == role) ++count;
          }
          return count >= n;
        },
        timeout);
  }
  std::vector<SessionState> states() {
    std::vector<SessionState> out;
    for (const auto& s : all<client::StateChanged>()) out.push_back(s.to);
    return out;
  }
  std::string transcript() {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& e : events_) out += client::describe(e) + "\n";
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<SessionEvent> events_;
};

inline std::string str(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string("(absent)");
}

class ClientTest : public EmulatorTest {
 protected:
  ClientTest() {
    trace::TracerProviderOptions options;
    options.sampler = trace::always_on_sampler();
    options.processor =
        std::make_shared<trace::SimpleSpanProcessor>(std::make_unique<trace::InMemorySpanExporter>(spans_));
    provider_ = std::make_unique<trace::TracerProvider>(std::move(options));
  }

  std::string guest_chat_url() { return "ws://127.0.0.1:" + std::to_string(start().port()) + guest_path(); }
  std::string web_messaging_url() { return "ws://127.0.0.1:" + std::to_string(start().port()) + web_messaging_path(); }

  client::ChatSessionConfig config_for(const std::string& url) {
    client::ChatSessionConfig c;
    c.url = url;
    c.display_name = "Ada";
    c.trace.tracer = provider_->tracer("client-test");
    c.attributes.lint = true;
    return c;
  }

  // Through a proxy, with short reconnect delays.
  client::ChatSessionConfig proxied_config(std::uint16_t proxy_port) {
    auto c = config_for("ws://127.0.0.1:" + std::to_string(proxy_port) + guest_path());
    c.reconnect.initial_delay = 20ms;
    c.reconnect.max_delay = 200ms;
    return c;
  }

  // The conversation carrying `trace_id` as otel_trace_id, found as a support engineer
  // finds a Web Messaging conversation: an analytics details job, the attribute matched
  // in its results (EmulatorTest::conversations_with_attribute); empty if not exactly one.
  std::string conversation_with_trace(const std::string& trace_id) {
    const auto found = conversations_with_attribute("otel_trace_id", trace_id);
    return found.size() == 1 ? found.front() : std::string();
  }

  std::unique_ptr<ChatSession> open(client::ChatSessionConfig config, Recorder& recorder) {
    auto session = ChatSession::open(std::move(config), recorder.callback());
    EXPECT_TRUE(session.ok()) << (session.ok() ? "" : session.error().message);
    return session.ok() ? std::move(*session) : nullptr;
  }

  // Every finished span so far, by name.
  std::vector<std::unique_ptr<trace::SpanData>> spans_named(const std::string& name) {
    for (auto& s : spans_->take()) finished_.push_back(std::move(s));
    std::vector<std::unique_ptr<trace::SpanData>> out;
    for (const auto& s : finished_) {
      if (s->name == name) out.push_back(std::make_unique<trace::SpanData>(*s));
    }
    return out;
  }

  // The guest participant's attributes, through the REST API.
  json::object guest_attributes(const std::string& conversation_id) {
    auto conversation = http_json("GET", "/api/v2/conversations/" + conversation_id);
    for (const auto& p : conversation.at("participants").as_array()) {
      if (p.at("purpose") == "customer") return p.at("attributes").as_object();
    }
    ADD_FAILURE() << "no customer participant";
    return {};
  }

  std::shared_ptr<trace::InMemorySpanStore> spans_ = std::make_shared<trace::InMemorySpanStore>();
  std::vector<std::unique_ptr<trace::SpanData>> finished_;
  std::unique_ptr<trace::TracerProvider> provider_;
};

}  // namespace tracechat::testing
