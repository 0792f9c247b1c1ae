// OAuth for the Platform API: the client credentials grant at POST /oauth/token, and the
// bearer tokens every /api/v2/ request must carry. The answers and error bodies are
// Genesys Cloud's (docs/emulator.md).
//
// Tokens live in memory only: a restarted emulator knows none, and a client gets 401
// bad.credentials and authenticates again, as it must after a token expired anyway.
// Neither a secret nor a token is ever logged.
#pragma once

#include <chrono>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "tracechat/emulator/config.h"
#include "tracechat/net/http.h"

namespace tracechat::emulator {

class OAuthServer {
 public:
  using Clock = std::chrono::steady_clock;

  OAuthServer(std::vector<OAuthClientCredentials> clients, std::chrono::seconds token_lifetime);

  // POST /oauth/token.
  net::HttpResponse token_endpoint(const net::HttpRequest& request);
  // The OAuth client id of the request's bearer token, or the 401 to answer with.
  std::variant<std::string, net::HttpResponse> authenticate(const net::HttpRequest& request);

  // Issues a token directly (what a successful token request does); for tests.
  std::string issue(const std::string& client_id);

 private:
  struct Token {
    std::string client_id;
    Clock::time_point expires;
  };
  void forget_expired(Clock::time_point now);

  std::vector<OAuthClientCredentials> clients_;
  std::chrono::seconds lifetime_;
  std::mutex mutex_;
  // Looked up by the token itself: a hash lookup's timing could at most reveal something
  // about a bucket of 256-bit random strings, which does not help anyone guess one.
  std::unordered_map<std::string, Token> tokens_;
  std::deque<std::string> issue_order_;  // for the cap on live tokens
};

}  // namespace tracechat::emulator
