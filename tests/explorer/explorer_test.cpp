// The explorer's API on its own: a store with chat traces, the server on a free port,
// and plain HTTP requests — JSON shapes, search, paging, bad queries, the live feed, and
// the rules of who may ask.
#include "tracechat/explorer/explorer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <set>
#include <thread>

#include "support/chat_trace.h"
#include "support/raw_http.h"
#include "support/raw_ws_client.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/net/http_client.h"

using namespace tracechat;
namespace fs = std::filesystem;
namespace json = boost::json;

namespace {

std::string trace_hex(int n) {
  char hex[33];
  std::snprintf(hex, sizeof hex, "%032x", n + 1);
  return hex;
}
std::string conversation_of(int n) {
  char text[40];
  std::snprintf(text, sizeof text, "00000000-0000-4000-8000-%012x", n + 1);
  return text;
}

class ExplorerTest : public ::testing::Test {
 protected:
  static constexpr int kTraces = 7;  // trace n starts n seconds after the first; trace 3 fails

  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tracechat-explorer-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto store = collector::SpanStore::open(dir_ / "traces.sqlite", collector::StoreAccess::write);
    ASSERT_TRUE(store) << store.error().message;
    writer_ = std::move(*store);
    for (int n = 0; n < kTraces; ++n) add_trace(n);
    explorer::ExplorerOptions options;
    options.listen = "127.0.0.1:0";
    options.db = dir_ / "traces.sqlite";
    options.live_poll = std::chrono::milliseconds(50);
    auto started = explorer::Explorer::start(options);
    ASSERT_TRUE(started) << started.error().message;
    explorer_ = std::move(*started);
    client_ = std::make_unique<net::HttpClient>(*net::Url::parse(explorer_->url()));
  }
  void TearDown() override {
    explorer_.reset();
    writer_.reset();
    fs::remove_all(dir_);
  }

  void add_trace(int n) {
    test_support::ChatTraceOptions o;
    o.trace_id = trace_hex(n);
    o.conversation_id = conversation_of(n);
    o.start = 1'764'950'000'000'000'000ULL + static_cast<std::uint64_t>(n) * 1'000'000'000ULL;
    o.failing_action = n == 3;
    auto spans = test_support::chat_trace(o);
    ASSERT_TRUE(writer_->insert(spans).ok());
  }

  net::HttpResponse get(const std::string& target) {
    net::HttpRequest request;
    request.target = target;
    auto response = client_->send(request, std::chrono::seconds(10));
    EXPECT_TRUE(response) << target << ": " << (response ? "" : response.error().message);
    return response ? *response : net::HttpResponse{0, {}, {}};
  }
  json::value get_json(const std::string& target, int status = 200) {
    const auto response = get(target);
    EXPECT_EQ(response.status, status) << target << ": " << response.body;
    EXPECT_EQ(response.header("Content-Type").value_or(""), "application/json") << target;
    return json::parse(response.body);
  }
  // The status of GET /api/traces sent with this Host (and `extra` header lines).
  int ask_with_host(const std::string& host, const std::string& extra = "") {
    const auto bytes = test_support::raw_exchange(
        explorer_->port(), "GET /api/traces HTTP/1.1\r\nHost: " + host + "\r\n" + extra + "Connection: close\r\n\r\n");
    const auto messages = test_support::parse_messages(bytes, true);
    return messages.empty() ? 0 : messages[0].status();
  }
  std::vector<std::string> ids(const json::value& page) {
    std::vector<std::string> out;
    for (const auto& row : page.at("traces").as_array()) out.emplace_back(row.at("traceId").as_string());
    return out;
  }

  fs::path dir_;
  std::unique_ptr<collector::SpanStore> writer_;
  std::unique_ptr<explorer::Explorer> explorer_;
  std::unique_ptr<net::HttpClient> client_;
};

TEST_F(ExplorerTest, ListIsNewestFirstWithEveryField) {
  const auto page = get_json("/api/traces");
  const auto got = ids(page);
  ASSERT_EQ(got.size(), static_cast<std::size_t>(kTraces));
  for (int i = 0; i < kTraces; ++i) EXPECT_EQ(got[static_cast<std::size_t>(i)], trace_hex(kTraces - 1 - i));
  EXPECT_TRUE(page.at("next").is_null());
  const auto& row = page.at("traces").as_array()[0].as_object();
  EXPECT_EQ(row.at("rootName"), "chat.session");
  EXPECT_DOUBLE_EQ(row.at("startUnixMs").as_double(), 1764950006000.0);
  EXPECT_DOUBLE_EQ(row.at("durationMs").as_double(), 2500.0);
  EXPECT_EQ(row.at("duration"), "2.500 s");
  EXPECT_EQ(row.at("spanCount"), 11);
  EXPECT_EQ(row.at("services").as_array().size(), 3u);
  EXPECT_EQ(row.at("error"), false);
  EXPECT_EQ(row.at("conversationId").as_string(), conversation_of(kTraces - 1));
}

