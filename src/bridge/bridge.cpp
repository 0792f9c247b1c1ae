#include "tracechat/bridge/bridge.h"

#include <algorithm>
#include <atomic>
#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>
#include <cctype>
#include <mutex>
#include <vector>

#include "caller_auth.h"
#include "common/ascii.h"
#include "hop_by_hop.h"
#include "tracechat/net/http_client.h"
#include "tracechat/net/http_server.h"
#include "tracechat/protocol/uuid.h"
#include "tracechat/trace/propagation.h"
#include "upstream_target.h"

namespace tracechat::bridge {
namespace {

namespace json = boost::json;

// A Genesys-style error body, as the platform's own APIs answer.
net::HttpResponse error_response(int status, std::string code, std::string message) {
  const json::object body{{"message", std::move(message)}, {"code", std::move(code)}, {"status", status}};
  return net::json_response(status, json::serialize(body));
}

std::size_t count_headers(const net::HttpRequest& request, std::string_view name) {
  return static_cast<std::size_t>(std::count_if(request.headers.begin(), request.headers.end(),
                                                [&](const auto& h) { return boost::beast::iequals(h.name, name); }));
}

// The methods a Data Action sends, and HEAD and OPTIONS. CONNECT would open a tunnel
// and TRACE would reflect the caller's Authorization back: neither belongs here.
bool allowed_method(std::string_view method) {
  for (const char* m : {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}) {
    if (method == m) return true;
  }
  return false;
}

// The incoming context, from every traceparent and tracestate line of the request (the
// trace core's rules, trace/propagation.h); when no traceparent line came, from the
// configured JSON body field, with the request's tracestate lines. nullopt: a new trace.
std::optional<trace::SpanContext> incoming_context(const net::HttpRequest& request, const std::string& field) {
  std::vector<trace::FieldLine> lines;
  lines.reserve(request.headers.size() + 1);
  for (const auto& h : request.headers) lines.push_back({h.name, h.value});
  auto extracted = trace::extract_context(lines);
  if (extracted.traceparent_lines == 0 && !field.empty() && !request.body.empty()) {
    boost::system::error_code ec;
    const auto body = json::parse(request.body, ec);
    if (!ec && body.is_object()) {
      if (const auto* v = body.as_object().if_contains(field); v != nullptr && v->is_string()) {
        lines.push_back({conventions::kTraceparentHeader, v->as_string()});
        extracted = trace::extract_context(lines);
      }
    }
  }
  return std::move(extracted.parent);  // none or invalid: a new trace, as W3C requires
}

// The conversation the Data Action ran for, from conventions::kConversationIdHeader.
// A flow's input is whatever it was given, so only a single value that is a UUID is
// recorded (lowercase, as the platform writes its ids, so one conversation is one attribute
// value); anything else is left out of the span rather than put in a trace as if it named a
// conversation. nullopt and `bad` false: no value (an empty one is what a flow that does not
// bind the input sends); nullopt and `bad` true: a value that was refused.
std::optional<std::string> conversation_id(const net::HttpRequest& request, bool& bad) {
  bad = false;
  const std::size_t count = count_headers(request, conventions::kConversationIdHeader);
  if (count == 0) return std::nullopt;
  if (count > 1) {
    bad = true;  // two values: neither can be trusted to be the one the flow meant
    return std::nullopt;
  }
  std::string value(request.header(conventions::kConversationIdHeader).value_or(""));
  if (value.empty()) return std::nullopt;
  if (!protocol::is_uuid(value)) {
    bad = true;
    return std::nullopt;
  }
  return common::ascii_lower(value);
}

}  // namespace

struct Bridge::Impl {
  BridgeOptions options;
  std::unique_ptr<trace::TracerProvider> own_provider;  // when the caller gave no tracer
  std::unique_ptr<net::HttpServer> server;
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<net::HttpClient>> pool;  // idle upstream connections
  std::optional<detail::CallerAuth> caller_auth;
  std::atomic<std::uint64_t> requests{0}, continued{0}, new_traces{0}, upstream_errors{0}, unauthorized{0}, refused{0},
      conversation_ids_ignored{0};

