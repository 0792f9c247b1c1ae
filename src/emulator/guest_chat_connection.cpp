#include "guest_chat_connection.h"

namespace tracechat::emulator {

GuestChatConnection::GuestChatConnection(Platform& platform, EventLog& log, std::string organization_id,
                                         std::string guest_id, std::string deployment_id)
    : platform_(platform),
      log_(log),
      organization_id_(std::move(organization_id)),
      guest_id_(std::move(guest_id)),
      deployment_id_(std::move(deployment_id)) {}

void GuestChatConnection::on_open(std::weak_ptr<net::WebSocketChannel> channel) {
  channel_ = std::move(channel);
  if (auto c = channel_.lock()) remote_ = c->remote_address();
}

void GuestChatConnection::send(const gc::ServerFrame& frame) {
  if (auto c = channel_.lock()) {
    c->send(gc::serialize(frame));
    counters_.frames_out.fetch_add(1, std::memory_order_relaxed);
  }
}

void GuestChatConnection::send_error(std::optional<std::string> request_id, int code, std::string error,
                                     std::string message, std::optional<std::int64_t> retry_after_ms) {
  ++counters_.errors;
  log_.write("error",
             {{"dialect", kGuestChat},
              {"remote", remote_},
              {"conversation", conversation_ ? std::string_view(conversation_->row.id) : std::string_view("-")},
              {"code", std::to_string(code)},
              {"error", error},
              {"message", message}});
  send(gc::ErrorReply{std::move(request_id), code, std::move(error), std::move(message), retry_after_ms});
}

void GuestChatConnection::send_error(const std::string& request_id, const PlatformError& e) {
  send_error(request_id, e.code, e.error, e.message, e.retry_after_ms);
}

void GuestChatConnection::on_event(const Conversation&, const Event& event, const MessageContent&) {
  send(event);
  // The conversation was ended elsewhere (another connection, the agent): nothing more
  // can happen on this one.
  if (std::holds_alternative<gc::Disconnected>(event)) {
    if (auto c = channel_.lock()) c->close(net::CloseCode::normal, std::get<gc::Disconnected>(event).reason);
  }
}

void GuestChatConnection::on_text(std::string text) {
  ++counters_.frames_in;
  const auto& limits = platform_.config().limits;
  if (text.size() > static_cast<std::size_t>(limits.max_frame_bytes)) {
    return send_error(
        std::nullopt, 413, "frame-too-large",
        "frame of " + std::to_string(text.size()) + " bytes; the limit is " + std::to_string(limits.max_frame_bytes));
  }
  auto frame = gc::parse_client_frame(text);
  if (!frame) {
    const auto& e = frame.error();
    return send_error(e.request_id, e.code, e.error, e.message);
  }
  std::visit(
      [&](auto& f) {
        using T = std::decay_t<decltype(f)>;
        // Whether the conversation has ended is the platform's to say, under its lock.
        if constexpr (!std::is_same_v<T, gc::Connect>) {
          if (!conversation_) return send_error(f.request_id, 409, "not-connected", "send connect first");
        }
        handle(f);
      },
      *frame);
}

void GuestChatConnection::handle(gc::Connect& frame) {
  if (conversation_) return send_error(frame.request_id, 409, "already-connected", "this connection is connected");
  const auto connected = [&](const Conversation& c, bool resumed) {
    gc::Connected reply;
    reply.request_id = frame.request_id;
    reply.conversation_id = c.row.id;
    reply.member_id = c.customer.participant_id;
    reply.resume_token = c.row.resume_token;
    reply.resumed = resumed;
    reply.limits = platform_.config().limits;
    return reply;
  };
  if (!frame.resume_token) {
    // `connected` goes out before the conversation's first events (member-joined).
    ConversationStart start;
    start.organization_id = organization_id_;
    start.deployment_id = deployment_id_;
    start.dialect = kGuestChat;
    start.guest_key = guest_id_;
    start.display_name = frame.display_name.empty() ? "Guest" : frame.display_name;
    start.listeners.push_back(shared_from_this());
    start.before_events = [&](const Conversation& c) { send(connected(c, false)); };
    start.opening_message_follows = true;
    conversation_ = platform_.start_conversation(std::move(start));
    return;
  }
  auto c = platform_.find_by_resume_token(*frame.resume_token);
  bool usable = false;
  if (c) {
    std::lock_guard lock(c->mutex);
    usable = !c->ended() && c->row.guest_key == guest_id_ && c->row.organization_id == organization_id_;
  }
  if (!usable) {
    return send_error(frame.request_id, 404, "conversation-not-found",
                      "no active conversation for this resume token; connect without one to start a new one");
  }
  conversation_ = c;
  send(connected(*c, true));
  platform_.attach(*c, shared_from_this(), frame.last_event_seq.value_or(0));
}

void GuestChatConnection::handle(gc::SetAttributes& frame) {
  auto result = platform_.set_attributes(*conversation_, frame.attributes, [&](const AttributeMerge& merge) {
    send(gc::AttributesSet{frame.request_id, merge.merged, merge.truncated, frame.traceparent});
  });
  if (!result) send_error(frame.request_id, result.error());
}

void GuestChatConnection::handle(gc::SendMessage& frame) {
  auto result = platform_.post_guest_message(
      conversation_, std::move(frame.body), std::move(frame.body_type), frame.traceparent, [&](const Event& e) {
        const auto& event = std::get<gc::MessageEvent>(e);
        send(gc::MessageAccepted{frame.request_id, event.message_id, event.seq, frame.traceparent});
      });
  if (!result) send_error(frame.request_id, result.error());
}

void GuestChatConnection::handle(gc::Typing& frame) {
  if (auto refused = platform_.guest_typing(*conversation_, this)) return send_error(frame.request_id, *refused);
  send(gc::Ack{frame.request_id});
}

void GuestChatConnection::handle(gc::Ping& frame) { send(gc::Pong{frame.request_id}); }

void GuestChatConnection::handle(gc::Disconnect& frame) {
  auto last = platform_.end(*conversation_, "guest-left", this);
  if (!last) return send_error(frame.request_id, 409, "conversation-ended", "the conversation has ended");
  last->request_id = frame.request_id;
  send(*last);
  if (auto c = channel_.lock()) c->close(net::CloseCode::normal, "guest-left");
}

void GuestChatConnection::on_binary(std::size_t bytes) {
  ++counters_.frames_in;
  send_error(std::nullopt, 400, "bad-request",
             "binary frame of " + std::to_string(bytes) + " bytes; only text frames (UTF-8 JSON) are accepted");
}

void GuestChatConnection::on_idle() {
  // Connection-local, so without a seq: the conversation goes on and can be resumed.
  send(gc::Disconnected{{}, std::nullopt, "idle-timeout"});
  if (auto c = channel_.lock()) c->close(net::CloseCode::normal, "idle-timeout");
}

void GuestChatConnection::shut_down() {
  send(gc::Disconnected{{}, std::nullopt, "server-shutdown"});
  if (auto c = channel_.lock()) c->close(net::CloseCode::going_away, "server-shutdown");
}

void GuestChatConnection::on_closed(std::string_view why) {
  if (conversation_) platform_.detach(*conversation_, this);
  log_connection_closed(log_, kGuestChat, remote_, {"organization", organization_id_},
                        conversation_ ? conversation_->row.id : "", counters_, why);
  conversation_.reset();
}

}  // namespace tracechat::emulator
