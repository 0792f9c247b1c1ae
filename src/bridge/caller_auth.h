// Caller authentication: the Basic credentials a Web Services Data Actions integration
// sends from its credential settings, checked without leaking, by timing, how much of
// a guess was right.
#pragma once

#include <array>
#include <optional>
#include <string_view>

#include "tracechat/bridge/bridge.h"

namespace tracechat::bridge::detail {

class CallerAuth {
 public:
  explicit CallerAuth(const BasicCredentials& credentials);
  // True when `authorization` is "Basic base64(user:password)" with the configured
  // pair. The comparison is of SHA-256 digests, in constant time, so neither the
  // length nor any prefix of the secret shows in how long a refusal takes.
  bool admits(std::optional<std::string_view> authorization) const;

 private:
  std::array<unsigned char, 32> expected_{};
};

}  // namespace tracechat::bridge::detail
