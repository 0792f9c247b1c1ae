// OAuth client credentials against `login.<domain>/oauth/token`: Basic auth with the
// client's id and secret, a form body, and a bearer token cached until shortly before
// its `expires_in` runs out (60 s before, as Genesys's Go SDK renews; half the lifetime
// for tokens shorter than two minutes). Thread-safe: callers share one token.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "tracechat/net/tls.h"
#include "tracechat/platform/platform_error.h"
#include "tracechat/platform/retry_policy.h"
#include "tracechat/platform/settings.h"
#include "tracechat/result.h"

namespace tracechat::platform {

class TokenSource {
 public:
  TokenSource(net::Url login, Credentials credentials, net::TlsOptions tls, RetryPolicy policy);
  ~TokenSource();
  TokenSource(const TokenSource&) = delete;
  TokenSource& operator=(const TokenSource&) = delete;

  // The cached token, or a new one when there is none or it is due for renewal. A
  // refused client is an authentication error that says what the login answered.
  Result<std::string, PlatformError> token();
  // The API refused `token` (401): the next token() fetches a new one, unless another
  // caller already replaced it.
  void invalidate(const std::string& token);
  std::uint64_t fetches() const;

 private:
  Result<std::string, PlatformError> fetch();

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// At most the first 8 characters of a token, for logs: enough to tell two apart.
std::string token_hint(std::string_view token);

}  // namespace tracechat::platform
