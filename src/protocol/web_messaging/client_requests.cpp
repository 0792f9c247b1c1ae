#include <boost/json.hpp>

#include "common/json_reader.h"
#include "message_fields.h"
#include "tracechat/protocol/web_messaging.h"

namespace tracechat::protocol::web_messaging {
namespace json = boost::json;
using common::ObjectReader;

namespace {

constexpr std::string_view kEnvelopeFields[] = {"action", "token", "tracingId"};

// The platform answers a missing member with 4020 (missing parameter) and anything else
// it cannot read with a plain 400. The readers say "<path>: required" (or "required for
// ...") for a member that is absent.
bool names_missing_member(std::string_view message) {
  return message.ends_with(": required") || message.find(": required for ") != std::string_view::npos;
}

RequestError bad(std::string message, std::optional<std::string> tracing_id) {
  const int code = names_missing_member(message) ? error_code::kMissingParameter : error_code::kBadRequest;
  return RequestError{code, std::move(message), std::move(tracing_id)};
}

template <typename Request>
Request with_envelope(const RequestEnvelope& e) {
  Request r;
  static_cast<RequestEnvelope&>(r) = e;
  return r;
}

// The `message` member of onMessage and echo: required.
Result<IncomingMessage> read_required_message(const ObjectReader& r) {
  TRACECHAT_TRY(const json::object* m, r.optional_object("message"));
  if (m == nullptr) return Error{"message: required"};
  return detail::read_incoming_message(ObjectReader(*m, "message"));
}

// One reader per action: the action's own members.
using ActionReader = Result<ClientRequest> (*)(const ObjectReader& r, const RequestEnvelope& e);

Result<ClientRequest> read_configure_session(const ObjectReader& r, const RequestEnvelope& e) {
  auto request = with_envelope<ConfigureSession>(e);
  TRACECHAT_TRY(request.deployment_id, r.required_string("deploymentId"));
  TRACECHAT_TRY(const auto start_new, r.optional_bool("startNew"));
  request.start_new = start_new.value_or(false);
  TRACECHAT_TRY(request.resume_token, r.optional_string("resumeToken"));
  return ClientRequest(std::move(request));
}

Result<ClientRequest> read_on_message(const ObjectReader& r, const RequestEnvelope& e) {
  auto request = with_envelope<OnMessage>(e);
  TRACECHAT_TRY(request.message, read_required_message(r));
  TRACECHAT_TRY(request.time, r.optional_string("time"));
  return ClientRequest(std::move(request));
}

Result<ClientRequest> read_echo(const ObjectReader& r, const RequestEnvelope& e) {
  auto request = with_envelope<Echo>(e);
  TRACECHAT_TRY(request.message, read_required_message(r));
  return ClientRequest(std::move(request));
}

Result<ClientRequest> read_close_session(const ObjectReader& r, const RequestEnvelope& e) {
  auto request = with_envelope<CloseSession>(e);
  TRACECHAT_TRY(const auto all, r.optional_bool("closeAllConnections"));
  request.close_all_connections = all.value_or(false);
  return ClientRequest(std::move(request));
}

struct Action {
  std::string_view name;
  ActionReader read;
};

constexpr Action kActions[] = {
    {"configureSession", read_configure_session},
    {"onMessage", read_on_message},
    {"echo", read_echo},
    {"closeSession", read_close_session},
};

}  // namespace

const RequestEnvelope& envelope(const ClientRequest& request) {
  return std::visit([](const auto& r) -> const RequestEnvelope& { return r; }, request);
}

std::string_view action_name(const ClientRequest& request) {
  static constexpr std::string_view kNames[] = {"configureSession", "onMessage", "echo", "closeSession"};
  return kNames[request.index()];
}

Result<ClientRequest, RequestError> parse_client_request(std::string_view text) {
  auto parsed = common::parse_object(text, kMaxJsonDepth, "a frame");
  if (!parsed) return bad(parsed.error().message, std::nullopt);
  const ObjectReader r(parsed->object(), "");

  // tracingId first, so every later error can be correlated by the client.
  auto tracing_id = r.optional_string("tracingId");
  if (!tracing_id) return bad(tracing_id.error().message, std::nullopt);
  RequestEnvelope e;
  e.tracing_id = std::move(*tracing_id);
  auto action = r.required_string("action");
  if (!action) return bad(action.error().message, e.tracing_id);
  auto token = r.required_string("token");
  if (!token) return bad(token.error().message, e.tracing_id);
  if (token->empty()) return bad("token: must not be empty", e.tracing_id);
  e.token = std::move(*token);

  for (const auto& a : kActions) {
    if (a.name != *action) continue;
    auto request = a.read(r, e);
    if (!request) return bad(request.error().message, e.tracing_id);
    return std::move(*request);
  }
  return bad("action: unknown action '" + action->substr(0, 64) + "'", e.tracing_id);
}

std::string serialize(const ClientRequest& request) {
  json::object o;
  o["action"] = action_name(request);
  const RequestEnvelope& e = envelope(request);
  o["token"] = e.token;
  if (e.tracing_id) o["tracingId"] = *e.tracing_id;
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, ConfigureSession>) {
          o["deploymentId"] = r.deployment_id;
          if (r.start_new) o["startNew"] = true;
          if (r.resume_token) o["resumeToken"] = *r.resume_token;
        } else if constexpr (std::is_same_v<T, OnMessage> || std::is_same_v<T, Echo>) {
          o["message"] = detail::incoming_message_json(r.message);
          if constexpr (std::is_same_v<T, OnMessage>) {
            if (r.time) o["time"] = *r.time;
          }
        } else if constexpr (std::is_same_v<T, CloseSession>) {
          o["closeAllConnections"] = r.close_all_connections;
        }
      },
      request);
  return json::serialize(o);
}

