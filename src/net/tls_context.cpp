#include "tls_context.h"

#include <boost/asio/ssl.hpp>

namespace tracechat::net::detail {

namespace ssl = boost::asio::ssl;

Result<void> configure_client_tls(ssl::context& ctx, const TlsOptions& tls) {
  boost::system::error_code ec;
  if (tls.verify_peer) {
    ctx.set_verify_mode(ssl::verify_peer, ec);
    if (!tls.ca_file.empty()) {
      ctx.load_verify_file(tls.ca_file, ec);
      if (ec) return Error{"cannot load CA file '" + tls.ca_file + "': " + ec.message()};
    } else {
      ctx.set_default_verify_paths(ec);
    }
  } else {
    ctx.set_verify_mode(ssl::verify_none, ec);
  }
  if (!tls.client_cert_file.empty()) {
    ctx.use_certificate_chain_file(tls.client_cert_file, ec);
    if (ec) return Error{"cannot load client certificate '" + tls.client_cert_file + "': " + ec.message()};
  }
  if (!tls.client_key_file.empty()) {
    ctx.use_private_key_file(tls.client_key_file, ssl::context::pem, ec);
    if (ec) return Error{"cannot load client key '" + tls.client_key_file + "': " + ec.message()};
  }
  return {};
}

}  // namespace tracechat::net::detail
