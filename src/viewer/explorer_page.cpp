#include "tracechat/viewer/explorer_page.h"

#include <string>

// The page's files, embedded at build time by cmake/EmbedText.cmake (src/CMakeLists.txt).
namespace tracechat::viewer::assets {
extern const std::string_view kExplorerHtml;
extern const std::string_view kExplorerCss;
extern const std::string_view kExplorerJs;
}  // namespace tracechat::viewer::assets

namespace tracechat::viewer {

namespace {

// JSON placed inside <script>: '<', '>' and '&' only occur inside strings there, so
// replacing them with \u escapes keeps the JSON identical and "</script>" impossible.
std::string script_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

}  // namespace

std::string explorer_page(std::string_view trace_document) {
  // The placeholders are replaced in the order they appear in explorer.html (style,
  // data, script), each searched for after the previous replacement, so that no text
  // inserted earlier can be taken for a later placeholder.
  std::string page(assets::kExplorerHtml);
  std::string::size_type from = 0;
  const auto fill = [&](std::string_view placeholder, std::string_view with) {
    const auto at = page.find(placeholder, from);
    if (at == std::string::npos) return;
    page.replace(at, placeholder.size(), with);
    from = at + with.size();
  };
  fill("/*@CSS@*/", assets::kExplorerCss);
  fill("@DATA@", trace_document.empty() ? std::string("null") : script_safe(trace_document));
  fill("/*@JS@*/", assets::kExplorerJs);
  return page;
}

}  // namespace tracechat::viewer
