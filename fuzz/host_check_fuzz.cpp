// Any bytes as the Host and Origin of a request to the explorer (split at the first
// newline; the first byte picks the address served on and whether a name is allowed):
//  * HostCheck::refusal never crashes, and a refusal says why;
//  * with the check off nothing is refused; with it on, a Host with user info or nothing
//    in it is never answered.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "explorer/host_check.h"

using namespace tracechat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::optional<std::string_view> host = rest;
  std::optional<std::string_view> origin;
  if (const auto newline = rest.find('\n'); newline != std::string_view::npos) {
    host = rest.substr(0, newline);
    origin = rest.substr(newline + 1);
  }
  if (mode & 4) host.reset();
  const std::vector<std::string> allowed =
      mode & 2 ? std::vector<std::string>{"traces.example.com"} : std::vector<std::string>{};
  const auto check = explorer::HostCheck::make(mode & 1 ? "0.0.0.0" : "127.0.0.1", allowed);
  if (!check) std::abort();  // the allowed name is a valid one
  const auto refusal = check->refusal(host, origin);
  if (refusal && refusal->empty()) std::abort();
  if (!check->applies() && refusal) std::abort();
  if (check->applies() && !refusal && (!host || host->empty() || host->find('@') != std::string_view::npos)) {
    std::abort();
  }
  return 0;
}
