// The bridge as an HTTP intermediary, probed with raw bytes: malformed and hostile
// requests, each with what the upstream must see and what the caller must get.
#include <gtest/gtest.h>

#include <optional>
#include <ostream>

#include "support/raw_http.h"
#include "support/self_signed.h"
#include "tracechat/bridge/bridge.h"
#include "tracechat/net/http_client.h"

namespace tracechat::bridge {
namespace {

using namespace std::chrono_literals;
using test_support::parse_messages;
using test_support::raw_exchange;
using test_support::RawMessage;
using test_support::ScriptedUpstream;

// The upstream answers every request with its own request line in the body, so a
// caller can tell whose answer it got.
std::string echo_target(const RawMessage& request, int) {
  return ScriptedUpstream::response(200, "answer to " + request.target());
}

struct Started {
  std::unique_ptr<ScriptedUpstream> upstream;
  std::unique_ptr<Bridge> bridge;
};

Started start(ScriptedUpstream::Script script, const std::string& base = "/base",
              std::optional<BasicCredentials> credentials = std::nullopt) {
  Started s;
  s.upstream = std::make_unique<ScriptedUpstream>(std::move(script));
  BridgeOptions options;
  options.listen = "127.0.0.1:0";
  options.upstream = *net::Url::parse("http://127.0.0.1:" + std::to_string(s.upstream->port()) + base);
  options.upstream_timeout = 2s;
  options.threads = 1;
  options.caller_credentials = std::move(credentials);
  auto started = Bridge::start(std::move(options));
  EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
  s.bridge = std::move(*started);
  return s;
}

std::string get(std::string_view target, std::string_view extra_headers = {}) {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: bridge\r\n" + std::string(extra_headers) + "\r\n";
}

struct Case {
  const char* name;
  std::string request;                // the bytes a caller sends
  std::vector<int> caller_statuses;   // the answers it must get, in order, and nothing else
  std::vector<std::string> upstream;  // the request targets the upstream must see, and nothing else
};

// The case's name in ctest's and gtest's output (its raw bytes would be printed otherwise).
void PrintTo(const Case& c, std::ostream* out) { *out << c.name; }

class HostileRequest : public ::testing::TestWithParam<Case> {};

TEST_P(HostileRequest, UpstreamSeesOnlyWhatItShouldAndTheCallerGetsItsOwnAnswer) {
  const Case& c = GetParam();
  auto s = start(echo_target);
  const auto answers = parse_messages(raw_exchange(s.bridge->port(), c.request), true);
  std::vector<int> statuses;
  for (const auto& a : answers) statuses.push_back(a.status());
  EXPECT_EQ(statuses, c.caller_statuses);
  std::vector<std::string> targets;
  for (const auto& r : s.upstream->requests()) targets.push_back(r.target());
  EXPECT_EQ(targets, c.upstream);
  for (std::size_t i = 0; i < answers.size() && i < targets.size(); ++i) {
    if (answers[i].status() == 200) {
      EXPECT_EQ(answers[i].body, "answer to " + targets[i]);
    }
  }
}

const std::string kSmuggled = "GET /SMUGGLED HTTP/1.1\r\nHost: bridge\r\n\r\n";
std::string post_with_coding(std::string_view codings, std::string_view body) {
  return "POST /first HTTP/1.1\r\nHost: bridge\r\nTransfer-Encoding: " + std::string(codings) + "\r\n\r\n" +
         std::string(body);
}

INSTANTIATE_TEST_SUITE_P(
    Bridge, HostileRequest,
    ::testing::Values(
        Case{"plain", get("/orders/1?x=1"), {200}, {"/base/orders/1?x=1"}},
        Case{"two_requests_kept_alive", get("/a") + get("/b"), {200, 200}, {"/base/a", "/base/b"}},
        // Transfer-Encoding (RFC 9112 §6.3): only a final "chunked" frames a body.
        Case{"te_identity", post_with_coding("identity", kSmuggled), {400}, {}},
        Case{"te_gzip", post_with_coding("gzip", kSmuggled), {400}, {}},
        Case{"te_xchunked", post_with_coding("xchunked", kSmuggled), {400}, {}},
        Case{"te_chunked_identity", post_with_coding("chunked, identity", kSmuggled), {400}, {}},
        Case{"te_chunked_twice", post_with_coding("chunked, chunked", "0\r\n\r\n" + kSmuggled), {400}, {}},
        Case{"te_empty", post_with_coding("", kSmuggled), {400}, {}},
        Case{"te_gzip_then_chunked", post_with_coding("gzip, chunked", "5\r\nxxxxx\r\n0\r\n\r\n"), {501}, {}},
        Case{"te_split_over_two_lines",
             "POST /first HTTP/1.1\r\nHost: bridge\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"
             "5\r\nxxxxx\r\n0\r\n\r\n",
             {501},
             {}},
        Case{"te_chunked_is_read", post_with_coding("Chunked", "5\r\nhello\r\n0\r\n\r\n"), {200}, {"/base/first"}},
        Case{"te_in_http10",
             "POST /first HTTP/1.0\r\nHost: b\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
             {400},
             {}},
        Case{"content_length_and_te",
             "POST /first HTTP/1.1\r\nHost: bridge\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
             "0\r\n\r\n" +
                 kSmuggled,
             {400},
             {}},
        Case{"two_content_lengths",
             "POST /first HTTP/1.1\r\nHost: bridge\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n" + kSmuggled,
             {400},
             {}},
        Case{"no_host", "GET /x HTTP/1.1\r\n\r\n", {400}, {}},
        Case{"two_hosts", get("/x", "Host: other\r\n"), {400}, {}},
        Case{"expect_unknown", get("/x", "Expect: magic\r\n"), {417}, {}},
        // The path stays under the base: dot-segments removed, climbing refused.
        Case{"dot_segments_inside", get("/a/./b/../c"), {200}, {"/base/a/c"}},
        Case{"dot_segments_trailing", get("/a/b/.."), {200}, {"/base/a/"}},
        Case{"climb_raw", get("/../../x"), {400}, {}}, Case{"climb_after_descent", get("/a/../../x"), {400}, {}},
        Case{"climb_encoded", get("/%2e%2e/x"), {400}, {}},
        Case{"climb_encoded_upper", get("/%2E%2e/%2E%2E/x"), {400}, {}},
        Case{"climb_half_encoded", get("/.%2e/x"), {400}, {}}, Case{"encoded_slash", get("/a/..%2f..%2fx"), {400}, {}},
        Case{"encoded_backslash", get("/a/..%5c..%5cx"), {400}, {}}, Case{"encoded_nul", get("/a%00b"), {400}, {}},
        Case{"raw_backslash", get("/a\\..\\x"), {400}, {}},
        Case{"absolute_form_uses_its_path", get("http://evil.example/x?y=1"), {200}, {"/base/x?y=1"}},
        Case{"absolute_form_climbing", get("http://evil.example/../x"), {400}, {}},
        Case{"absolute_form_other_scheme", get("ftp://evil.example/x"), {400}, {}},
        Case{"asterisk_form", "OPTIONS * HTTP/1.1\r\nHost: bridge\r\n\r\n", {400}, {}},
        Case{"connect", "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n", {405}, {}},
        Case{"trace", "TRACE /x HTTP/1.1\r\nHost: bridge\r\nAuthorization: Bearer secret\r\n\r\n", {405}, {}},
        Case{"two_authorizations", get("/x", "Authorization: Bearer a\r\nAuthorization: Bearer b\r\n"), {400}, {}}),
    [](const ::testing::TestParamInfo<Case>& param) { return std::string(param.param.name); });

// Exactly one upstream request, and it: returns it.
RawMessage only_request(const ScriptedUpstream& upstream) {
  const auto requests = upstream.requests();
  EXPECT_EQ(requests.size(), 1u);
  return requests.empty() ? RawMessage{} : requests.front();
}

TEST(BridgeSecurity, HopByHopHeadersStayOnTheirHopBothWays) {
  auto s = start([](const RawMessage&, int) {
    return ScriptedUpstream::response(
        200, "ok", "Connection: X-Upstream-Secret\r\nX-Upstream-Secret: u\r\nKeep-Alive: timeout=5\r\nX-Kept: k\r\n");
  });
  const auto answers = parse_messages(
      raw_exchange(s.bridge->port(),
                   get("/x",
                       "Connection: keep-alive, X-Secret\r\nX-Secret: s\r\nKeep-Alive: 5\r\n"
                       "HTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\nTE: trailers\r\nProxy-Connection: keep-alive\r\n"
                       "Proxy-Authorization: Basic eDp5\r\nX-Other: o\r\n")),
      true);
  ASSERT_EQ(answers.size(), 1u);
  const auto seen = only_request(*s.upstream);
  for (const char* dropped :
       {"X-Secret", "Keep-Alive", "HTTP2-Settings", "TE", "Proxy-Connection", "Proxy-Authorization"}) {
    EXPECT_EQ(seen.count(dropped), 0u) << dropped;
  }
  EXPECT_EQ(seen.header("X-Other"), "o");
  EXPECT_EQ(answers[0].count("X-Upstream-Secret"), 0u);
  EXPECT_EQ(answers[0].count("Keep-Alive"), 0u);
  EXPECT_EQ(answers[0].header("X-Kept"), "k");
}

TEST(BridgeSecurity, RepeatedFieldsKeepEveryValue) {
  auto s = start([](const RawMessage&, int) {
    return ScriptedUpstream::response(200, "ok", "Set-Cookie: a=1\r\nSet-Cookie: b=2\r\n");
  });
  const auto answers = parse_messages(
      raw_exchange(s.bridge->port(), get("/x", "Cookie: c=1\r\nCookie: d=2\r\nAuthorization: Bearer t\r\n")), true);
  ASSERT_EQ(answers.size(), 1u);
  EXPECT_EQ(answers[0].count("Set-Cookie"), 2u);
  const auto seen = only_request(*s.upstream);
  EXPECT_EQ(seen.count("Cookie"), 2u);
  EXPECT_EQ(seen.count("Authorization"), 1u);
  EXPECT_EQ(seen.header("Authorization"), "Bearer t");  // without caller authentication, it is the backend's
}

TEST(BridgeSecurity, ExpectContinueIsAnsweredByTheBridgeAndNeverForwarded) {
  auto s = start(echo_target);
  const std::string body(2000, 'b');
  // curl's way: the header, a wait for 100 Continue, then the body.
  const std::string head =
      "POST /big HTTP/1.1\r\nHost: bridge\r\nExpect: 100-continue\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n";
  const auto interim = raw_exchange(s.bridge->port(), head, false, 1s);
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << interim;

  const auto answers = parse_messages(raw_exchange(s.bridge->port(), head + body), true);
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_EQ(answers[0].status(), 100);
  EXPECT_EQ(answers[1].status(), 200);
  EXPECT_EQ(answers[1].body, "answer to /base/big");
  const auto requests = s.upstream->requests();
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.back().count("Expect"), 0u);
  EXPECT_EQ(requests.back().body, body);
}

// The finding that started it all: an upstream's interim 100 taken for the answer left
// the real one on the pooled connection, and each later caller got the one before
// theirs. Three callers over one pooled connection must each get their own.
TEST(BridgeSecurity, InterimResponsesNeverShiftAnswersBetweenCallers) {
  auto s = start([](const RawMessage& request, int) {
    return "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n" +
           ScriptedUpstream::response(200, "answer to " + request.target());
  });
  for (const char* caller : {"/one", "/two", "/three"}) {
    const auto answers =
        parse_messages(raw_exchange(s.bridge->port(), "POST " + std::string(caller) +
                                                          " HTTP/1.1\r\nHost: bridge\r\n"
                                                          "Expect: 100-continue\r\nContent-Length: 2\r\n\r\nhi"),
                       true);
    ASSERT_FALSE(answers.empty()) << caller;
    EXPECT_EQ(answers.back().status(), 200) << caller;
    EXPECT_EQ(answers.back().body, "answer to /base" + std::string(caller)) << caller;
  }
  EXPECT_EQ(s.upstream->connections(), 1);  // they did share the pooled connection
}

// An upstream that sends more than the answer: the connection is not reused, so the
// extra bytes never become the next caller's answer.
TEST(BridgeSecurity, AConnectionWithUnreadBytesIsNotReused) {
  auto s = start([](const RawMessage& request, int) {
    return ScriptedUpstream::response(200, "answer to " + request.target()) +
           ScriptedUpstream::response(200, "stale bytes for nobody");
  });
  for (const char* caller : {"/one", "/two"}) {
    const auto answers = parse_messages(raw_exchange(s.bridge->port(), get(caller)), true);
    ASSERT_EQ(answers.size(), 1u) << caller;
    EXPECT_EQ(answers[0].body, "answer to /base" + std::string(caller));
  }
  EXPECT_EQ(s.upstream->connections(), 2);
}

TEST(BridgeSecurity, HeadIsAnsweredWithTheUpstreamsHeadersAndNoBody) {
  auto s = start([](const RawMessage& request, int) {
    if (request.start_line.rfind("HEAD", 0) == 0) return std::string("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n");
    return ScriptedUpstream::response(200, "answer to " + request.target());
  });
  // Before: the bridge waited for a body a HEAD answer never has, and answered 502.
  const auto bytes = raw_exchange(s.bridge->port(), "HEAD /h HTTP/1.1\r\nHost: bridge\r\n\r\n" + get("/after"));
  const auto head = parse_messages(bytes, true, true);
  ASSERT_FALSE(head.empty());
  EXPECT_EQ(head[0].status(), 200);
  EXPECT_EQ(head[0].header("Content-Length"), "1234");
  // What follows the HEAD answer is the next answer, not a body.
  const auto rest = parse_messages(bytes.substr(bytes.find("\r\n\r\n") + 4), true);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].body, "answer to /base/after");
  EXPECT_EQ(s.upstream->connections(), 1);
}

