// The Data Action trace bridge: the HTTP endpoint a Data Action calls. It continues the
// chat's trace from the request's `traceparent` (the header the Data Action templates
// from the conversation's otel_* attributes), records a SERVER span
// `dataaction <name>` (with the conversation's id when the request's X-Conversation-Id
// holds one), and forwards the request to the real backend with a new child
// context injected — or, in echo mode, answers itself.
//
// W3C Trace Context rules, read by the trace core (trace/propagation.h) from every
// header line: the lines of one field are one value (RFC 9110), so two traceparent lines
// are not a traceparent; an invalid traceparent starts a new trace (and its tracestate
// is ignored); a valid one is continued and its tracestate, all its lines combined,
// passed on in one line (at most 512 characters, cut by W3C's rule).
//
// It stands between the internet and a backend, so it is a strict intermediary: the
// request's framing is checked by the server under it (no smuggled second request),
// its path cannot leave the upstream's base path, hop-by-hop headers stay on their
// hop, and a pooled upstream connection is reused only when its last exchange ended
// cleanly — one caller never receives another's answer. See docs/bridge.md, "Security".
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tracechat/conventions.h"
#include "tracechat/net/tls.h"
#include "tracechat/net/url.h"
#include "tracechat/result.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::bridge {

// The header a generated Data Action sends with its own name (conventions.h); without it
// the span is named after the request path.
using conventions::kActionHeader;

// The user and password a caller must present with HTTP Basic authentication.
struct BasicCredentials {
  std::string user;
  std::string password;
  // "user:password" (the password may contain ':'); a trailing line break is ignored.
  static Result<BasicCredentials> parse(std::string_view user_colon_password);
};

struct BridgeOptions {
  std::string listen = "127.0.0.1:9090";
  // HTTPS (TLS 1.2 or later) when both are set: PEM certificate chain and key.
  std::string tls_cert_file;
  std::string tls_key_file;
  // When set, a request without these Basic credentials is answered 401 and goes no
  // further; the Authorization header that carried them is not forwarded.
  std::optional<BasicCredentials> caller_credentials;
  // Forward to this base URL (the request's cleaned path is appended, and its query
  // after the base's own); none: echo.
  std::optional<net::Url> upstream;
  net::TlsOptions upstream_tls;
  std::chrono::milliseconds upstream_timeout{10000};
  // When a request has no traceparent header, read it from this top-level field of a
  // JSON body (for Data Actions that cannot set headers). Empty: headers only.
  std::string traceparent_field;
  trace::Tracer tracer;  // where the spans go
  unsigned threads = 2;
};

struct BridgeStats {
  std::uint64_t requests = 0;
  std::uint64_t continued = 0;        // with a valid incoming context
  std::uint64_t new_traces = 0;       // no or an invalid traceparent
  std::uint64_t upstream_errors = 0;  // the upstream could not be reached (502)
  std::uint64_t unauthorized = 0;     // refused with 401: no or wrong credentials
  std::uint64_t refused = 0;          // refused with 4xx before forwarding: path, method, headers
  // X-Conversation-Id values not recorded: not a UUID, or the header more than once (an
  // empty one, from a flow that does not bind the input, is not counted).
  std::uint64_t conversation_ids_ignored = 0;
};

class Bridge {
 public:
  static Result<std::unique_ptr<Bridge>> start(BridgeOptions options);
  ~Bridge();  // stops
  Bridge(const Bridge&) = delete;
  Bridge& operator=(const Bridge&) = delete;

  std::uint16_t port() const;
  std::string url() const;
  BridgeStats stats() const;
  void stop();

 private:
  struct Impl;
  explicit Bridge(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::bridge
