// tc_session: a ChatSession behind a handle. Its events reach the caller's callback on
// the session's thread, or the queue tc_session_poll reads.
#include <cxxabi.h>

#include <algorithm>
#include <chrono>

#include "events.h"
#include "tracechat/conventions.h"
#include "tracechat/otlp/tracer_provider.h"
#include "tracechat/version.h"

using namespace tracechat;
using namespace tracechat::capi;

namespace {

// The session whose callback this thread is running, if any: destroying it (or waiting
// for it to finish) from there would wait for the thread itself.
thread_local const tc_session* t_in_callback = nullptr;

// A caller's timeout: at most 2^40 ms (35 years), which the clocks can still add to now.
std::chrono::milliseconds timeout_of(int64_t ms) { return std::chrono::milliseconds(std::min<int64_t>(ms, 1LL << 40)); }

bool finished(client::SessionState state) {
  return state == client::SessionState::closing || state == client::SessionState::closed ||
         state == client::SessionState::failed;
}

// A refusal from the session: closed when it is, else refused with its reason.
tc_status refused(const client::ChatSession& chat, const Error& error) {
  return fail(finished(chat.state()) ? TC_ERR_CLOSED : TC_ERR_REFUSED, error.message);
}

}  // namespace

extern "C" {

tc_status tc_session_open(const tc_config* config, tc_event_callback callback, void* user_data, tc_session** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&]() -> tc_status {
    const auto found = configs().find(config);
    if (!found) return invalid_handle("tc_config");
    if (out == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "out: NULL");
    std::unique_lock config_lock(found->mutex);  // a copy: another thread may go on setting it
    client::ChatSessionConfig session_config = found->session;
    const std::string otlp_endpoint = found->otlp_endpoint;
    const std::string service_name = found->service_name;
    config_lock.unlock();
    if (session_config.url.empty()) {
      return fail(TC_ERR_INVALID_ARGUMENT, "no endpoint: tc_config_set_url or tc_config_set_deployment first");
    }
    auto handle = std::make_shared<tc_session>();
    auto provider =
        otlp::make_tracer_provider(service_name.empty() ? "tracechat-chat-ui" : service_name, otlp_endpoint);
    if (!provider) return fail(TC_ERR_INVALID_ARGUMENT, provider.error().message);
    handle->provider = std::move(*provider);
    handle->tracer = handle->provider->tracer(std::string(conventions::kClientScope), TRACECHAT_VERSION);
    handle->callback = callback;
    handle->user_data = user_data;
    session_config.trace.tracer = handle->tracer;

    // Registered before it opens: the first events may come before open() returns.
    tc_session* const token = sessions().add(handle);
    struct Unregister {  // unless it opens, whatever happens (declared before the lock: runs after it)
      tc_session* token;
      ~Unregister() {
        if (token != nullptr) sessions().remove(token);
      }
    } unregister{token};
    client::EventCallback on_event;
    if (callback != nullptr) {
      // The object outlives the session's thread (destroy joins it before letting go).
      tc_session* const object = handle.get();
      on_event = [token, object](const client::SessionEvent& event) {
        const tc_session* outer = t_in_callback;
        tc_event* e = nullptr;
        const auto done = [&] {
          t_in_callback = outer;
          if (e != nullptr) events().remove(e);
        };
        try {
          e = events().add(make_event(event, true));
          t_in_callback = token;
          object->callback(token, e, object->user_data);
        } catch (abi::__forced_unwind&) {  // pthread_exit in the callback: let the thread end
          done();
          throw;
        } catch (...) {  // a C callback does not throw; a C++ one must not cross back either
        }
        done();
      };
    }
    std::unique_lock lock(handle->lifetime);
    auto chat = client::ChatSession::open(std::move(session_config), std::move(on_event));
    if (!chat) return fail(TC_ERR_INVALID_ARGUMENT, chat.error().message);
    handle->chat = std::move(*chat);
    unregister.token = nullptr;
    *out = token;
    return TC_OK;
  });
}

tc_status tc_session_destroy(tc_session* session) {
  return guarded([&]() -> tc_status {
    if (session != nullptr && t_in_callback == session) {
      return fail(TC_ERR_WRONG_THREAD, "tc_session_destroy from the session's own callback: call it after it returns");
    }
    const auto s = sessions().remove(session);
    if (!s) return invalid_handle("tc_session");
    std::unique_ptr<client::ChatSession> chat;
    {
      std::unique_lock lock(s->lifetime);  // waits for calls in progress
      chat = std::move(s->chat);
    }
    chat.reset();  // leaves; joins the session's thread (its callback included)
    return TC_OK;
  });
}

