// A load report's latency histogram read back from JSON (what merging shards will read):
// never crashes, and what it accepts it writes out again unchanged.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/load/latency_histogram.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  const auto json = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;
  auto histogram = tracechat::load::LatencyHistogram::from_json(json);
  if (!histogram) return 0;
  if (histogram->percentile(0.5) > histogram->percentile(1.0)) std::abort();
  if (histogram->percentile(1.0) > histogram->max()) std::abort();
  const auto written = histogram->to_json();
  auto again = tracechat::load::LatencyHistogram::from_json(written);
  if (!again || boost::json::serialize(again->to_json()) != boost::json::serialize(written)) std::abort();
  return 0;
}
