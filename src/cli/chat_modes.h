// The three ways `tracechat chat` runs a session: full-screen (a terminal), line mode
// (pipes, logs) and a script (automation). Each returns the process exit code.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

#include "tracechat/client/chat_session.h"

namespace tracechat::cli {

// Prints a session's events one per line, and what a caller needs to know of them.
class EventPrinter {
 public:
  explicit EventPrinter(std::FILE* out) : out_(out) {}
  // Handles one event; prints it (and, on the first `active`, the ids header).
  void print(const client::SessionEvent& event, const client::ChatSession& session);
  std::uint64_t replies() const { return replies_; }  // messages from other members
  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t failed() const { return failed_; }

 private:
  std::FILE* out_;
  bool header_printed_ = false;
  std::uint64_t replies_ = 0, delivered_ = 0, failed_ = 0;
};

// A line typed by the user: a message, or one of /attr key=value, /attr key=, /state,
// /typing, /quit. Returns false for /quit. `feedback` gets what to show the user.
bool handle_input(client::ChatSession& session, const std::string& line, std::string& feedback);
std::string status_line(const client::SessionInfo& info);

int run_line_mode(client::ChatSession& session);
int run_script(client::ChatSession& session, const std::string& path, std::chrono::milliseconds reply_timeout);
int run_screen(client::ChatSession& session);

}  // namespace tracechat::cli
