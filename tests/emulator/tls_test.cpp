// The emulator over TLS: wss:// with the certificate it was given, and a client that
// verifies it (trusted through its CA file, refused without it).
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "emulator_fixture.h"
#include "support/self_signed.h"

using namespace tracechat::testing;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;

namespace {

class EmulatorTls : public EmulatorTest {
 protected:
  void configure(tracechat::emulator::EmulatorOptions& o) override {
    ASSERT_TRUE(cert_.ok);
    o.tls_cert_file = cert_.cert.string();
    o.tls_key_file = cert_.key.string();
  }

  // Opens wss://127.0.0.1:port/<guest path>, verifying the server against `ca` (none:
  // the system store, which does not know the test certificate).
  std::string connect_over_tls(const std::string& ca) {
    asio::io_context ioc;
    ssl::context ctx(ssl::context::tls_client);
    ctx.set_verify_mode(ssl::verify_peer);
    if (ca.empty()) {
      ctx.set_default_verify_paths();
    } else {
      ctx.load_verify_file(ca);
    }
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> ws(ioc, ctx);
    beast::get_lowest_layer(ws).connect(asio::ip::tcp::endpoint(asio::ip::make_address("127.0.0.1"), start().port()));
    ws.next_layer().set_verify_callback(ssl::host_name_verification("127.0.0.1"));
    beast::error_code ec;
    ws.next_layer().handshake(ssl::stream_base::client, ec);
    if (ec) return "tls: " + ec.message();
    ws.handshake("127.0.0.1", guest_path(), ec);
    if (ec) return "websocket: " + ec.message();
    ws.write(asio::buffer(std::string(R"({"command":"connect","requestId":"c1","displayName":"Ada"})")), ec);
    beast::flat_buffer buffer;
    ws.read(buffer, ec);
    if (ec) return "read: " + ec.message();
    return beast::buffers_to_string(buffer.data());
  }

  tracechat::test_support::SelfSigned cert_;
};

}  // namespace

TEST_F(EmulatorTls, ServesWssToAClientThatTrustsItsCertificate) {
  EXPECT_EQ(start().ws_url().substr(0, 6), "wss://");
  const std::string reply = connect_over_tls(cert_.cert.string());
  EXPECT_NE(reply.find(R"("type":"connected")"), std::string::npos) << reply;
}

TEST_F(EmulatorTls, AVerifyingClientRefusesAnUntrustedCertificate) {
  const std::string reply = connect_over_tls("");
  EXPECT_EQ(reply.substr(0, 5), "tls: ") << reply;
}
