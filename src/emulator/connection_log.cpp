#include "connection_log.h"

#include "common/terminal_text.h"
#include "platform.h"

namespace tracechat::emulator {

namespace {

// logfmt: a value with a space, quote, '=', backslash or anything a terminal would
// act on is quoted, with '"' and '\\' escaped and every control character spelled out.
void append_value(std::string& line, std::string_view value) {
  value = value.substr(0, 200);
  // Quotes and backslashes first, so that an escape the next step writes (\x1b) and
  // the same four characters in the value (\\x1b) stay apart.
  std::string quoted;
  for (char c : value) {
    if (c == '"' || c == '\\') quoted.push_back('\\');
    quoted.push_back(c);
  }
  const std::string escaped = common::terminal_safe(quoted);
  // Unchanged by escaping: no quote, backslash or control character in it.
  if (!value.empty() && escaped == value && value.find_first_of(" =") == std::string_view::npos) {
    line.append(value);
    return;
  }
  line.push_back('"');
  line.append(escaped);
  line.push_back('"');
}

}  // namespace

void EventLog::write(std::string_view level,
                     std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  if (level == "error") errors_.fetch_add(1);
  if (!enabled_) return;
  std::string line = "time=" + now_rfc3339() + " level=";
  line.append(level);
  for (const auto& [key, value] : fields) {
    line.push_back(' ');
    line.append(key);
    line.push_back('=');
    append_value(line, value);
  }
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), out_);  // one write per line: lines from threads do not interleave
}

void log_connection_closed(EventLog& log, std::string_view dialect, std::string_view remote,
                           std::pair<std::string_view, std::string_view> scope, std::string_view conversation_id,
                           const ConnectionCounters& counters, std::string_view why) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - counters.opened);
  log.write("info", {{"event", "connection"},
                     {"dialect", dialect},
                     {"remote", remote},
                     scope,
                     {"conversation", conversation_id.empty() ? std::string_view("-") : conversation_id},
                     {"duration_ms", std::to_string(ms.count())},
                     {"frames_in", std::to_string(counters.frames_in)},
                     {"frames_out", std::to_string(counters.frames_out.load())},
                     {"errors", std::to_string(counters.errors)},
                     {"closed", why}});
}

}  // namespace tracechat::emulator
