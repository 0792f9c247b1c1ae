// The Data Action trace bridge: the HTTP endpoint a Data Action calls. It continues the
// chat's trace from the request's `traceparent` (the header the Data Action templates
// from the conversation's otel_* attributes), records a SERVER span
// `dataaction <name>`, and forwards the request to the real backend with a new child
// context injected — or, in echo mode, answers itself.
//
// W3C Trace Context rules: an invalid traceparent starts a new trace (and its
// tracestate is ignored); a valid one is continued and its tracestate passed on.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "tracechat/net/tls.h"
#include "tracechat/net/url.h"
#include "tracechat/result.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::bridge {

// The header a generated Data Action sends with its own name; without it the span is
// named after the request path.
inline constexpr const char* kActionHeader = "x-tracechat-action";

struct BridgeOptions {
  std::string listen = "127.0.0.1:9090";
  // Forward to this base URL (the request's path and query are appended); none: echo.
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
