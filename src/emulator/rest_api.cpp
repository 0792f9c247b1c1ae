#include "rest_api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "common/json_reader.h"

namespace tracechat::emulator {
namespace json = boost::json;
using common::ObjectReader;

namespace {

constexpr std::string_view kConversations = "/api/v2/conversations/";
constexpr std::string_view kDetailsQuery = "/api/v2/analytics/conversations/details/query";

// Genesys Cloud's error body: {"message", "code", "status"}.
net::HttpResponse error(int status, std::string_view code, std::string message) {
  return net::json_response(status,
                            json::serialize(json::object{{"message", message}, {"code", code}, {"status", status}}));
}

json::object attributes_json(const Attributes& attributes) {
  json::object o;
  for (const auto& [k, v] : attributes) o[k] = v;
  return o;
}

std::vector<const ParticipantRow*> participants_of(const Conversation& c) {
  std::vector<const ParticipantRow*> out{&c.customer};
  if (c.agent) out.push_back(&*c.agent);
  return out;
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

// Under c.mutex: the Analytics API's conversation details record.
json::object details_json(const Conversation& c) {
  json::array participants;
  for (const auto* p : participants_of(c)) {
    participants.emplace_back(json::object{{"participantId", p->participant_id},
                                           {"participantName", p->name},
                                           {"purpose", p->purpose},
                                           {"attributes", attributes_json(p->attributes)},
                                           {"sessions", json::array{json::object{{"mediaType", "message"}}}}});
  }
  json::object out{{"conversationId", c.row.id},
                   {"conversationStart", c.row.start_time},
                   {"originatingDirection", "inbound"},
                   {"participants", std::move(participants)}};
  if (c.ended()) out["conversationEnd"] = c.row.end_time;
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

// One predicate of a query filter, checked against one conversation (under its lock).
struct Predicate {
  std::string kind;  // dimension | property
  std::string name;  // the dimension or the attribute key
  std::string value;

  bool matches(const Conversation& c) const {
    if (kind == "property") {
      return std::ranges::any_of(participants_of(c), [&](const ParticipantRow* p) {
        auto it = p->attributes.find(name);
        return it != p->attributes.end() && it->second == value;
      });
    }
    if (name == "conversationId") return c.row.id == value;
    if (name == "participantId") {
      return std::ranges::any_of(participants_of(c),
                                 [&](const ParticipantRow* p) { return p->participant_id == value; });
    }
    if (name == "purpose") {
      return std::ranges::any_of(participants_of(c), [&](const ParticipantRow* p) { return p->purpose == value; });
    }
    return name == "mediaType" && value == "message";
  }
};

struct Filter {
  bool all = true;  // "and" | "or"
  std::vector<Predicate> predicates;
  bool matches(const Conversation& c) const {
    const auto one = [&](const Predicate& p) { return p.matches(c); };
    return all ? std::ranges::all_of(predicates, one) : std::ranges::any_of(predicates, one);
  }
};

Result<Predicate> read_predicate(const ObjectReader& p) {
  Predicate predicate;
  TRACECHAT_TRY(const auto type, p.optional_string("type"));
  predicate.kind = type.value_or("dimension");
  if (predicate.kind != "dimension" && predicate.kind != "property") {
    return Error{p.path_of("type") + ": expected dimension or property"};
  }
  TRACECHAT_TRY(const auto op, p.optional_string("operator"));
  if (op && *op != "matches") return Error{p.path_of("operator") + ": only matches is supported"};
  TRACECHAT_TRY(predicate.name, p.required_string(predicate.kind == "property" ? "property" : "dimension"));
  if (predicate.kind == "dimension") {
    static constexpr std::string_view kDimensions[] = {"conversationId", "participantId", "purpose", "mediaType"};
    if (std::ranges::find(kDimensions, predicate.name) == std::end(kDimensions)) {
      return Error{p.path_of("dimension") + ": unsupported dimension '" + predicate.name.substr(0, 64) + "'"};
    }
  }
  TRACECHAT_TRY(predicate.value, p.required_string("value"));
  return predicate;
}

Result<Filter> read_filter(const ObjectReader& f) {
  Filter filter;
  TRACECHAT_TRY(const auto type, f.optional_string("type"));
  if (type && *type != "and" && *type != "or") return Error{f.path_of("type") + ": expected and or or"};
  filter.all = type.value_or("and") == "and";
  TRACECHAT_TRY(const json::array* predicates, f.optional_array("predicates"));
  if (predicates == nullptr || predicates->empty()) return Error{f.path_of("predicates") + ": required"};
  for (std::size_t i = 0; i < predicates->size(); ++i) {
    const std::string path = f.path_of("predicates") + "[" + std::to_string(i) + "]";
    if (!(*predicates)[i].is_object()) return Error{path + ": expected object"};
    TRACECHAT_TRY(auto predicate, read_predicate(ObjectReader((*predicates)[i].get_object(), path)));
    filter.predicates.push_back(std::move(predicate));
  }
  return filter;
}

Result<std::vector<Filter>> read_filters(const ObjectReader& r, std::string_view key) {
  TRACECHAT_TRY(const json::array* filters, r.optional_array(key));
  std::vector<Filter> out;
  if (filters == nullptr) return out;
  for (std::size_t i = 0; i < filters->size(); ++i) {
    const std::string path = r.path_of(key) + "[" + std::to_string(i) + "]";
    if (!(*filters)[i].is_object()) return Error{path + ": expected object"};
    TRACECHAT_TRY(auto filter, read_filter(ObjectReader((*filters)[i].get_object(), path)));
    out.push_back(std::move(filter));
  }
  return out;
}

// A details query as its body asks: the interval (milliseconds since the epoch, start
// inclusive), the filters of both kinds, and the page.
struct DetailsQuery {
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::vector<Filter> filters;
  std::int64_t page_size = 25;
  std::int64_t page_number = 1;
};

Result<DetailsQuery> read_details_query(const ObjectReader& r) {
  DetailsQuery q;
  TRACECHAT_TRY(const auto interval, r.required_string("interval"));
  const auto slash = interval.find('/');
  const auto from = parse_rfc3339_ms(std::string_view(interval).substr(0, slash));
  const auto to = slash == std::string::npos ? std::nullopt : parse_rfc3339_ms(interval.substr(slash + 1));
  if (!from || !to || *from > *to) {
    return Error{
        "interval: expected start/end in ISO-8601 UTC, e.g. 2026-01-01T00:00:00.000Z/2026-01-02T00:00:00.000Z"};
  }
  q.from = *from;
  q.to = *to;
  for (const auto* key : {"conversationFilters", "segmentFilters"}) {
    TRACECHAT_TRY(const auto filters, read_filters(r, key));
    q.filters.insert(q.filters.end(), filters.begin(), filters.end());
  }
  TRACECHAT_TRY(const json::object* paging, r.optional_object("paging"));
  if (paging != nullptr) {
    const ObjectReader p(*paging, "paging");
    TRACECHAT_TRY(const auto size, p.optional_int("pageSize"));
    TRACECHAT_TRY(const auto number, p.optional_int("pageNumber"));
    q.page_size = size.value_or(25);
    q.page_number = number.value_or(1);
    if (q.page_size < 1 || q.page_size > 100) return Error{"paging.pageSize: must be 1 to 100"};
    if (q.page_number < 1) return Error{"paging.pageNumber: must be at least 1"};
  }
  return q;
}

net::HttpResponse details_query(Platform& platform, const net::HttpRequest& request) {
  auto parsed = common::parse_object(request.body, 20, "it");
  if (!parsed) return error(400, "bad.request", "request body: " + parsed.error().message);
  const auto query = read_details_query(ObjectReader(parsed->object(), ""));
  if (!query) return error(400, "bad.request", query.error().message);
  const DetailsQuery& q = *query;

  std::vector<std::pair<std::string, json::object>> hits;  // (start time, record)
  for (const auto& c : platform.conversations()) {
    std::lock_guard lock(c->mutex);
    const auto start = parse_rfc3339_ms(c->row.start_time);
    if (!start || *start < q.from || *start >= q.to) continue;
    if (!std::ranges::all_of(q.filters, [&](const Filter& f) { return f.matches(*c); })) continue;
    hits.emplace_back(c->row.start_time, details_json(*c));
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

std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, consumed = 0;
  const std::string t(text.substr(0, 40));
  if (std::sscanf(t.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6 || consumed != 19) {
    return std::nullopt;
  }
  std::string_view rest = std::string_view(t).substr(19);
  int ms = 0;
  if (!rest.empty() && rest.front() == '.') {
    rest.remove_prefix(1);
    int digits = 0;
    while (!rest.empty() && rest.front() >= '0' && rest.front() <= '9') {
      if (digits < 3) ms = ms * 10 + (rest.front() - '0');
      ++digits;
      rest.remove_prefix(1);
    }
    if (digits == 0) return std::nullopt;
    for (; digits < 3; ++digits) ms *= 10;
  }
  if (rest != "Z" || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  // Days from the civil date (Howard Hinnant's algorithm), so no time zone is involved.
  const int yy = y - (mo <= 2 ? 1 : 0);
  const int era = (yy >= 0 ? yy : yy - 399) / 400;
  const int yoe = yy - era * 400;
  const int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const std::int64_t days = static_cast<std::int64_t>(era) * 146097 + doe - 719468;
  return ((days * 24 + h) * 60 + mi) * 60000 + static_cast<std::int64_t>(s) * 1000 + ms;
}

std::optional<net::HttpResponse> handle_rest_request(Platform& platform, const net::HttpRequest& request) {
  const std::string_view path = request.path();
  if (path == kDetailsQuery) {
    if (request.method != "POST") return error(405, "method.not.allowed", "use POST");
    return details_query(platform, request);
  }
  if (!path.starts_with(kConversations)) return std::nullopt;
  const auto parts = split_path(path.substr(kConversations.size()));
  if (parts.empty() || parts[0].empty()) return error(404, "not.found", "no such resource");
  auto c = platform.find(std::string(parts[0]));
  if (!c) return error(404, "not.found", "no conversation " + std::string(parts[0]).substr(0, 64));
  if (parts.size() == 1) {
    if (request.method != "GET") return error(405, "method.not.allowed", "use GET");
    std::lock_guard lock(c->mutex);
    return net::json_response(200, json::serialize(conversation_json(*c)));
  }
  if (parts.size() == 4 && parts[1] == "participants" && parts[3] == "attributes") {
    if (request.method != "PATCH") return error(405, "method.not.allowed", "use PATCH");
    return patch_attributes(platform, c, parts[2], request);
  }
  return error(404, "not.found", "no such resource");
}

}  // namespace tracechat::emulator
