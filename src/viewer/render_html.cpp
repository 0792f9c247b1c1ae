#include "tracechat/viewer/explorer_page.h"

namespace tracechat::viewer {

// The explorer's page with the trace inside: the same code draws it here and live.
std::string render_waterfall_html(const Waterfall& w, const trace::TraceId& trace_id) {
  return explorer_page(trace_document_json(w, trace_id));
}

}  // namespace tracechat::viewer
