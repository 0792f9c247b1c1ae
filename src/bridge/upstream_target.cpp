#include "upstream_target.h"

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <vector>

namespace tracechat::bridge::detail {

Result<std::string> upstream_target(const net::Url& base, std::string_view request_target) {
  if (request_target.empty()) return Error{"the request target is empty"};
  boost::urls::url_view target;
  if (request_target.front() == '/') {
    auto parsed = boost::urls::parse_origin_form(request_target);
    if (!parsed) return Error{"the request target is not a valid path and query: " + parsed.error().message()};
    target = *parsed;
  } else {
    auto parsed = boost::urls::parse_absolute_uri(request_target);
    if (!parsed || !parsed->has_authority() ||
        (parsed->scheme_id() != boost::urls::scheme::http && parsed->scheme_id() != boost::urls::scheme::https)) {
      return Error{"the request target must be a path (origin-form) or an http(s) URL (absolute-form)"};
    }
    if (parsed->has_fragment()) return Error{"the request target must not have a fragment"};
    target = *parsed;
  }

  // The segments that remain, still percent-encoded as received.
  std::vector<std::string_view> kept;
  const auto segments = target.encoded_segments();
  std::size_t index = 0;
  for (const auto segment : segments) {
    const bool last = ++index == segments.size();
    const std::string decoded = segment.decode();
    if (decoded.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      return Error{"a path segment holds an encoded '/', '\\' or NUL"};
    }
    if (decoded == "." || decoded == "..") {
      if (decoded == "..") {
        if (kept.empty()) return Error{"the path climbs above the upstream's base path"};
        kept.pop_back();
      }
      if (last) kept.emplace_back();  // "/a/." and "/a/b/.." both end in "/a/"
      continue;
    }
    kept.push_back(segment);
  }

  const std::string& base_target = base.target;
  const auto base_query_at = base_target.find('?');
  std::string out = base_target.substr(0, base_query_at);
  while (!out.empty() && out.back() == '/') out.pop_back();
  out.push_back('/');
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (i != 0) out.push_back('/');
    out.append(kept[i]);
  }
  // The base's query (an API key, say) first, then the request's own.
  std::string query = base_query_at == std::string::npos ? std::string() : base_target.substr(base_query_at + 1);
  if (target.has_query() && !target.encoded_query().empty()) {
    if (!query.empty()) query.push_back('&');
    query.append(target.encoded_query());
  }
  if (!query.empty()) out += "?" + query;
  return out;
}

}  // namespace tracechat::bridge::detail