TEST(BridgeSecurity, TheUpstreamQueryIsKeptWhenForwarding) {
  auto s = start(echo_target, "/base?key=K%20ey");
  raw_exchange(s.bridge->port(), get("/x?y=1") + get("/z"));
  const auto requests = s.upstream->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].target(), "/base/x?key=K%20ey&y=1");
  EXPECT_EQ(requests[1].target(), "/base/z?key=K%20ey");
}

TEST(BridgeSecurity, CallersWithoutTheCredentialsAreRefused) {
  auto s = start(echo_target, "/base", BasicCredentials{"genesys", "pa:ss"});
  const auto status_of = [&](std::string_view extra) {
    const auto answers = parse_messages(raw_exchange(s.bridge->port(), get("/x", extra)), true);
    return answers.empty() ? 0 : answers[0].status();
  };
  const auto refused = parse_messages(raw_exchange(s.bridge->port(), get("/x")), true);
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].status(), 401);
  EXPECT_EQ(refused[0].header("WWW-Authenticate").rfind("Basic realm=", 0), 0u);
  EXPECT_EQ(status_of("Authorization: Basic Z2VuZXN5czpwYTpzcw==\r\n"), 200);  // genesys:pa:ss
  EXPECT_EQ(status_of("Authorization: basic   Z2VuZXN5czpwYTpzcw==  \r\n"), 200);
  EXPECT_EQ(status_of("Authorization: Basic Z2VuZXN5czpwYTpzcQ==\r\n"), 401);  // genesys:pa:sq
  EXPECT_EQ(status_of("Authorization: Basic Z2VuZXN5czpwYTpz\r\n"), 401);      // genesys:pa:s
  EXPECT_EQ(status_of("Authorization: Bearer Z2VuZXN5czpwYTpzcw==\r\n"), 401);
  EXPECT_EQ(status_of("Authorization: Basic !!!!\r\n"), 401);
  EXPECT_EQ(s.bridge->stats().unauthorized, 5u);
  // The bridge's credentials are not the backend's: they stop at the bridge.
  for (const auto& r : s.upstream->requests()) EXPECT_EQ(r.count("Authorization"), 0u);
  EXPECT_EQ(s.upstream->requests().size(), 2u);
}

