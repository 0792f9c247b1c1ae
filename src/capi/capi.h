// What every file of the C ABI shares: its handles (each kind in a registry of the ones
// alive, so that a stale or foreign pointer is an error rather than a crash), the
// per-thread last error, UTF-8 arguments, and text copied out to the caller.
//
// A handle is a token, not the object's address: tokens are never reused, so a handle
// freed twice or kept after its destroy is always recognised as dead, even when the
// allocator has put a new object at the old address.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tracechat/client/chat_session.h"
#include "tracechat/trace/tracer.h"
#include "tracechat/tracechat.h"

struct tc_config {
  std::mutex mutex;  // setters and tc_session_open may run on different threads
  tracechat::client::ChatSessionConfig session;
  std::string otlp_endpoint;
  std::string service_name;
};

// Always a copy: a lent event (a callback's) may still be read on another thread after
// the callback has returned and the session's own event is gone.
struct tc_event {
  tracechat::client::SessionEvent event;
  bool lent = false;        // a callback's: not the caller's to free
  std::string description;  // tc_event_describe
};

struct tc_session {
  // Calls in progress hold it shared; tc_session_destroy takes it alone to take the
  // session away, then destroys the session without it (joining the session's thread,
  // whose callback may be calling in).
  mutable std::shared_mutex lifetime;
  std::unique_ptr<tracechat::client::ChatSession> chat;  // null once destroyed
  std::shared_ptr<tracechat::trace::TracerProvider> provider;
  tracechat::trace::Tracer tracer;
  tc_event_callback callback = nullptr;
  void* user_data = nullptr;
};

struct tc_span {
  std::mutex mutex;  // a Span is one thread's at a time; the handle may be anyone's
  std::shared_ptr<tracechat::trace::TracerProvider> provider;  // exports it even after its session is gone
  tracechat::trace::Span span;
};

namespace tracechat::capi {

// The handles of one kind that are alive. A call looks its handle up and holds a
// reference for the call's length, so a destroy on another thread never frees it
// under the call.
template <typename T>
class Registry {
 public:
  // The handle that names `object` from now on.
  T* add(std::shared_ptr<T> object) {
    std::lock_guard lock(mutex_);
    // Never dereferenced, only looked up.
    next_ += 16;
    T* handle = reinterpret_cast<T*>(next_);
    alive_.emplace(handle, std::move(object));
    return handle;
  }
  std::shared_ptr<T> find(const void* raw) const {
    if (raw == nullptr) return nullptr;
    std::lock_guard lock(mutex_);
    const auto it = alive_.find(raw);
    return it == alive_.end() ? nullptr : it->second;
  }
  std::shared_ptr<T> remove(const void* raw) {
    if (raw == nullptr) return nullptr;
    std::lock_guard lock(mutex_);
    const auto it = alive_.find(raw);
    if (it == alive_.end()) return nullptr;
    auto handle = std::move(it->second);
    alive_.erase(it);
    return handle;
  }

 private:
  mutable std::mutex mutex_;
  std::uintptr_t next_ = 0x7c0000000000;
  std::unordered_map<const void*, std::shared_ptr<T>> alive_;
};

Registry<tc_config>& configs();
Registry<tc_event>& events();
Registry<tc_session>& sessions();
Registry<tc_span>& spans();

// Records the error for tc_last_error and returns its status.
tc_status fail(tc_status status, std::string_view message);
tc_status invalid_handle(std::string_view kind);

// Runs `body` (returning tc_status), turning any exception into TC_ERR_INTERNAL: no
// C++ exception crosses the ABI.
template <typename Body>
tc_status guarded(Body&& body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return fail(TC_ERR_INTERNAL, "out of memory");
  } catch (const std::exception& e) {
    return fail(TC_ERR_INTERNAL, e.what());
  } catch (...) {
    return fail(TC_ERR_INTERNAL, "unknown exception");
  }
}

// The same for the few functions that return a value rather than a status: `failed`
// (0 or NULL) on an exception, with the error recorded.
template <typename T, typename Body>
T guarded_value(T failed, Body&& body) noexcept {
  T result = failed;
  guarded([&]() -> tc_status {
    result = body();
    return TC_OK;
  });
  return result;
}

// Runs `body(session, chat)` on a live session, which stays alive for the call.
template <typename Body>
tc_status with_session(const tc_session* session, Body&& body) {
  return guarded([&]() -> tc_status {
    const auto s = sessions().find(session);
    if (!s) return invalid_handle("tc_session");
    std::shared_lock lock(s->lifetime);
    if (!s->chat) return invalid_handle("tc_session");
    return body(*s, *s->chat);
  });
}

// A string argument: (text, length) or (text, TC_NUL_TERMINATED), which must be UTF-8.
// `what` names it in the error. Null text is an error unless `optional` (then nullopt).
std::optional<std::string_view> text_argument(const char* text, std::size_t length, std::string_view what,
                                              tc_status& status, bool optional = false);

// Copies `text` out: NUL-terminated when it fits, else TC_ERR_BUFFER_TOO_SMALL; *length
// is always the text's length (without the NUL).
tc_status copy_out(std::string_view text, char* buf, std::size_t capacity, std::size_t* length);

tc_state to_c(client::SessionState state);

}  // namespace tracechat::capi
