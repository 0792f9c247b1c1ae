// The Platform API client against a scripted server: what it sends to log in, how it
// caches and renews the token, the 401, 429 and 5xx paths, and that no secret or token
// reaches a log line or an error.
#include "tracechat/platform/platform_client.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <thread>

#include "platform/scripted_server.h"
#include "tracechat/platform/details_job.h"
#include "tracechat/platform/token_source.h"

namespace tracechat::platform {
namespace {

using namespace std::chrono_literals;
using testing::ScriptedServer;
using testing::token_answer;
using testing::too_many;

constexpr const char* kSecret = "s3cr3t-Value-That-Must-Not-Leak";
constexpr const char* kToken = "TOKENabcdefghijklmnopqrstuvwxyz0123456789";
constexpr const char* kConversation = "/api/v2/conversations/0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111";
constexpr const char* kConversationBody =
    R"({"id":"0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111","participants":[{"id":"p1","purpose":"customer",)"
    R"("attributes":{"otel_trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}}]})";

class PlatformClientTest : public ::testing::Test {
 protected:
  PlatformClient& client() {
    if (!client_) {
      PlatformSettings settings{*hosts_for_base_url(server_.url()), {"my-client", kSecret}};
      PlatformClientOptions options;
      options.retry.sleep = [this](std::chrono::milliseconds wait) { waits_.push_back(wait); };
      options.retry.log = [this](std::string_view line) { logs_.emplace_back(line); };
      options.retry.max_attempts = max_attempts_;
      client_ = std::make_unique<PlatformClient>(std::move(settings), options);
    }
    return *client_;
  }
  // Every text the client produced must be free of the secret and of the whole token.
  void expect_no_secrets(const std::vector<std::string>& errors = {}) {
    for (const auto* texts : {static_cast<const std::vector<std::string>*>(&logs_), &errors}) {
      for (const auto& t : *texts) {
        EXPECT_EQ(t.find(kSecret), std::string::npos) << t;
        EXPECT_EQ(t.find(kToken), std::string::npos) << t;
        EXPECT_EQ(t.find(std::string(kToken).substr(0, 9)), std::string::npos) << "more than 8 characters: " << t;
      }
    }
  }

  ScriptedServer server_;
  int max_attempts_ = 5;
  std::vector<std::chrono::milliseconds> waits_;
  std::vector<std::string> logs_;
  std::unique_ptr<PlatformClient> client_;
};

