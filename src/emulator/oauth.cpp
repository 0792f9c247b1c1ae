#include "oauth.h"

#include <algorithm>
#include <boost/json.hpp>

#include "common/ascii.h"
#include "common/basic_authorization.h"
#include "common/random_token.h"
#include "common/secret_compare.h"
#include "form_encoding.h"
#include "rest_error.h"

namespace tracechat::emulator {

namespace json = boost::json;

namespace {

// Beyond this many live tokens the oldest is forgotten (its holder gets 401 and asks for
// another): a client that asks for a token per request cannot grow the table forever.
constexpr std::size_t kMaxTokens = 10000;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return common::ascii_lower(x) == common::ascii_lower(y);
         });
}

// "<scheme> <credentials>" with the scheme compared case-insensitively (RFC 9110 §11.1).
std::optional<std::string_view> credentials_of(std::string_view header, std::string_view scheme) {
  if (header.size() <= scheme.size() || !iequals(header.substr(0, scheme.size()), scheme) ||
      header[scheme.size()] != ' ') {
    return std::nullopt;
  }
  header.remove_prefix(scheme.size());
  while (!header.empty() && header.front() == ' ') header.remove_prefix(1);
  while (!header.empty() && header.back() == ' ') header.remove_suffix(1);
  if (header.empty()) return std::nullopt;
  return header;
}

// OAuth's error body; Genesys Cloud fills both description fields.
net::HttpResponse oauth_error(int status, std::string_view error, std::string_view description) {
  auto response = net::json_response(
      status, json::serialize(
                  json::object{{"error", error}, {"description", description}, {"error_description", description}}));
  response.set_header("Cache-Control", "no-store");
  if (status == 401) response.set_header("WWW-Authenticate", "Basic realm=\"oauth\"");
  return response;
}

// A 401 under /api/v2/ in the platform's words, with the challenge RFC 9110 §11.6.1
// requires of every 401, in RFC 6750 §3's form: a bare "Bearer" when no token came (§3.1:
// no error code then), error="invalid_token" for one that is unknown or expired.
net::HttpResponse bearer_refusal(std::string_view code, std::string_view message, bool token_presented) {
  auto response = rest_error(401, code, message);
  response.set_header("WWW-Authenticate", token_presented ? "Bearer error=\"invalid_token\"" : "Bearer");
  return response;
}

}  // namespace

OAuthServer::OAuthServer(std::vector<OAuthClientCredentials> clients, std::chrono::seconds token_lifetime)
    : clients_(std::move(clients)), lifetime_(token_lifetime) {}

net::HttpResponse OAuthServer::token_endpoint(const net::HttpRequest& request) {
  if (request.method != "POST") {
    auto response = oauth_error(405, "invalid_request", "use POST");
    response.set_header("Allow", "POST");
    return response;
  }
  const auto authorization = request.header("Authorization");
  const auto presented = authorization ? common::parse_basic_authorization(*authorization) : std::nullopt;
  if (!presented) {
    return oauth_error(401, "invalid_client", "client credentials are required in Basic authorization");
  }
  const OAuthClientCredentials* client = nullptr;
  for (const auto& c : clients_) {
    if (c.client_id == presented->first) client = &c;
  }
  // One answer for an unknown client and a wrong secret: the reply says nothing about
  // which client ids exist. (An empty id finds no client: configured ids are non-empty.)
  if (client == nullptr || !common::secrets_equal(client->client_secret, presented->second)) {
    return oauth_error(401, "invalid_client", "invalid client credentials");
  }
  const auto content_type = request.header("Content-Type").value_or("");
  if (!iequals(content_type.substr(0, 33), "application/x-www-form-urlencoded")) {
    return oauth_error(400, "invalid_request", "the body must be application/x-www-form-urlencoded");
  }
  const auto form = parse_form(request.body);
  if (!form) return oauth_error(400, "invalid_request", "malformed form body");
  std::optional<std::string> grant_type;
  for (const auto& [name, value] : *form) {
    if (name == "grant_type") grant_type = value;
  }
  if (grant_type != "client_credentials") {
    return oauth_error(400, "unsupported_grant_type", "only grant_type=client_credentials is supported");
  }
  auto response = net::json_response(200, json::serialize(json::object{{"access_token", issue(client->client_id)},
                                                                       {"token_type", "bearer"},
                                                                       {"expires_in", lifetime_.count()}}));
  response.set_header("Cache-Control", "no-store");
  response.set_header("Pragma", "no-cache");
  return response;
}

std::string OAuthServer::issue(const std::string& client_id) {
  std::string token = common::random_token();
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  if (issue_order_.size() >= kMaxTokens) forget_expired(now);
  while (tokens_.size() >= kMaxTokens && !issue_order_.empty()) {
    tokens_.erase(issue_order_.front());
    issue_order_.pop_front();
  }
  tokens_[token] = Token{client_id, now + lifetime_};
  issue_order_.push_back(token);
  return token;
}

void OAuthServer::forget_expired(Clock::time_point now) {
  std::erase_if(tokens_, [&](const auto& entry) { return entry.second.expires <= now; });
  std::erase_if(issue_order_, [&](const std::string& token) { return !tokens_.contains(token); });
}

std::variant<std::string, net::HttpResponse> OAuthServer::authenticate(const net::HttpRequest& request) {
  const auto authorization = request.header("Authorization");
  const auto token = authorization ? credentials_of(*authorization, "Bearer") : std::nullopt;
  if (!token) {
    return bearer_refusal("authentication.required",
                          "No authentication bearer token specified in authorization header.", false);
  }
  std::lock_guard lock(mutex_);
  auto it = tokens_.find(std::string(*token));
  if (it == tokens_.end()) return bearer_refusal("bad.credentials", "Invalid login credentials.", true);
  if (it->second.expires <= Clock::now()) {
    tokens_.erase(it);  // its entry in issue_order_ goes at the next compaction
    return bearer_refusal("bad.credentials", "Invalid login credentials.", true);
  }
  return it->second.client_id;
}

}  // namespace tracechat::emulator
