// Hands an upgraded HTTP connection over to a WebSocket session. Internal to the net
// part: only http_server.cpp includes it, so Beast's WebSocket templates are
// instantiated once, in websocket_session.cpp.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <string>

#include "tracechat/net/websocket.h"

namespace tracechat::net::detail {

using UpgradeRequest = boost::beast::http::request<boost::beast::http::string_body>;

void start_websocket_session(boost::beast::tcp_stream stream, UpgradeRequest request, WebSocketAccept accept,
                             std::string remote_address);
void start_websocket_session(boost::beast::ssl_stream<boost::beast::tcp_stream> stream, UpgradeRequest request,
                             WebSocketAccept accept, std::string remote_address);

}  // namespace tracechat::net::detail
