#include "transfer_coding.h"

#include <boost/beast/core/string.hpp>
#include <vector>

#include "tracechat/net/http.h"

namespace tracechat::net::detail {

FramingRefusal check_transfer_encoding(std::string_view codings, unsigned http_version) {
  if (http_version < 11) return {400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
  // A coding may carry parameters, which do not matter for its name.
  std::vector<std::string_view> names = split_field_list(codings);
  for (auto& name : names) {
    name = name.substr(0, name.find(';'));
    while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
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