tc_status tc_session_send(tc_session* session, const char* text, size_t text_length, uint64_t* client_id) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) -> tc_status {
    tc_status status;
    const auto message = text_argument(text, text_length, "text", status);
    if (!message) return status;
    if (message->empty()) return fail(TC_ERR_INVALID_ARGUMENT, "text: empty");
    auto id = chat.send(std::string(*message));
    if (!id) return refused(chat, id.error());
    if (client_id != nullptr) *client_id = *id;
    return TC_OK;
  });
}

tc_status tc_session_send_quick_reply(tc_session* session, const char* text, size_t text_length, const char* payload,
                                      size_t payload_length, uint64_t* client_id) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) -> tc_status {
    tc_status status;
    const auto label = text_argument(text, text_length, "text", status);
    if (!label) return status;
    const auto value = text_argument(payload, payload_length, "payload", status);
    if (!value) return status;
    auto id = chat.send_quick_reply(client::QuickReply{std::string(*label), std::string(*value)});
    if (!id) return refused(chat, id.error());
    if (client_id != nullptr) *client_id = *id;
    return TC_OK;
  });
}

tc_status tc_session_set_attribute(tc_session* session, const char* key, size_t key_length, const char* value,
                                   size_t value_length) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) -> tc_status {
    tc_status status;
    const auto k = text_argument(key, key_length, "key", status);
    if (!k) return status;
    const auto v = text_argument(value, value_length, "value", status, true);
    if (status != TC_OK) return status;
    std::map<std::string, std::optional<std::string>> changes;
    changes[std::string(*k)] = v ? std::optional<std::string>(*v) : std::nullopt;
    auto set = chat.set_attributes(changes);
    if (!set) return refused(chat, set.error());
    return TC_OK;
  });
}

tc_status tc_session_typing(tc_session* session) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) -> tc_status {
    if (finished(chat.state())) return fail(TC_ERR_CLOSED, "the session is " + std::string(to_string(chat.state())));
    chat.typing();
    return TC_OK;
  });
}

tc_status tc_session_close(tc_session* session) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) -> tc_status {
    chat.close();
    return TC_OK;
  });
}

tc_status tc_session_wait_finished(tc_session* session, int64_t timeout_ms) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) -> tc_status {
    if (t_in_callback == session) {
      return fail(TC_ERR_WRONG_THREAD,
                  "tc_session_wait_finished from the session's own callback would wait for itself");
    }
    if (timeout_ms < 0) return fail(TC_ERR_INVALID_ARGUMENT, "timeout_ms: negative");
    if (chat.wait_finished(timeout_of(timeout_ms))) return TC_OK;
    return fail(TC_ERR_TIMEOUT, "the session is still " + std::string(to_string(chat.state())));
  });
}

tc_status tc_session_poll(tc_session* session, int64_t timeout_ms, tc_event** out) {
  if (out != nullptr) *out = nullptr;
  return with_session(session, [&](tc_session& s, client::ChatSession& chat) -> tc_status {
    if (out == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "out: NULL");
    if (s.callback != nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "this session's events go to its callback");
    if (timeout_ms < 0) return fail(TC_ERR_INVALID_ARGUMENT, "timeout_ms: negative");
    auto event = chat.poll_event(timeout_of(timeout_ms));
    if (!event) return fail(TC_ERR_TIMEOUT, "no event within " + std::to_string(timeout_ms) + " ms");
    *out = events().add(make_event(*event, false));
    return TC_OK;
  });
}

tc_status tc_session_state(const tc_session* session, tc_state* state) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) -> tc_status {
    if (state == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "state: NULL");
    *state = to_c(chat.state());
    return TC_OK;
  });
}

tc_status tc_session_trace_id(const tc_session* session, char* buf, size_t capacity, size_t* length) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) {
    return copy_out(chat.context().trace_id.hex(), buf, capacity, length);
  });
}

tc_status tc_session_traceparent(const tc_session* session, char* buf, size_t capacity, size_t* length) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) {
    return copy_out(chat.info().traceparent, buf, capacity, length);
  });
}

tc_status tc_session_conversation_id(const tc_session* session, char* buf, size_t capacity, size_t* length) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) {
    return copy_out(chat.info().conversation_id, buf, capacity, length);
  });
}

tc_status tc_session_failure(const tc_session* session, char* buf, size_t capacity, size_t* length) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) {
    return copy_out(chat.info().failure, buf, capacity, length);
  });
}

}  // extern "C"