std::vector<std::string> lint_client_request(std::string_view text) {
  auto parsed = common::parse_object(text, kMaxJsonDepth, "a frame");
  if (!parsed) return {};
  const ObjectReader r(parsed->object(), "");
  const auto action = r.optional_string("action");
  if (!action || !*action) return {};
  std::vector<std::string_view> known(std::begin(kEnvelopeFields), std::end(kEnvelopeFields));
  std::vector<std::string> out;
  const auto unknown_top = [&](std::initializer_list<std::string_view> extra) {
    known.insert(known.end(), extra);
    for (const auto& [k, v] : parsed->object()) {
      if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end()) out.emplace_back(k);
    }
  };
  if (**action == "configureSession") {
    unknown_top({"deploymentId", "startNew", "resumeToken", "journeyContext"});
  } else if (**action == "onMessage" || **action == "echo") {
    // The deprecated top-level `channel` is accepted on the wire but its metadata is
    // ignored: report the attributes precisely, since that is where they go missing.
    unknown_top({"message", "time", "channel"});
    if (auto channel = r.optional_object("channel"); channel && *channel) {
      const ObjectReader c(**channel, "channel");
      if (auto metadata = c.optional_object("metadata"); metadata && *metadata) {
        const ObjectReader md(**metadata, "channel.metadata");
        if (md.find("customAttributes") != nullptr) out.push_back("channel.metadata.customAttributes");
        for (auto& path : md.unknown_members({"customAttributes"})) out.push_back(std::move(path));
      }
      for (auto& path : c.unknown_members({"metadata"})) out.push_back(std::move(path));
    }
    if (auto m = r.optional_object("message"); m && *m) {
      for (auto& path : detail::lint_incoming_message(ObjectReader(**m, "message"))) out.push_back(std::move(path));
    }
  } else if (**action == "closeSession") {
    unknown_top({"closeAllConnections"});
  } else {
    unknown_top({});
  }
  return out;
}

}  // namespace tracechat::protocol::web_messaging
