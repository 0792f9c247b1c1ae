#include "tracechat/platform/token_source.h"

#include <algorithm>
#include <cctype>

#include "common/base64.h"
#include "common/json_reader.h"
#include "redact.h"
#include "retrying_sender.h"
#include "tracechat/net/http_client.h"

namespace tracechat::platform {

namespace {

// When to fetch again: 60 s before the end, as Genesys's Go SDK does; half the lifetime
// when that is shorter than two minutes (short-lived tokens of a test org or emulator).
std::chrono::seconds renew_after(std::int64_t expires_in) {
  return std::chrono::seconds(expires_in >= 120 ? expires_in - 60 : expires_in / 2);
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
bool is_bearer_token(std::string_view token) {
  std::size_t i = 0;
  while (i < token.size() && (std::isalnum(static_cast<unsigned char>(token[i])) != 0 ||
                              std::string_view("-._~+/").find(token[i]) != std::string_view::npos)) {
    ++i;
  }
  if (i == 0) return false;
  while (i < token.size() && token[i] == '=') ++i;
  return i == token.size();
}

// The login's refusal in its own words: {"error", "description", "error_description"}.
std::string login_refusal(const net::HttpResponse& response) {
  std::string what = "HTTP " + std::to_string(response.status);
  auto parsed = common::parse_object(response.body, 4, "it");
  if (parsed) {
    const common::ObjectReader r(parsed->object(), "");
    const auto error = r.optional_string("error");
    const auto description = r.optional_string("error_description");
    if (error && *error) what += " " + (*error)->substr(0, 64);
    if (description && *description && !(*description)->empty()) what += ": " + (*description)->substr(0, 200);
  }
  return what;
}

}  // namespace

struct TokenSource::Impl {
  net::Url login;
  Credentials credentials;
  net::HttpClient http;
  RetryingSender sender;
  mutable std::mutex mutex;
  std::string token;
  std::chrono::steady_clock::time_point renew_at{};
  std::uint64_t fetches = 0;

  Impl(net::Url l, Credentials c, net::TlsOptions tls, RetryPolicy policy)
      : login(std::move(l)), credentials(std::move(c)), http(login, std::move(tls)), sender(std::move(policy)) {}
};

TokenSource::TokenSource(net::Url login, Credentials credentials, net::TlsOptions tls, RetryPolicy policy)
    : impl_(std::make_unique<Impl>(std::move(login), std::move(credentials), std::move(tls), std::move(policy))) {}
TokenSource::~TokenSource() = default;

std::string token_hint(std::string_view token) {
  // Never more than a quarter of the token: a short one shows less, or nothing.
  return std::string(token.substr(0, std::min<std::size_t>(8, token.size() / 4))) + "…";
}

Result<std::string, PlatformError> TokenSource::token() {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->token.empty() && std::chrono::steady_clock::now() < impl_->renew_at) return impl_->token;
  return fetch();
}

void TokenSource::invalidate(const std::string& token) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->token == token) impl_->token.clear();
}

std::uint64_t TokenSource::fetches() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->fetches;
}

// Under the mutex: one fetch at a time, and the callers that waited get its token.
Result<std::string, PlatformError> TokenSource::fetch() {
  auto& i = *impl_;
  net::HttpRequest request;
  request.method = "POST";
  request.target = i.login.target == "/" ? "/oauth/token" : i.login.with_path_appended("oauth/token").target;
  request.headers.push_back(
      {"Authorization", "Basic " + common::base64_encode(i.credentials.client_id + ":" + i.credentials.client_secret)});
  request.headers.push_back({"Content-Type", "application/x-www-form-urlencoded"});
  request.headers.push_back({"Accept", "application/json"});
  request.body = "grant_type=client_credentials";
  const std::string endpoint = "POST " + i.login.origin() + "/oauth/token";
  TRACECHAT_TRY(const auto response, i.sender.send(i.http, request, endpoint));
  ++i.fetches;
  if (response.status == 400 || response.status == 401 || response.status == 403) {
    // The one request that carries the secret: its answer is scrubbed of it, in case
    // the server or a proxy echoes what it was sent.
    std::string why = login_refusal(response);
    scrub(why, i.credentials.client_secret);
    return PlatformError{PlatformError::Kind::authentication,
                         endpoint + ": the login refused OAuth client '" + i.credentials.client_id.substr(0, 64) +
                             "' (" + why +
                             "); check the client id and secret and that the client uses the client-credentials grant",
                         response.status};
  }
  if (response.status != 200) {
    std::string why = login_refusal(response);
    scrub(why, i.credentials.client_secret);
    return PlatformError{PlatformError::Kind::failed, endpoint + ": unexpected " + why, response.status};
  }
  auto parsed = common::parse_object(response.body, 4, "the token answer");
  if (!parsed) return PlatformError{PlatformError::Kind::failed, endpoint + ": " + parsed.error().message, 200};
  const common::ObjectReader r(parsed->object(), "");
  auto token = r.required_string("access_token");
  auto expires_in = r.optional_int("expires_in");
  if (!token || token->empty()) {
    return PlatformError{PlatformError::Kind::failed, endpoint + ": the answer has no access_token", 200};
  }
  // The token goes into a header: only RFC 6750's token characters, so an odd answer
  // cannot add a header line.
  if (!is_bearer_token(*token)) {
    return PlatformError{PlatformError::Kind::failed,
                         endpoint + ": the access_token has characters a bearer token cannot have", 200};
  }
  if (!expires_in) return PlatformError{PlatformError::Kind::failed, endpoint + ": " + expires_in.error().message, 200};
  // Without expires_in, an hour is a cautious guess; a 401 renews it sooner anyway. A
  // year at most: a larger number is a broken answer, and would overflow the clock.
  constexpr std::int64_t kYear = 365LL * 24 * 3600;
  const std::int64_t lifetime = std::clamp<std::int64_t>(expires_in->value_or(3600), 1, kYear);
  i.token = std::move(*token);
  i.renew_at = std::chrono::steady_clock::now() + renew_after(lifetime);
  i.sender.log("got an access token " + token_hint(i.token) + " for OAuth client " +
               i.credentials.client_id.substr(0, 64) + ", valid for " + std::to_string(lifetime) + " s");
  return i.token;
}

}  // namespace tracechat::platform
