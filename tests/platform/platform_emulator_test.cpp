// The Platform API client and the lookups of `tracechat find` against the emulator with
// OAuth on, as a user with a real org would run them: guests chat in both dialects, then
// each conversation is found from its trace id (by a details job), its message id, and
// back. Also the token's renewal, the 401 after an emulator restart, a 429's Retry-After,
// job cursors, a failed job, wrong credentials, and no secret in any log or error.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "client/client_fixture.h"
#include "tracechat/platform/conversation_lookup.h"
#include "tracechat/platform/platform_client.h"

namespace tracechat::testing {
namespace {

using platform::PlatformClient;
using platform::PlatformError;

class PlatformEmulatorTest : public ClientTest {
 protected:
  void configure(emulator::EmulatorOptions& options) override {
    options.config.analytics.job_delay = 150ms;
    log_path_ = options.db.parent_path() / "emulator.log";
    log_ = std::fopen(log_path_.c_str(), "w");
    options.log = log_;
    tune(options.config);
  }
  virtual void tune(emulator::EmulatorConfig&) {}
  void TearDown() override {
    ClientTest::TearDown();
    if (log_ != nullptr) std::fclose(log_);
  }

  std::unique_ptr<PlatformClient> platform_client(std::string secret = {}) {
    auto credentials = start().oauth_client();
    if (!secret.empty()) credentials.client_secret = secret;
    platform::PlatformClientOptions options;
    options.retry.log = [this](std::string_view line) { texts_.emplace_back(line); };
    options.retry.sleep = [this](std::chrono::milliseconds wait) {
      waits_.push_back(wait);
      std::this_thread::sleep_for(wait);
    };
    return std::make_unique<PlatformClient>(
        platform::PlatformSettings{*platform::hosts_for_base_url(start().http_url()),
                                   {credentials.client_id, credentials.client_secret}},
        options);
  }

  // A guest chat with one answered message; returns its trace id and its own message id.
  std::pair<std::string, std::string> chat(const std::string& url) {
    Recorder recorder;
    auto session = open(config_for(url), recorder);
    if (!session) return {};
    EXPECT_TRUE(recorder.wait_state(SessionState::active)) << recorder.transcript();
    EXPECT_TRUE(session->send("where is my order?").ok());
    EXPECT_TRUE(recorder.wait_messages_from("bot")) << recorder.transcript();
    std::string own;
    for (const auto& m : recorder.all<client::MessageReceived>()) {
      if (m.own) own = m.message_id;
    }
    const std::string trace_id = session->info().trace_id;
    session->close();
    recorder.wait_state(SessionState::closed);
    return {trace_id, own};
  }

  // The secret of the emulator's client and every token it issued must appear in no log
  // line of the client, no error, and not in the emulator's own log.
  void expect_no_secret_anywhere(const std::vector<std::string>& errors) {
    const std::string secret = start().oauth_client().client_secret;
    std::fflush(log_);
    std::ifstream in(log_path_);
    std::stringstream emulator_log;
    emulator_log << in.rdbuf();
    std::vector<std::string> all = texts_;
    all.insert(all.end(), errors.begin(), errors.end());
    all.push_back(emulator_log.str());
    for (const auto& t : all) EXPECT_EQ(t.find(secret), std::string::npos) << t;
    // Tokens show as their first 8 characters and "…" ("got an access token AbCdEfGh…"):
    // that prefix followed by one more token character anywhere would be a leak.
    std::vector<std::string> prefixes;
    for (const auto& t : texts_) {
      const auto at = t.find("access token ");
      if (at == std::string::npos) continue;
      const std::string hint = t.substr(at + 13, 8 + std::string_view("…").size());
      EXPECT_EQ(hint.substr(8), "…") << t;
      prefixes.push_back(hint.substr(0, 8));
    }
    EXPECT_FALSE(prefixes.empty());
    for (const auto& prefix : prefixes) {
      for (const auto& t : all) {
        for (auto at = t.find(prefix); at != std::string::npos; at = t.find(prefix, at + 1)) {
          const char next = at + 8 < t.size() ? t[at + 8] : ' ';
          EXPECT_FALSE(std::isalnum(static_cast<unsigned char>(next)) || next == '-' || next == '_')
              << "more of a token than its 8-character hint: " << t;
        }
      }
    }
  }

