// OtlpHttpExporter: OTLP/HTTP trace export (POST <endpoint>/v1/traces), configured by
// the standard OTEL_EXPORTER_OTLP_* variables.
//
// Retries follow the OTLP specification: 429, 502, 503 and 504 (and failures to
// connect) are retried with exponential backoff and jitter, waiting as long as a
// Retry-After header asks, within the export's time budget. Other failures drop the
// batch; everything is counted. A partial-success response is reported through the
// diagnostic log and counted as rejected spans. Header values (which often hold API
// keys) are never logged.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "tracechat/net/http.h"
#include "tracechat/net/tls.h"
#include "tracechat/net/url.h"
#include "tracechat/result.h"
#include "tracechat/trace/span_processor.h"

namespace tracechat::net {
class HttpClient;
}

namespace tracechat::otlp {

enum class Protocol { http_protobuf, http_json };

struct OtlpHttpExporterOptions {
  net::Url endpoint;  // the full URL requests go to, e.g. http://localhost:4318/v1/traces
  Protocol protocol = Protocol::http_protobuf;
  std::vector<net::HttpHeader> headers;
  std::chrono::milliseconds timeout{10000};  // per request
  bool gzip = false;
  net::TlsOptions tls;

  // The OTLP exporters' customary retry policy.
  int max_attempts = 5;
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{5000};
  double backoff_multiplier = 1.5;

  // OTEL_EXPORTER_OTLP_{TRACES_,}{ENDPOINT,PROTOCOL,HEADERS,TIMEOUT,COMPRESSION,
  // CERTIFICATE,CLIENT_CERTIFICATE,CLIENT_KEY}. Errors name the variable.
  static Result<OtlpHttpExporterOptions> from_env();
  // An endpoint given as a base URL (OTEL_EXPORTER_OTLP_ENDPOINT semantics): /v1/traces is appended.
  static Result<net::Url> traces_url_from_base(std::string_view base);
};

Result<Protocol> parse_protocol(std::string_view text);
const char* content_type(Protocol protocol);

struct OtlpHttpExporterStats {
  std::uint64_t requests = 0;  // HTTP requests sent, retries included
  std::uint64_t retries = 0;
  std::uint64_t spans_exported = 0;  // accepted by the receiver
  std::uint64_t spans_rejected = 0;  // refused by the receiver in a partial success
  std::uint64_t spans_dropped = 0;   // in batches that failed for good
};

class OtlpHttpExporter final : public trace::SpanExporter {
 public:
  explicit OtlpHttpExporter(OtlpHttpExporterOptions options);
  ~OtlpHttpExporter() override;

  trace::ExportResult export_spans(std::span<std::unique_ptr<trace::SpanData>> batch,
                                   std::chrono::milliseconds timeout) override;
  // Sends an already encoded body (the collector's forwarder uses this).
  trace::ExportResult export_encoded(std::string body, std::size_t span_count, std::chrono::milliseconds timeout);
  bool shutdown(std::chrono::milliseconds timeout) override;  // also cuts short a retry wait

  OtlpHttpExporterStats stats() const noexcept;
  const OtlpHttpExporterOptions& options() const noexcept { return options_; }

 private:
  bool wait_before_retry(std::chrono::milliseconds delay);

  OtlpHttpExporterOptions options_;
  std::unique_ptr<net::HttpClient> client_;
  std::mt19937_64 jitter_;
  std::mutex wait_mutex_;
  std::condition_variable wait_cv_;
  bool shut_down_ = false;

  std::atomic<std::uint64_t> requests_{0}, retries_{0}, exported_{0}, rejected_{0}, dropped_{0};
};

}  // namespace tracechat::otlp
