// Any input: the OTLP/JSON decoder never crashes; what it accepts re-encodes and
// decodes to the same number of spans; and the collector's indexer
// (index_traces_json, which checks the text as it parses, building no document) agrees
// with it exactly: the same error, word for word, or the same spans, rejections,
// service names and indexed attribute values.
#include <boost/json/parse.hpp>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string_view>

#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/json_encoding.h"

// The services differ in one case only: a kvlistValue service.name, which the decoder
// turns into JSON text and the index does not note (SpanSummary::service). Allowed only
// where the body can hold one: it names kvlist, or has escapes that could spell it.
static bool same_service(std::string_view body, std::string_view decoded, std::string_view indexed) {
  if (decoded == indexed) return true;
  if (!indexed.empty()) return false;
  if (body.find("kvlist") == std::string_view::npos && body.find("\\u") == std::string_view::npos) return false;
  boost::system::error_code ec;
  boost::json::parse(decoded, ec);
  return !ec;
}

// An indexed attribute's values differ in one case only: a bytesValue or kvlistValue,
// which the decoder keeps as text that index_traces cannot tell from a string, and the
// index does not note. Allowed only where the body can hold one.
static bool same_indexed_value(std::string_view body, const tracechat::otlp::IndexedValue& decoded,
                               const tracechat::otlp::IndexedValue& indexed) {
  if (decoded == indexed) return true;
  if (indexed.has_value() || !decoded.has_value()) return false;
  return body.find("kvlist") != std::string_view::npos || body.find("bytes") != std::string_view::npos ||
         body.find("\\u") != std::string_view::npos;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracechat;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto decoded = otlp::decode_traces_json(body);
  std::shared_ptr<const void> document;
  const auto indexed = otlp::index_traces_json(body, document);
  if (decoded.ok() != indexed.ok()) std::abort();
  if (!decoded.ok()) {
    if (decoded.error().message.empty() || decoded.error().message != indexed.error().message) std::abort();
    return 0;
  }
  const auto expected = otlp::index_traces(*decoded);
  if (expected.spans.size() != indexed->spans.size() || decoded->rejected_spans != indexed->rejected_spans ||
      decoded->rejection_reason != indexed->rejection_reason) {
    std::abort();
  }
  for (std::size_t i = 0; i < expected.spans.size(); ++i) {
    const auto& a = expected.spans[i];
    const auto& b = indexed->spans[i];
    if (a.trace_id != b.trace_id || a.span_id != b.span_id || a.has_parent != b.has_parent || a.name != b.name ||
        a.start_unix_nano != b.start_unix_nano || a.end_unix_nano != b.end_unix_nano || a.error != b.error ||
        !same_service(body, a.service, b.service)) {
      std::abort();
    }
    for (std::size_t k = 0; k < a.attributes.size(); ++k) {
      if (!same_indexed_value(body, a.attributes[k], b.attributes[k])) std::abort();
    }
  }
  const auto again = otlp::decode_traces_json(otlp::encode_traces_json(decoded->spans));
  if (!again.ok() || again->spans.size() != decoded->spans.size() || again->rejected_spans != 0) std::abort();
  return 0;
}
