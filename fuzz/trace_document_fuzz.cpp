// Any bytes as an OTLP protobuf request whose spans the explorer draws: what the decoder
// accepts (parent cycles, missing parents, duplicate ids, any names and times) becomes a
// waterfall, a chat transcript, a critical path and a trace document without a crash,
// and the document is JSON that parses, with one row per span and every message's
// Data Action ids among the spans.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "tracechat/otlp/decoding.h"
#include "tracechat/viewer/explorer_page.h"

using namespace tracechat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto decoded = otlp::decode_traces_protobuf(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!decoded || decoded->spans.empty()) return 0;
  const auto waterfall = viewer::build_waterfall(decoded->spans);
  if (waterfall.rows.size() != decoded->spans.size()) std::abort();
  boost::system::error_code ec;
  const auto document =
      boost::json::parse(viewer::trace_document_json(waterfall, decoded->spans.front()->context.trace_id), ec);
  if (ec) std::abort();
  const auto& spans = document.at("spans").as_array();
  if (spans.size() != decoded->spans.size()) std::abort();
  std::set<std::string> ids;
  for (const auto& span : spans) ids.emplace(span.at("spanId").as_string());
  if (const auto* conversation = document.at("conversation").if_object()) {
    for (const auto& message : conversation->at("messages").as_array()) {
      if (ids.count(std::string(message.at("spanId").as_string())) == 0) std::abort();
      for (const auto& action : message.at("dataActionSpanIds").as_array()) {
        if (ids.count(std::string(action.as_string())) == 0) std::abort();
      }
    }
  }
  return 0;
}
