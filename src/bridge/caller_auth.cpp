#include "caller_auth.h"

#include "common/basic_authorization.h"

namespace tracechat::bridge::detail {

CallerAuth::CallerAuth(const BasicCredentials& credentials)
    : expected_(common::secret_digest(credentials.user + ":" + credentials.password)) {}

bool CallerAuth::admits(std::optional<std::string_view> authorization) const {
  if (!authorization) return false;
  const auto presented = common::parse_basic_authorization(*authorization);
  if (!presented) return false;
  // The pair as one string, as it was configured: the user is not a secret, but comparing
  // it apart would let its check return early, and the user:password joined again is
  // exactly what the caller encoded (the parser splits at the first ':' and keeps the rest).
  return common::secret_matches(expected_, presented->first + ":" + presented->second);
}

}  // namespace tracechat::bridge::detail
