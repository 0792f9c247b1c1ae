// Any bytes, as a caller's request stream, to a running bridge in front of a fake
// upstream. Two invariants, checked on every input:
//  1. no request reaches the upstream outside its base path (/base/), raw or encoded;
//  2. no caller receives an answer to a request it did not send: after each input, a
//     canary request on a fresh connection, with a token the input cannot know, must get
//     the answer to itself — a desynchronised pooled connection would hand it another.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <string_view>

#include "support/raw_http.h"
#include "tracechat/bridge/bridge.h"
#include "tracechat/net/http_server.h"

using namespace tracechat;
using namespace std::chrono_literals;

namespace {

[[noreturn]] void violated(const std::string& what) {
  std::fprintf(stderr, "bridge_fuzz: invariant violated: %s\n", what.c_str());
  std::abort();
}

bool iequals_at(std::string_view s, std::size_t i, std::string_view what) {
  if (i + what.size() > s.size()) return false;
  for (std::size_t k = 0; k < what.size(); ++k) {
    if (std::tolower(static_cast<unsigned char>(s[i + k])) != what[k]) return false;
  }
  return true;
}

// Invariant 1, checked by the upstream on every request it receives.
void check_under_base(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.rfind("/base/", 0) != 0) violated("upstream target outside /base/: " + std::string(target));
  path.remove_prefix(5);
  while (!path.empty()) {
    path.remove_prefix(1);
    const auto segment = path.substr(0, path.find('/'));
    std::string decoded;
    for (std::size_t i = 0; i < segment.size(); ++i) {
      if (iequals_at(segment, i, "%2f") || iequals_at(segment, i, "%5c") || segment[i] == '\\') {
        violated("an encoded separator reached the upstream: " + std::string(target));
      }
      if (iequals_at(segment, i, "%2e")) {
        decoded.push_back('.');
        i += 2;
      } else {
        decoded.push_back(segment[i]);
      }
    }
    if (decoded == "." || decoded == "..") violated("a dot-segment reached the upstream: " + std::string(target));
    path.remove_prefix(segment.size());
  }
}

struct World {
  net::HttpServer upstream{{}, [](net::HttpRequest& r) {
                             check_under_base(r.target);
                             return net::text_response(200,
                                                       "answer:" + std::string(r.header("x-canary").value_or("-")));
                           }};
  std::unique_ptr<bridge::Bridge> bridge;
  std::mt19937_64 tokens{std::random_device{}()};

  World() {
    if (!upstream.start()) violated("the fake upstream did not start");
    bridge::BridgeOptions options;
    options.listen = "127.0.0.1:0";
    options.upstream = *net::Url::parse(upstream.url() + "/base");
    options.upstream_timeout = 1s;
    options.threads = 1;
    auto started = bridge::Bridge::start(std::move(options));
    if (!started) violated("the bridge did not start: " + started.error().message);
    bridge = std::move(*started);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static World world;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)test_support::raw_exchange(world.bridge->port(), input, true, 3s);

  const std::string token = "canary-" + std::to_string(world.tokens());
  const auto answers = test_support::parse_messages(
      test_support::raw_exchange(
          world.bridge->port(),
          "GET /canary HTTP/1.1\r\nHost: c\r\nX-Canary: " + token + "\r\nConnection: close\r\n\r\n", true, 3s),
      true);
  if (answers.size() != 1 || answers[0].status() != 200 || answers[0].body != "answer:" + token) {
    violated("the canary got another answer: " +
             (answers.empty() ? std::string("none") : answers[0].start_line + " " + answers[0].body));
  }
  return 0;
}
