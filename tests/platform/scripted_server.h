// A Platform API stand-in whose answers a test scripts, one queue per path, and which
// records every request it got: for the behaviours that need exact control (a 429 with a
// given Retry-After, a 5xx streak, a 401 once) and for checking what the client sent.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tracechat/net/http_server.h"

namespace tracechat::testing {

class ScriptedServer {
 public:
  ScriptedServer() {
    net::HttpServerOptions options;
    options.port = 0;
    server_ = std::make_unique<net::HttpServer>(options, [this](net::HttpRequest& r) { return answer(r); });
    EXPECT_TRUE(server_->start().ok());
  }

  std::string url() const { return server_->url(); }

  // Answers queued for a path (without its query), used in order; when only one is
  // left it keeps answering with it.
  void script(const std::string& path, std::vector<net::HttpResponse> answers) {
    std::lock_guard lock(mutex_);
    auto& q = answers_[path];
    for (auto& a : answers) q.push_back(std::move(a));
  }
  std::vector<net::HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count(const std::string& path) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& r : requests_) n += r.path() == path;
    return n;
  }

 private:
  net::HttpResponse answer(net::HttpRequest& request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    auto it = answers_.find(std::string(request.path()));
    if (it == answers_.end() || it->second.empty()) {
      return net::json_response(404, R"({"message":"no script","code":"not.found","status":404})");
    }
    auto out = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return out;
  }

  mutable std::mutex mutex_;
  std::map<std::string, std::deque<net::HttpResponse>> answers_;
  std::vector<net::HttpRequest> requests_;
  std::unique_ptr<net::HttpServer> server_;
};

inline net::HttpResponse token_answer(const std::string& token, int expires_in = 86400) {
  return net::json_response(200, R"({"access_token":")" + token + R"(","token_type":"bearer","expires_in":)" +
                                     std::to_string(expires_in) + "}");
}

inline net::HttpResponse too_many(int retry_after) {
  auto r = net::json_response(429, R"({"message":"Rate limit exceeded the maximum. Retry the request in [)" +
                                       std::to_string(retry_after) +
                                       R"(] seconds","code":"too.many.requests.retry.after","status":429})");
  r.set_header("Retry-After", std::to_string(retry_after));
  return r;
}

}  // namespace tracechat::testing
