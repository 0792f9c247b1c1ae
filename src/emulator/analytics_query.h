// The conversation details query language that the synchronous query and the
// asynchronous jobs share: the body's interval and filters (segmentFilters and
// conversationFilters of dimension and property predicates), read with errors that name
// the bad field, and the details record a conversation is answered as.
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json_reader.h"
#include "platform.h"
#include "tracechat/result.h"

namespace tracechat::emulator {

// One predicate of a query filter.
struct Predicate {
  std::string kind;  // dimension | property
  std::string name;  // the dimension or the attribute key
  std::string value;
  // Under c.mutex. A property predicate matches a participant attribute only when
  // `properties_match`: the synchronous query does not see custom attributes.
  bool matches(const Conversation& c, bool properties_match) const;
};

struct Filter {
  bool all = true;  // "and" | "or"
  std::vector<Predicate> predicates;
  bool matches(const Conversation& c, bool properties_match) const;
};

// What both kinds of query ask: the interval in milliseconds since the epoch (start
// inclusive, end exclusive) and every filter, each of which must match.
struct QueryScope {
  std::int64_t from = 0;
  std::int64_t to = 0;
  std::vector<Filter> filters;
  bool filters_match(const Conversation& c, bool properties_match) const;
  // Whether a conversation that started at `start` and ended at `end` (now, while it is
  // active) overlaps the interval, and, with `from_start_of_day`, also started no earlier
  // than the interval's first day (UTC).
  bool overlaps(std::int64_t start, std::int64_t end, bool from_start_of_day) const;
};

// POST /api/v2/analytics/conversations/details/query.
struct DetailsQuery : QueryScope {
  std::int64_t page_size = 25;
  std::int64_t page_number = 1;
  // Whether a conversation is in the query's interval. The reference says only that the
  // results include nothing but conversations that "started on a day touched by the
  // interval"; that they are then those whose lifetime overlaps it is our reading,
  // borrowed from what it says of jobs (docs/emulator.md: uncertain).
  bool covers(std::int64_t start, std::int64_t end) const { return overlaps(start, end, true); }
};

// POST /api/v2/analytics/conversations/details/jobs: the query with a limit on the
// number of conversations and startOfDayIntervalMatching instead of paging.
struct JobQuery : QueryScope {
  std::optional<std::int64_t> limit;
  bool start_of_day_interval_matching = false;
  // Whether a conversation is in the job's interval: it "had activity during the
  // interval" (the reference), i.e. its lifetime overlaps it, and with
  // startOfDayIntervalMatching it started no earlier than the interval's first day (UTC).
  bool covers(std::int64_t start, std::int64_t end) const {
    return overlaps(start, end, start_of_day_interval_matching);
  }
};

// Under c.mutex: when the conversation started and ended, in milliseconds since the
// epoch; an active one ends `now`. Nullopt when its start time does not parse.
struct Lifetime {
  std::int64_t start = 0;
  std::int64_t end = 0;
};
std::optional<Lifetime> lifetime_of(const Conversation& c, std::int64_t now);

Result<DetailsQuery> read_details_query(const common::ObjectReader& r);
Result<JobQuery> read_job_query(const common::ObjectReader& r);

std::vector<const ParticipantRow*> participants_of(const Conversation& c);
boost::json::object attributes_json(const Attributes& attributes);

// Under c.mutex: the Analytics API's conversation details record. The synchronous query
// answers without `attributes`, as the platform's does; a job's results carry them, with
// keys and values cut at kJobAttributeChars characters.
enum class RecordAttributes { omitted, cut };
inline constexpr std::size_t kJobAttributeChars = 1024;
boost::json::object details_json(const Conversation& c, RecordAttributes attributes);

}  // namespace tracechat::emulator