TEST_F(ExplorerTest, PagingByCursorGivesEveryTraceOnce) {
  std::vector<std::string> all;
  std::string target = "/api/traces?limit=2";
  for (int pages = 0; pages < 10; ++pages) {
    const auto page = get_json(target);
    const auto got = ids(page);
    EXPECT_LE(got.size(), 2u);
    all.insert(all.end(), got.begin(), got.end());
    if (page.at("next").is_null()) break;
    target = "/api/traces?limit=2&after=" + std::string(page.at("next").as_string());
  }
  ASSERT_EQ(all.size(), static_cast<std::size_t>(kTraces));
  EXPECT_EQ(std::set<std::string>(all.begin(), all.end()).size(), all.size());
  EXPECT_EQ(all.front(), trace_hex(kTraces - 1));
  EXPECT_EQ(all.back(), trace_hex(0));
}

TEST_F(ExplorerTest, SearchByEachField) {
  EXPECT_EQ(ids(get_json("/api/traces?conversation_id=" + conversation_of(4))), std::vector{trace_hex(4)});
  EXPECT_EQ(ids(get_json("/api/traces?trace_id=" + trace_hex(2))), std::vector{trace_hex(2)});
  EXPECT_EQ(ids(get_json("/api/traces?errors=1")), std::vector{trace_hex(3)});
  EXPECT_EQ(ids(get_json("/api/traces?service=orders-service")).size(), static_cast<std::size_t>(kTraces));
  EXPECT_TRUE(ids(get_json("/api/traces?service=nobody")).empty());
  EXPECT_EQ(ids(get_json("/api/traces?span_name=GET+%2Forders")).size(), static_cast<std::size_t>(kTraces));
  EXPECT_EQ(ids(get_json("/api/traces?attr=http.response.status_code%3D503")), std::vector{trace_hex(3)});
  EXPECT_EQ(ids(get_json("/api/traces?attr=dataaction.name=lookupOrder&errors=1")), std::vector{trace_hex(3)});
  // Trace n starts at 1764950000 + n seconds: from 2 s to 4 s is traces 2 and 3.
  EXPECT_EQ(ids(get_json("/api/traces?from=2025-12-05T15:53:22.000Z&to=2025-12-05T15:53:24.000Z")),
            (std::vector{trace_hex(3), trace_hex(2)}));
}

TEST_F(ExplorerTest, BadQueriesAre400WithAMessage) {
  for (const std::string& query : std::vector<std::string>{
           "limit=0", "limit=201", "limit=ten", "trace_id=xyz", "trace_id=" + std::string(32, '0'), "from=yesterday",
           "from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "attr=novalue", "attr==v", "errors=maybe",
           "after=garbage", "colour=blue", "service=a&service=b", "attr=not.indexed.key%3Dx", "conversation_id="}) {
    const auto body = get_json("/api/traces?" + query, 400);
    ASSERT_TRUE(body.as_object().contains("error")) << query;
    EXPECT_FALSE(body.at("error").as_string().empty()) << query;
  }
  const auto unknown = get_json("/api/traces?colour=blue", 400);
  EXPECT_NE(std::string(unknown.at("error").as_string()).find("colour"), std::string::npos);
  EXPECT_EQ(get("/api/traces/nothex").status, 400);
  EXPECT_EQ(get("/api/nothing").status, 404);
}

// A key the collector was told to index (--index-attribute) after the explorer opened
// the store is searchable at once; a key it does not index is a 400 naming the ones it does.
TEST_F(ExplorerTest, AKeyTheCollectorIndexesIsSearchable) {
  const auto keys_before = get_json("/api/attributes").at("attributes").as_array();
  EXPECT_EQ(keys_before.size(), otlp::kIndexedSpanAttributes.size());
  ASSERT_TRUE(writer_->index_attributes({"order.id"}).ok());
  const auto keys = get_json("/api/attributes").at("attributes").as_array();
  ASSERT_EQ(keys.size(), otlp::kIndexedSpanAttributes.size() + 1);
  EXPECT_EQ(keys[0].as_string(), "chat.conversation.id");
  EXPECT_EQ(keys.back().as_string(), "order.id");
  test_support::ChatTraceOptions o;
  o.trace_id = trace_hex(kTraces);
  o.conversation_id = conversation_of(kTraces);
  auto spans = test_support::chat_trace(o);
  spans[1]->attributes.set("order.id", "o-42");
  ASSERT_TRUE(writer_->insert(spans).ok());
  EXPECT_EQ(ids(get_json("/api/traces?attr=order.id%3Do-42")), std::vector{trace_hex(kTraces)});
  EXPECT_TRUE(ids(get_json("/api/traces?attr=order.id%3Do-43")).empty());
  const auto refused = get_json("/api/traces?attr=order.number%3Do-42", 400);
  const std::string message(refused.at("error").as_string());
  EXPECT_NE(message.find("order.number"), std::string::npos) << message;
  EXPECT_NE(message.find("order.id"), std::string::npos) << message;
}

