// `tracechat chat` in line mode and with --script: one line per event on stdout.
#include <poll.h>
#include <unistd.h>

#include <charconv>
#include <fstream>
#include <vector>

#include "chat_modes.h"
#include "signals.h"

namespace tracechat::cli {

using client::SessionState;
using namespace std::chrono_literals;

void EventPrinter::print(const client::SessionEvent& event, const client::ChatSession& session) {
  if (const auto* m = std::get_if<client::MessageReceived>(&event); m && !m->own) ++replies_;
  if (std::holds_alternative<client::MessageDelivered>(event)) ++delivered_;
  if (std::holds_alternative<client::MessageFailed>(event)) ++failed_;
  std::fprintf(out_, "%s\n", client::describe(event).c_str());
  if (const auto* s = std::get_if<client::StateChanged>(&event);
      s && s->to == SessionState::active && !header_printed_) {
    header_printed_ = true;
    const auto info = session.info();
    if (!info.conversation_id.empty()) {
      std::fprintf(out_, "conversation %s\n", info.conversation_id.c_str());
    } else {
      std::fprintf(out_, "session %s\n", info.session_id.c_str());
    }
    std::fprintf(out_, "trace %s\n", info.trace_id.c_str());
  }
  std::fflush(out_);
}

std::string status_line(const client::SessionInfo& info) {
  std::string s = std::string(to_string(info.state));
  if (!info.conversation_id.empty()) {
    s += " | conversation " + info.conversation_id;
  } else if (!info.session_id.empty()) {
    s += " | session " + info.session_id;
  }
  s += " | trace " + info.trace_id;
  s += " | queued " + std::to_string(info.queued_messages);
  s += " | rate-limit waits " + std::to_string(info.rate_limit_waits);
  if (info.reconnects > 0) s += " | reconnects " + std::to_string(info.reconnects);
  if (!info.failure.empty()) s += " | " + info.failure;
  return s;
}

// `/reply N`: the N-th quick reply of the last message that offered any.
std::string answer_quick_reply(client::ChatSession& session, const std::string& choice) {
  const auto offered = session.info().quick_replies;
  if (offered.empty()) return "error: no quick replies are on offer";
  std::size_t n = 0;
  const auto [end, ec] = std::from_chars(choice.data(), choice.data() + choice.size(), n);
  if (ec != std::errc() || end != choice.data() + choice.size() || n == 0 || n > offered.size()) {
    return "error: usage: /reply N, N from 1 to " + std::to_string(offered.size());
  }
  auto sent = session.send_quick_reply(offered[n - 1]);
  return sent ? "" : "error: " + sent.error().message;
}

bool handle_input(client::ChatSession& session, const std::string& line, std::string& feedback) {
  feedback.clear();
  if (line == "/quit") return false;
  if (line == "/state") {
    feedback = status_line(session.info());
  } else if (line == "/typing") {
    session.typing();
  } else if (line == "/reply" || line.rfind("/reply ", 0) == 0) {
    feedback = answer_quick_reply(session, line.size() > 7 ? line.substr(7) : "");
  } else if (line.rfind("/attr ", 0) == 0) {
    const std::string spec = line.substr(6);
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0) {
      feedback = "usage: /attr key=value (an empty value deletes the key)";
    } else {
      const std::string key = spec.substr(0, eq), value = spec.substr(eq + 1);
      auto set = session.set_attributes({{key, value.empty() ? std::nullopt : std::optional<std::string>(value)}});
      feedback = set ? "attribute " + key + (value.empty() ? " deleted" : " set") : "error: " + set.error().message;
    }
  } else if (!line.empty() && line.front() == '/') {
    feedback = "unknown command " + line + " (/reply N, /attr key=value, /state, /typing, /quit)";
  } else if (!line.empty()) {
    auto sent = session.send(line);
    if (!sent) feedback = "error: " + sent.error().message;
  }
  return true;
}

