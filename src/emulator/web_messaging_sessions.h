// Web Messaging sessions: what a session token names on one deployment, from its
// configureSession on.
//
// On the platform a session exists before any conversation: configureSession creates
// (or resumes) the session only, and its conversation starts with the session's first
// onMessage — a Presence Join or a guest message. A guest who never sends one leaves no
// conversation behind (none in the REST API, the analytics, `tracechat find`). A session
// follows its newest conversation, and so do its connections: at most
// webMessaging.maxConnectionsPerSession of them; one more closes the oldest.
//
// Locking: the registry's map, then a session's mutex, then a conversation's. Nothing
// here is called under a conversation's lock (listeners must not call in).
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "platform.h"

namespace tracechat::emulator {

// What a session needs of its connections besides their events.
class SessionConnection : public ConversationListener {
 public:
  // Pushes ConnectionClosedEvent with `reason_code` and closes; callable from any thread.
  virtual void close_connection(std::string reason_code) = 0;
};

class WebMessagingSession {
 public:
  WebMessagingSession(std::string deployment_id, std::string token);

  const std::string& deployment_id() const { return deployment_id_; }
  // The session token: never logged.
  const std::string& token() const { return token_; }
  // The newest conversation; null until the session's first onMessage started one.
  std::shared_ptr<Conversation> conversation() const;

 private:
  friend class WebMessagingSessions;
  // Under mutex_: the connections that still run, oldest first.
  std::vector<std::shared_ptr<SessionConnection>> live_connections();

  const std::string deployment_id_;
  const std::string token_;
  mutable std::mutex mutex_;
  std::shared_ptr<Conversation> conversation_;
  // Oldest first; weak, so that a session never keeps a closed connection alive.
  std::vector<std::weak_ptr<SessionConnection>> connections_;
};

class WebMessagingSessions {
 public:
  explicit WebMessagingSessions(Platform& platform);

  struct Joined {
    std::shared_ptr<WebMessagingSession> session;
    bool new_session = true;
    bool read_only = false;  // its conversation has ended: nothing can be sent until startNew
  };

  // configureSession. The session of `token` on the deployment: the one held here, or
  // (after a restart) the one of the platform's stored conversation for the token, or a
  // new one. With `start_new`, a session whose conversation ended starts afresh (its
  // next onMessage starts a new conversation). `answer` runs under the session's lock
  // before `connection` follows the session's conversation, so the SessionResponse
  // precedes every event; then, past the limit, the oldest connection is closed with
  // `connection-limit`.
  Joined join(const std::string& deployment_id, const std::string& token, bool start_new,
              const std::shared_ptr<SessionConnection>& connection, const std::function<void(const Joined&)>& answer);

  // The connection closed: it leaves its session and no longer follows the conversation.
  void leave(WebMessagingSession& session, const SessionConnection* connection);

  struct Started {
    std::shared_ptr<Conversation> conversation;
    bool started_now = false;  // false: the session had one already (`attributes` unused)
  };
  // The session's conversation, started now if it has none, with `attributes` as the
  // customer's participant data (checked by the caller); every connection of the
  // session follows it from its first event. `by_message`: a guest message starts it
  // (not a Presence Join).
  Started start_conversation(WebMessagingSession& session, std::optional<AttributeMerge> attributes, bool by_message);

  // closeSession with closeAllConnections: every connection of the session but `except`.
  void close_connections(WebMessagingSession& session, const SessionConnection* except, const std::string& reason_code);

  std::size_t size() const;

 private:
  std::shared_ptr<WebMessagingSession> find_or_create(const std::string& deployment_id, const std::string& token,
                                                      bool& created);

  Platform& platform_;
  const std::size_t max_connections_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<WebMessagingSession>> sessions_;  // key: deployment "\n" token
};

}  // namespace tracechat::emulator
