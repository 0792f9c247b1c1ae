#include <boost/json.hpp>

#include "common/json_reader.h"
#include "tracechat/protocol/guest_chat.h"

namespace tracechat::protocol::guest_chat {
namespace json = boost::json;
using common::ObjectReader;

namespace {

constexpr std::string_view kEnvelopeFields[] = {"command", "requestId", "traceparent", "tracestate"};

FrameError bad(std::string message, std::optional<std::string> request_id = std::nullopt, int code = 400,
               std::string error = "bad-request") {
  return FrameError{code, std::move(error), std::move(message), std::move(request_id)};
}

template <typename Frame>
Frame with_envelope(const Envelope& e) {
  Frame f;
  static_cast<Envelope&>(f) = e;
  return f;
}

}  // namespace

const Envelope& envelope(const ClientFrame& frame) {
  return std::visit([](const auto& f) -> const Envelope& { return f; }, frame);
}

std::string_view command_name(const ClientFrame& frame) {
  static constexpr std::string_view kNames[] = {"connect", "set-attributes", "send-message",
                                                "typing",  "ping",           "disconnect"};
  return kNames[frame.index()];
}

Result<ClientFrame, FrameError> parse_client_frame(std::string_view text) {
  auto parsed = common::parse_object(text, kMaxJsonDepth, "a frame");
  if (!parsed) return bad(parsed.error().message);
  const ObjectReader r(parsed->object(), "");

  // The request id first, so later errors can be tied to the request.
  auto request_id = r.optional_string("requestId");
  if (!request_id) return bad(request_id.error().message);
  if (!*request_id) return bad("requestId: required");
  if (request_id->value().empty() || request_id->value().size() > kMaxRequestIdChars) {
    return bad("requestId: must be 1 to 128 characters");
  }
  Envelope e;
  e.request_id = std::move(**request_id);
  auto command = r.required_string("command");
  if (!command) return bad(command.error().message, e.request_id);
  for (auto [key, target] : {std::pair{"traceparent", &e.traceparent}, std::pair{"tracestate", &e.tracestate}}) {
    auto v = r.optional_string(key);
    if (!v) return bad(v.error().message, e.request_id);
    *target = std::move(*v);
  }

  if (*command == "connect") {
    auto frame = with_envelope<Connect>(e);
    auto name = r.optional_string("displayName");
    if (!name) return bad(name.error().message, e.request_id);
    frame.display_name = name->value_or("");
    auto token = r.optional_string("resumeToken");
    if (!token) return bad(token.error().message, e.request_id);
    frame.resume_token = std::move(*token);
    auto seq = r.optional_int("lastEventSeq");
    if (!seq) return bad(seq.error().message, e.request_id);
    if (*seq && **seq < 0) return bad("lastEventSeq: must not be negative", e.request_id);
    frame.last_event_seq = *seq;
    return ClientFrame(std::move(frame));
  }
  if (*command == "set-attributes") {
    auto frame = with_envelope<SetAttributes>(e);
    auto attrs = r.optional_object("attributes");
    if (!attrs) return bad(attrs.error().message, e.request_id, 400, "invalid-attributes");
    if (*attrs == nullptr) return bad("attributes: required", e.request_id, 400, "invalid-attributes");
    for (const auto& [key, value] : **attrs) {
      if (value.is_null()) {
        frame.attributes.emplace_back(std::string(key), std::nullopt);
      } else if (value.is_string()) {
        frame.attributes.emplace_back(std::string(key), std::string(value.get_string()));
      } else {
        return bad("attributes." + std::string(key) + ": expected string or null", e.request_id, 400,
                   "invalid-attributes");
      }
    }
    return ClientFrame(std::move(frame));
  }
  if (*command == "send-message") {
    auto frame = with_envelope<SendMessage>(e);
    auto message = r.optional_object("message");
    if (!message) return bad(message.error().message, e.request_id, 400, "invalid-message");
    if (*message == nullptr) return bad("message: required", e.request_id, 400, "invalid-message");
    const ObjectReader m(**message, "message");
    auto body = m.required_string("body");
    if (!body) return bad(body.error().message, e.request_id, 400, "invalid-message");
    frame.body = std::move(*body);
    auto type = m.optional_string("bodyType");
    if (!type) return bad(type.error().message, e.request_id, 400, "invalid-message");
    if (*type) {
      if (**type != "standard" && **type != "notice") {
        return bad("message.bodyType: must be standard or notice", e.request_id, 400, "invalid-message");
      }
      frame.body_type = std::move(**type);
    }
    return ClientFrame(std::move(frame));
  }
  if (*command == "typing") return ClientFrame(with_envelope<Typing>(e));
  if (*command == "ping") return ClientFrame(with_envelope<Ping>(e));
  if (*command == "disconnect") return ClientFrame(with_envelope<Disconnect>(e));
  return bad("command: unknown command '" + command->substr(0, 64) + "'", e.request_id);
}

std::string serialize(const ClientFrame& frame) {
  json::object o;
  o["command"] = command_name(frame);
  const Envelope& e = envelope(frame);
  o["requestId"] = e.request_id;
  if (e.traceparent) o["traceparent"] = *e.traceparent;
  if (e.tracestate) o["tracestate"] = *e.tracestate;
  std::visit(
      [&](const auto& f) {
        using T = std::decay_t<decltype(f)>;
        if constexpr (std::is_same_v<T, Connect>) {
          o["displayName"] = f.display_name;
          if (f.resume_token) o["resumeToken"] = *f.resume_token;
          if (f.last_event_seq) o["lastEventSeq"] = *f.last_event_seq;
        } else if constexpr (std::is_same_v<T, SetAttributes>) {
          json::object attrs;
          for (const auto& [k, v] : f.attributes) {
            if (v) {
              attrs[k] = *v;
            } else {
              attrs[k] = nullptr;
            }
          }
          o["attributes"] = std::move(attrs);
        } else if constexpr (std::is_same_v<T, SendMessage>) {
          o["message"] = json::object{{"body", f.body}, {"bodyType", f.body_type}};
        }
      },
      frame);
  return json::serialize(o);
}

std::vector<std::string> lint_client_frame(std::string_view text) {
  auto parsed = common::parse_object(text, kMaxJsonDepth, "a frame");
  if (!parsed) return {};
  const ObjectReader r(parsed->object(), "");
  const auto command = r.optional_string("command");
  if (!command || !*command) return {};
  const auto top = [&](std::initializer_list<std::string_view> extra) {
    std::vector<std::string_view> known(std::begin(kEnvelopeFields), std::end(kEnvelopeFields));
    known.insert(known.end(), extra);
    std::vector<std::string> out;
    for (const auto& [k, v] : parsed->object()) {
      if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end()) out.emplace_back(k);
    }
    return out;
  };
  if (**command == "connect") return top({"displayName", "resumeToken", "lastEventSeq"});
  if (**command == "set-attributes") return top({"attributes"});
  if (**command == "send-message") {
    auto out = top({"message"});
    if (auto m = r.optional_object("message"); m && *m) {
      for (auto& path : ObjectReader(**m, "message").unknown_members({"body", "bodyType"})) out.push_back(path);
    }
    return out;
  }
  return top({});
}

}  // namespace tracechat::protocol::guest_chat
