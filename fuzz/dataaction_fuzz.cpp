// Any input: the readers of Data Action definitions, translationMap JSONPaths and flow
// files never crash, and refuse with a message what they do not take.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string_view>

#include "dataaction/json_path.h"
#include "emulator/flow_format.h"
#include "tracechat/dataaction/data_action.h"
#include "tracechat/generators/data_action_export.h"

using namespace tracechat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto actions = [] {
    std::map<std::string, dataaction::DataAction> m;
    auto text = generators::export_data_action({"Order lookup", "https://x/orders", "POST", {"orderId"}, {}});
    m.emplace("Order lookup", std::move(dataaction::DataAction::parse(*text).value()));
    return m;
  }();
  static const boost::json::value document = boost::json::parse(R"({"a":{"b":[{"c":1},{"c":[2,3]}],"k y":true}})");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (auto a = dataaction::DataAction::parse(input); !a && a.error().message.empty()) std::abort();
  if (auto p = dataaction::JsonPath::parse(input); p) {
    (void)p->find(document);
  } else if (p.error().message.empty()) {
    std::abort();
  }
  if (auto f = emulator::parse_flow(input, actions); !f && f.error().message.empty()) std::abort();
  return 0;
}
