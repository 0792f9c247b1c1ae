#include "web_messaging_sessions.h"

#include <algorithm>

namespace tracechat::emulator {

namespace {

// Sessions held in memory. Past this, the sessions without an open connection are
// forgotten: one with a conversation is found again through the platform's stored
// conversation; one without comes back as a new session (it has nothing to lose).
constexpr std::size_t kMaxSessions = 100000;

bool ended(const Conversation& c) {
  std::lock_guard lock(c.mutex);
  return c.ended();
}

}  // namespace

WebMessagingSession::WebMessagingSession(std::string deployment_id, std::string token)
    : deployment_id_(std::move(deployment_id)), token_(std::move(token)) {}

std::shared_ptr<Conversation> WebMessagingSession::conversation() const {
  std::lock_guard lock(mutex_);
  return conversation_;
}

std::vector<std::shared_ptr<SessionConnection>> WebMessagingSession::live_connections() {
  std::vector<std::shared_ptr<SessionConnection>> out;
  std::erase_if(connections_, [](const auto& w) { return w.expired(); });
  for (const auto& w : connections_) {
    if (auto c = w.lock()) out.push_back(std::move(c));
  }
  return out;
}

WebMessagingSessions::WebMessagingSessions(Platform& platform)
    : platform_(platform),
      max_connections_(static_cast<std::size_t>(platform.config().web_messaging.max_connections_per_session)) {}

std::size_t WebMessagingSessions::size() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

std::shared_ptr<WebMessagingSession> WebMessagingSessions::find_or_create(const std::string& deployment_id,
                                                                          const std::string& token, bool& created) {
  std::lock_guard lock(mutex_);
  const std::string key = session_key(deployment_id, token);
  if (auto it = sessions_.find(key); it != sessions_.end()) {
    created = false;
    return it->second;
  }
  if (sessions_.size() >= kMaxSessions) {
    // Not a session someone holds (a connection in join() between here and its entry):
    // forgetting that one would give its token a second session.
    std::erase_if(sessions_, [](const auto& entry) {
      if (entry.second.use_count() > 1) return false;
      std::lock_guard session_lock(entry.second->mutex_);
      return entry.second->live_connections().empty();
    });
  }
  auto session = std::make_shared<WebMessagingSession>(deployment_id, token);
  // After a restart (or once forgotten), a token is known by its stored conversation.
  session->conversation_ = platform_.find_by_session_token(deployment_id, token);
  created = session->conversation_ == nullptr;
  sessions_.emplace(key, session);
  return session;
}

WebMessagingSessions::Joined WebMessagingSessions::join(const std::string& deployment_id, const std::string& token,
                                                        bool start_new,
                                                        const std::shared_ptr<SessionConnection>& connection,
                                                        const std::function<void(const Joined&)>& answer) {
  Joined joined;
  bool created = false;
  joined.session = find_or_create(deployment_id, token, created);
  joined.new_session = created;
  WebMessagingSession& s = *joined.session;
  std::vector<std::shared_ptr<SessionConnection>> over_limit;
  {
    std::lock_guard lock(s.mutex_);
    auto live = s.live_connections();
    if (s.conversation_ && ended(*s.conversation_) && start_new) {
      // A fresh start: the ended conversation is history; the next onMessage starts one.
      for (const auto& c : live) platform_.detach(*s.conversation_, c.get());
      s.conversation_.reset();
      joined.new_session = true;
    }
    joined.read_only = s.conversation_ && ended(*s.conversation_);
    if (answer) answer(joined);
    s.connections_.push_back(connection);
    live.push_back(connection);
    if (s.conversation_) platform_.attach(*s.conversation_, connection);
    // The platform keeps the newest connections: the oldest one goes.
    while (live.size() > max_connections_) {
      auto oldest = live.front();
      live.erase(live.begin());
      std::erase_if(s.connections_, [&](const auto& w) { return w.lock() == oldest; });
      if (s.conversation_) platform_.detach(*s.conversation_, oldest.get());
      over_limit.push_back(std::move(oldest));
    }
  }
  for (const auto& c : over_limit) c->close_connection("connection-limit");
  return joined;
}

void WebMessagingSessions::leave(WebMessagingSession& session, const SessionConnection* connection) {
  std::lock_guard lock(session.mutex_);
  std::erase_if(session.connections_, [&](const auto& w) {
    const auto c = w.lock();
    return c == nullptr || c.get() == connection;
  });
  if (session.conversation_) platform_.detach(*session.conversation_, connection);
}

WebMessagingSessions::Started WebMessagingSessions::start_conversation(WebMessagingSession& session,
                                                                       std::optional<AttributeMerge> attributes,
                                                                       bool by_message) {
  std::lock_guard lock(session.mutex_);
  // Another connection of the session may have started it a moment ago.
  if (session.conversation_) return Started{session.conversation_, false};
  ConversationStart start;
  start.deployment_id = session.deployment_id_;
  start.dialect = kWebMessaging;
  start.guest_key = session.token_;
  start.display_name = "Guest";
  for (auto& c : session.live_connections()) start.listeners.push_back(std::move(c));
  start.attributes = std::move(attributes);
  start.opening_message_follows = by_message;
  session.conversation_ = platform_.start_conversation(std::move(start));
  return Started{session.conversation_, true};
}

void WebMessagingSessions::close_connections(WebMessagingSession& session, const SessionConnection* except,
                                             const std::string& reason_code) {
  std::vector<std::shared_ptr<SessionConnection>> others;
  {
    std::lock_guard lock(session.mutex_);
    for (auto& c : session.live_connections()) {
      if (c.get() != except) others.push_back(std::move(c));
    }
  }
  for (const auto& c : others) c->close_connection(reason_code);
}

}  // namespace tracechat::emulator
