#include "tracechat/platform/platform_client.h"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <mutex>

#include "common/json_reader.h"
#include "common/rfc3339.h"
#include "redact.h"
#include "retrying_sender.h"
#include "tracechat/net/http_client.h"
#include "tracechat/platform/token_source.h"

namespace tracechat::platform {
namespace json = boost::json;

namespace {

constexpr std::string_view kJobs = "/api/v2/analytics/conversations/details/jobs";

PlatformError error(PlatformError::Kind kind, std::string message, int status = 0) {
  return PlatformError{kind, std::move(message), status};
}

// Ids go into URL paths: conversation and job ids are UUIDs, message ids hex strings.
// Anything else is refused here rather than sent, so no id can change the path.
std::optional<PlatformError> check_id(std::string_view what, std::string_view id) {
  const bool ok = !id.empty() && id.size() <= 128 && std::ranges::all_of(id, [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
  });
  if (ok) return std::nullopt;
  return error(PlatformError::Kind::configuration,
               std::string(what) + " '" + std::string(id.substr(0, 64)) + "' is not an id (letters, digits, '-')");
}

// The platform's error body {"message", "code", "status"}, shortened, for an error text.
std::string platform_message(const net::HttpResponse& response) {
  std::string out = "HTTP " + std::to_string(response.status);
  auto parsed = common::parse_object(response.body, 8, "it");
  if (!parsed) return out;
  const common::ObjectReader r(parsed->object(), "");
  const auto code = r.optional_string("code");
  const auto message = r.optional_string("message");
  if (code && *code) out += " " + (*code)->substr(0, 80);
  if (message && *message) out += ": " + (*message)->substr(0, 300);
  return out;
}

json::array filters_json(const std::vector<DetailsFilter>& filters) {
  json::array out;
  for (const auto& f : filters) {
    json::array predicates;
    for (const auto& p : f.predicates) {
      json::object o{{"type", p.type}, {"operator", "matches"}, {"value", p.value}};
      o[p.type == "property" ? "property" : "dimension"] = p.name;
      if (p.type == "property") o["propertyType"] = "string";
      predicates.emplace_back(std::move(o));
    }
    out.emplace_back(json::object{{"type", f.type}, {"predicates", std::move(predicates)}});
  }
  return out;
}

json::object query_json(const DetailsQuery& q) {
  json::object body{{"interval", q.interval}, {"order", "asc"}, {"orderBy", "conversationStart"}};
  if (!q.conversation_filters.empty()) body["conversationFilters"] = filters_json(q.conversation_filters);
  if (!q.segment_filters.empty()) body["segmentFilters"] = filters_json(q.segment_filters);
  return body;
}

template <typename T>
Result<T, PlatformError> read_answer(Result<T> read, std::string_view endpoint) {
  if (!read)
    return error(PlatformError::Kind::failed, std::string(endpoint) + ": malformed answer: " + read.error().message);
  return std::move(*read);
}

}  // namespace

struct PlatformClient::Impl {
  PlatformSettings settings;
  TokenSource tokens;
  net::HttpClient api;
  RetryingSender sender;
  mutable std::mutex stats_mutex;
  PlatformClientStats stats;

  Impl(PlatformSettings s, PlatformClientOptions options)
      : settings(std::move(s)),
        tokens(settings.hosts.login, settings.credentials, options.tls, options.retry),
        api(settings.hosts.api, options.tls),
        sender(options.retry) {}

  // Sends one call with a token; a 401 gets one new token and one more try. `token` is
  // set to the last token used, so the caller can scrub it from what it reports.
  Result<net::HttpResponse, PlatformError> authorized(net::HttpRequest request, const std::string& endpoint,
                                                      RetryingSender::Idempotent idempotent, std::string& token) {
    request.headers.push_back({"Accept", "application/json"});
    if (!request.body.empty()) request.headers.push_back({"Content-Type", "application/json"});
    for (int round = 0;; ++round) {
      TRACECHAT_TRY(token, tokens.token());
      request.headers.push_back({"Authorization", "Bearer " + token});
      TRACECHAT_TRY(auto response, sender.send(api, request, endpoint, idempotent));
      request.headers.pop_back();
      {
        std::lock_guard lock(stats_mutex);
        ++stats.requests;
      }
      if (response.status != 401 || round == 1) return response;
      sender.log(endpoint + ": HTTP 401 with token " + token_hint(token) + "; logging in again");
      tokens.invalidate(token);
      std::lock_guard lock(stats_mutex);
      ++stats.reauthentications;
    }
  }

