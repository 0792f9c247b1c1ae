// The span tree of one trace laid out as a waterfall: rows in depth-first order,
// children by start time. A span whose parent is not in the trace is an orphan: it
// is shown at the top level and marked, never hidden.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tracechat/trace/span_data.h"

namespace tracechat::viewer {

struct WaterfallRow {
  const trace::SpanData* span;
  int depth;
  bool orphan;  // has a parent id that is not in this trace
};

struct Waterfall {
  std::vector<WaterfallRow> rows;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  std::size_t orphans = 0;
  std::size_t errors = 0;
};

Waterfall build_waterfall(const std::vector<std::unique_ptr<trace::SpanData>>& spans);

// "850 ns", "12.3 us", "4.56 ms", "1.234 s", "2m03s".
std::string format_duration(std::uint64_t nanoseconds);
std::string service_name(const trace::SpanData& span);

struct TextOptions {
  bool color = false;  // ANSI colours (errors in red); on when stdout is a terminal
  int bar_width = 40;
  int max_attributes = 3;  // key attributes shown after each span
};

std::string render_waterfall_text(const Waterfall& waterfall, const TextOptions& options);
// One self-contained HTML page (no external assets): the explorer's trace view with this
// trace embedded (explorer_page.h). Span data is embedded as JSON and inserted with
// textContent, so no attribute value can inject markup.
std::string render_waterfall_html(const Waterfall& waterfall, const trace::TraceId& trace_id);

}  // namespace tracechat::viewer