TEST_F(ExplorerTest, ATraceIsItsDocument) {
  const auto doc = get_json("/api/traces/" + trace_hex(3));
  EXPECT_EQ(doc.at("traceId").as_string(), trace_hex(3));
  EXPECT_EQ(doc.at("spans").as_array().size(), 11u);
  EXPECT_EQ(doc.at("errors"), 1);
  const auto& conversation = doc.at("conversation");
  EXPECT_EQ(conversation.at("id").as_string(), conversation_of(3));
  EXPECT_EQ(conversation.at("messages").as_array().size(), 4u);
  EXPECT_TRUE(conversation.at("platform").is_null());
  const auto missing = get_json("/api/traces/" + trace_hex(99), 404);
  EXPECT_NE(std::string(missing.at("error").as_string()).find(trace_hex(99)), std::string::npos);
}

TEST_F(ExplorerTest, AConversationListsItsTraces) {
  const auto found = get_json("/api/conversations/" + conversation_of(5));
  EXPECT_EQ(found.at("conversationId").as_string(), conversation_of(5));
  EXPECT_EQ(ids(found), std::vector{trace_hex(5)});
  get_json("/api/conversations/" + conversation_of(50), 404);
}

TEST_F(ExplorerTest, ThePageIsServedOnEachRouteWithItsPolicy) {
  for (const std::string& route :
       std::vector<std::string>{"/", "/trace/" + trace_hex(1), "/conversation/" + conversation_of(1)}) {
    const auto page = get(route);
    EXPECT_EQ(page.status, 200) << route;
    EXPECT_EQ(page.header("Content-Type").value_or(""), "text/html; charset=utf-8");
    EXPECT_NE(page.header("Content-Security-Policy").value_or("").find("default-src 'none'"), std::string::npos);
    EXPECT_NE(page.body.find("id=\"trace-data\">null</script>"), std::string::npos) << route;
  }
  EXPECT_EQ(get("/favicon.ico").status, 404);
  net::HttpRequest post;
  post.method = "POST";
  post.target = "/api/traces";
  const auto refused = client_->send(post, std::chrono::seconds(5));
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 405);
}

// A page on another site that points its own name at 127.0.0.1 (DNS rebinding) sends its
// name as the Host: it gets nothing.
TEST_F(ExplorerTest, OnlyLoopbackHostsAreAnswered) {
  EXPECT_EQ(ask_with_host("127.0.0.1:" + std::to_string(explorer_->port())), 200);
  EXPECT_EQ(ask_with_host("localhost:" + std::to_string(explorer_->port())), 200);
  EXPECT_EQ(ask_with_host("[::1]:" + std::to_string(explorer_->port())), 200);
  EXPECT_EQ(ask_with_host("attacker.example"), 403);
  EXPECT_EQ(ask_with_host("127.0.0.1.attacker.example"), 403);
  EXPECT_EQ(ask_with_host("localhost", "Origin: https://attacker.example\r\n"), 403);
}

// Behind a reverse proxy (or reached by the machine's name) the names it is reached by
// are allowed besides loopback's, without case; others are still refused.
TEST_F(ExplorerTest, AllowedHostsAreAnsweredBesidesLoopback) {
  explorer_.reset();
  explorer::ExplorerOptions options;
  options.listen = "127.0.0.1:0";
  options.db = dir_ / "traces.sqlite";
  options.allowed_hosts = {"Traces.Example.com", "[fd00::1]"};
  auto started = explorer::Explorer::start(options);
  ASSERT_TRUE(started) << started.error().message;
  explorer_ = std::move(*started);
  EXPECT_TRUE(explorer_->checks_host());
  EXPECT_EQ(ask_with_host("traces.example.com"), 200);
  EXPECT_EQ(ask_with_host("TRACES.example.COM:443"), 200);
  EXPECT_EQ(ask_with_host("[fd00::1]:8443"), 200);
  EXPECT_EQ(ask_with_host("LOCALHOST:" + std::to_string(explorer_->port())), 200);
  EXPECT_EQ(ask_with_host("traces.example.com", "Origin: https://traces.example.com\r\n"), 200);
  EXPECT_EQ(ask_with_host("other.example.com"), 403);
  EXPECT_EQ(ask_with_host("traces.example.com.attacker.example"), 403);
  EXPECT_EQ(ask_with_host("traces.example.com", "Origin: https://attacker.example\r\n"), 403);

  // A name that is not one stops the start (host_check_test.cpp has the others).
  options.allowed_hosts = {"traces.example.com:443"};
  auto refused = explorer::Explorer::start(options);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("allowed host"), std::string::npos) << refused.error().message;
}

TEST_F(ExplorerTest, TheLiveFeedSaysWhenNewSpansAreIndexed) {
  auto live = tracechat::testing::RawWsClient::connect(explorer_->port(), "/api/live");
  ASSERT_TRUE(live);
  // Opened and registered before anything changes: the first notice is for what follows.
  for (int i = 0; i < 200 && explorer_->stats().live_clients == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(explorer_->stats().live_clients, 1u);
  add_trace(kTraces);
  const auto notice = live->read_json(std::chrono::seconds(10));
  EXPECT_EQ(notice.at("type"), "changed");
  EXPECT_EQ(ids(get_json("/api/traces?limit=1")), std::vector{trace_hex(kTraces)});
}

}  // namespace
