// Any input: the OTLP protobuf decoder never crashes; what it accepts re-encodes and
// decodes to the same number of spans; and the collector's indexer
// (index_traces_protobuf, which validates without decoding) agrees with it exactly:
// the same error, or the same accepted spans and rejections.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/protobuf_encoding.h"

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
  for (std::size_t i = 0; i < decoded->spans.size(); ++i) {
    const auto& d = *decoded->spans[i];
    const auto& x = indexed->spans[i];
    if (d.context.trace_id != x.trace_id || d.context.span_id != x.span_id || d.name != x.name ||
        d.start_time_unix_nano != x.start_unix_nano || d.end_time_unix_nano != x.end_unix_nano ||
        d.parent_span_id.valid() != x.has_parent || (d.status.code == trace::StatusCode::error) != x.error) {
      std::abort();
    }
  }
  const auto again = otlp::decode_traces_protobuf(otlp::encode_traces_protobuf(decoded->spans));
  if (!again.ok() || again->spans.size() != decoded->spans.size() || again->rejected_spans != 0) std::abort();
  return 0;
}
