#include "analytics_query.h"

#include <algorithm>

#include "common/rfc3339.h"

namespace tracechat::emulator {

namespace json = boost::json;
using common::ObjectReader;

namespace {

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
  const std::string kind = type.value_or("and");
  if (kind != "and" && kind != "or") return Error{f.path_of("type") + ": expected and or or"};
  filter.all = kind == "and";
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

Result<void> read_scope(const ObjectReader& r, QueryScope& q) {
  TRACECHAT_TRY(const auto interval, r.required_string("interval"));
  const auto slash = interval.find('/');
  const auto from = common::parse_rfc3339_ms(std::string_view(interval).substr(0, slash));
  const auto to = slash == std::string::npos ? std::nullopt : common::parse_rfc3339_ms(interval.substr(slash + 1));
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
  return {};
}

// Cuts at a code-point boundary, as every attribute limit of the emulator does.
std::string cut(std::string text) {
  truncate_code_points(text, kJobAttributeChars);
  return text;
}

}  // namespace

bool Predicate::matches(const Conversation& c, bool properties_match) const {
  if (kind == "property") {
    if (!properties_match) return false;
    return std::ranges::any_of(participants_of(c), [&](const ParticipantRow* p) {
      auto it = p->attributes.find(name);
      return it != p->attributes.end() && it->second == value;
    });
  }
  if (name == "conversationId") return c.row.id == value;
  if (name == "participantId") {
    return std::ranges::any_of(participants_of(c), [&](const ParticipantRow* p) { return p->participant_id == value; });
  }
  if (name == "purpose") {
    return std::ranges::any_of(participants_of(c), [&](const ParticipantRow* p) { return p->purpose == value; });
  }
  return name == "mediaType" && value == "message";
}

bool Filter::matches(const Conversation& c, bool properties_match) const {
  const auto one = [&](const Predicate& p) { return p.matches(c, properties_match); };
  return all ? std::ranges::all_of(predicates, one) : std::ranges::any_of(predicates, one);
}

bool QueryScope::filters_match(const Conversation& c, bool properties_match) const {
  return std::ranges::all_of(filters, [&](const Filter& f) { return f.matches(c, properties_match); });
}

Result<DetailsQuery> read_details_query(const ObjectReader& r) {
  DetailsQuery q;
  TRACECHAT_CHECK(read_scope(r, q));
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

Result<JobQuery> read_job_query(const ObjectReader& r) {
  JobQuery q;
  TRACECHAT_CHECK(read_scope(r, q));
  TRACECHAT_TRY(q.limit, r.optional_int("limit"));
  if (q.limit && *q.limit < 1) return Error{r.path_of("limit") + ": must be at least 1"};
  TRACECHAT_TRY(const auto start_of_day, r.optional_bool("startOfDayIntervalMatching"));
  q.start_of_day_interval_matching = start_of_day.value_or(false);
  return q;
}

bool QueryScope::overlaps(std::int64_t start, std::int64_t end, bool from_start_of_day) const {
  if (start >= to || end < from) return false;
  if (!from_start_of_day) return true;
  constexpr std::int64_t kDay = 86400000;
  return start >= from - (((from % kDay) + kDay) % kDay);
}

std::optional<Lifetime> lifetime_of(const Conversation& c, std::int64_t now) {
  const auto start = common::parse_rfc3339_ms(c.row.start_time);
  if (!start) return std::nullopt;
  const auto end = c.ended() ? common::parse_rfc3339_ms(c.row.end_time).value_or(now) : now;
  return Lifetime{*start, end};
}

std::vector<const ParticipantRow*> participants_of(const Conversation& c) {
  std::vector<const ParticipantRow*> out{&c.customer};
  if (c.agent) out.push_back(&*c.agent);
  return out;
}

json::object attributes_json(const Attributes& attributes) {
  json::object o;
  for (const auto& [k, v] : attributes) o[k] = v;
  return o;
}

json::object details_json(const Conversation& c, RecordAttributes attributes) {
  json::array participants;
  for (const auto* p : participants_of(c)) {
    json::object o{{"participantId", p->participant_id}, {"participantName", p->name}, {"purpose", p->purpose}};
    if (attributes == RecordAttributes::cut) {
      json::object cut_attributes;
      for (const auto& [k, v] : p->attributes) cut_attributes[cut(k)] = cut(v);
      o["attributes"] = std::move(cut_attributes);
    }
    o["sessions"] = json::array{json::object{{"mediaType", "message"}}};
    participants.emplace_back(std::move(o));
  }
  json::object out{{"conversationId", c.row.id},
                   {"conversationStart", c.row.start_time},
                   {"originatingDirection", "inbound"},
                   {"participants", std::move(participants)}};
  if (c.ended()) out["conversationEnd"] = c.row.end_time;
  return out;
}

}  // namespace tracechat::emulator