  platform::SearchWindow last_hour() const {
    const std::int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    platform::SearchWindow w{now - 3600000, now + 1000, {}};
    w.job.first_poll = 50ms;
    return w;
  }

  std::filesystem::path log_path_;
  std::FILE* log_ = nullptr;
  std::vector<std::string> texts_;
  std::vector<std::chrono::milliseconds> waits_;
};

TEST_F(PlatformEmulatorTest, FindsEachConversationFromItsTraceItsMessageAndBackInBothDialects) {
  for (const auto& url : {guest_chat_url(), web_messaging_url()}) {
    SCOPED_TRACE(url);
    const auto [trace_id, message_id] = chat(url);
    ASSERT_EQ(trace_id.size(), 32u);
    ASSERT_FALSE(message_id.empty());
    auto api = platform_client();
    platform::LookupSources sources;  // no trace store: the platform must answer
    sources.platform = api.get();
    std::string not_found;

    auto by_trace = platform::find_by_trace_id(sources, trace_id, last_hour(), not_found);
    ASSERT_TRUE(by_trace.ok()) << by_trace.error().message;
    ASSERT_TRUE(by_trace->has_value()) << not_found;
    const std::string conversation = (*by_trace)->conversation_id;
    EXPECT_NE((*by_trace)->found_by.find("details job"), std::string::npos);

    auto back = platform::find_by_conversation_id(sources, conversation, not_found);
    ASSERT_TRUE(back.ok()) << back.error().message;
    ASSERT_TRUE(back->has_value()) << not_found;
    EXPECT_EQ((*back)->trace_id, trace_id);

    auto by_message = platform::find_by_message_id(sources, message_id, not_found);
    ASSERT_TRUE(by_message.ok()) << by_message.error().message;
    ASSERT_TRUE(by_message->has_value()) << not_found;
    EXPECT_EQ((*by_message)->conversation_id, conversation);
    EXPECT_EQ((*by_message)->trace_id, trace_id);
  }
  expect_no_secret_anywhere({});
}

TEST_F(PlatformEmulatorTest, NotFoundIsNotAnError) {
  auto api = platform_client();
  platform::LookupSources sources;
  sources.platform = api.get();
  std::string not_found;
  auto r = platform::find_by_trace_id(sources, "4bf92f3577b34da6a3ce929d0e0e4736", last_hour(), not_found);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->has_value());
  EXPECT_NE(not_found.find("no conversation"), std::string::npos);
  r = platform::find_by_conversation_id(sources, "0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111", not_found);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  r = platform::find_by_message_id(sources, "0123456789abcdef", not_found);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST_F(PlatformEmulatorTest, ARestartedEmulatorRefusesTheOldTokenAndTheClientLogsInAgain) {
  auto api = platform_client();
  ASSERT_TRUE(api->get_details_job_availability().ok());
  EXPECT_EQ(api->stats().token_fetches, 1u);
  // The emulator's tokens live in memory only: after a restart on the same port (and the
  // same generated client, whose file is reused) the client's cached token is refused.
  options_.listen = "127.0.0.1:" + std::to_string(start().port());
  restart();
  auto r = api->get_details_job_availability();
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(api->stats().reauthentications, 1u);
  EXPECT_EQ(api->stats().token_fetches, 2u);
  bool logged = false;
  for (const auto& t : texts_) logged |= t.find("HTTP 401") != std::string::npos;
  EXPECT_TRUE(logged);
}

TEST_F(PlatformEmulatorTest, WrongCredentialsAreAnAuthenticationErrorWithoutTheSecret) {
  auto api = platform_client("not-the-secret-at-all");
  auto r = api->get_details_job_availability();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, PlatformError::Kind::authentication);
  EXPECT_EQ(r.error().message.find("not-the-secret-at-all"), std::string::npos);
  auto good = platform_client();  // one login that succeeds, for a token hint to check
  ASSERT_TRUE(good->get_details_job_availability().ok());
  expect_no_secret_anywhere({r.error().message});
}

class ShortTokens : public PlatformEmulatorTest {
  void tune(emulator::EmulatorConfig& c) override { c.oauth.token_lifetime = std::chrono::seconds(2); }
};

TEST_F(ShortTokens, TheTokenIsRenewedBeforeItExpires) {
  auto api = platform_client();
  ASSERT_TRUE(api->get_details_job_availability().ok());
  ASSERT_TRUE(api->get_details_job_availability().ok());
  EXPECT_EQ(api->stats().token_fetches, 1u);
  std::this_thread::sleep_for(1100ms);  // past half of the 2 s lifetime
  ASSERT_TRUE(api->get_details_job_availability().ok());
  EXPECT_EQ(api->stats().token_fetches, 2u);
  EXPECT_EQ(api->stats().reauthentications, 0u);  // renewed, never refused
}

class TightRateLimit : public PlatformEmulatorTest {
  void tune(emulator::EmulatorConfig& c) override { c.rest.requests_per_minute = 60; }
};

TEST_F(TightRateLimit, A429IsWaitedOutAsRetryAfterSays) {
  auto api = platform_client();
  // The emulator's bucket holds a minute's worth (60): the 61st quick call is refused.
  for (int i = 0; i < 62; ++i) {
    auto r = api->get_details_job_availability();
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  ASSERT_FALSE(waits_.empty()) << "60 a minute must have refused one of 62 quick calls";
  for (const auto& w : waits_) EXPECT_GE(w, 1000ms);  // whole seconds, from Retry-After
  bool logged = false;
  for (const auto& t : texts_) logged |= t.find("429") != std::string::npos;
  EXPECT_TRUE(logged);
}

class PagedJobs : public PlatformEmulatorTest {};

TEST_F(PagedJobs, JobResultsAreReadByCursorPageByPage) {
  for (int i = 0; i < 3; ++i) chat(guest_chat_url());
  auto api = platform_client();
  auto window = last_hour();
  window.job.page_size = 1;
  std::size_t pages = 0;
  window.job.on_progress = [&](const platform::DetailsJobProgress& p) { pages = p.pages; };
  platform::DetailsQuery query;
  query.interval = platform::format_interval(window.from_ms, window.to_ms);
  std::vector<std::string> seen;
  auto r = platform::run_details_job(*api, query, window.job, [&](const platform::ConversationDetails& c) {
    seen.push_back(c.conversation_id);
    EXPECT_TRUE(platform::find_attribute(c, "otel_trace_id").has_value());  // jobs carry attributes
    return false;
  });
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_GE(pages, 3u);
}

class FailingJobs : public PlatformEmulatorTest {
  void tune(emulator::EmulatorConfig& c) override { c.analytics.job_failure = "the job ran out of memory"; }
};

TEST_F(FailingJobs, AFailedJobIsALookupFailureThatSaysWhy) {
  auto api = platform_client();
  platform::LookupSources sources;
  sources.platform = api.get();
  std::string not_found;
  auto r = platform::find_by_trace_id(sources, "4bf92f3577b34da6a3ce929d0e0e4736", last_hour(), not_found);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, PlatformError::Kind::failed);
  EXPECT_NE(r.error().message.find("the job ran out of memory"), std::string::npos);
}

class LaggingAnalytics : public PlatformEmulatorTest {
  void tune(emulator::EmulatorConfig& c) override { c.analytics.data_availability_lag = std::chrono::seconds(3600); }
};

TEST_F(LaggingAnalytics, AWindowPastTheAvailabilityDateIsCutWithAWarning) {
  const auto [trace_id, message_id] = chat(guest_chat_url());
  auto api = platform_client();
  platform::LookupSources sources;
  sources.platform = api.get();
  std::string not_found;
  auto window = last_hour();
  window.from_ms -= 2 * 3600000;  // three hours back: two of them are available
  auto r = platform::find_by_trace_id(sources, trace_id, window, not_found);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_FALSE(r->has_value());  // too recent for the job to see
  EXPECT_NE(not_found.find("complete only up to"), std::string::npos) << not_found;
}

}  // namespace
}  // namespace tracechat::testing
