// Asynchronous conversation details jobs: the REST lifecycle against a running emulator,
// and the job store with a clock the test moves.
#include "emulator/analytics_jobs.h"

#include "common/rfc3339.h"
#include "emulator/analytics_query.h"
#include "emulator_fixture.h"

using namespace tracechat::testing;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace emulator = tracechat::emulator;

namespace {

const std::string kJobs = "/api/v2/analytics/conversations/details/jobs";
const std::string kEverything = R"({"interval":"2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z"})";
// A job over all time whose one filter is a property predicate on otel_trace_id.
const std::string kByTraceId =
    R"({"interval":"2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z","segmentFilters":[{"type":"and",)"
    R"("predicates":[{"type":"property","property":"otel_trace_id","value":"11111111111111111111111111111111"}]}]})";

std::string str(const json::value& v, const char* key) {
  if (!v.is_object() || !v.as_object().contains(key) || !v.at(key).is_string()) return "<missing>";
  return std::string(v.at(key).as_string());
}

std::int64_t now_ms() { return emulator::AnalyticsJobs::system_now_ms(); }

class DetailsJobs : public EmulatorTest {
 protected:
  // A guest-chat conversation with otel_trace_id set; returns its conversation id.
  std::string conversation_with_trace(const std::string& trace_id, const std::string& guest = kGuest) {
    auto ws = open(guest_path(guest));
    auto connected = connect(*ws);
    ws->send_json({{"command", "set-attributes"}, {"requestId", "a"}, {"attributes", {{"otel_trace_id", trace_id}}}});
    ws->read_until_type("attributes-updated");
    return str(connected, "conversationId");
  }
  std::string submit(const std::string& body = kEverything) {
    auto r = http_json("POST", kJobs, body, 202);
    return str(r, "jobId");
  }
  json::value status(const std::string& job) { return http_json("GET", kJobs + "/" + job); }
  // Polls until the job left QUEUED and PENDING.
  json::value finished(const std::string& job) {
    for (int i = 0; i < 500; ++i) {
      auto s = status(job);
      if (str(s, "state") != "QUEUED" && str(s, "state") != "PENDING") return s;
      std::this_thread::sleep_for(10ms);
    }
    return nullptr;
  }
};

}  // namespace

class DetailsJobsSlow : public DetailsJobs {
  void configure(emulator::EmulatorOptions& o) override { o.config.analytics.job_delay = 1000ms; }
};

// Long enough that the first status call comes well before the job is due, even on a
// loaded machine.
class DetailsJobsSlower : public DetailsJobs {
  void configure(emulator::EmulatorOptions& o) override { o.config.analytics.job_delay = 2000ms; }
};

