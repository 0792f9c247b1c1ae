#include <algorithm>

#include "common/terminal_text.h"
#include "tracechat/viewer/waterfall.h"

namespace tracechat::viewer {
using namespace tracechat::trace;

namespace {

constexpr const char* kRed = "\033[31m";
constexpr const char* kBoldRed = "\033[1;31m";
constexpr const char* kDim = "\033[2m";
constexpr const char* kYellow = "\033[33m";
constexpr const char* kReset = "\033[0m";

// Display width of UTF-8 text, counting code points (good enough for names).
std::size_t width(std::string_view s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xc0) != 0x80; }));
}

std::string pad(std::string s, std::size_t w) {
  const std::size_t current = width(s);
  if (current > w) {
    // Cut at a code point boundary and mark the cut.
    std::size_t keep = 0, seen = 0;
    while (keep < s.size() && seen < w - 1) {
      ++keep;
      while (keep < s.size() && (s[keep] & 0xc0) == 0x80) ++keep;
      ++seen;
    }
    return s.substr(0, keep) + "…";
  }
  return s + std::string(w - current, ' ');
}

// Control characters in names and values from outside must not drive the terminal.
std::string printable(std::string_view s) { return common::terminal_safe(s); }

}  // namespace

std::string render_waterfall_text(const Waterfall& w, const TextOptions& o) {
  std::string out;
  if (w.rows.empty()) return "no spans\n";
  const std::uint64_t total = std::max<std::uint64_t>(1, w.end_unix_nano - w.start_unix_nano);
  std::size_t name_width = 12, service_width = 7;
  for (const auto& row : w.rows) {
    name_width = std::max(name_width, static_cast<std::size_t>(row.depth) * 2 + width(printable(row.span->name)) + 2);
    service_width = std::max(service_width, width(printable(service_name(*row.span))));
  }
  name_width = std::min<std::size_t>(name_width, 56);
  service_width = std::min<std::size_t>(service_width, 24);

  out += pad("span", name_width) + " " + pad("service", service_width) + " " + pad("kind", 8) + " " +
         pad("duration", 10) + " timeline (" + format_duration(total) + ")\n";
  for (const auto& row : w.rows) {
    const SpanData& s = *row.span;
    const bool error = s.status.code == StatusCode::error;
    std::string name =
        std::string(static_cast<std::size_t>(row.depth) * 2, ' ') + (row.depth ? "└ " : "") + printable(s.name);
    const std::uint64_t begin = s.start_time_unix_nano - w.start_unix_nano;
    const std::uint64_t duration =
        s.end_time_unix_nano >= s.start_time_unix_nano ? s.end_time_unix_nano - s.start_time_unix_nano : 0;
    const auto bar_start = static_cast<int>(static_cast<double>(begin) / static_cast<double>(total) * o.bar_width);
    int bar_len = static_cast<int>(static_cast<double>(duration) / static_cast<double>(total) * o.bar_width + 0.5);
    bar_len = std::clamp(bar_len, 1, std::max(1, o.bar_width - std::min(bar_start, o.bar_width - 1)));
    std::string bar = "|" + std::string(static_cast<std::size_t>(std::min(bar_start, o.bar_width - 1)), ' ');
    for (int i = 0; i < bar_len; ++i) bar += "█";
    bar +=
        std::string(static_cast<std::size_t>(std::max(0, o.bar_width - std::min(bar_start, o.bar_width - 1) - bar_len)),
                    ' ') +
        "|";

    if (o.color && error) out += kBoldRed;
    out += pad(name, name_width) + " " + pad(printable(service_name(s)), service_width) + " " +
           pad(to_string(s.kind), 8) + " " + pad(format_duration(duration), 10) + " " + bar;
    if (o.color && error) out += kReset;
    if (error) out += " ERROR";
    if (row.orphan) {
      out += o.color
                 ? std::string(" ") + kYellow + "(orphan: parent " + s.parent_span_id.hex() + " not in trace)" + kReset
                 : " (orphan: parent " + s.parent_span_id.hex() + " not in trace)";
    }
    out += "\n";

    const std::string indent(static_cast<std::size_t>(row.depth) * 2 + 4, ' ');
    if (error && !s.status.description.empty()) {
      out +=
          indent + (o.color ? kRed : "") + "error: " + printable(s.status.description) + (o.color ? kReset : "") + "\n";
    }
    std::string details;
    int shown = 0;
    for (const auto& a : s.attributes.items()) {
      if (shown++ == o.max_attributes) {
        details += " …";
        break;
      }
      details += (details.empty() ? "" : " ") + printable(a.key) + "=" + printable(to_string(a.value));
    }
    if (!s.events.empty())
      details += (details.empty() ? "" : " ") + std::string("events=") + std::to_string(s.events.size());
    if (!details.empty()) out += indent + (o.color ? kDim : "") + details + (o.color ? kReset : "") + "\n";
  }
  return out;
}

}  // namespace tracechat::viewer
