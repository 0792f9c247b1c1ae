#include "form_encoding.h"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>

namespace tracechat::emulator {

namespace {

// One name or value: its %XX escapes and '+' (a space, in this encoding) decoded by
// Boost.URL. make_pct_string_view checks the escapes alone and lets every other byte
// through, as the HTML form decoder does; parse_query would also refuse bytes a URL may
// not carry raw (spaces, non-ASCII), which a form body may.
std::optional<std::string> form_decode(std::string_view text) {
  const auto escaped = boost::urls::make_pct_string_view(text);
  if (!escaped) return std::nullopt;
  boost::urls::encoding_opts options;
  options.space_as_plus = true;
  return escaped->decode(options);
}

}  // namespace

std::optional<std::vector<std::pair<std::string, std::string>>> parse_form(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!text.empty()) {
    const auto amp = text.find('&');
    const std::string_view pair = text.substr(0, amp);
    text = amp == std::string_view::npos ? std::string_view() : text.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    auto name = form_decode(pair.substr(0, eq));
    auto value = form_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    out.emplace_back(std::move(*name), std::move(*value));
  }
  return out;
}

std::string_view query_of(std::string_view target) {
  const auto question = target.find('?');
  if (question == std::string_view::npos) return {};
  target.remove_prefix(question + 1);
  return target.substr(0, target.find('#'));
}

}  // namespace tracechat::emulator
