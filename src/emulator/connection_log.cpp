#include "connection_log.h"

#include "platform.h"

namespace tracechat::emulator {

namespace {

void append_value(std::string& line, std::string_view value) {
  const bool quote = value.empty() || value.find_first_of(" \"=\\\t\r\n") != std::string_view::npos;
  if (!quote) {
    line.append(value);
    return;
  }
  line.push_back('"');
  for (char c : value.substr(0, 200)) {
    if (c == '"' || c == '\\') {
      line.push_back('\\');
      line.push_back(c);
    } else if (c == '\n' || c == '\r' || c == '\t') {
      line.push_back(' ');
    } else {
      line.push_back(c);
    }
  }
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

}  // namespace tracechat::emulator
