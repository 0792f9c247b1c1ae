// The OTLP/HTTP trace receiver's request handling, as the OTLP specification
// prescribes: POST /v1/traces with application/x-protobuf or application/json,
// optionally gzip-encoded. Answers 200 with an ExportTraceServiceResponse (partial
// success when spans were rejected), 400 with a google.rpc.Status for malformed
// bodies, 413 past the size limit, 415 for other content types or encodings, 503
// with Retry-After when the collector cannot take more right now.
#pragma once

#include <cstddef>

#include "tracechat/net/http.h"
#include "tracechat/otlp/decoding.h"

namespace tracechat::collector {

class SpanSink {
 public:
  virtual ~SpanSink() = default;
  // Takes the decoded spans, plus the original body (decompressed) and its content
  // type for forwarding. Returns false when it is full: the sender should retry.
  virtual bool accept(otlp::DecodedTraces traces, std::string_view body, std::string_view content_type) = 0;
};

struct ReceiverLimits {
  std::size_t max_body_bytes = 16 * 1024 * 1024;  // after decompression too
};

net::HttpResponse handle_otlp_request(const net::HttpRequest& request, SpanSink& sink, const ReceiverLimits& limits);

}  // namespace tracechat::collector
