// The Platform API's error body, {"message", "code", "status"}, shared by every REST
// endpoint of the emulator, and its 405 with the Allow header.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "tracechat/net/http.h"

namespace tracechat::emulator {

inline net::HttpResponse rest_error(int status, std::string_view code, std::string_view message) {
  return net::json_response(
      status, boost::json::serialize(boost::json::object{{"message", message}, {"code", code}, {"status", status}}));
}

// 405 for a resource that takes only `allow` ("GET" or "GET, DELETE"), which the Allow
// header lists as RFC 9110 §15.5.6 requires.
inline net::HttpResponse method_not_allowed(std::string_view allow) {
  auto response = rest_error(405, "method.not.allowed", "use " + std::string(allow));
  response.set_header("Allow", std::string(allow));
  return response;
}

}  // namespace tracechat::emulator
