// Starts an emulator on 127.0.0.1 (any free port) with a fresh database, and speaks to
// it with raw frames (RawWsClient) and plain HTTP (HttpClient). REST calls authenticate
// as the Platform API requires: a token from /oauth/token with the emulator's OAuth
// client, sent as `Authorization: Bearer`.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/base64.h"
#include "support/raw_ws_client.h"
#include "tracechat/emulator/emulator.h"
#include "tracechat/net/http_client.h"

namespace tracechat::testing {

namespace json = boost::json;

inline constexpr const char* kOrg = "5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f";
inline constexpr const char* kGuest = "0f0e0d0c-0b0a-4908-8706-050403020100";
inline constexpr const char* kOtherGuest = "11111111-2222-4333-8444-555555555555";
inline constexpr const char* kDeployment = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";

inline std::string guest_path(const std::string& guest = kGuest) {
  return std::string("/v1/") + kOrg + "/guest/" + guest + "/connect";
}
inline std::string web_messaging_path() { return std::string("/v1?deploymentId=") + kDeployment; }

// HTTP Basic credentials are encoded with the code the bridge and the emulator decode
// with; its own tests (tests/common) check it against RFC 4648's vectors.
using common::base64_encode;

class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("tracechat-emulator-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::create_directories(dir_);
    options_.listen = "127.0.0.1:0";
    options_.db = dir_ / "platform.sqlite";
    options_.log = nullptr;
    options_.config.bot.reply_delay = std::chrono::milliseconds(20);
    // Analytics jobs are fulfilled at once unless a test is about their states.
    options_.config.analytics.job_delay = std::chrono::milliseconds(0);
    configure(options_);
  }
  void TearDown() override {
    emulator_.reset();
    token_.clear();
    std::filesystem::remove_all(dir_);
  }
  // Tests adjust limits or the bot here before the first start().
  virtual void configure(emulator::EmulatorOptions&) {}

  emulator::Emulator& start() {
    if (!emulator_) {
      auto started = emulator::Emulator::start(options_);
      EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
      if (!started.ok()) throw std::runtime_error("the emulator did not start: " + started.error().message);
      emulator_ = std::move(*started);
    }
    return *emulator_;
  }
  // Stops and starts again on the same database and port-independent state. Tokens do
  // not survive it: the next REST call asks for a new one.
  void restart() {
    emulator_.reset();
    token_.clear();
    start();
  }

  std::unique_ptr<RawWsClient> open(const std::string& target, int* refused = nullptr) {
    return RawWsClient::connect(start().port(), target, refused);
  }

  // connect on a fresh guest-chat connection; returns the `connected` reply.
  json::value connect(RawWsClient& ws, const std::string& request_id = "c1") {
    ws.send_json({{"command", "connect"}, {"requestId", request_id}, {"displayName", "Ada"}});
    return ws.read_until_type("connected");
  }

  // Without any Authorization header unless `headers` has one.
  net::HttpResponse http_raw(const std::string& method, const std::string& path, const std::string& body = "",
                             std::vector<net::HttpHeader> headers = {}) {
    auto url = net::Url::parse(start().http_url());
    EXPECT_TRUE(url.ok());
    net::HttpClient client(*url);
    net::HttpRequest request;
    request.method = method;
    request.target = path;
    request.body = body;
    request.headers = std::move(headers);
    if (!body.empty() && !request.header("Content-Type")) {
      request.headers.push_back({"Content-Type", "application/json"});
    }
    auto response = client.send(request, std::chrono::seconds(5));
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().message);
    return response.ok() ? *response : net::HttpResponse{};
  }

  // POST /oauth/token with the client credentials grant.
  net::HttpResponse request_token(const std::string& client_id, const std::string& client_secret,
                                  const std::string& body = "grant_type=client_credentials") {
    return http_raw("POST", "/oauth/token", body,
                    {{"Authorization", "Basic " + base64_encode(client_id + ":" + client_secret)},
                     {"Content-Type", "application/x-www-form-urlencoded"}});
  }

  // A token of the emulator's OAuth client, asked for once per emulator run.
  const std::string& token() {
    if (token_.empty()) {
      const auto client = start().oauth_client();
      auto r = request_token(client.client_id, client.client_secret);
      EXPECT_EQ(r.status, 200) << r.body;
      boost::system::error_code ec;
      auto v = json::parse(r.body, ec);
      if (!ec && v.is_object() && v.as_object().contains("access_token")) {
        token_ = std::string(v.at("access_token").as_string());
      }
    }
    return token_;
  }

  // An authenticated REST call.
  net::HttpResponse http(const std::string& method, const std::string& path, const std::string& body = "") {
    return http_raw(method, path, body, {{"Authorization", "Bearer " + token()}});
  }
  json::value http_json(const std::string& method, const std::string& path, const std::string& body = "",
                        int expected_status = 200) {
    auto r = http(method, path, body);
    EXPECT_EQ(r.status, expected_status) << r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    return ec ? json::value(nullptr) : v;
  }

  // Runs an analytics details job over `body` to the end and returns every conversation
  // of its results, following the cursor.
  json::array job_results(const std::string& body, const std::string& page_size = "") {
    auto submitted = http_json("POST", "/api/v2/analytics/conversations/details/jobs", body, 202);
    if (!submitted.is_object() || !submitted.as_object().contains("jobId")) return {};
    const std::string job =
        "/api/v2/analytics/conversations/details/jobs/" + std::string(submitted.at("jobId").as_string());
    for (int i = 0; i < 500; ++i) {
      auto status = http_json("GET", job);
      if (!status.is_object() || (status.at("state") != "QUEUED" && status.at("state") != "PENDING")) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    json::array out;
    std::string cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      std::string query = "?pageSize=" + (page_size.empty() ? std::string("1000") : page_size);
      if (!cursor.empty()) query += "&cursor=" + cursor;
      auto page = http_json("GET", job + "/results" + query);
      if (!page.is_object()) break;
      if (const auto* c = page.as_object().if_contains("conversations")) {
        for (const auto& conversation : c->as_array()) out.push_back(conversation);
      }
      const auto* next = page.as_object().if_contains("cursor");
      if (next == nullptr) break;
      cursor = std::string(next->as_string());
    }
    return out;
  }

  // The details records of the conversations with a participant attribute key=value: a
  // details job over all time, with no property predicate, and the attribute matched here
  // in its results, as `tracechat find` does. The synchronous query does not see
  // attributes, and the reference does not say that a job's property predicates match
  // them (the emulator's do not by default: analytics.jobPropertyPredicatesMatch).
  json::array records_with_attribute(const std::string& key, const std::string& value) {
    json::array out;
    for (auto& c : job_results(R"({"interval":"2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z"})")) {
      bool match = false;
      for (const auto& p : c.at("participants").as_array()) {
        const auto* attributes = p.as_object().if_contains("attributes");
        const auto* found = attributes != nullptr ? attributes->as_object().if_contains(key) : nullptr;
        if (found != nullptr && found->is_string() && found->get_string() == value) match = true;
      }
      if (match) out.push_back(std::move(c));
    }
    return out;
  }
  // Their ids, oldest first.
  std::vector<std::string> conversations_with_attribute(const std::string& key, const std::string& value) {
    std::vector<std::string> out;
    for (const auto& c : records_with_attribute(key, value)) out.emplace_back(c.at("conversationId").as_string());
    return out;
  }

  emulator::EmulatorOptions options_;
  std::filesystem::path dir_;
  std::unique_ptr<emulator::Emulator> emulator_;
  std::string token_;
};

}  // namespace tracechat::testing
