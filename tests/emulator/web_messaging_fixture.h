// Raw Web Messaging frames against the emulator: the requests a guest client sends,
// built by hand, and readers that pick the server's answers out by class and shape.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "emulator_fixture.h"

namespace tracechat::testing {

inline constexpr const char* kSessionToken = "7d2e4c1a-0b9f-4e3d-8c7b-6a5f4e3d2c1b";

// v[key] as a string, or "<missing key>".
inline std::string text_of(const json::value& v, const char* key) {
  if (!v.is_object() || !v.as_object().contains(key) || !v.at(key).is_string()) {
    return "<missing " + std::string(key) + ">";
  }
  return std::string(v.at(key).as_string());
}

// The next frame of class `klass` (skipping others); null on timeout or close.
inline json::value read_class(RawWsClient& ws, const std::string& klass) {
  for (;;) {
    auto v = ws.read_json();
    if (!v.is_object()) return v;
    if (text_of(v, "class") == klass) return v;
  }
}

// The next StructuredMessage whose body has `type` and `direction`.
inline json::value read_message(RawWsClient& ws, const std::string& type, const std::string& direction) {
  for (;;) {
    auto v = read_class(ws, "StructuredMessage");
    if (!v.is_object()) return v;
    if (text_of(v.at("body"), "type") == type && text_of(v.at("body"), "direction") == direction) return v;
  }
}

inline json::object presence(const std::string& type) {
  return json::object{{"eventType", "Presence"}, {"presence", {{"type", type}}}};
}

// An onMessage request.
inline json::object on_message(const json::object& message, const std::string& tracing_id = "",
                               const char* token = kSessionToken) {
  json::object request{{"action", "onMessage"}, {"token", token}, {"message", message}};
  if (!tracing_id.empty()) request["tracingId"] = tracing_id;
  return request;
}
inline json::object text_message(const std::string& text) { return json::object{{"type", "Text"}, {"text", text}}; }
inline json::object event_message(const json::object& event) {
  return json::object{{"type", "Event"}, {"events", json::array{event}}};
}

class WebMessagingTest : public EmulatorTest {
 protected:
  // configureSession on `ws`; returns the SessionResponse.
  json::value configure_session(RawWsClient& ws, const char* token = kSessionToken, bool start_new = false) {
    json::object request{
        {"action", "configureSession"}, {"token", token}, {"deploymentId", kDeployment}, {"tracingId", "cfg"}};
    if (start_new) request["startNew"] = true;
    ws.send_json(request);
    return read_class(ws, "SessionResponse");
  }
  // A connection with its session configured.
  std::unique_ptr<RawWsClient> session(const char* token = kSessionToken) {
    auto ws = open(web_messaging_path());
    if (ws) configure_session(*ws, token);
    return ws;
  }
  // Sends an echo and reads frames up to its answer (the response to it, or its error);
  // returns every frame read before it, so a test can check what arrived in between.
  std::vector<json::value> frames_before_echo(RawWsClient& ws, const std::string& tracing_id = "sync") {
    ws.send_json({{"action", "echo"},
                  {"token", kSessionToken},
                  {"tracingId", tracing_id},
                  {"message", {{"type", "Text"}, {"text", "sync"}}}});
    std::vector<json::value> before;
    for (;;) {
      auto v = ws.read_json();
      if (!v.is_object() || text_of(v, "tracingId") == tracing_id) return before;
      before.push_back(std::move(v));
    }
  }
};

}  // namespace tracechat::testing
