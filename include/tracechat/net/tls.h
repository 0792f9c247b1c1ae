// TLS settings for outgoing connections. Verification is on unless a caller turns
// it off explicitly.
#pragma once

#include <string>

namespace tracechat::net {

struct TlsOptions {
  bool verify_peer = true;
  std::string ca_file;           // extra trusted CA bundle (PEM); system store otherwise
  std::string client_cert_file;  // PEM, for mutual TLS
  std::string client_key_file;
};

}  // namespace tracechat::net
