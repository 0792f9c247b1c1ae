// A load report read back from JSON (what `tracechat load merge` and the parent of the
// guest processes read): never crashes; what it accepts it writes out again unchanged,
// renders as text and HTML, and — a shard's report — merges with the rest of its run.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/load/html_report.h"
#include "tracechat/load/load_report.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracechat::load;
  boost::system::error_code ec;
  const auto json = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;
  auto report = report_from_json(json);
  if (!report) return 0;
  const auto written = to_json(*report);
  auto again = report_from_json(written);
  if (!again || boost::json::serialize(to_json(*again)) != boost::json::serialize(written)) std::abort();
  if (to_text(*report).empty() || to_html(*report).find("</html>") == std::string::npos) std::abort();
  if (report->shard == 1 && report->shards == 1) {
    // One shard of one is the whole run: its merge keeps every count.
    auto merged = merge_shards({*report});
    if (merged && merged->result.guests.size() != report->result.guests.size()) std::abort();
  }
  return 0;
}
