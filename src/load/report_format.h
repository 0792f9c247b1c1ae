// What the text and the HTML report say alike: printf-style pieces and the sentence that
// states correlation.
#pragma once

#include <cstdio>
#include <string>

#include "tracechat/load/correlation.h"

namespace tracechat::load::detail {

// For short pieces (a line, a tag, a figure): the buffer bounds the result.
std::string format(const char* pattern, auto... values) {
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, pattern, values...);
  return buffer;
}

// "100.00 % — 90 of 90 acknowledged messages have ... 0 with an error"
inline std::string correlation_sentence(const CorrelationReport& c) {
  return format(
      "%.2f %% — %llu of %llu acknowledged messages have their Data Action span under their chat.send_message span; "
      "%llu Data Action spans in the guests' traces, %llu with an error",
      c.share() * 100, static_cast<unsigned long long>(c.correlated), static_cast<unsigned long long>(c.messages),
      static_cast<unsigned long long>(c.data_action_spans), static_cast<unsigned long long>(c.data_action_errors));
}

}  // namespace tracechat::load::detail
