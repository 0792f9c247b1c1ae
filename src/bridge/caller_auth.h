// Caller authentication: the Basic credentials a Web Services Data Actions integration
// sends from its credential settings, checked without leaking, by timing, how much of
// a guess was right.
#pragma once

#include <optional>
#include <string_view>

#include "common/secret_compare.h"
#include "tracechat/bridge/bridge.h"

namespace tracechat::bridge::detail {

class CallerAuth {
 public:
  explicit CallerAuth(const BasicCredentials& credentials);
  // True when `authorization` is "Basic base64(user:password)" with the configured
  // pair (common::parse_basic_authorization), compared as a secret
  // (common::secret_matches): neither its length nor any prefix of it shows in how long
  // a refusal takes.
  bool admits(std::optional<std::string_view> authorization) const;

 private:
  common::SecretDigest expected_{};
};

}  // namespace tracechat::bridge::detail
