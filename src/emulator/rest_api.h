// The platform's REST endpoints on the emulator's port, in the shapes of Genesys Cloud's
// Platform API: OAuth's token endpoint, and under /api/v2/ (bearer token required, rate
// limited per OAuth client) a conversation with its participants' attributes, the PATCH
// that sets participant attributes (same rules as set-attributes), a message by its id,
// and the Analytics API's conversation details query and asynchronous details jobs.
#pragma once

#include <optional>

#include "analytics_jobs_api.h"
#include "oauth.h"
#include "platform.h"
#include "rest_rate_limit.h"
#include "tracechat/net/http.h"

namespace tracechat::emulator {

inline constexpr std::string_view kTokenPath = "/oauth/token";

class RestApi {
 public:
  // `clients`: the OAuth clients that may ask for tokens (configured or generated).
  RestApi(Platform& platform, std::vector<OAuthClientCredentials> clients);

  // Answers /oauth/token and every request under /api/v2/, or nullopt for other paths.
  std::optional<net::HttpResponse> handle(const net::HttpRequest& request);

 private:
  net::HttpResponse route(const net::HttpRequest& request);

  Platform& platform_;
  OAuthServer oauth_;
  RestRateLimit rate_limit_;
  AnalyticsJobsApi jobs_;
};

}  // namespace tracechat::emulator