TEST_F(PlatformClientTest, LogsInWithBasicAuthAndAFormBodyAndCachesTheToken) {
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kConversation, {net::json_response(200, kConversationBody)});
  for (int i = 0; i < 3; ++i) {
    auto c = client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(find_attribute(*c, "otel_trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  }
  EXPECT_EQ(server_.count("/oauth/token"), 1u);
  EXPECT_EQ(client().stats().token_fetches, 1u);
  const auto requests = server_.requests();
  const auto& login = requests.front();
  EXPECT_EQ(login.method, "POST");
  EXPECT_EQ(login.body, "grant_type=client_credentials");
  EXPECT_EQ(login.header("Content-Type"), "application/x-www-form-urlencoded");
  // base64("my-client:s3cr3t-Value-That-Must-Not-Leak")
  EXPECT_EQ(login.header("Authorization"), "Basic bXktY2xpZW50OnMzY3IzdC1WYWx1ZS1UaGF0LU11c3QtTm90LUxlYWs=");
  EXPECT_EQ(requests.back().header("Authorization"), std::string("Bearer ") + kToken);
  expect_no_secrets();
}

TEST_F(PlatformClientTest, RenewsTheTokenBeforeItExpires) {
  // expires_in 2: renewed after half its life (shorter than the 60 s margin).
  server_.script("/oauth/token", {token_answer("first-token-xxxxxxxx", 2), token_answer("second-token-xxxxxxx", 2)});
  server_.script(kConversation, {net::json_response(200, kConversationBody)});
  ASSERT_TRUE(client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111").ok());
  ASSERT_TRUE(client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111").ok());
  EXPECT_EQ(server_.count("/oauth/token"), 1u);
  std::this_thread::sleep_for(1100ms);
  ASSERT_TRUE(client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111").ok());
  EXPECT_EQ(server_.count("/oauth/token"), 2u);
  EXPECT_EQ(server_.requests().back().header("Authorization"), "Bearer second-token-xxxxxxx");
}

TEST_F(PlatformClientTest, A401GetsOneNewTokenAndOneMoreTry) {
  server_.script("/oauth/token", {token_answer("old-token-xxxxxxxxxx"), token_answer(kToken)});
  server_.script(kConversation,
                 {net::json_response(401, R"({"message":"Invalid login credentials.","code":"bad.credentials"})"),
                  net::json_response(200, kConversationBody)});
  auto c = client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(server_.count("/oauth/token"), 2u);
  EXPECT_EQ(client().stats().reauthentications, 1u);
  expect_no_secrets();
}

TEST_F(PlatformClientTest, A401ThatPersistsIsAnAuthenticationError) {
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kConversation,
                 {net::json_response(401, R"({"message":"Invalid login credentials.","code":"bad.credentials"})")});
  auto c = client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, PlatformError::Kind::authentication);
  EXPECT_EQ(c.error().http_status, 401);
  EXPECT_NE(c.error().message.find("GET /api/v2/conversations/{conversationId}"), std::string::npos);
  EXPECT_NE(c.error().message.find("bad.credentials"), std::string::npos);
  EXPECT_EQ(server_.count(kConversation), 2u);  // one try, one retry with a new token
  expect_no_secrets({c.error().message});
}

TEST_F(PlatformClientTest, ARefusedLoginNamesTheClientNotTheSecret) {
  server_.script("/oauth/token", {net::json_response(401, R"({"error":"invalid_client","description":"bad",)"
                                                          R"("error_description":"client not found"})")});
  auto c = client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, PlatformError::Kind::authentication);
  EXPECT_NE(c.error().message.find("my-client"), std::string::npos);
  EXPECT_NE(c.error().message.find("invalid_client: client not found"), std::string::npos);
  EXPECT_EQ(server_.count(kConversation), 0u);
  expect_no_secrets({c.error().message});
}

TEST_F(PlatformClientTest, A429IsWaitedOutForRetryAfterSeconds) {
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kConversation, {too_many(3), too_many(1), net::json_response(200, kConversationBody)});
  auto c = client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(waits_, (std::vector<std::chrono::milliseconds>{3000ms, 1000ms}));
  ASSERT_FALSE(logs_.empty());
  expect_no_secrets();
}

TEST_F(PlatformClientTest, RateLimitedBeyondTheAttemptsNamesTheEndpoint) {
  max_attempts_ = 3;
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kConversation, {too_many(1)});
  auto c = client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, PlatformError::Kind::rate_limited);
  EXPECT_NE(c.error().message.find("GET /api/v2/conversations/{conversationId}"), std::string::npos);
  EXPECT_EQ(server_.count(kConversation), 3u);
  EXPECT_EQ(waits_.size(), 2u);
}

TEST_F(PlatformClientTest, ServerErrorsBackOffWithJitterUnderTheCap) {
  max_attempts_ = 10;
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kConversation, {net::json_response(503, "{}")});
  auto c = client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, PlatformError::Kind::failed);
  EXPECT_EQ(c.error().http_status, 503);
  EXPECT_EQ(server_.count(kConversation), 10u);
  ASSERT_EQ(waits_.size(), 9u);
  // Attempt n waits at most base * 2^n (500 ms, 1 s, 2 s, 4 s, ...) and never above the
  // 8 s cap, which the later attempts reach; jitter spreads them below the ceiling.
  std::set<std::chrono::milliseconds> distinct;
  for (std::size_t n = 0; n < waits_.size(); ++n) {
    EXPECT_LE(waits_[n], std::min(std::chrono::milliseconds(500 << n), std::chrono::milliseconds(8000))) << n;
    EXPECT_GE(waits_[n], 0ms);
    distinct.insert(waits_[n]);
  }
  EXPECT_GT(distinct.size(), 1u) << "no jitter";
}

TEST_F(PlatformClientTest, ARetryAfterLongerThanTheClientWaitsIsAnErrorAtOnce) {
  server_.script("/oauth/token", {token_answer(kToken)});
  for (const char* after : {"500", "99999999999999999999999"}) {
    auto answer = too_many(1);
    answer.headers.clear();
    answer.set_header("Retry-After", after);
    server_.script(kConversation, {answer});
    auto c = client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
    ASSERT_FALSE(c.ok()) << after;
    EXPECT_EQ(c.error().kind, PlatformError::Kind::rate_limited);
    EXPECT_NE(c.error().message.find("longer than the 120 s this client waits"), std::string::npos)
        << c.error().message;
  }
  EXPECT_TRUE(waits_.empty());
}

TEST_F(PlatformClientTest, SubmittingAJobIsNotRepeatedAfterA5xx) {
  // A 5xx may come after the job was created: repeating the POST could start a second.
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script("/api/v2/analytics/conversations/details/jobs",
                 {net::json_response(502, "{}"), too_many(1), net::json_response(202, R"({"jobId":"j"})")});
  DetailsQuery q;
  q.interval = "2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z";
  auto job = client().submit_details_job(q);
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(server_.count("/api/v2/analytics/conversations/details/jobs"), 1u);
  // A 429 says the request was not processed: that one is repeated.
  job = client().submit_details_job(q);
  ASSERT_TRUE(job.ok()) << job.error().message;
  EXPECT_EQ(*job, "j");
}

