// The OTLP/HTTP trace receiver's request handling, as the OTLP specification
// prescribes: POST /v1/traces with application/x-protobuf or application/json,
// optionally gzip-encoded. Answers 200 with an ExportTraceServiceResponse (partial
// success when spans were rejected), 400 with a google.rpc.Status for malformed
// bodies, 413 past the size limit, 415 for other content types or encodings, 503
// with Retry-After when the collector cannot take or store more right now.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "tracechat/collector/request_log.h"
#include "tracechat/net/http.h"
#include "tracechat/otlp/decoding.h"

namespace tracechat::collector {

// A validated export request, ready to store.
struct AcceptedRequest {
  BodyFormat format = BodyFormat::protobuf;
  std::string body;  // as received, decompressed
  // What it holds. The views point into `body` (a moved string keeps its heap buffer,
  // and a body holding a span is too long for the small-string one) or into `document`
  // (JSON strings written with escapes, kept unescaped).
  otlp::TraceIndex index;
  std::shared_ptr<const void> document;
};

class SpanSink {
 public:
  virtual ~SpanSink() = default;
  // Returns nothing once the request is stored, or why it was not (full, or the store
  // failed): the sender is answered 503 and should retry.
  virtual std::optional<std::string> accept(AcceptedRequest request) = 0;
};

struct ReceiverLimits {
  std::size_t max_body_bytes = 16 * 1024 * 1024;  // after decompression too
};

// Takes the body out of `request` (no copy of a large upload).
// `keys`: the span attributes the store indexes (the values the index notes).
net::HttpResponse handle_otlp_request(net::HttpRequest& request, SpanSink& sink, const ReceiverLimits& limits,
                                      const otlp::IndexedKeys& keys = otlp::default_indexed_keys());

}  // namespace tracechat::collector
