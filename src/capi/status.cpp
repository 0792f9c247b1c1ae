// The ABI's plumbing: the registries of live handles, the per-thread last error, UTF-8
// arguments and text copied out, and the library's version.
#include <cstring>

#include "capi.h"
#include "common/utf8.h"
#include "tracechat/version.h"

namespace tracechat::capi {
namespace {
thread_local std::string t_last_error;

// Never destroyed: a program that exits with sessions open must not have them torn down
// (their threads joined, their callbacks called) by a static destructor.
template <typename T>
Registry<T>& registry() {
  static auto* r = new Registry<T>;
  return *r;
}
}  // namespace

Registry<tc_config>& configs() { return registry<tc_config>(); }
Registry<tc_event>& events() { return registry<tc_event>(); }
Registry<tc_session>& sessions() { return registry<tc_session>(); }
Registry<tc_span>& spans() { return registry<tc_span>(); }

tc_status fail(tc_status status, std::string_view message) {
  t_last_error.assign(message);
  return status;
}

tc_status invalid_handle(std::string_view kind) {
  return fail(TC_ERR_INVALID_HANDLE,
              "not a live " + std::string(kind) + " handle (NULL, already destroyed, or not one at all)");
}

std::optional<std::string_view> text_argument(const char* text, std::size_t length, std::string_view what,
                                              tc_status& status, bool optional) {
  status = TC_OK;
  if (text == nullptr) {
    if (!optional) status = fail(TC_ERR_INVALID_ARGUMENT, std::string(what) + ": NULL");
    return std::nullopt;
  }
  const std::string_view s(text, length == TC_NUL_TERMINATED ? std::strlen(text) : length);
  if (!common::valid_utf8(s)) {
    status = fail(TC_ERR_INVALID_ARGUMENT, std::string(what) + ": not valid UTF-8");
    return std::nullopt;
  }
  return s;
}

tc_status copy_out(std::string_view text, char* buf, std::size_t capacity, std::size_t* length) {
  if (length != nullptr) *length = text.size();
  if (buf == nullptr || capacity <= text.size()) {
    if (buf != nullptr && capacity > 0) buf[0] = '\0';
    return fail(TC_ERR_BUFFER_TOO_SMALL, "the buffer holds " + std::to_string(capacity) + " bytes; " +
                                             std::to_string(text.size() + 1) + " are needed (with the NUL)");
  }
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  return TC_OK;
}

tc_state to_c(client::SessionState state) {
  using S = client::SessionState;
  switch (state) {
    case S::idle: return TC_STATE_IDLE;
    case S::connecting: return TC_STATE_CONNECTING;
    case S::handshaking: return TC_STATE_HANDSHAKING;
    case S::attaching_context: return TC_STATE_ATTACHING_CONTEXT;
    case S::active: return TC_STATE_ACTIVE;
    case S::reconnecting: return TC_STATE_RECONNECTING;
    case S::closing: return TC_STATE_CLOSING;
    case S::closed: return TC_STATE_CLOSED;
    case S::failed: return TC_STATE_FAILED;
  }
  return TC_STATE_FAILED;
}

}  // namespace tracechat::capi

using namespace tracechat::capi;

extern "C" {

const char* tc_last_error(void) { return t_last_error.c_str(); }

const char* tc_status_name(tc_status status) {
  switch (status) {
    case TC_OK: return "TC_OK";
    case TC_ERR_INVALID_ARGUMENT: return "TC_ERR_INVALID_ARGUMENT";
    case TC_ERR_INVALID_HANDLE: return "TC_ERR_INVALID_HANDLE";
    case TC_ERR_CLOSED: return "TC_ERR_CLOSED";
    case TC_ERR_REFUSED: return "TC_ERR_REFUSED";
    case TC_ERR_TIMEOUT: return "TC_ERR_TIMEOUT";
    case TC_ERR_BUFFER_TOO_SMALL: return "TC_ERR_BUFFER_TOO_SMALL";
    case TC_ERR_WRONG_THREAD: return "TC_ERR_WRONG_THREAD";
    case TC_ERR_INTERNAL: return "TC_ERR_INTERNAL";
    case TC_STATUS_MAX_ENUM: break;
  }
  return "TC_ERR_UNKNOWN";
}

const char* tc_version(void) { return TRACECHAT_VERSION; }

int tc_abi_version(void) { return TC_ABI_VERSION; }

}  // extern "C"
