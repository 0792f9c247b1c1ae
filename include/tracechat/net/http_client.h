// HttpClient: one keep-alive HTTP/1.1 connection (plain or TLS) to one origin, used
// synchronously with a deadline per request. Not thread-safe: an exporter owns one.
#pragma once

#include <chrono>
#include <memory>

#include "tracechat/net/http.h"
#include "tracechat/net/tls.h"
#include "tracechat/net/url.h"
#include "tracechat/result.h"

namespace tracechat::net {

class HttpClient {
 public:
  HttpClient(Url origin, TlsOptions tls = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends `request` (its target is used as is; Host, Content-Length and User-Agent are
  // added) and waits for the response until `timeout` has passed. Errors (DNS,
  // connect, TLS, timeout, malformed response) are returned, never thrown. A
  // keep-alive connection that the server had closed is reopened, and an idempotent
  // request (GET, HEAD, OPTIONS, TRACE, PUT, DELETE) sent again once; a POST or PATCH
  // is never sent twice (RFC 9110 9.2.2).
  Result<HttpResponse> send(const HttpRequest& request, std::chrono::milliseconds timeout);

  const Url& origin() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::net
