// The client side of TLS as every outgoing connection sets it up: verification on
// unless turned off, an extra CA file or the system store, an optional client
// certificate. Internal to the net part.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include "tracechat/net/tls.h"
#include "tracechat/result.h"

namespace tracechat::net::detail {

Result<void> configure_client_tls(boost::asio::ssl::context& ctx, const TlsOptions& tls);

}  // namespace tracechat::net::detail
