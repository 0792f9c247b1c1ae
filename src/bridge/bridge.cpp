#include "tracechat/bridge/bridge.h"

#include <algorithm>
#include <atomic>
#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>
#include <mutex>
#include <vector>

#include "tracechat/net/http_client.h"
#include "tracechat/net/http_server.h"

namespace tracechat::bridge {
namespace {

namespace json = boost::json;

// Headers that describe one connection, not the request (RFC 9110 §7.6.1), and the
// trace context, which the bridge replaces with its own.
bool forwarded(std::string_view name) {
  for (const char* skip : {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
                           "transfer-encoding", "upgrade", "host", "content-length", "traceparent", "tracestate"}) {
    if (boost::beast::iequals(name, skip)) return false;
  }
  return true;
}

// The incoming context: the traceparent header, else the configured JSON body field.
std::optional<trace::SpanContext> incoming_context(const net::HttpRequest& request, const std::string& field) {
  std::string traceparent(request.header("traceparent").value_or(""));
  if (traceparent.empty() && !field.empty() && !request.body.empty()) {
    boost::system::error_code ec;
    const auto body = json::parse(request.body, ec);
    if (!ec && body.is_object()) {
      if (const auto* v = body.as_object().if_contains(field); v != nullptr && v->is_string()) {
        traceparent = std::string(v->as_string());
      }
    }
  }
  if (traceparent.empty()) return std::nullopt;
  auto context = trace::SpanContext::from_headers(traceparent, request.header("tracestate").value_or(""));
  if (!context) return std::nullopt;  // invalid: a new trace, as W3C requires
  return *context;
}

}  // namespace

struct Bridge::Impl {
  BridgeOptions options;
  std::unique_ptr<trace::TracerProvider> own_provider;  // when the caller gave no tracer
  std::unique_ptr<net::HttpServer> server;
  std::mutex pool_mutex;
  std::vector<std::unique_ptr<net::HttpClient>> pool;  // idle upstream connections
  std::atomic<std::uint64_t> requests{0}, continued{0}, new_traces{0}, upstream_errors{0};

  net::HttpResponse handle(net::HttpRequest& request) {
    ++requests;
    const std::string name(request.header(kActionHeader).value_or(request.path()));
    const auto parent = incoming_context(request, options.traceparent_field);
    ++(parent ? continued : new_traces);

    trace::StartSpanOptions span_options;
    span_options.kind = trace::SpanKind::server;
    if (parent) span_options.parent = *parent;
    span_options.attributes.set("http.request.method", request.method);
    span_options.attributes.set("url.path", std::string(request.path()));
    span_options.attributes.set("dataaction.name", name);
    if (!request.remote_address.empty()) span_options.attributes.set("client.address", request.remote_address);
    trace::Span span = options.tracer.start_span("dataaction " + name, span_options);

    net::HttpResponse response = options.upstream ? forward(request, name, span) : echo(request, name, span, parent);
    span.set_attribute("http.response.status_code", static_cast<std::int64_t>(response.status));
    if (response.status >= 500) span.set_status(trace::StatusCode::error, "HTTP " + std::to_string(response.status));
    span.end();
    return response;
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
    const net::Url target = options.upstream->with_path_appended(request.target);
    trace::StartSpanOptions span_options;
    span_options.kind = trace::SpanKind::client;
    span_options.parent = server_span.context();
    span_options.attributes.set("http.request.method", request.method);
    span_options.attributes.set("server.address", target.host);
    span_options.attributes.set("server.port", static_cast<std::int64_t>(target.port));
    trace::Span span = options.tracer.start_span("dataaction " + name + " upstream", span_options);

    net::HttpRequest out;
    out.method = request.method;
    out.target = target.target;
    out.body = request.body;
    for (const auto& h : request.headers) {
      if (forwarded(h.name)) out.headers.push_back(h);
    }
    // The upstream continues from the bridge's client span; tracestate goes on as received.
    out.headers.push_back({"traceparent", span.traceparent()});
    if (!span.context().trace_state.empty()) {
      out.headers.push_back({"tracestate", span.context().trace_state.to_header()});
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
      ++upstream_errors;
      span.set_status(trace::StatusCode::error, answer.error().message);
      span.end();
      json::object error{{"message", "the upstream could not be reached: " + answer.error().message},
                         {"code", "bad.gateway"},
                         {"status", 502}};
      return net::json_response(502, json::serialize(error));
    }
    {
      std::lock_guard lock(pool_mutex);
      pool.push_back(std::move(client));
    }
    span.set_attribute("http.response.status_code", static_cast<std::int64_t>(answer->status));
    if (answer->status >= 500) span.set_status(trace::StatusCode::error, "HTTP " + std::to_string(answer->status));
    span.end();
    net::HttpResponse response;
    response.status = answer->status;
    response.body = std::move(answer->body);
    for (auto& h : answer->headers) {
      if (forwarded(h.name)) response.headers.push_back(std::move(h));
    }
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
    impl->options.tracer = impl->own_provider->tracer("tracechat.bridge");
  }
  net::HttpServerOptions server_options;
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
  return {impl_->requests.load(), impl_->continued.load(), impl_->new_traces.load(), impl_->upstream_errors.load()};
}

}  // namespace tracechat::bridge
