// `tracechat chat` full-screen, when stdout is a terminal: the transcript above, a
// status line (state, conversation, trace id, queue, rate-limit waits) and an input line.
#include <curses.h>

#include <clocale>
#include <deque>

#include "chat_modes.h"
#include "signals.h"

namespace tracechat::cli {
namespace {

using client::SessionState;

void append_utf8(std::string& out, wint_t c) {
  const auto u = static_cast<std::uint32_t>(c);
  if (u < 0x80) {
    out.push_back(static_cast<char>(u));
  } else if (u < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (u >> 6)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  } else if (u < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (u >> 12)));
    out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (u >> 18)));
    out.push_back(static_cast<char>(0x80 | ((u >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (u & 0x3F)));
  }
}

void pop_utf8(std::string& s) {
  while (!s.empty() && (static_cast<unsigned char>(s.back()) & 0xC0) == 0x80) s.pop_back();
  if (!s.empty()) s.pop_back();
}

class Screen {
 public:
  Screen() {
    std::setlocale(LC_ALL, "");
    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    timeout(50);
  }
  ~Screen() { endwin(); }

  void add(std::string line) {
    transcript_.push_back(std::move(line));
    if (transcript_.size() > 2000) transcript_.pop_front();
  }

  void draw(const client::SessionInfo& info, const std::string& input) {
    erase();
    const int rows = LINES, cols = COLS;
    const int body_rows = std::max(0, rows - 2);
    const auto first = transcript_.size() > static_cast<std::size_t>(body_rows)
                           ? transcript_.size() - static_cast<std::size_t>(body_rows)
                           : 0;
    int row = 0;
    for (auto i = first; i < transcript_.size(); ++i) mvaddnstr(row++, 0, transcript_[i].c_str(), cols);
    attron(A_REVERSE);
    mvhline(rows - 2, 0, ' ', cols);
    mvaddnstr(rows - 2, 0, status_line(info).c_str(), cols);
    attroff(A_REVERSE);
    mvaddnstr(rows - 1, 0, ("> " + input).c_str(), cols);
    refresh();
  }

 private:
  std::deque<std::string> transcript_;
};

}  // namespace

int run_screen(client::ChatSession& session) {
  std::string input;
  bool closing = false;
  {
    Screen screen;
    screen.add("tracechat chat — /attr key=value, /state, /typing, /quit");
    while (true) {
      if (pending_termination_signal() != 0 && !closing) {
        closing = true;
        session.close();
      }
      while (auto event = session.poll_event()) screen.add(client::describe(*event));
      const auto info = session.info();
      if (info.state == SessionState::closed || info.state == SessionState::failed) break;
      screen.draw(info, input);
      wint_t c = 0;
      const int kind = get_wch(&c);
      if (kind == ERR) continue;
      if (kind == KEY_CODE_YES) {
        if (c == KEY_BACKSPACE) pop_utf8(input);
        if (c == KEY_ENTER) c = '\n';
        if (c != '\n') continue;
      }
      if (c == 127 || c == 8) {
        pop_utf8(input);
      } else if (c == '\n' || c == '\r') {
        std::string feedback;
        const bool go_on = handle_input(session, input, feedback);
        if (!feedback.empty()) screen.add(feedback);
        input.clear();
        if (!go_on && !closing) {
          closing = true;
          session.close();
        }
      } else if (c >= 32) {
        append_utf8(input, c);
      }
    }
  }
  const auto info = session.info();
  std::printf("%s\n", status_line(info).c_str());
  if (info.state == SessionState::closed) return 0;
  std::fprintf(stderr, "error: %s\n", info.failure.c_str());
  return 1;
}

}  // namespace tracechat::cli