  Result<std::string, PlatformError> call(std::string_view method, std::string path, std::string body,
                                          std::string endpoint,
                                          RetryingSender::Idempotent idempotent = RetryingSender::Idempotent::yes) {
    net::HttpRequest request;
    request.method = std::string(method);
    request.target = std::move(path);
    request.body = std::move(body);
    std::string token;
    TRACECHAT_TRY(auto response, authorized(std::move(request), endpoint, idempotent, token));
    if (response.status >= 200 && response.status <= 299) return std::move(response.body);
    std::string what = endpoint + ": " + platform_message(response);
    scrub(what, settings.credentials.client_secret);
    scrub(what, token);
    switch (response.status) {
      case 401:
        return error(PlatformError::Kind::authentication,
                     what + " (a new token was refused too: check the OAuth client)", 401);
      case 403:
        return error(PlatformError::Kind::authentication,
                     what + " (the OAuth client's roles lack the permission this call needs; docs/genesys-setup.md)",
                     403);
      case 404: return error(PlatformError::Kind::not_found, what, 404);
      default: return error(PlatformError::Kind::failed, what, response.status);
    }
  }
};

PlatformClient::PlatformClient(PlatformSettings settings, PlatformClientOptions options)
    : impl_(std::make_unique<Impl>(std::move(settings), std::move(options))) {}
PlatformClient::~PlatformClient() = default;

const PlatformHosts& PlatformClient::hosts() const { return impl_->settings.hosts; }

Result<std::string, PlatformError> PlatformClient::call(std::string_view method, std::string path, std::string body) {
  std::string endpoint = std::string(method) + " " + path.substr(0, path.find('?'));
  return impl_->call(method, std::move(path), std::move(body), std::move(endpoint));
}

Result<Conversation, PlatformError> PlatformClient::get_conversation(std::string_view conversation_id) {
  if (auto bad = check_id("conversation id", conversation_id)) return *bad;
  const std::string endpoint = "GET /api/v2/conversations/{conversationId}";
  TRACECHAT_TRY(const auto body,
                impl_->call("GET", "/api/v2/conversations/" + std::string(conversation_id), {}, endpoint));
  return read_answer(read_conversation(body), endpoint);
}

Result<MessageDetails, PlatformError> PlatformClient::get_message_details(std::string_view message_id) {
  if (auto bad = check_id("message id", message_id)) return *bad;
  const std::string endpoint = "GET /api/v2/conversations/messages/{messageId}/details";
  TRACECHAT_TRY(
      const auto body,
      impl_->call("GET", "/api/v2/conversations/messages/" + std::string(message_id) + "/details", {}, endpoint));
  return read_answer(read_message_details(body), endpoint);
}

Result<DetailsQueryPage, PlatformError> PlatformClient::query_details(const DetailsQuery& query) {
  auto body = query_json(query);
  body["paging"] = json::object{{"pageSize", query.page_size}, {"pageNumber", query.page_number}};
  const std::string endpoint = "POST /api/v2/analytics/conversations/details/query";
  TRACECHAT_TRY(const auto answer,
                impl_->call("POST", "/api/v2/analytics/conversations/details/query", json::serialize(body), endpoint));
  return read_answer(read_details_query_page(answer), endpoint);
}

Result<std::string, PlatformError> PlatformClient::submit_details_job(const DetailsQuery& query) {
  auto body = query_json(query);
  if (query.limit) body["limit"] = *query.limit;
  const std::string endpoint = "POST " + std::string(kJobs);
  TRACECHAT_TRY(const auto answer, impl_->call("POST", std::string(kJobs), json::serialize(body), endpoint,
                                               RetryingSender::Idempotent::no));
  return read_answer(read_job_id(answer), endpoint);
}

Result<DetailsJobStatus, PlatformError> PlatformClient::get_details_job(std::string_view job_id) {
  if (auto bad = check_id("job id", job_id)) return *bad;
  const std::string endpoint = "GET " + std::string(kJobs) + "/{jobId}";
  TRACECHAT_TRY(const auto answer, impl_->call("GET", std::string(kJobs) + "/" + std::string(job_id), {}, endpoint));
  return read_answer(read_details_job_status(answer), endpoint);
}

Result<DetailsJobPage, PlatformError> PlatformClient::get_details_job_results(std::string_view job_id,
                                                                              const std::optional<std::string>& cursor,
                                                                              int page_size) {
  if (auto bad = check_id("job id", job_id)) return *bad;
  std::string path = std::string(kJobs) + "/" + std::string(job_id) + "/results?pageSize=" + std::to_string(page_size);
  // The cursor is the platform's opaque token: encoded, never interpreted.
  if (cursor) path += "&cursor=" + boost::urls::encode(*cursor, boost::urls::unreserved_chars);
  const std::string endpoint = "GET " + std::string(kJobs) + "/{jobId}/results";
  TRACECHAT_TRY(const auto answer, impl_->call("GET", std::move(path), {}, endpoint));
  return read_answer(read_details_job_page(answer), endpoint);
}

std::optional<PlatformError> PlatformClient::cancel_details_job(std::string_view job_id) {
  if (auto bad = check_id("job id", job_id)) return bad;
  auto done = impl_->call("DELETE", std::string(kJobs) + "/" + std::string(job_id), {},
                          "DELETE " + std::string(kJobs) + "/{jobId}");
  if (!done) return done.error();
  return std::nullopt;
}

Result<std::string, PlatformError> PlatformClient::get_details_job_availability() {
  const std::string endpoint = "GET " + std::string(kJobs) + "/availability";
  TRACECHAT_TRY(const auto answer, impl_->call("GET", std::string(kJobs) + "/availability", {}, endpoint));
  return read_answer(read_data_availability_date(answer), endpoint);
}

PlatformClientStats PlatformClient::stats() const {
  std::lock_guard lock(impl_->stats_mutex);
  auto s = impl_->stats;
  s.token_fetches = impl_->tokens.fetches();
  return s;
}

std::string format_interval(std::int64_t from_ms, std::int64_t to_ms) {
  return common::format_rfc3339_ms(from_ms) + "/" + common::format_rfc3339_ms(to_ms);
}

}  // namespace tracechat::platform