TEST_F(PlatformClientTest, AStopRequestEndsTheRetriesAtTheNextWait) {
  bool stop = false;
  PlatformClientOptions options;
  options.retry.sleep = [&](std::chrono::milliseconds) { stop = true; };  // Ctrl-C during the wait
  options.retry.stop_requested = [&] { return stop; };
  PlatformClient api(PlatformSettings{*hosts_for_base_url(server_.url()), {"my-client", kSecret}}, options);
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kConversation, {net::json_response(503, "{}")});
  auto c = api.get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("stopped"), std::string::npos);
  EXPECT_EQ(server_.count(kConversation), 1u);
}

TEST_F(PlatformClientTest, AnOddTokenAnswerIsRefusedOrBounded) {
  // A token that could break the header line is refused before it is ever sent.
  server_.script("/oauth/token", {net::json_response(200, R"({"access_token":"abc\r\nX-Admin: 1","expires_in":60})")});
  auto c = client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("characters a bearer token cannot have"), std::string::npos);
  EXPECT_EQ(server_.count(kConversation), 0u);
}

TEST_F(PlatformClientTest, AHugeExpiresInIsCappedNotOverflowed) {
  server_.script("/oauth/token", {net::json_response(200, std::string(R"({"access_token":")") + kToken +
                                                              R"(","expires_in":9223372036854775807})")});
  server_.script(kConversation, {net::json_response(200, kConversationBody)});
  ASSERT_TRUE(client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111").ok());
  ASSERT_TRUE(client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111").ok());
  bool capped = false;
  for (const auto& line : logs_) capped |= line.find("valid for 31536000 s") != std::string::npos;
  EXPECT_TRUE(capped);
}

TEST_F(PlatformClientTest, TheSynchronousQuerySendsItsFiltersAndPaging) {
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script("/api/v2/analytics/conversations/details/query",
                 {net::json_response(200, R"({"totalHits":3,"conversations":[{"conversationId":"c3",)"
                                          R"("participants":[{"participantId":"p","purpose":"customer"}]}]})")});
  DetailsQuery q;
  q.interval = "2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z";
  q.conversation_filters.push_back({"and", {{"dimension", "conversationId", "c3"}}});
  q.page_size = 1;
  q.page_number = 3;
  auto page = client().query_details(q);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->total_hits, 3);
  ASSERT_EQ(page->conversations.size(), 1u);
  EXPECT_TRUE(page->conversations[0].participants[0].attributes.empty());
  const auto body = boost::json::parse(server_.requests().back().body).as_object();
  EXPECT_EQ(body.at("interval"), q.interval.c_str());
  EXPECT_EQ(body.at("paging").at("pageSize"), 1);
  EXPECT_EQ(body.at("paging").at("pageNumber"), 3);
  const auto& predicate = body.at("conversationFilters").at(0).at("predicates").at(0).as_object();
  EXPECT_EQ(predicate.at("dimension"), "conversationId");
  EXPECT_EQ(predicate.at("value"), "c3");
  EXPECT_EQ(predicate.at("operator"), "matches");
}

TEST(TokenHint, AtMostEightCharactersAndNeverMoreThanAQuarter) {
  EXPECT_EQ(token_hint("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefg"), "ABCDEFGH…");
  EXPECT_EQ(token_hint("ABCDEFGHIJKL"), "ABC…");
  EXPECT_EQ(token_hint("abc"), "…");
}

TEST_F(PlatformClientTest, NotFoundIsItsOwnKind) {
  server_.script("/oauth/token", {token_answer(kToken)});
  auto m = client().get_message_details("abc123");
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().kind, PlatformError::Kind::not_found);
}

TEST_F(PlatformClientTest, IdsThatWouldChangeThePathAreRefusedUnsent) {
  for (const char* id : {"../../oauth/token", "a/b", "a?b=c", "", "a b"}) {
    auto c = client().get_conversation(id);
    ASSERT_FALSE(c.ok()) << id;
    EXPECT_EQ(c.error().kind, PlatformError::Kind::configuration) << id;
  }
  EXPECT_TRUE(server_.requests().empty());
}

TEST_F(PlatformClientTest, AnEchoedSecretIsScrubbedFromErrors) {
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kConversation, {net::json_response(400, std::string(R"({"message":"you sent )") + kSecret +
                                                             R"(","code":"bad.request","status":400})")});
  auto c = client().get_conversation("0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("[redacted]"), std::string::npos);
  expect_no_secrets({c.error().message});
}

constexpr const char* kJobs = "/api/v2/analytics/conversations/details/jobs";

DetailsQuery day() {
  DetailsQuery q;
  q.interval = "2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z";
  return q;
}

TEST_F(PlatformClientTest, ADetailsJobIsPolledUntilFulfilledAndReadByCursor) {
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kJobs, {net::json_response(202, R"({"jobId":"job-1"})")});
  server_.script(std::string(kJobs) + "/job-1",
                 {net::json_response(200, R"({"state":"QUEUED"})"), net::json_response(200, R"({"state":"PENDING"})"),
                  net::json_response(200, R"({"state":"FULFILLED"})")});
  server_.script(std::string(kJobs) + "/job-1/results",
                 {net::json_response(200, R"({"conversations":[{"conversationId":"c1"}],"cursor":"a+b/c"})"),
                  net::json_response(200, R"({"conversations":[{"conversationId":"c2","participants":[)"
                                          R"({"purpose":"customer","attributes":{"k":"v"}}]}]})")});
  DetailsJobOptions options;
  std::vector<std::chrono::milliseconds> polls;
  options.sleep = [&](std::chrono::milliseconds wait) { polls.push_back(wait); };
  std::vector<std::string> seen;
  auto stopped = run_details_job(client(), day(), options, [&](const ConversationDetails& c) {
    seen.push_back(c.conversation_id);
    return false;
  });
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_FALSE(*stopped);
  EXPECT_EQ(seen, (std::vector<std::string>{"c1", "c2"}));
  EXPECT_EQ(polls, (std::vector<std::chrono::milliseconds>{500ms, 750ms}));  // growing waits
  const auto requests = server_.requests();
  ASSERT_GE(requests.size(), 2u);
  EXPECT_EQ(requests[requests.size() - 2].target, std::string(kJobs) + "/job-1/results?pageSize=1000&cursor=a%2Bb%2Fc");
  // A job read to the end is deleted, not left to expire on the org.
  EXPECT_EQ(requests.back().method, "DELETE");
  EXPECT_EQ(requests.back().target, std::string(kJobs) + "/job-1");
}

TEST_F(PlatformClientTest, AFailedJobSaysWhy) {
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kJobs, {net::json_response(202, R"({"jobId":"job-2"})")});
  server_.script(std::string(kJobs) + "/job-2",
                 {net::json_response(200, R"({"state":"FAILED","errorMessage":"interval too large"})")});
  DetailsJobOptions options;
  options.sleep = [](std::chrono::milliseconds) {};
  auto r = run_details_job(client(), day(), options, [](const ConversationDetails&) { return false; });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, PlatformError::Kind::failed);
  EXPECT_NE(r.error().message.find("FAILED: interval too large"), std::string::npos);
}

