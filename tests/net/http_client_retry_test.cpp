// A kept-alive connection that the server closes after reading a request, without an
// answer: the client sends an idempotent request again on a new connection, and never a
// POST, which the server may have acted on (RFC 9110 9.2.2).
#include <gtest/gtest.h>

#include <thread>

#include "support/raw_http.h"
#include "tracechat/net/http_client.h"
#include "tracechat/net/http_server.h"
#include "tracechat/net/url.h"

using namespace tracechat;
using test_support::ScriptedUpstream;

TEST(HttpClientRetry, AnIdempotentRequestIsSentAgainAndAPostIsNot) {
  for (const std::string method : {"GET", "POST"}) {
    int on_first = 0;
    ScriptedUpstream upstream([&](const test_support::RawMessage&, int connection) -> std::string {
      if (connection == 1 && on_first++ == 0) return ScriptedUpstream::response(200, "first");
      if (connection == 1) return {};  // read the second request, closed without an answer
      return ScriptedUpstream::response(200, "again");
    });
    net::HttpClient client(*net::Url::parse("http://127.0.0.1:" + std::to_string(upstream.port())));
    net::HttpRequest request;
    request.method = method;
    request.target = "/x";
    auto first = client.send(request, std::chrono::seconds(5));
    ASSERT_TRUE(first) << method << ": " << first.error().message;
    EXPECT_EQ(first->body, "first");
    auto second = client.send(request, std::chrono::seconds(5));
    if (method == "GET") {
      ASSERT_TRUE(second) << second.error().message;
      EXPECT_EQ(second->body, "again");
      EXPECT_EQ(upstream.requests().size(), 3u);  // the second one twice
    } else {
      EXPECT_FALSE(second) << "a POST was sent again";
      EXPECT_EQ(upstream.requests().size(), 2u);
    }
  }
}

// The server closed the kept-alive connection while it was idle (its keep-alive timeout):
// the client sees that before sending and opens a new one, so a POST, which it would
// not send twice, does not fail for it.
TEST(HttpClientRetry, AConnectionTheServerClosedWhileIdleIsNotUsedForTheNextRequest) {
  net::HttpServerOptions options;
  options.idle_timeout = std::chrono::seconds(1);
  int answered = 0;
  net::HttpServer server(options, [&](net::HttpRequest&) {
    net::HttpResponse response;
    response.status = 200;
    response.body = std::to_string(++answered);
    return response;
  });
  ASSERT_TRUE(server.start());
  net::HttpClient client(*net::Url::parse(server.url()));
  net::HttpRequest request;
  request.method = "POST";
  request.target = "/x";
  request.body = "{}";
  auto first = client.send(request, std::chrono::seconds(5));
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_EQ(first->body, "1");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));  // past the server's idle timeout
  auto second = client.send(request, std::chrono::seconds(5));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->body, "2");
}
