// Any input: the OTLP protobuf decoder never crashes; what it accepts re-encodes and
// decodes to the same number of spans; and the collector's indexer
// (index_traces_protobuf, which validates without decoding) agrees with it exactly:
// the same error, or the same accepted spans, rejections and indexed attribute values.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/protobuf_encoding.h"

// An indexed attribute's values differ in one case only: a bytesValue (which the
// decoder turns into base64) or a kvlistValue (into a JSON object), text index_traces
// cannot tell from a string, which the index does not note.
static bool same_indexed_value(const tracechat::otlp::IndexedValue& decoded,
                               const tracechat::otlp::IndexedValue& indexed) {
  if (decoded == indexed) return true;
  if (indexed.has_value() || !decoded.has_value()) return false;
  const std::string_view text = decoded.text();
  if (text.starts_with('{') && text.ends_with('}')) return true;
  return text.size() % 4 == 0 &&
         text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=") ==
             std::string_view::npos;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracechat;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto decoded = otlp::decode_traces_protobuf(body);
  const auto indexed = otlp::index_traces_protobuf(body);
  if (decoded.ok() != indexed.ok()) std::abort();
  if (!decoded.ok()) {
    if (decoded.error().message.empty() || decoded.error().message != indexed.error().message) std::abort();
    return 0;
  }
  if (indexed->spans.size() != decoded->spans.size() || indexed->rejected_spans != decoded->rejected_spans ||
      indexed->rejection_reason != decoded->rejection_reason) {
    std::abort();
  }
  const auto expected = otlp::index_traces(*decoded);
  for (std::size_t i = 0; i < decoded->spans.size(); ++i) {
    const auto& d = *decoded->spans[i];
    const auto& x = indexed->spans[i];
    if (d.context.trace_id != x.trace_id || d.context.span_id != x.span_id || d.name != x.name ||
        d.start_time_unix_nano != x.start_unix_nano || d.end_time_unix_nano != x.end_unix_nano ||
        d.parent_span_id.valid() != x.has_parent || (d.status.code == trace::StatusCode::error) != x.error) {
      std::abort();
    }
    for (std::size_t k = 0; k < x.attributes.size(); ++k) {
      if (!same_indexed_value(expected.spans[i].attributes[k], x.attributes[k])) std::abort();
    }
  }
  const auto again = otlp::decode_traces_protobuf(otlp::encode_traces_protobuf(decoded->spans));
  if (!again.ok() || again->spans.size() != decoded->spans.size() || again->rejected_spans != 0) std::abort();
  return 0;
}