TEST_F(DetailsJobsSlower, AJobIsQueuedUntilItsDelayPassedThenFulfilledWithAttributes) {
  const auto conversation = conversation_with_trace("4bf92f3577b34da6a3ce929d0e0e4736");
  const auto submitted_at = std::chrono::steady_clock::now();
  auto created = http("POST", kJobs, kEverything);
  ASSERT_EQ(created.status, 202) << created.body;
  const auto job = str(json::parse(created.body), "jobId");
  EXPECT_TRUE(tracechat::protocol::is_uuid(job)) << job;

  auto queued = status(job);
  EXPECT_TRUE(str(queued, "state") == "QUEUED" || str(queued, "state") == "PENDING") << queued;
  EXPECT_FALSE(queued.as_object().contains("completionDate"));
  const auto submission = tracechat::common::parse_rfc3339_ms(str(queued, "submissionDate"));
  const auto expiration = tracechat::common::parse_rfc3339_ms(str(queued, "expirationDate"));
  ASSERT_TRUE(submission && expiration) << queued;
  EXPECT_EQ(*expiration - *submission, 86400000);
  auto early = http("GET", kJobs + "/" + job + "/results");
  EXPECT_EQ(early.status, 400) << early.body;

  auto done = finished(job);
  EXPECT_GE(std::chrono::steady_clock::now() - submitted_at, 1900ms);
  ASSERT_EQ(str(done, "state"), "FULFILLED") << done;
  EXPECT_EQ(*tracechat::common::parse_rfc3339_ms(str(done, "completionDate")), *submission + 2000);
  EXPECT_FALSE(done.as_object().contains("errorMessage"));

  auto results = http_json("GET", kJobs + "/" + job + "/results");
  EXPECT_FALSE(results.as_object().contains("cursor"));
  EXPECT_TRUE(tracechat::common::parse_rfc3339_ms(str(results, "dataAvailabilityDate")));
  ASSERT_EQ(results.at("conversations").as_array().size(), 1u);
  const auto& record = results.at("conversations").at(0);
  EXPECT_EQ(str(record, "conversationId"), conversation);
  EXPECT_TRUE(tracechat::common::parse_rfc3339_ms(str(record, "conversationStart")));
  const auto& customer = record.at("participants").at(0);
  EXPECT_EQ(str(customer, "purpose"), "customer");
  EXPECT_EQ(str(customer.at("attributes"), "otel_trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(customer.at("sessions").at(0).at("mediaType"), "message");
}

TEST_F(DetailsJobs, ResultsArePagedByCursor) {
  std::vector<std::string> conversations;
  for (const char* guest : {kGuest, kOtherGuest, "22222222-3333-4444-8555-666666666666"}) {
    conversations.push_back(conversation_with_trace("4bf92f3577b34da6a3ce929d0e0e4736", guest));
    std::this_thread::sleep_for(5ms);  // distinct start times, so the order is theirs
  }
  const auto job = submit();
  ASSERT_EQ(str(finished(job), "state"), "FULFILLED");
  std::vector<std::string> seen;
  std::string cursor;
  for (int page = 0; page < 3; ++page) {
    auto r = http_json("GET", kJobs + "/" + job + "/results?pageSize=1" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(r.at("conversations").as_array().size(), 1u) << r;
    seen.push_back(str(r.at("conversations").at(0), "conversationId"));
    if (page < 2) {
      ASSERT_TRUE(r.as_object().contains("cursor")) << r;
      cursor = str(r, "cursor");
    } else {
      EXPECT_FALSE(r.as_object().contains("cursor")) << r;  // the last page
    }
  }
  EXPECT_EQ(seen, conversations);  // oldest first
  EXPECT_EQ(job_results(kEverything, "2").size(), 3u);

  for (const std::string bad :
       {"?cursor=nonsense", "?cursor=99.zzzzzzzz", "?pageSize=0", "?pageSize=1001", "?pageSize=abc", "?cursor=%ZZ"}) {
    auto r = http("GET", kJobs + "/" + job + "/results" + bad);
    EXPECT_EQ(r.status, 400) << bad << ": " << r.body;
    EXPECT_EQ(str(json::parse(r.body), "code"), "bad.request") << bad;
  }
  // A cursor belongs to its job.
  const auto other = submit();
  ASSERT_EQ(str(finished(other), "state"), "FULFILLED");
  EXPECT_EQ(http("GET", kJobs + "/" + other + "/results?cursor=" + cursor).status, 400);
}

TEST_F(DetailsJobs, AttributesAreFoundInTheResultsAndLimitCapsThem) {
  const auto first = conversation_with_trace("11111111111111111111111111111111");
  std::this_thread::sleep_for(5ms);  // distinct start times: `limit` keeps the oldest, ties go by id
  conversation_with_trace("22222222222222222222222222222222", kOtherGuest);
  EXPECT_EQ(conversations_with_attribute("otel_trace_id", "11111111111111111111111111111111"),
            std::vector<std::string>{first});
  EXPECT_TRUE(conversations_with_attribute("otel_trace_id", "33333333333333333333333333333333").empty());
  auto limited = job_results(R"({"interval":"2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z","limit":1,)"
                             R"("startOfDayIntervalMatching":true})");
  ASSERT_EQ(limited.size(), 1u);
  EXPECT_EQ(str(limited.at(0), "conversationId"), first);
}

TEST_F(DetailsJobs, APropertyPredicateMatchesNothingByDefault) {
  // The reference does not say that a job's property predicates match custom
  // attributes, so the emulator does not let a client come to rely on it.
  conversation_with_trace("11111111111111111111111111111111");
  EXPECT_TRUE(job_results(kByTraceId).empty());
  EXPECT_EQ(job_results(kEverything).size(), 1u);
}

class DetailsJobsPropertiesMatch : public DetailsJobs {
  void configure(emulator::EmulatorOptions& o) override { o.config.analytics.job_property_predicates_match = true; }
};

TEST_F(DetailsJobsPropertiesMatch, APropertyPredicateMatchesTheAttributeWhenConfiguredTo) {
  const auto first = conversation_with_trace("11111111111111111111111111111111");
  conversation_with_trace("22222222222222222222222222222222", kOtherGuest);
  auto found = job_results(kByTraceId);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(str(found.at(0), "conversationId"), first);
}

TEST_F(DetailsJobs, AnActiveConversationOverlapsAnIntervalThatStartsAfterIt) {
  const auto conversation = conversation_with_trace("4bf92f3577b34da6a3ce929d0e0e4736");
  const auto started = now_ms();
  std::this_thread::sleep_for(20ms);
  // An interval from now on: the conversation started before it but is still going on.
  const auto from = now_ms() - 5;
  const std::string interval = tracechat::common::format_rfc3339_ms(from) + "/2100-01-01T00:00:00.000Z";
  auto found = job_results(R"({"interval":")" + interval + "\"}");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(str(found.at(0), "conversationId"), conversation);
  // The synchronous query finds it too: it overlaps the interval and started on the
  // interval's first day (unless this ran across midnight UTC, which the query's day rule
  // would rightly exclude).
  if (started / 86400000 != from / 86400000) GTEST_SKIP() << "ran across midnight UTC";
  auto sync = http_json("POST", "/api/v2/analytics/conversations/details/query", R"({"interval":")" + interval + "\"}");
  EXPECT_EQ(sync.at("totalHits"), 1);
}

class DetailsJobsLongAttributes : public DetailsJobs {
  void configure(emulator::EmulatorOptions& o) override {
    o.config.limits.max_attribute_value_chars = 3000;
    o.config.limits.max_attributes_bytes = 20000;
  }
};

TEST_F(DetailsJobsLongAttributes, ResultAttributesAreCutAt1024Characters) {
  auto ws = open(guest_path());
  auto connected = connect(*ws);
  // 1500 two-byte characters: the cut counts characters and never splits one.
  std::string long_value;
  for (int i = 0; i < 1500; ++i) long_value += "\xC3\xA9";
  ws->send_json(
      {{"command", "set-attributes"}, {"requestId", "a"}, {"attributes", {{"long", long_value}, {"short", "s"}}}});
  ws->read_until_type("attributes-updated");
  auto stored = http_json("GET", "/api/v2/conversations/" + str(connected, "conversationId"));
  EXPECT_EQ(str(stored.at("participants").at(0).at("attributes"), "long"), long_value);
  auto found = job_results(kEverything);
  ASSERT_EQ(found.size(), 1u);
  const auto& attributes = found.at(0).at("participants").at(0).at("attributes");
  EXPECT_EQ(str(attributes, "long"), long_value.substr(0, 2048));
  EXPECT_EQ(str(attributes, "short"), "s");
}

class DetailsJobsFailing : public DetailsJobs {
  void configure(emulator::EmulatorOptions& o) override { o.config.analytics.job_failure = "injected failure"; }
};

TEST_F(DetailsJobsFailing, TheJobFailureKnobFailsEveryJob) {
  conversation_with_trace("4bf92f3577b34da6a3ce929d0e0e4736");
  const auto job = submit();
  auto s = finished(job);
  EXPECT_EQ(str(s, "state"), "FAILED");
  EXPECT_EQ(str(s, "errorMessage"), "injected failure");
  EXPECT_TRUE(s.as_object().contains("completionDate"));
  EXPECT_EQ(http("GET", kJobs + "/" + job + "/results").status, 400);
}

TEST_F(DetailsJobsSlow, DeleteCancelsAJob) {
  const auto job = submit();
  auto deleted = http("DELETE", kJobs + "/" + job);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  EXPECT_EQ(str(status(job), "state"), "CANCELLED");
  std::this_thread::sleep_for(1100ms);  // past the delay: still cancelled
  EXPECT_EQ(str(status(job), "state"), "CANCELLED");
  EXPECT_EQ(http("GET", kJobs + "/" + job + "/results").status, 400);
}

TEST_F(DetailsJobs, UnknownJobsAndBadBodies) {
  const std::string unknown = kJobs + "/00000000-0000-4000-8000-000000000000";
  for (const auto& [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", unknown}, {"GET", unknown + "/results"}, {"DELETE", unknown}}) {
    auto r = http(method, path);
    EXPECT_EQ(r.status, 404) << method << " " << path;
    EXPECT_EQ(str(json::parse(r.body), "code"), "not.found");
  }
  const auto message = [&](const std::string& body) {
    auto r = http("POST", kJobs, body);
    EXPECT_EQ(r.status, 400) << body;
    return str(json::parse(r.body), "message");
  };
  EXPECT_EQ(message("{}"), "interval: required");
  EXPECT_EQ(message(R"({"interval":"2001-01-01T00:00:00Z/2002-01-01T00:00:00Z","limit":0})"),
            "limit: must be at least 1");
  EXPECT_EQ(message(R"({"interval":"2001-01-01T00:00:00Z/2002-01-01T00:00:00Z","startOfDayIntervalMatching":"yes"})"),
            "startOfDayIntervalMatching: expected boolean");
  EXPECT_EQ(
      message(
          R"({"interval":"2001-01-01T00:00:00Z/2002-01-01T00:00:00Z","segmentFilters":[{"predicates":[{"dimension":"wrapUpCode","value":"x"}]}]})"),
      "segmentFilters[0].predicates[0].dimension: unsupported dimension 'wrapUpCode'");
  EXPECT_NE(message("nope").find("request body"), std::string::npos);
  EXPECT_EQ(http("GET", kJobs).status, 405);
  EXPECT_EQ(http("POST", kJobs + "/availability").status, 405);
}

class DetailsJobsLagging : public DetailsJobs {
  void configure(emulator::EmulatorOptions& o) override { o.config.analytics.data_availability_lag = 3600s; }
};

TEST_F(DetailsJobsLagging, AJobSeesOnlyDataOlderThanTheAvailabilityDate) {
  start();
  auto availability = http_json("GET", kJobs + "/availability");
  const auto date = tracechat::common::parse_rfc3339_ms(str(availability, "dataAvailabilityDate"));
  ASSERT_TRUE(date) << availability;
  EXPECT_NEAR(static_cast<double>(now_ms() - 3600000 - *date), 0.0, 5000.0);
  conversation_with_trace("4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_TRUE(job_results(kEverything).empty());
  // The synchronous query has no such lag.
  auto sync = http_json("POST", "/api/v2/analytics/conversations/details/query", kEverything);
  EXPECT_EQ(sync.at("totalHits"), 1);
}

TEST_F(DetailsJobs, JobsDoNotSurviveARestartButTheirConversationsDo) {
  const auto conversation = conversation_with_trace("4bf92f3577b34da6a3ce929d0e0e4736");
  const auto job = submit();
  restart();
  // Jobs are kept in memory, like tokens: a restarted emulator does not know the job...
  EXPECT_EQ(http("GET", kJobs + "/" + job).status, 404);
  // ...and a new one finds the restored conversation.
  EXPECT_EQ(conversations_with_attribute("otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"),
            std::vector<std::string>{conversation});
}

// The store on its own, with a clock the test moves.
class JobStore : public ::testing::Test {
 protected:
  emulator::AnalyticsJobs jobs(emulator::JobSettings settings) {
    return emulator::AnalyticsJobs(std::move(settings), [this] { return clock_; });
  }
  std::int64_t clock_ = 1'000'000;
};

TEST_F(JobStore, StatesFollowTheClock) {
  emulator::JobSettings settings;
  settings.delay = 1000ms;
  settings.lifetime = 10000ms;
  auto store = jobs(settings);
  const auto id = store.submit({}, clock_);
  EXPECT_EQ(store.status(id)->state, emulator::JobState::queued);
  clock_ += 499;
  EXPECT_EQ(store.status(id)->state, emulator::JobState::queued);
  clock_ += 1;
  EXPECT_EQ(store.status(id)->state, emulator::JobState::pending);
  EXPECT_FALSE(store.status(id)->completed_ms);
  clock_ += 500;
  EXPECT_EQ(store.status(id)->state, emulator::JobState::fulfilled);
  EXPECT_EQ(store.status(id)->completed_ms, 1'001'000);
  EXPECT_TRUE(store.page(id, 0, 10).ok());
  clock_ = 1'000'000 + 10000;
  EXPECT_EQ(store.status(id)->state, emulator::JobState::expired);
  EXPECT_EQ(store.page(id, 0, 10).error().status, 400);
  EXPECT_EQ(store.page("nope", 0, 10).error().status, 404);
  EXPECT_EQ(emulator::job_state_name(emulator::JobState::expired), "EXPIRED");
}

TEST_F(JobStore, TheOldestFinishedJobIsForgottenFirst) {
  emulator::JobSettings settings;
  settings.delay = 1000ms;
  settings.max_jobs = 2;
  auto store = jobs(settings);
  const auto a = store.submit({}, clock_);
  clock_ += 1000;
  const auto b = store.submit({}, clock_);  // a is finished, b is queued
  clock_ += 1;
  const auto c = store.submit({}, clock_);
  EXPECT_FALSE(store.status(a));
  EXPECT_TRUE(store.status(b));
  EXPECT_TRUE(store.status(c));
  EXPECT_EQ(store.size(), 2u);
  const auto d = store.submit({}, clock_);  // nothing finished: the oldest goes
  EXPECT_FALSE(store.status(b));
  EXPECT_TRUE(store.status(c) && store.status(d));
}

TEST_F(JobStore, StoredResultsAreBounded) {
  emulator::JobSettings settings;
  settings.delay = 0ms;
  settings.max_stored_hits = 3;
  auto store = jobs(settings);
  auto conversation = std::make_shared<emulator::Conversation>(1.0, 1.0);
  const auto a = store.submit({conversation, conversation}, clock_);
  const auto b = store.submit({conversation}, clock_);
  EXPECT_TRUE(store.status(a) && store.status(b));
  const auto c = store.submit({conversation, conversation}, clock_);  // 3 + 2 > 3: the oldest goes
  EXPECT_FALSE(store.status(a));
  EXPECT_TRUE(store.status(b));
  ASSERT_TRUE(store.page(c, 0, 10).ok());
  EXPECT_EQ(store.page(c, 0, 10)->conversations.size(), 2u);
  EXPECT_EQ(store.page(c, 0, 1)->next_offset, 1u);
  EXPECT_FALSE(store.page(c, 1, 1)->next_offset);
  EXPECT_EQ(store.page(c, 3, 1).error().status, 400);
}

TEST(JobInterval, LifetimeOverlapAndStartOfDayMatching) {
  emulator::JobQuery q;
  q.from = *tracechat::common::parse_rfc3339_ms("2026-11-25T12:00:00Z");
  q.to = *tracechat::common::parse_rfc3339_ms("2026-11-26T00:00:00Z");
  const auto at = [](const char* t) { return *tracechat::common::parse_rfc3339_ms(t); };
  EXPECT_TRUE(q.covers(at("2026-11-25T13:00:00Z"), at("2026-11-25T13:05:00Z")));   // inside
  EXPECT_TRUE(q.covers(at("2026-11-25T11:00:00Z"), at("2026-11-25T12:30:00Z")));   // started before
  EXPECT_FALSE(q.covers(at("2026-11-25T10:00:00Z"), at("2026-11-25T11:59:00Z")));  // over before
  EXPECT_FALSE(q.covers(at("2026-11-26T00:00:00Z"), at("2026-11-26T01:00:00Z")));  // after
  q.start_of_day_interval_matching = true;
  EXPECT_TRUE(q.covers(at("2026-11-25T11:00:00Z"), at("2026-11-25T12:30:00Z")));   // same UTC day
  EXPECT_FALSE(q.covers(at("2026-11-24T23:00:00Z"), at("2026-11-25T12:30:00Z")));  // the day before
}

TEST(QueryInterval, TheSynchronousQueryTakesOverlapsThatStartedOnTheIntervalsFirstDay) {
  emulator::DetailsQuery q;
  q.from = *tracechat::common::parse_rfc3339_ms("2026-11-25T12:00:00Z");
  q.to = *tracechat::common::parse_rfc3339_ms("2026-11-26T00:00:00Z");
  const auto at = [](const char* t) { return *tracechat::common::parse_rfc3339_ms(t); };
  EXPECT_TRUE(q.covers(at("2026-11-25T13:00:00Z"), at("2026-11-25T13:05:00Z")));   // inside
  EXPECT_TRUE(q.covers(at("2026-11-25T11:00:00Z"), at("2026-11-25T12:30:00Z")));   // started before, same day
  EXPECT_FALSE(q.covers(at("2026-11-24T23:00:00Z"), at("2026-11-25T12:30:00Z")));  // started the day before
  EXPECT_FALSE(q.covers(at("2026-11-25T10:00:00Z"), at("2026-11-25T11:59:00Z")));  // over before
  EXPECT_FALSE(q.covers(at("2026-11-26T00:00:00Z"), at("2026-11-26T01:00:00Z")));  // after
}
