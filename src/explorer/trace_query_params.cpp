#include "trace_query_params.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

#include "common/rfc3339.h"

namespace tracechat::explorer {

namespace {

constexpr std::size_t kMaxTextBytes = 512;

// A value quoted in an error: short, whatever was sent.
std::string shown(std::string_view text) {
  return "'" + std::string(text.substr(0, 80)) + (text.size() > 80 ? "…'" : "'");
}

Result<std::uint64_t> parse_time(std::string_view name, std::string_view text) {
  const auto ms = common::parse_rfc3339_ms(text);
  if (!ms || *ms < 0) {
    return Error{std::string(name) + " " + shown(text) +
                 ": expected an RFC 3339 time in UTC, e.g. 2026-12-05T10:00:00.000Z"};
  }
  return static_cast<std::uint64_t>(*ms) * 1'000'000ULL;
}

Result<collector::TraceQuery::Cursor> parse_cursor(std::string_view text) {
  const auto dash = text.find('-');
  std::uint64_t start = 0;
  if (dash != std::string_view::npos) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + dash, start);
    if (ec == std::errc() && end == text.data() + dash) {
      if (auto id = trace::TraceId::from_hex(text.substr(dash + 1))) return collector::TraceQuery::Cursor{start, *id};
    }
  }
  return Error{"after " + shown(text) + ": not a cursor this API gave out (use the \"next\" of the previous page)"};
}

}  // namespace

std::string format_cursor(const collector::TraceQuery::Cursor& cursor) {
  return std::to_string(cursor.start_unix_nano) + "-" + cursor.trace_id.hex();
}

Result<collector::TraceQuery> parse_trace_query(std::string_view target) {
  collector::TraceQuery query;
  query.limit = kDefaultPageSize;
  auto url = boost::urls::parse_origin_form(target);
  if (!url) return Error{"the query string is not valid: " + url.error().message()};
  std::vector<std::string> seen;
  // Decoded, with '+' as a space: what a form or URLSearchParams sends.
  for (const boost::urls::param param : url->params()) {
    const std::string& name = param.key;
    const std::string& value = param.value;
    if (name.empty() && value.empty()) continue;  // "?&" and the like
    if (name != "attr") {
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
        return Error{"the parameter " + shown(name) + " is given twice"};
      }
      seen.push_back(name);
    }
    if (value.size() > kMaxTextBytes) {
      return Error{name.substr(0, 40) + ": at most " + std::to_string(kMaxTextBytes) + " bytes"};
    }
    const auto need_value = [&]() -> Result<void> {
      if (value.empty()) return Error{name + ": needs a value"};
      return {};
    };
    if (name == "trace_id") {
      auto id = trace::TraceId::from_hex(value);
      if (!id || !id->valid())
        return Error{"trace_id " + shown(value) + ": expected 32 hexadecimal digits, not all zero"};
      query.trace_id = *id;
    } else if (name == "conversation_id") {
      TRACECHAT_CHECK(need_value());
      query.conversation_id = value;
    } else if (name == "service") {
      TRACECHAT_CHECK(need_value());
      query.service = value;
    } else if (name == "span_name") {
      TRACECHAT_CHECK(need_value());
      query.span_name = value;
    } else if (name == "attr") {
      const auto eq = value.find('=');
      if (eq == std::string::npos || eq == 0) return Error{"attr " + shown(value) + ": expected key=value"};
      query.attributes.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    } else if (name == "errors") {
      if (value != "1" && value != "true" && value != "0" && value != "false") {
        return Error{"errors " + shown(value) + ": expected 1 or 0"};
      }
      query.errors_only = value == "1" || value == "true";
    } else if (name == "from") {
      TRACECHAT_TRY(query.start_from_unix_nano, parse_time("from", value));
    } else if (name == "to") {
      TRACECHAT_TRY(query.start_to_unix_nano, parse_time("to", value));
    } else if (name == "limit") {
      std::size_t limit = 0;
      const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), limit);
      if (ec != std::errc() || end != value.data() + value.size() || limit < 1 || limit > kMaxPageSize) {
        return Error{"limit " + shown(value) + ": expected a number from 1 to " + std::to_string(kMaxPageSize)};
      }
      query.limit = limit;
    } else if (name == "after") {
      TRACECHAT_TRY(query.after, parse_cursor(value));
    } else {
      return Error{"unknown parameter " + shown(name) +
                   " (known: trace_id, conversation_id, service, span_name, attr, errors, from, to, limit, after)"};
    }
  }
  if (query.start_from_unix_nano && query.start_to_unix_nano &&
      *query.start_from_unix_nano >= *query.start_to_unix_nano) {
    return Error{"from must be before to"};
  }
  return query;
}

}  // namespace tracechat::explorer