namespace {

bool finished(SessionState s) { return s == SessionState::closed || s == SessionState::failed; }

int exit_code_of(const client::ChatSession& session) {
  if (session.state() == SessionState::closed) return 0;
  std::fprintf(stderr, "error: %s\n", session.info().failure.c_str());
  return 1;
}

// Reads what stdin has without blocking longer than `wait`; complete lines go to `lines`.
// False at end of input.
bool read_stdin(std::string& buffer, std::vector<std::string>& lines, std::chrono::milliseconds wait) {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(wait.count())) <= 0) return true;
  char chunk[4096];
  const ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
  if (n <= 0) {
    if (!buffer.empty()) lines.push_back(std::move(buffer));
    buffer.clear();
    return false;
  }
  buffer.append(chunk, static_cast<std::size_t>(n));
  for (std::size_t eol; (eol = buffer.find('\n')) != std::string::npos;) {
    std::string line = buffer.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    buffer.erase(0, eol + 1);
  }
  return true;
}

}  // namespace

int run_line_mode(client::ChatSession& session) {
  EventPrinter printer(stdout);
  std::string buffer;
  bool input_open = true;
  bool closing = false;
  while (true) {
    if (pending_termination_signal() != 0 && !closing) {
      closing = true;
      session.close();
    }
    while (auto event = session.poll_event()) printer.print(*event, session);
    if (finished(session.state())) {
      while (auto event = session.poll_event()) printer.print(*event, session);
      break;
    }
    if (!input_open || closing) {
      if (auto event = session.poll_event(50ms)) printer.print(*event, session);
      continue;
    }
    std::vector<std::string> lines;
    input_open = read_stdin(buffer, lines, 50ms);
    for (const auto& line : lines) {
      std::string feedback;
      const bool go_on = handle_input(session, line, feedback);
      if (!feedback.empty()) std::printf("%s\n", feedback.c_str());
      if (!go_on) {
        input_open = false;
        break;
      }
    }
    std::fflush(stdout);
    if (!input_open && !closing) {
      closing = true;
      session.close();  // end of input: deliver what is queued, then leave
    }
  }
  const int code = exit_code_of(session);
  if (code == 0 && printer.failed() > 0) {
    std::fprintf(stderr, "error: %llu messages were not delivered\n",
                 static_cast<unsigned long long>(printer.failed()));
    return 1;
  }
  return code;
}

int run_script(client::ChatSession& session, const std::string& path, std::chrono::milliseconds reply_timeout) {
  std::ifstream file(path);
  if (!file) {
    std::fprintf(stderr, "error: cannot read the script %s\n", path.c_str());
    return 2;
  }
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty() && line.front() != '#') lines.push_back(line);
  }
  EventPrinter printer(stdout);
  const auto pump = [&](std::chrono::milliseconds wait) {
    if (auto event = session.poll_event(wait)) printer.print(*event, session);
    while (auto event = session.poll_event()) printer.print(*event, session);
    if (pending_termination_signal() != 0) session.close();
  };
  // Wait for the session to be ready (or to fail).
  while (session.state() != SessionState::active && !finished(session.state())) pump(50ms);
  std::size_t expected_deliveries = 0;
  bool ok = true;
  for (const auto& line : lines) {
    if (finished(session.state())) break;
    const std::uint64_t replies_before = printer.replies();
    std::string feedback;
    if (!handle_input(session, line, feedback)) break;
    if (!feedback.empty()) std::printf("%s\n", feedback.c_str());
    if (feedback.rfind("error:", 0) == 0) {
      ok = false;
      break;
    }
    // A quick reply is a message too: it waits for its answer.
    if (line.front() == '/' && line != "/reply" && line.rfind("/reply ", 0) != 0) continue;
    ++expected_deliveries;
    // A message waits for its answer before the next line is sent.
    const auto deadline = std::chrono::steady_clock::now() + reply_timeout;
    while (printer.replies() == replies_before && !finished(session.state()) &&
           std::chrono::steady_clock::now() < deadline) {
      pump(50ms);
    }
    if (printer.replies() == replies_before) {
      std::fprintf(stderr, "error: no reply to \"%s\" within %lld ms\n", line.c_str(),
                   static_cast<long long>(reply_timeout.count()));
      ok = false;
      break;
    }
  }
  session.close();
  while (!finished(session.state())) pump(50ms);
  pump(0ms);
  const int code = exit_code_of(session);
  if (code != 0) return code;
  if (!ok || printer.failed() > 0 || printer.delivered() < expected_deliveries) {
    if (ok)
      std::fprintf(stderr, "error: %llu of %zu messages were not delivered\n",
                   static_cast<unsigned long long>(expected_deliveries -
                                                   std::min<std::uint64_t>(printer.delivered(), expected_deliveries)),
                   expected_deliveries);
    return 1;
  }
  return 0;
}

}  // namespace tracechat::cli
