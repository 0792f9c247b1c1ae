#include "rest_api.h"

#include <algorithm>
#include <boost/json.hpp>

#include "analytics_query.h"
#include "common/json_reader.h"
#include "message_details.h"
#include "rest_error.h"

namespace tracechat::emulator {
namespace json = boost::json;
using common::ObjectReader;

namespace {

constexpr std::string_view kApi = "/api/v2/";
constexpr std::string_view kConversations = "/api/v2/conversations/";
constexpr std::string_view kMessages = "/api/v2/conversations/messages/";
constexpr std::string_view kDetailsQuery = "/api/v2/analytics/conversations/details/query";

net::HttpResponse error(int status, std::string_view code, std::string message) {
  return rest_error(status, code, message);
}

// Under c.mutex.
json::object conversation_json(const Conversation& c) {
  json::array participants;
  for (const auto* p : participants_of(c)) {
    json::object o{{"id", p->participant_id},
                   {"name", p->name},
                   {"purpose", p->purpose},
                   {"state", c.ended() ? "disconnected" : "connected"},
                   {"attributes", attributes_json(p->attributes)}};
    participants.emplace_back(std::move(o));
  }
  json::object out{{"id", c.row.id}, {"startTime", c.row.start_time}, {"participants", std::move(participants)}};
  if (c.ended()) out["endTime"] = c.row.end_time;
  return out;
}

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

net::HttpResponse details_query(Platform& platform, const net::HttpRequest& request) {
  auto parsed = common::parse_object(request.body, 20, "it");
  if (!parsed) return error(400, "bad.request", "request body: " + parsed.error().message);
  const auto query = read_details_query(ObjectReader(parsed->object(), ""));
  if (!query) return error(400, "bad.request", query.error().message);
  const DetailsQuery& q = *query;
  const bool properties_match = platform.config().analytics.property_predicates_match;
  const auto now = AnalyticsJobs::system_now_ms();

  std::vector<std::pair<std::string, json::object>> hits;  // (start time, record)
  for (const auto& c : platform.conversations()) {
    std::lock_guard lock(c->mutex);
    const auto lifetime = lifetime_of(*c, now);
    if (!lifetime || !q.covers(lifetime->start, lifetime->end)) continue;
    if (!q.filters_match(*c, properties_match)) continue;
    hits.emplace_back(c->row.start_time, details_json(*c, RecordAttributes::omitted));
  }
  std::ranges::sort(hits, [](const auto& a, const auto& b) { return a.first < b.first; });
  json::array page;
  // (pageNumber - 1) * pageSize overflows for a huge pageNumber: a page that starts past
  // the last hit is empty, whatever its number.
  const auto pages_before = static_cast<std::uint64_t>(q.page_number - 1);
  const auto size = static_cast<std::uint64_t>(q.page_size);
  const std::size_t first =
      pages_before > hits.size() / size ? hits.size() : static_cast<std::size_t>(pages_before * size);
  for (std::size_t i = first; i < hits.size() && i - first < size; ++i) {
    page.emplace_back(std::move(hits[i].second));
  }
  json::object out{{"totalHits", hits.size()}};
  if (!page.empty()) out["conversations"] = std::move(page);
  return net::json_response(200, json::serialize(out));
}

net::HttpResponse patch_attributes(Platform& platform, const std::shared_ptr<Conversation>& c,
                                   std::string_view participant_id, const net::HttpRequest& request) {
  {
    std::lock_guard lock(c->mutex);
    if (c->customer.participant_id != participant_id) {
      const bool agent = c->agent && c->agent->participant_id == participant_id;
      return agent ? error(400, "bad.request", "only the customer participant's attributes can be set here")
                   : error(404, "not.found", "no participant " + std::string(participant_id).substr(0, 64));
    }
  }
  auto parsed = common::parse_object(request.body, 20, "it");
  if (!parsed) return error(400, "bad.request", "request body: " + parsed.error().message);
  const ObjectReader r(parsed->object(), "");
  auto attributes = r.optional_object("attributes");
  if (!attributes) return error(400, "invalid.attributes", attributes.error().message);
  if (*attributes == nullptr) return error(400, "invalid.attributes", "attributes: required");
  AttributeChanges changes;
  for (const auto& [key, value] : **attributes) {
    if (value.is_null()) {
      changes.emplace_back(std::string(key), std::nullopt);
    } else if (value.is_string()) {
      changes.emplace_back(std::string(key), std::string(value.get_string()));
    } else {
      return error(400, "invalid.attributes",
                   "attributes." + std::string(key).substr(0, 64) + ": expected string or null");
    }
  }
  auto merged = platform.set_attributes(*c, changes);
  if (!merged) {
    const auto& e = merged.error();
    return error(e.code,
                 e.code == 409   ? "conversation.ended"
                 : e.code == 413 ? "attributes.too.large"
                                 : "invalid.attributes",
                 e.message);
  }
  json::array truncated;
  for (const auto& key : merged->truncated) truncated.emplace_back(key);
  return net::json_response(200, json::serialize(json::object{{"attributes", attributes_json(merged->merged)},
                                                              {"truncated", std::move(truncated)}}));
}

}  // namespace

RestApi::RestApi(Platform& platform, std::vector<OAuthClientCredentials> clients)
    : platform_(platform),
      oauth_(std::move(clients), platform.config().oauth.token_lifetime),
      rate_limit_(platform.config().rest.requests_per_minute),
      jobs_(platform, platform.config().analytics) {}

std::optional<net::HttpResponse> RestApi::handle(const net::HttpRequest& request) {
  const std::string_view path = request.path();
  if (path == kTokenPath) return oauth_.token_endpoint(request);
  if (!path.starts_with(kApi)) return std::nullopt;
  // Authentication before anything else, unknown paths included: the platform does not
  // tell an anonymous caller which resources exist. Then the client's rate limit.
  auto client = oauth_.authenticate(request);
  if (auto* refused = std::get_if<net::HttpResponse>(&client)) return std::move(*refused);
  if (auto limited = rate_limit_.admit(std::get<std::string>(client))) return limited;
  return route(request);
}

net::HttpResponse RestApi::route(const net::HttpRequest& request) {
  const std::string_view path = request.path();
  if (path == kDetailsQuery) {
    if (request.method != "POST") return method_not_allowed("POST");
    return details_query(platform_, request);
  }
  if (auto answer = jobs_.handle(request)) return std::move(*answer);
  if (path.starts_with(kMessages)) {
    const auto parts = split_path(path.substr(kMessages.size()));
    if (parts.size() != 2 || parts[0].empty() || parts[1] != "details") {
      return error(404, "not.found", "no such resource");
    }
    if (request.method != "GET") return method_not_allowed("GET");
    return message_details(platform_, parts[0]);
  }
  if (!path.starts_with(kConversations)) return error(404, "not.found", "no such resource");
  const auto parts = split_path(path.substr(kConversations.size()));
  if (parts.empty() || parts[0].empty()) return error(404, "not.found", "no such resource");
  auto c = platform_.find(std::string(parts[0]));
  if (!c) return error(404, "not.found", "no conversation " + std::string(parts[0]).substr(0, 64));
  if (parts.size() == 1) {
    if (request.method != "GET") return method_not_allowed("GET");
    std::lock_guard lock(c->mutex);
    return net::json_response(200, json::serialize(conversation_json(*c)));
  }
  if (parts.size() == 4 && parts[1] == "participants" && parts[3] == "attributes") {
    if (request.method != "PATCH") return method_not_allowed("PATCH");
    return patch_attributes(platform_, c, parts[2], request);
  }
  return error(404, "not.found", "no such resource");
}

}  // namespace tracechat::emulator
