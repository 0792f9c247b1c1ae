#include "tracechat/net/http_client.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <optional>

#include "tls_context.h"
#include "tracechat/version.h"

namespace tracechat::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// RFC 9110 9.2.2: the methods a client may send again after a failed exchange.
bool idempotent(std::string_view method) {
  for (std::string_view m : {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"}) {
    if (method == m) return true;
  }
  return false;
}

constexpr std::size_t kMaxResponseBody = 64 * 1024 * 1024;
constexpr int kMaxInterimResponses = 8;
}  // namespace

// Each operation is started asynchronously and the private io_context is run until it
// completes or the deadline passes; expired operations are cancelled by closing the
// socket. This gives a synchronous API with real timeouts on every step.
struct HttpClient::Impl {
  Url origin;
  TlsOptions tls;
  asio::io_context ioc;
  std::optional<ssl::context> ssl_ctx;
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;
  bool connected = false;
  std::string tls_setup_error;

  Impl(Url u, TlsOptions t) : origin(std::move(u)), tls(std::move(t)) {
    if (!origin.tls()) return;
    ssl_ctx.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ssl_ctx->native_handle(), TLS1_2_VERSION);
    if (auto ok = detail::configure_client_tls(*ssl_ctx, tls); !ok) tls_setup_error = ok.error().message;
  }

  beast::tcp_stream& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }

  void close() {
    beast::error_code ignored;
    if (secure || plain) lowest().socket().close(ignored);
    secure.reset();
    plain.reset();
    buffer.clear();
    connected = false;
  }

  // Runs the io_context until `done` or the deadline; on expiry cancels by closing.
  bool run_until(const bool& done, Clock::time_point deadline) {
    ioc.restart();
    while (!done && Clock::now() < deadline) {
      ioc.run_one_until(deadline);
    }
    if (done) return true;
    close();
    ioc.restart();
    ioc.run();  // let the cancelled handlers finish
    return false;
  }

  Result<void> connect(Clock::time_point deadline) {
    close();
    if (!tls_setup_error.empty()) return Error{tls_setup_error};
    tcp::resolver resolver(ioc);
    bool done = false;
    beast::error_code ec;
    tcp::resolver::results_type endpoints;
    resolver.async_resolve(origin.host, std::to_string(origin.port),
                           [&](beast::error_code e, tcp::resolver::results_type r) {
                             ec = e;
                             endpoints = std::move(r);
                             done = true;
                           });
    if (!run_until(done, deadline)) {
      resolver.cancel();
      ioc.restart();
      ioc.run();
      return Error{"timed out resolving " + origin.host};
    }
    if (ec) return Error{"cannot resolve " + origin.host + ": " + ec.message()};

    if (origin.tls()) {
      secure.emplace(ioc, *ssl_ctx);
    } else {
      plain.emplace(ioc);
    }
    done = false;
    lowest().expires_at(deadline);
    lowest().async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
      ec = e;
      done = true;
    });
    if (!run_until(done, deadline)) return Error{"timed out connecting to " + origin.origin()};
    if (ec) {
      close();
      return Error{"cannot connect to " + origin.origin() + ": " + ec.message()};
    }
    if (secure) {
      if (!SSL_set_tlsext_host_name(secure->native_handle(), origin.host.c_str())) {
        close();
        return Error{"cannot set TLS server name for " + origin.host};
      }
      if (tls.verify_peer) secure->set_verify_callback(ssl::host_name_verification(origin.host));
      done = false;
      secure->async_handshake(ssl::stream_base::client, [&](beast::error_code e) {
        ec = e;
        done = true;
      });
      if (!run_until(done, deadline)) return Error{"timed out in TLS handshake with " + origin.origin()};
      if (ec) {
        close();
        return Error{"TLS handshake with " + origin.origin() + " failed: " + ec.message()};
      }
    }
    connected = true;
    return {};
  }

  template <typename Stream>
  Result<HttpResponse> exchange_on(Stream& stream, http::request<http::string_body>& req, Clock::time_point deadline,
                                   bool& nothing_received) {
    bool done = false;
    beast::error_code ec;
    lowest().expires_at(deadline);
    http::async_write(stream, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
    if (!run_until(done, deadline)) return Error{"timed out sending to " + origin.origin()};
    if (ec) {
      nothing_received = true;
      close();
      return Error{"sending to " + origin.origin() + " failed: " + ec.message()};
    }
    // Interim 1xx answers (100 Continue, 103 Early Hints) may come before the final
    // one, asked for or not (RFC 9110 §15.2): each is read and dropped. Taking one for
    // the answer would leave the real answer on the connection for the next caller.
    std::optional<http::response_parser<http::string_body>> parser;
    for (int interim = 0;; ++interim) {
      parser.emplace();
      parser->body_limit(kMaxResponseBody);
      parser->skip(req.method() == http::verb::head);  // a HEAD answer has no body, whatever its length says
      done = false;
      http::async_read(stream, buffer, *parser, [&](beast::error_code e, std::size_t) {
        ec = e;
        done = true;
      });
      if (!run_until(done, deadline)) return Error{"timed out waiting for " + origin.origin()};
      if (ec) {
        nothing_received = interim == 0 && !parser->got_some();
        close();
        return Error{"reading the response from " + origin.origin() + " failed: " + ec.message()};
      }
      const unsigned status = parser->get().result_int();
      if (status < 100 || status > 199 || status == 101) break;
      if (interim == kMaxInterimResponses) {
        close();
        return Error{origin.origin() + " sent more than " + std::to_string(kMaxInterimResponses) +
                     " interim responses"};
      }
    }
    auto res = parser->release();
    HttpResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& field : res) {
      out.headers.push_back(HttpHeader{std::string(field.name_string()), std::string(field.value())});
    }
    out.body = std::move(res.body());
    // The exchange is over only when nothing follows the answer: bytes nobody asked for
    // would be read as the answer to the next request.
    if (!res.keep_alive() || buffer.size() != 0) close();
    return out;
  }

  // A kept-alive connection is reused only while it is open and quiet. A server closes
  // a connection that stayed idle past its keep-alive timeout: a request sent there
  // fails with nothing received, and a POST (not sent twice, below) would fail for no
  // reason of its own. The FIN is waiting on the socket, and a peek sees it (0 bytes)
  // where available() would count nothing. Anything the server sent since the last
  // answer belongs to no request of ours.
  bool idle_connection_is_clean() {
    if (buffer.size() != 0) return false;
    char probe = 0;
    const auto n = ::recv(lowest().socket().native_handle(), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
    return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
  }

  Result<HttpResponse> send(const HttpRequest& request, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    http::request<http::string_body> req;
    req.method_string(request.method);
    req.target(request.target);
    req.version(11);
    const bool default_port = origin.port == (origin.tls() ? 443 : 80);
    req.set(http::field::host, default_port ? origin.host : origin.host + ":" + std::to_string(origin.port));
    req.set(http::field::user_agent, std::string("tracechat/") + TRACECHAT_VERSION);
    // Every header goes out, repeated ones as separate lines; Host and User-Agent
    // replace the defaults, and the framing is the client's own (Content-Length).
    for (const auto& h : request.headers) {
      if (beast::iequals(h.name, "host") || beast::iequals(h.name, "user-agent")) {
        req.set(h.name, h.value);
      } else if (!beast::iequals(h.name, "content-length") && !beast::iequals(h.name, "transfer-encoding")) {
        req.insert(h.name, h.value);
      }
    }
    req.body() = request.body;
    req.keep_alive(true);
    req.prepare_payload();

    for (int attempt = 0; attempt < 2; ++attempt) {
      if (connected && !idle_connection_is_clean()) close();
      const bool reused = connected;
      if (!connected) {
        auto c = connect(deadline);
        if (!c) return c.error();
      }
      bool nothing_received = false;
      auto result = secure ? exchange_on(*secure, req, deadline, nothing_received)
                           : exchange_on(*plain, req, deadline, nothing_received);
      // A kept-alive connection the server had already closed fails before any byte
      // of a response arrives: open a fresh one and send again, once — for an
      // idempotent method only (RFC 9110 9.2.2): a POST the server may have acted on
      // before closing is not sent twice; its caller sees the error.
      if (result.ok() || !reused || !nothing_received || !idempotent(request.method) || Clock::now() >= deadline) {
        return result;
      }
    }
    return Error{"connection to " + origin.origin() + " keeps closing"};
  }
};

HttpClient::HttpClient(Url origin, TlsOptions tls) : impl_(std::make_unique<Impl>(std::move(origin), std::move(tls))) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::send(const HttpRequest& request, std::chrono::milliseconds timeout) {
  return impl_->send(request, timeout);
}

const Url& HttpClient::origin() const noexcept { return impl_->origin; }

}  // namespace tracechat::net
