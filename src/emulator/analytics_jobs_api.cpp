#include "analytics_jobs_api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "analytics_query.h"
#include "common/json_reader.h"
#include "common/rfc3339.h"
#include "form_encoding.h"
#include "rest_error.h"

namespace tracechat::emulator {

namespace json = boost::json;

namespace {

JobSettings settings_from(const AnalyticsConfig& config) {
  JobSettings s;
  s.delay = config.job_delay;
  s.availability_lag = config.data_availability_lag;
  s.failure = config.job_failure;
  return s;
}

// A cursor names the job it belongs to and the offset of the next page. It is opaque to
// clients; binding it to the job makes a cursor of another job a 400, not a wrong page.
std::string make_cursor(const std::string& job_id, std::size_t offset) {
  return std::to_string(offset) + "." + job_id.substr(0, 8);
}

std::optional<std::size_t> read_cursor(std::string_view cursor, const std::string& job_id) {
  const auto dot = cursor.find('.');
  if (dot == std::string_view::npos || cursor.substr(dot + 1) != std::string_view(job_id).substr(0, 8)) {
    return std::nullopt;
  }
  std::size_t offset = 0;
  const auto digits = cursor.substr(0, dot);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  return offset;
}

// Which conversations a job returns: those that started by the availability date, are in
// its interval (JobQuery::covers) and match its filters, oldest first. A property
// predicate matches custom attributes only when `properties_match`
// (analytics.jobPropertyPredicatesMatch): the reference does not say that it does.
std::vector<std::shared_ptr<Conversation>> select(Platform& platform, const JobQuery& q, std::int64_t availability,
                                                  std::int64_t now, bool properties_match) {
  std::vector<std::pair<std::int64_t, std::shared_ptr<Conversation>>> hits;
  for (const auto& c : platform.conversations()) {
    std::lock_guard lock(c->mutex);
    const auto lifetime = lifetime_of(*c, now);
    if (!lifetime || lifetime->start > availability) continue;
    if (!q.covers(lifetime->start, lifetime->end)) continue;
    if (!q.filters_match(*c, properties_match)) continue;
    hits.emplace_back(lifetime->start, c);
  }
  std::ranges::sort(hits, [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first < b.first : a.second->row.id < b.second->row.id;
  });
  if (q.limit && hits.size() > static_cast<std::uint64_t>(*q.limit)) hits.resize(static_cast<std::size_t>(*q.limit));
  std::vector<std::shared_ptr<Conversation>> out;
  out.reserve(hits.size());
  for (auto& [start, c] : hits) out.push_back(std::move(c));
  return out;
}

}  // namespace

AnalyticsJobsApi::AnalyticsJobsApi(Platform& platform, const AnalyticsConfig& config)
    : platform_(platform),
      jobs_(settings_from(config)),
      property_predicates_match_(config.job_property_predicates_match) {}

std::optional<net::HttpResponse> AnalyticsJobsApi::handle(const net::HttpRequest& request) {
  std::string_view path = request.path();
  if (!path.starts_with(kDetailsJobsPath)) return std::nullopt;
  path.remove_prefix(kDetailsJobsPath.size());
  if (path.empty() || path == "/") {
    if (request.method != "POST") return method_not_allowed("POST");
    return submit(request);
  }
  if (!path.starts_with('/')) return std::nullopt;
  path.remove_prefix(1);
  if (path == "availability") {
    if (request.method != "GET") return method_not_allowed("GET");
    const auto availability = jobs_.availability_ms(jobs_.now_ms());
    return net::json_response(
        200, json::serialize(json::object{{"dataAvailabilityDate", common::format_rfc3339_ms(availability)}}));
  }
  const auto slash = path.find('/');
  const std::string id(path.substr(0, slash));
  const std::string_view rest = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  if (rest.empty()) {
    if (request.method == "GET") return status(id);
    if (request.method == "DELETE") {
      if (!jobs_.cancel(id)) return rest_error(404, "not.found", "no job " + id.substr(0, 64));
      net::HttpResponse deleted;
      deleted.status = 204;
      return deleted;
    }
    return method_not_allowed("GET, DELETE");
  }
  if (rest == "/results") {
    if (request.method != "GET") return method_not_allowed("GET");
    return results(id, request);
  }
  return rest_error(404, "not.found", "no such resource");
}

net::HttpResponse AnalyticsJobsApi::submit(const net::HttpRequest& request) {
  auto parsed = common::parse_object(request.body, 20, "it");
  if (!parsed) return rest_error(400, "bad.request", "request body: " + parsed.error().message);
  const auto query = read_job_query(common::ObjectReader(parsed->object(), ""));
  if (!query) return rest_error(400, "bad.request", query.error().message);
  const auto now = jobs_.now_ms();
  auto hits = select(platform_, *query, jobs_.availability_ms(now), now, property_predicates_match_);
  const auto id = jobs_.submit(std::move(hits), now);
  return net::json_response(202, json::serialize(json::object{{"jobId", id}}));
}

net::HttpResponse AnalyticsJobsApi::status(const std::string& id) {
  const auto s = jobs_.status(id);
  if (!s) return rest_error(404, "not.found", "no job " + id.substr(0, 64));
  json::object out{{"state", job_state_name(s->state)},
                   {"submissionDate", common::format_rfc3339_ms(s->submitted_ms)},
                   {"expirationDate", common::format_rfc3339_ms(s->expires_ms)}};
  if (s->completed_ms) out["completionDate"] = common::format_rfc3339_ms(*s->completed_ms);
  if (s->state == JobState::failed) out["errorMessage"] = s->error_message;
  return net::json_response(200, json::serialize(out));
}

net::HttpResponse AnalyticsJobsApi::results(const std::string& id, const net::HttpRequest& request) {
  const auto params = parse_form(query_of(request.target));
  if (!params) return rest_error(400, "bad.request", "malformed query string");
  std::size_t offset = 0;
  std::size_t page_size = kDefaultJobPageSize;
  for (const auto& [name, value] : *params) {
    if (name == "cursor" && !value.empty()) {
      const auto at = read_cursor(value, id);
      if (!at) return rest_error(400, "bad.request", "cursor: not a cursor of this job's results");
      offset = *at;
    } else if (name == "pageSize") {
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec != std::errc() || end != value.data() + value.size() || n < 1 || n > kMaxJobPageSize) {
        return rest_error(400, "bad.request", "pageSize: must be 1 to " + std::to_string(kMaxJobPageSize));
      }
      page_size = n;
    }
  }
  auto page = jobs_.page(id, offset, page_size);
  if (!page) {
    return rest_error(page.error().status, page.error().status == 404 ? "not.found" : "bad.request",
                      page.error().message);
  }
  json::array conversations;
  for (const auto& c : page->conversations) {
    std::lock_guard lock(c->mutex);
    conversations.emplace_back(details_json(*c, RecordAttributes::cut));
  }
  json::object out;
  // As in the synchronous query, an empty list is left out rather than sent empty.
  if (!conversations.empty()) out["conversations"] = std::move(conversations);
  if (page->next_offset) out["cursor"] = make_cursor(id, *page->next_offset);
  out["dataAvailabilityDate"] = common::format_rfc3339_ms(page->availability_ms);
  return net::json_response(200, json::serialize(out));
}

}  // namespace tracechat::emulator
