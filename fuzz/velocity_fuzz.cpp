// Any input: the Data Action template parser never crashes and either refuses with a
// message or gives a template that renders (plainly and as JSON); text with no $, # or \
// renders as itself.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/dataaction/velocity.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const boost::json::object context =
      boost::json::parse(R"({"input":{"a":"x\"${input.b}#end","b":2,"c":true,"d":null,"e":{"f":[1,2]}},"status":"ok"})")
          .as_object();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = tracechat::dataaction::VelocityTemplate::parse(input);
  if (!parsed) {
    if (parsed.error().message.empty()) std::abort();
    return 0;
  }
  (void)parsed->render_json(context);
  const std::string out = parsed->render(context);
  if (input.find_first_of("$#\\") == std::string_view::npos && out != input) std::abort();
  return 0;
}
