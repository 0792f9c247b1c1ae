// The explorer's page (`tracechat ui`, and the file `tracechat traces html` writes): one
// HTML document with its CSS and JavaScript inside, built from src/viewer/explorer/ and
// embedded in the program at build time. Served live, it fetches what it shows from the
// explorer's API; written to a file, it carries one trace document and fetches nothing.
#pragma once

#include <string>
#include <string_view>

#include "tracechat/viewer/waterfall.h"

namespace tracechat::viewer {

// The JSON document the page renders one trace from: the waterfall's spans with their
// attributes, events, links and status, the critical path, and the chat transcript
// (docs/explorer.md gives its shape). Every value is data for textContent, never markup.
std::string trace_document_json(const Waterfall& waterfall, const trace::TraceId& trace_id);

// The page. `trace_document`: a trace document to embed (the offline page), or empty for
// the served page, which reads the API.
std::string explorer_page(std::string_view trace_document = {});

}  // namespace tracechat::viewer
