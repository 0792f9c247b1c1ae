#include "tracechat/collector/otlp_receiver.h"

#include <boost/beast/core/string.hpp>

#include "tracechat/net/gzip.h"

namespace tracechat::collector {
namespace {

enum class Encoding { protobuf, json };

// google.rpc.Status codes used in OTLP error bodies.
constexpr int kRpcInvalidArgument = 3;
constexpr int kRpcResourceExhausted = 8;
constexpr int kRpcUnavailable = 14;

net::HttpResponse status_response(int http_status, Encoding encoding, int rpc_code, std::string_view message) {
  net::HttpResponse r;
  r.status = http_status;
  if (encoding == Encoding::json) {
    r.body = otlp::encode_status_json(rpc_code, message);
    r.set_header("Content-Type", "application/json");
  } else {
    r.body = otlp::encode_status_protobuf(rpc_code, message);
    r.set_header("Content-Type", "application/x-protobuf");
  }
  return r;
}

std::string_view media_type(std::string_view content_type) {
  auto type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  return type;
}

}  // namespace

net::HttpResponse handle_otlp_request(net::HttpRequest& request, SpanSink& sink, const ReceiverLimits& limits,
                                      const otlp::IndexedKeys& keys) {
  if (request.path() != "/v1/traces") {
    return net::text_response(404, "not found: this OTLP receiver serves POST /v1/traces\n");
  }
  if (request.method != "POST") {
    auto r = net::text_response(405, "method not allowed: use POST\n");
    r.set_header("Allow", "POST");
    return r;
  }
  const std::string_view content_type = request.header("Content-Type").value_or("");
  const std::string_view type = media_type(content_type);
  Encoding encoding;
  if (boost::beast::iequals(type, "application/x-protobuf")) {
    encoding = Encoding::protobuf;
  } else if (boost::beast::iequals(type, "application/json")) {
    encoding = Encoding::json;
  } else {
    return net::text_response(415, "unsupported content type '" + std::string(content_type.substr(0, 100)) +
                                       "': use application/x-protobuf or application/json\n");
  }

  std::string body;
  const std::string_view content_encoding = request.header("Content-Encoding").value_or("identity");
  if (boost::beast::iequals(content_encoding, "gzip")) {
    auto inflated = net::gzip_decompress(request.body, limits.max_body_bytes);
    if (!inflated) {
      if (inflated.error().message == net::kOutputTooLarge) {
        return status_response(413, encoding, kRpcResourceExhausted,
                               "decompressed body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
      }
      return status_response(400, encoding, kRpcInvalidArgument, inflated.error().message);
    }
    body = std::move(*inflated);
  } else if (boost::beast::iequals(content_encoding, "identity")) {
    body = std::move(request.body);
  } else {
    return net::text_response(
        415, "unsupported content encoding '" + std::string(content_encoding.substr(0, 50)) + "': use gzip or none\n");
  }
  if (body.size() > limits.max_body_bytes) {
    return status_response(413, encoding, kRpcResourceExhausted,
                           "body exceeds " + std::to_string(limits.max_body_bytes) + " bytes");
  }

  // Stored as it came. The body is validated exactly as the decoder would, and what
  // the store indexes noted, without building spans; the index's views point into the
  // body, so it is moved to where it stays first.
  AcceptedRequest accepted;
  accepted.body = std::move(body);
  if (encoding == Encoding::json) {
    auto index = otlp::index_traces_json(accepted.body, accepted.document, keys);
    if (!index) return status_response(400, encoding, kRpcInvalidArgument, index.error().message);
    accepted.format = BodyFormat::json;
    accepted.index = std::move(*index);
  } else {
    auto index = otlp::index_traces_protobuf(accepted.body, keys);
    if (!index) return status_response(400, encoding, kRpcInvalidArgument, index.error().message);
    accepted.format = BodyFormat::protobuf;
    accepted.index = std::move(*index);
  }
  otlp::PartialSuccess partial;
  partial.rejected_spans = static_cast<std::int64_t>(accepted.index.rejected_spans);
  partial.error_message = accepted.index.rejection_reason;
  if (auto refused = sink.accept(std::move(accepted))) {
    auto r = status_response(503, encoding, kRpcUnavailable, *refused);
    r.set_header("Retry-After", "1");
    return r;
  }
  net::HttpResponse r;
  r.status = 200;
  if (encoding == Encoding::json) {
    r.body = otlp::encode_export_response_json(partial);
    r.set_header("Content-Type", "application/json");
  } else {
    r.body = otlp::encode_export_response_protobuf(partial);
    r.set_header("Content-Type", "application/x-protobuf");
  }
  return r;
}

}  // namespace tracechat::collector
