// Keeping the client secret and the access token out of every text the Platform API
// client writes. A server (or a proxy in front of it) may echo what it was sent into an
// error body, and error bodies become error messages: each is scrubbed of both before it
// leaves this part.
#pragma once

#include <string>
#include <string_view>

namespace tracechat::platform {

// Replaces every occurrence of `secret` in `text` with "[redacted]". Secrets shorter than
// 4 characters are left alone: too short to be found without hitting ordinary words.
inline void scrub(std::string& text, std::string_view secret) {
  if (secret.size() < 4) return;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "[redacted]");
  }
}

}  // namespace tracechat::platform
