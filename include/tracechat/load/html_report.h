// The load report as one self-contained HTML page (`tracechat load --html`), in the trace
// viewer's style: the verdict and its reasons, the figures by kind of guest, correlation
// and resource use, and over the run's time the answers' latency as a heat map (a
// histogram per time slice, darker where more answers fell) with its p50 and p99 drawn
// over it, and the messages sent per second. Drawn as inline SVG: no script, nothing
// fetched, every text from the report escaped.
#pragma once

#include <string>

#include "tracechat/load/load_report.h"

namespace tracechat::load {

std::string to_html(const LoadReport& report);

}  // namespace tracechat::load
