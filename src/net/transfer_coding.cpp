#include "transfer_coding.h"

#include <boost/beast/core/string.hpp>
#include <vector>

namespace tracechat::net::detail {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

FramingRefusal check_transfer_encoding(std::string_view codings, unsigned http_version) {
  if (http_version < 11) return {400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  // A list element may be empty (RFC 9110 §5.6.1); a coding may carry parameters,
  // which only matter for the name comparison here.
  std::vector<std::string_view> names;
  while (!codings.empty()) {
    const auto comma = codings.find(',');
    std::string_view element = trim(codings.substr(0, comma));
    codings = comma == std::string_view::npos ? std::string_view{} : codings.substr(comma + 1);
    if (element.empty()) continue;
    names.push_back(trim(element.substr(0, element.find(';'))));
  }
  if (names.empty()) return {400, "Transfer-Encoding names no coding"};
  if (!boost::beast::iequals(names.back(), "chunked")) {
    return {400, "the final transfer coding is '" + std::string(names.back()) +
                     "', not chunked: the body length cannot be determined"};
  }
  for (std::size_t i = 0; i + 1 < names.size(); ++i) {
    if (boost::beast::iequals(names[i], "chunked")) return {400, "chunked is applied more than once"};
  }
  if (names.size() > 1) {
    return {501, "transfer coding '" + std::string(names.front()) + "' is not implemented (only chunked is)"};
  }
  return {};
}

}  // namespace tracechat::net::detail