  net::HttpResponse handle(net::HttpRequest& request) {
    ++requests;
    if (auto refusal = admit(request)) return std::move(*refusal);
    const std::string name(request.header(kActionHeader).value_or(request.path()));
    const auto parent = incoming_context(request, options.traceparent_field);
    ++(parent ? continued : new_traces);

    trace::StartSpanOptions span_options;
    span_options.kind = trace::SpanKind::server;
    if (parent) span_options.parent = *parent;
    span_options.attributes.set("http.request.method", request.method);
    span_options.attributes.set("url.path", std::string(request.path()));
    span_options.attributes.set(conventions::kDataActionNameKey, name);
    if (!request.remote_address.empty()) span_options.attributes.set("client.address", request.remote_address);
    // A bad conversation id does not refuse the request: the header is for the trace, and
    // the backend call must not fail because of telemetry. It is counted instead.
    bool bad_conversation_id = false;
    if (auto conversation = conversation_id(request, bad_conversation_id)) {
      span_options.attributes.set(conventions::kConversationIdKey, *conversation);
    }
    if (bad_conversation_id) ++conversation_ids_ignored;
    trace::Span span = options.tracer.start_span(std::string(conventions::kDataActionSpanPrefix) + name, span_options);

    net::HttpResponse response = options.upstream ? forward(request, name, span) : echo(request, name, span, parent);
    span.set_attribute("http.response.status_code", static_cast<std::int64_t>(response.status));
    if (response.status >= 500) span.set_status(trace::StatusCode::error, "HTTP " + std::to_string(response.status));
    span.end();
    return response;
  }

  // The checks before a span or a byte upstream: the caller's credentials, then what
  // no upstream should be asked to interpret.
  std::optional<net::HttpResponse> admit(const net::HttpRequest& request) {
    const std::size_t authorizations = count_headers(request, "authorization");
    if (authorizations > 1) {
      ++refused;
      return error_response(400, "bad.request", "more than one Authorization header");
    }
    if (caller_auth && !caller_auth->admits(request.header("authorization"))) {
      ++unauthorized;
      auto response = error_response(401, "not.authorized", "this bridge requires Basic authentication");
      response.headers.push_back({"WWW-Authenticate", R"(Basic realm="tracechat bridge", charset="UTF-8")"});
      return response;
    }
    if (!allowed_method(request.method)) {
      ++refused;
      auto response = error_response(405, "bad.request", "method " + request.method + " is not forwarded");
      response.headers.push_back({"Allow", "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"});
      return response;
    }
    return std::nullopt;
  }

  net::HttpResponse echo(const net::HttpRequest& request, const std::string& name, const trace::Span& span,
                         const std::optional<trace::SpanContext>& parent) {
    json::object out;
    out["action"] = name;
    out["traceId"] = span.context().trace_id.hex();
    out["spanId"] = span.context().span_id.hex();
    out["parentSpanId"] = parent ? parent->span_id.hex() : "";
    out["continued"] = parent.has_value();
    out["method"] = request.method;
    out["path"] = std::string(request.path());
    boost::system::error_code ec;
    auto body = json::parse(request.body, ec);
    out["body"] = ec ? json::value(request.body) : std::move(body);
    return net::json_response(200, json::serialize(out));
  }

