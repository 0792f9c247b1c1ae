// Any input: the OTLP protobuf decoder never crashes; what it accepts re-encodes and
// decodes to the same number of spans.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/protobuf_encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracechat;
  const auto decoded = otlp::decode_traces_protobuf(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!decoded.ok()) {
    if (decoded.error().message.empty()) std::abort();
    return 0;
  }
  const auto again = otlp::decode_traces_protobuf(otlp::encode_traces_protobuf(decoded->spans));
  if (!again.ok() || again->spans.size() != decoded->spans.size() || again->rejected_spans != 0) std::abort();
  return 0;
}