TEST(BridgeSecurity, CredentialsAreParsedStrictly) {
  EXPECT_TRUE(BasicCredentials::parse("user:pa:ss\n").ok());
  EXPECT_EQ(BasicCredentials::parse("user:pa:ss\n")->password, "pa:ss");
  EXPECT_FALSE(BasicCredentials::parse("nocolon").ok());
  EXPECT_FALSE(BasicCredentials::parse(":password").ok());
  EXPECT_FALSE(BasicCredentials::parse("user:").ok());
  EXPECT_FALSE(BasicCredentials::parse("user:pa\x01ss").ok());
}

TEST(BridgeSecurity, ServesHttpsWithCallerAuthentication) {
  test_support::SelfSigned tls;
  ASSERT_TRUE(tls.ok);
  ScriptedUpstream upstream(echo_target);
  BridgeOptions options;
  options.listen = "127.0.0.1:0";
  options.upstream = *net::Url::parse("http://127.0.0.1:" + std::to_string(upstream.port()) + "/base");
  options.tls_cert_file = tls.cert.string();
  options.tls_key_file = tls.key.string();
  options.caller_credentials = BasicCredentials{"genesys", "secret"};
  auto bridge = Bridge::start(std::move(options));
  ASSERT_TRUE(bridge.ok()) << bridge.error().message;
  EXPECT_EQ((*bridge)->url().rfind("https://", 0), 0u);

  net::TlsOptions trust;
  trust.ca_file = tls.cert.string();
  net::HttpClient client(*net::Url::parse((*bridge)->url()), trust);
  net::HttpRequest request;
  request.target = "/orders";
  request.headers = {{"Authorization", "Basic Z2VuZXN5czpzZWNyZXQ="}};  // genesys:secret
  auto answer = client.send(request, 5s);
  ASSERT_TRUE(answer.ok()) << answer.error().message;
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->body, "answer to /base/orders");
  // Plain HTTP to the HTTPS port gets nowhere.
  EXPECT_EQ(parse_messages(raw_exchange((*bridge)->port(), get("/orders"), true, 2s), true).size(), 0u);
}

}  // namespace
}  // namespace tracechat::bridge
