#include "request_checks.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>

namespace tracechat::dataaction::detail {

std::size_t scheme_length(std::string_view text) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (text.size() >= scheme.size() && boost::beast::iequals(text.substr(0, scheme.size()), scheme)) {
      return scheme.size();
    }
  }
  return 0;
}

std::size_t authority_end(std::string_view url) {
  const std::size_t start = scheme_length(url);
  const auto end = url.find_first_of("/?#", start);
  return end == std::string_view::npos ? url.size() : end;
}

// A rendered URL is sent only if the inputs stayed in its path, query and fragment:
// its scheme and authority are the template's own literal text (so an input can
// neither pick another host nor turn the request line into an absolute-form URL), and
// its path has no dot-segment to climb out of the path the template names.
std::optional<std::string> check_rendered_url(std::string_view rendered, std::string_view literal_start) {
  const std::size_t path_start = authority_end(rendered);
  if (path_start > literal_start.size()) {
    return "an input value reaches the scheme or host of the URL (inputs may fill only its path, query or fragment)";
  }
  for (const char c : rendered) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "it contains a space or a control character";
  }
  std::string_view path = rendered.substr(path_start);
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    const auto segment = path.substr(0, path.find('/'));
    std::string decoded;  // with %2e read as '.', as an upstream normalising the path would
    for (std::size_t i = 0; i < segment.size(); ++i) {
      if (segment.compare(i, 3, "%2e") == 0 || segment.compare(i, 3, "%2E") == 0) {
        decoded.push_back('.');
        i += 2;
      } else {
        decoded.push_back(segment[i]);
      }
    }
    if (decoded == "." || decoded == "..") return "its path has a dot-segment ('" + std::string(segment) + "')";
    path.remove_prefix(segment.size());
  }
  return std::nullopt;
}

bool valid_field_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

}  // namespace tracechat::dataaction::detail
