// What went wrong talking to the Platform API, sorted by what the user must do about it:
// fix the configuration (or the OAuth client's roles), accept that the thing is not there,
// or try again later. The message never holds the client secret or the access token.
#pragma once

#include <string>

namespace tracechat::platform {

struct PlatformError {
  enum class Kind {
    configuration,   // settings missing or malformed: region, base URL, client id or secret
    authentication,  // the login refused the client, or the API refused the token or the permission
    not_found,       // 404: no such conversation, message or job
    rate_limited,    // 429 after every allowed wait
    failed,          // transport errors, 5xx after the retries, malformed answers, failed jobs
  };
  Kind kind = Kind::failed;
  std::string message;
  int http_status = 0;  // the last answer's status; 0 when none came
};

}  // namespace tracechat::platform
