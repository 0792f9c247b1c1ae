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

// One reader per command: the command's own members. Its errors are answered with the
// command's error slug (kCommands).
using CommandReader = Result<ClientFrame> (*)(const ObjectReader& r, const Envelope& e);

Result<ClientFrame> read_connect(const ObjectReader& r, const Envelope& e) {
  auto frame = with_envelope<Connect>(e);
  TRACECHAT_TRY(const auto name, r.optional_string("displayName"));
  frame.display_name = name.value_or("");
  TRACECHAT_TRY(frame.resume_token, r.optional_string("resumeToken"));
  TRACECHAT_TRY(frame.last_event_seq, r.optional_int("lastEventSeq"));
  if (frame.last_event_seq && *frame.last_event_seq < 0) return Error{"lastEventSeq: must not be negative"};
  return ClientFrame(std::move(frame));
}

Result<ClientFrame> read_set_attributes(const ObjectReader& r, const Envelope& e) {
  auto frame = with_envelope<SetAttributes>(e);
  TRACECHAT_TRY(const json::object* attributes, r.optional_object("attributes"));
  if (attributes == nullptr) return Error{"attributes: required"};
  for (const auto& [key, value] : *attributes) {
    if (value.is_null()) {
      frame.attributes.emplace_back(std::string(key), std::nullopt);
    } else if (value.is_string()) {
      frame.attributes.emplace_back(std::string(key), std::string(value.get_string()));
    } else {
      return Error{"attributes." + std::string(key) + ": expected string or null"};
    }
  }
  return ClientFrame(std::move(frame));
}

Result<ClientFrame> read_send_message(const ObjectReader& r, const Envelope& e) {
  auto frame = with_envelope<SendMessage>(e);
  TRACECHAT_TRY(const json::object* message, r.optional_object("message"));
  if (message == nullptr) return Error{"message: required"};
  const ObjectReader m(*message, "message");
  TRACECHAT_TRY(frame.body, m.required_string("body"));
  TRACECHAT_TRY(auto type, m.optional_string("bodyType"));
  if (type) {
    if (*type != "standard" && *type != "notice") return Error{"message.bodyType: must be standard or notice"};
    frame.body_type = std::move(*type);
  }
  return ClientFrame(std::move(frame));
}

// typing, ping, disconnect: the envelope and nothing else.
template <typename Frame>
Result<ClientFrame> read_bare(const ObjectReader&, const Envelope& e) {
  return ClientFrame(with_envelope<Frame>(e));
}

struct Command {
  std::string_view name;
  std::string_view error;  // the slug its errors are answered with
  CommandReader read;
};

constexpr Command kCommands[] = {
    {"connect", "bad-request", read_connect},
    {"set-attributes", "invalid-attributes", read_set_attributes},
    {"send-message", "invalid-message", read_send_message},
    {"typing", "bad-request", read_bare<Typing>},
    {"ping", "bad-request", read_bare<Ping>},
    {"disconnect", "bad-request", read_bare<Disconnect>},
};

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

  for (const auto& c : kCommands) {
    if (c.name != *command) continue;
    auto frame = c.read(r, e);
    if (!frame) return bad(frame.error().message, e.request_id, 400, std::string(c.error));
    return std::move(*frame);
  }
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