  net::HttpResponse forward(const net::HttpRequest& request, const std::string& name, const trace::Span& server_span) {
    auto target = detail::upstream_target(*options.upstream, request.target);
    if (!target) {
      ++refused;
      return error_response(400, "bad.request", "request target refused: " + target.error().message);
    }
    trace::StartSpanOptions span_options;
    span_options.kind = trace::SpanKind::client;
    span_options.parent = server_span.context();
    span_options.attributes.set("http.request.method", request.method);
    span_options.attributes.set("server.address", options.upstream->host);
    span_options.attributes.set("server.port", static_cast<std::int64_t>(options.upstream->port));
    trace::Span span =
        options.tracer.start_span(std::string(conventions::kDataActionSpanPrefix) + name + " upstream", span_options);

    net::HttpRequest out;
    out.method = request.method;
    out.target = std::move(*target);
    out.body = request.body;
    // Expect is answered by the bridge's own server, which already holds the whole
    // body; forwarded, it would draw a 100 Continue from the upstream. The caller's
    // credentials for the bridge are not the upstream's.
    out.headers = detail::end_to_end_headers(
        request.headers,
        {"host", "content-length", "expect", conventions::kTraceparentHeader, conventions::kTracestateHeader});
    if (caller_auth) {
      std::erase_if(out.headers,
                    [](const net::HttpHeader& h) { return boost::beast::iequals(h.name, "authorization"); });
    }
    // The upstream continues from the bridge's client span; tracestate goes on as received.
    out.headers.push_back({std::string(conventions::kTraceparentHeader), span.traceparent()});
    if (!span.context().trace_state.empty()) {
      out.headers.push_back({std::string(conventions::kTracestateHeader), span.context().trace_state.to_header()});
    }

    std::unique_ptr<net::HttpClient> client;
    {
      std::lock_guard lock(pool_mutex);
      if (!pool.empty()) {
        client = std::move(pool.back());
        pool.pop_back();
      }
    }
    if (!client) client = std::make_unique<net::HttpClient>(*options.upstream, options.upstream_tls);
    auto answer = client->send(out, options.upstream_timeout);
    if (!answer) {
      // The client is dropped with whatever its connection still held.
      ++upstream_errors;
      span.set_status(trace::StatusCode::error, answer.error().message);
      span.end();
      return error_response(502, "bad.gateway", "the upstream could not be reached: " + answer.error().message);
    }
    {
      // The client closed its connection itself if the exchange did not end cleanly.
      std::lock_guard lock(pool_mutex);
      pool.push_back(std::move(client));
    }
    span.set_attribute("http.response.status_code", static_cast<std::int64_t>(answer->status));
    if (answer->status >= 500) span.set_status(trace::StatusCode::error, "HTTP " + std::to_string(answer->status));
    span.end();
    net::HttpResponse response;
    response.status = answer->status;
    response.body = std::move(answer->body);
    // Content-Length goes back too: the server under the bridge uses it only to answer
    // a HEAD, whose body is never sent.
    response.headers =
        detail::end_to_end_headers(answer->headers, {conventions::kTraceparentHeader, conventions::kTracestateHeader});
    return response;
  }
};

Bridge::Bridge(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Bridge::~Bridge() { stop(); }

Result<std::unique_ptr<Bridge>> Bridge::start(BridgeOptions options) {
  auto address = net::parse_listen_address(options.listen);
  if (!address) return Error{"--listen: " + address.error().message};
  if (options.upstream && options.upstream->scheme != "http" && options.upstream->scheme != "https") {
    return Error{"upstream: must be an http:// or https:// URL"};
  }
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  if (!impl->options.tracer.enabled()) {
    // Nothing is exported, but the spans still get ids, so the context still propagates.
    impl->own_provider = std::make_unique<trace::TracerProvider>(trace::TracerProviderOptions{});
    impl->options.tracer = impl->own_provider->tracer(std::string(conventions::kBridgeScope));
  }
  if (impl->options.caller_credentials) impl->caller_auth.emplace(*impl->options.caller_credentials);
  net::HttpServerOptions server_options;
  server_options.tls_cert_file = impl->options.tls_cert_file;
  server_options.tls_key_file = impl->options.tls_key_file;
  server_options.address = address->first;
  server_options.port = address->second;
  server_options.threads = std::max(1u, impl->options.threads);
  Impl* raw = impl.get();
  impl->server = std::make_unique<net::HttpServer>(std::move(server_options),
                                                   [raw](net::HttpRequest& request) { return raw->handle(request); });
  if (auto started = impl->server->start(); !started) return started.error();
  return std::unique_ptr<Bridge>(new Bridge(std::move(impl)));
}

std::uint16_t Bridge::port() const { return impl_->server->port(); }
std::string Bridge::url() const { return impl_->server->url(); }
void Bridge::stop() {
  if (impl_ && impl_->server) impl_->server->stop();
}

BridgeStats Bridge::stats() const {
  return {impl_->requests.load(),
          impl_->continued.load(),
          impl_->new_traces.load(),
          impl_->upstream_errors.load(),
          impl_->unauthorized.load(),
          impl_->refused.load(),
          impl_->conversation_ids_ignored.load()};
}

Result<BasicCredentials> BasicCredentials::parse(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  const auto colon = text.find(':');
  if (colon == std::string_view::npos) return Error{"credentials must be user:password"};
  BasicCredentials out{std::string(text.substr(0, colon)), std::string(text.substr(colon + 1))};
  if (out.user.empty() || out.password.empty()) return Error{"credentials need a user and a password"};
  // RFC 7617: the user-id cannot contain ':', and neither part any control character.
  for (const char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return Error{"credentials contain a control character"};
  }
  return out;
}

}  // namespace tracechat::bridge
