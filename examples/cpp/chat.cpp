// chat: the smallest working program on tracechat's C++ API (tracechat/client/chat_session.h).
//
// The C example's twin: it opens a guest chat session, waits until the session's trace
// context is on the conversation, says hello, waits for the bot's answer and prints
//
//   trace_id=<the session's trace, 32 hex digits>
//   conversation_id=<the conversation that carries it>
//   reply=<what the bot said>
//
// then ends the conversation and exits 0. Any failure: what went wrong on stderr, exit 1
// (it gives up when the bot has not answered within 20 seconds).
//
//   tracechat emulator --listen 127.0.0.1:8080 &
//   ./chat ws://127.0.0.1:8080/v1/<organization id>/guest/<guest id>/connect
//
// (the emulator with no configuration takes any UUIDs as the two ids, such as
// 5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f and 0f0e0d0c-0b0a-4908-8706-050403020100).
//
// The C++ API has no stable ABI: build the program with the compiler and standard library
// tracechat was built with. Anything else (another compiler, another language) uses the C
// ABI instead (examples/c).
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "tracechat/client/chat_session.h"

namespace client = tracechat::client;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <ws-url>\n", argv[0]);
    return 2;
  }
  client::ChatSessionConfig config;
  config.url = argv[1];
  config.display_name = "C++ example";

  // No callback: poll mode, the events wait in a queue that poll_event() drains. The
  // session runs on a thread of its own either way. An error here is about the config.
  auto opened = client::ChatSession::open(config);
  if (!opened) {
    std::fprintf(stderr, "open: %s\n", opened.error().message.c_str());
    return 1;
  }
  std::unique_ptr<client::ChatSession> session = std::move(*opened);

  const auto deadline = std::chrono::steady_clock::now() + 20s;
  bool sent = false;
  std::optional<std::string> reply;
  while (!reply) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(stderr, "no %s within 20 s\n", sent ? "answer from the bot" : "trace context on the conversation");
      return 1;  // the destructor leaves at once (the conversation stays open for a resume)
    }
    std::optional<client::SessionEvent> event = session->poll_event(250ms);
    if (!event) continue;  // none yet: a UI loop would draw and read input here

    if (std::holds_alternative<client::ContextAttached>(*event)) {
      // The trace context is on the conversation: whatever its flow and Data Actions do
      // from now on can join this session's trace. Time to say hello.
      if (!sent) {
        auto client_id = session->send("hello from C++");
        if (!client_id) {
          std::fprintf(stderr, "send: %s\n", client_id.error().message.c_str());
          return 1;
        }
        sent = true;
      }
    } else if (const auto* message = std::get_if<client::MessageReceived>(&*event)) {
      // The session's own messages come back too (sender_role "guest", own == true).
      if (sent && message->sender_role == "bot") reply = message->body;
    } else if (const auto* change = std::get_if<client::StateChanged>(&*event)) {
      // Closed or failed before the answer came; a lost connection is only "reconnecting".
      if (change->to == client::SessionState::failed || change->to == client::SessionState::closed) {
        std::fprintf(stderr, "the session %s: %s\n", client::to_string(change->to), change->cause.c_str());
        return 1;
      }
    }
  }

  const client::SessionInfo info = session->info();
  std::printf("trace_id=%s\nconversation_id=%s\nreply=%s\n", info.trace_id.c_str(), info.conversation_id.c_str(),
              reply->c_str());
  std::fflush(stdout);

  // End the conversation: what is still queued is sent first (close() returns at once),
  // then wait for the session to be closed.
  session->close();
  if (!session->wait_finished(10s)) {
    std::fprintf(stderr, "the session did not close within 10 s (state %s)\n", client::to_string(session->state()));
    return 1;
  }
  return 0;
}
