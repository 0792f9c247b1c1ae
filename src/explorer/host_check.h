// Which requests the explorer answers, by the names they were sent to. A web page the
// user visits can point its own domain at 127.0.0.1 (DNS rebinding) and read whatever a
// local server answers, so a server reachable only from loopback answers only requests
// whose Host is a loopback name or a name it was told it is reached by
// (--allowed-host), and of those that carry an Origin (a browser's WebSocket upgrade, a
// cross-site fetch) only the ones from its own pages. On another address the check
// holds when names were allowed; with none, the names it is reached by are not known and
// every Host is answered (the command warns).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::explorer {

class HostCheck {
 public:
  // `listen_host`: the address served on; `allowed`: host names (no scheme, port or path;
  // compared without case). An allowed name that is not one is an error that quotes it.
  static Result<HostCheck> make(std::string_view listen_host, const std::vector<std::string>& allowed);

  bool applies() const { return applies_; }

  // Why a request with this Host (and Origin, when it has one) is refused (a 403's
  // message), or nullopt when it is answered.
  std::optional<std::string> refusal(std::optional<std::string_view> host,
                                     std::optional<std::string_view> origin) const;

 private:
  bool allowed(std::string_view host_name) const;

  bool applies_ = true;
  std::vector<std::string> allowed_;  // lowercase
};

}  // namespace tracechat::explorer
