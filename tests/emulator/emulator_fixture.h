// Starts an emulator on 127.0.0.1 (any free port) with a fresh database, and speaks to
// it with raw frames (RawWsClient) and plain HTTP (HttpClient).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <filesystem>
#include <memory>
#include <string>

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
    configure(options_);
  }
  void TearDown() override {
    emulator_.reset();
    std::filesystem::remove_all(dir_);
  }
  // Tests adjust limits or the bot here before the first start().
  virtual void configure(emulator::EmulatorOptions&) {}

  emulator::Emulator& start() {
    if (!emulator_) {
      auto started = emulator::Emulator::start(options_);
      EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
      emulator_ = std::move(*started);
    }
    return *emulator_;
  }
  // Stops and starts again on the same database and port-independent state.
  void restart() {
    emulator_.reset();
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

  net::HttpResponse http(const std::string& method, const std::string& path, const std::string& body = "") {
    auto url = net::Url::parse(start().http_url());
    EXPECT_TRUE(url.ok());
    net::HttpClient client(*url);
    net::HttpRequest request;
    request.method = method;
    request.target = path;
    request.body = body;
    if (!body.empty()) request.headers.push_back({"Content-Type", "application/json"});
    auto response = client.send(request, std::chrono::seconds(5));
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().message);
    return response.ok() ? *response : net::HttpResponse{};
  }
  json::value http_json(const std::string& method, const std::string& path, const std::string& body = "",
                        int expected_status = 200) {
    auto r = http(method, path, body);
    EXPECT_EQ(r.status, expected_status) << r.body;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    return ec ? json::value(nullptr) : v;
  }

  emulator::EmulatorOptions options_;
  std::filesystem::path dir_;
  std::unique_ptr<emulator::Emulator> emulator_;
};

}  // namespace tracechat::testing
