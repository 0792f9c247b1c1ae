#include "flow_substitution.h"

#include <algorithm>

#include "common/terminal_text.h"

namespace tracechat::emulator {
namespace {

bool is_placeholder_name(std::string_view key) {
  return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
           c == '-';
  });
}

// A YAML comment line: the text says `{{...}}` about placeholders without being one.
bool is_comment_line(std::string_view line) {
  const auto first = line.find_first_not_of(" \t");
  return first != std::string_view::npos && line[first] == '#';
}

}  // namespace

Result<void> check_substitution_key(std::string_view key) {
  if (key.empty()) return Error{"a substitution needs a key"};
  if (key.find_first_of("{}\r\n") != std::string_view::npos) {
    return Error{"substitution key '" + common::terminal_safe(key.substr(0, 80)) +
                 "': no braces or line breaks (it is the name inside {{...}})"};
  }
  return {};
}

Result<SubstitutedText> substitute(std::string_view text, const FlowSubstitutions& substitutions,
                                   std::string_view file) {
  SubstitutedText out;
  out.text.reserve(text.size());
  int in_line = 1, out_line = 1;
  std::size_t line_start = 0;
  std::size_t i = 0;
  const auto copy = [&](std::size_t end) {
    for (std::size_t k = i; k < end; ++k) {
      if (text[k] == '\n') {
        ++in_line;
        ++out_line;
        line_start = k + 1;
      }
    }
    out.text.append(text.substr(i, end - i));
    i = end;
  };
  while (i < text.size()) {
    const auto open = text.find("{{", i);
    if (open == std::string_view::npos) break;
    copy(open);
    const auto line_end = std::min(text.find('\n', open), text.size());
    const auto close = text.find("}}", open + 2);
    if (close == std::string_view::npos || close > line_end) {
      copy(open + 2);
      continue;
    }
    const std::string key(text.substr(open + 2, close - open - 2));
    if (const auto it = substitutions.find(key); it != substitutions.end()) {
      out.substituted.emplace_back(out_line, key);
      out.text += it->second;
      out_line += static_cast<int>(std::count(it->second.begin(), it->second.end(), '\n'));
      i = close + 2;
      continue;
    }
    if (is_placeholder_name(key) && !is_comment_line(text.substr(line_start, line_end - line_start))) {
      return Error{std::string(file) + ":" + std::to_string(in_line) + ": {{" + key +
                   "}} has no substitution: give it with --flow-substitution " + key + "=VALUE"};
    }
    // Not a placeholder of ours ("{{{x}}" keeps looking one character on).
    copy(open + 1);
  }
  copy(text.size());
  return out;
}

}  // namespace tracechat::emulator