TEST_F(PlatformClientTest, ACursorThatComesBackEndsTheReading) {
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kJobs, {net::json_response(202, R"({"jobId":"job-4"})")});
  server_.script(std::string(kJobs) + "/job-4", {net::json_response(200, R"({"state":"FULFILLED"})")});
  server_.script(std::string(kJobs) + "/job-4/results",
                 {net::json_response(200, R"({"conversations":[{"conversationId":"c1"}],"cursor":"A"})"),
                  net::json_response(200, R"({"conversations":[{"conversationId":"c2"}],"cursor":"B"})"),
                  net::json_response(200, R"({"conversations":[{"conversationId":"c1"}],"cursor":"A"})")});
  DetailsJobOptions options;
  auto r = run_details_job(client(), day(), options, [](const ConversationDetails&) { return false; });
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("cursor came back"), std::string::npos);
  EXPECT_EQ(server_.count(std::string(kJobs) + "/job-4/results"), 3u);
}

TEST_F(PlatformClientTest, AJobThatOutlastsTheTimeoutIsCancelled) {
  server_.script("/oauth/token", {token_answer(kToken)});
  server_.script(kJobs, {net::json_response(202, R"({"jobId":"job-3"})")});
  server_.script(std::string(kJobs) + "/job-3", {net::json_response(200, R"({"state":"QUEUED"})")});
  DetailsJobOptions options;
  options.timeout = 1ms;
  auto r = run_details_job(client(), day(), options, [](const ConversationDetails&) { return false; });
  ASSERT_FALSE(r.ok());
  bool cancelled = false;
  for (const auto& request : server_.requests()) {
    cancelled |= request.method == "DELETE" && request.path() == std::string(kJobs) + "/job-3";
  }
  EXPECT_TRUE(cancelled);
}

}  // namespace
}  // namespace tracechat::platform
