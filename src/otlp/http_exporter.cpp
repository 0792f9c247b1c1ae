#include "tracechat/otlp/http_exporter.h"

#include <algorithm>
#include <charconv>
#include <ctime>

#include "tracechat/net/gzip.h"
#include "tracechat/net/http_client.h"
#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/json_encoding.h"
#include "tracechat/otlp/protobuf_encoding.h"
#include "tracechat/trace/env.h"

namespace tracechat::otlp {
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {

bool valid_header_name(std::string_view name) {
  if (name.empty()) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool valid_header_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool retryable(int status) { return status == 429 || status == 502 || status == 503 || status == 504; }

// Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3).
std::optional<milliseconds> parse_retry_after(std::string_view value) {
  unsigned long seconds = 0;
  const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && ptr == value.data() + value.size()) return milliseconds(seconds * 1000);
  std::tm tm{};
  const std::string text(value);
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm) == nullptr) return std::nullopt;
  const std::time_t when = timegm(&tm);
  const std::time_t now = std::time(nullptr);
  return milliseconds(when > now ? (when - now) * 1000 : 0);
}

std::string describe_failure(const net::HttpResponse& response) {
  std::string text = "HTTP " + std::to_string(response.status);
  // OTLP error bodies are a google.rpc.Status in the request's encoding.
  const bool json = response.header("Content-Type").value_or("").find("json") != std::string_view::npos;
  const std::string message =
      json ? decode_status_message_json(response.body) : decode_status_message_protobuf(response.body);
  if (!message.empty()) text += ": " + message.substr(0, 300);
  return text;
}

}  // namespace

Result<Protocol> parse_protocol(std::string_view text) {
  if (text == "http/protobuf") return Protocol::http_protobuf;
  if (text == "http/json") return Protocol::http_json;
  if (text == "grpc") return Error{"protocol 'grpc' is not supported by tracechat; use http/protobuf or http/json"};
  return Error{"unknown OTLP protocol '" + std::string(text) + "' (http/protobuf, http/json)"};
}

const char* content_type(Protocol protocol) {
  return protocol == Protocol::http_json ? "application/json" : "application/x-protobuf";
}

Result<net::Url> OtlpHttpExporterOptions::traces_url_from_base(std::string_view base) {
  auto url = net::Url::parse(base);
  if (!url) return url.error();
  if (url->scheme != "http" && url->scheme != "https") return Error{"OTLP endpoint must be http or https"};
  return url->with_path_appended("v1/traces");
}

Result<OtlpHttpExporterOptions> OtlpHttpExporterOptions::from_env() {
  using trace::env_string_first;
  OtlpHttpExporterOptions o;
  if (auto signal = trace::env_string("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")) {
    auto url = net::Url::parse(*signal);
    if (!url) return Error{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: " + url.error().message};
    o.endpoint = std::move(*url);
  } else {
    auto url = traces_url_from_base(trace::env_string("OTEL_EXPORTER_OTLP_ENDPOINT").value_or("http://localhost:4318"));
    if (!url) return Error{"OTEL_EXPORTER_OTLP_ENDPOINT: " + url.error().message};
    o.endpoint = std::move(*url);
  }
  if (auto p = env_string_first({"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"})) {
    auto protocol = parse_protocol(*p);
    if (!protocol) return Error{"OTEL_EXPORTER_OTLP_PROTOCOL: " + protocol.error().message};
    o.protocol = *protocol;
  }
  if (auto h = env_string_first({"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS"})) {
    auto items = trace::parse_key_value_list(*h);
    // The message names the item's key at most, never a value: values are credentials.
    if (!items)
      return Error{"OTEL_EXPORTER_OTLP_HEADERS: " + items.error().message.substr(0, items.error().message.find('='))};
    for (auto& [name, value] : *items) {
      if (!valid_header_name(name)) return Error{"OTEL_EXPORTER_OTLP_HEADERS: invalid header name '" + name + "'"};
      if (!valid_header_value(value)) {
        return Error{"OTEL_EXPORTER_OTLP_HEADERS: the value of '" + name + "' contains a line break or NUL"};
      }
      o.headers.push_back(net::HttpHeader{name, value});
    }
  }
  if (env_string_first({"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"})) {
    const char* name = trace::env_string("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT") ? "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"
                                                                              : "OTEL_EXPORTER_OTLP_TIMEOUT";
    o.timeout = milliseconds(trace::env_uint(name, static_cast<std::uint64_t>(o.timeout.count())));
  }
  if (auto c = env_string_first({"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"})) {
    if (*c == "gzip") {
      o.gzip = true;
    } else if (*c != "none") {
      return Error{"OTEL_EXPORTER_OTLP_COMPRESSION: '" + *c + "' is not gzip or none"};
    }
  }
  if (auto ca = env_string_first({"OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", "OTEL_EXPORTER_OTLP_CERTIFICATE"})) {
    o.tls.ca_file = *ca;
  }
  if (auto cert =
          env_string_first({"OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE", "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"})) {
    o.tls.client_cert_file = *cert;
  }
  if (auto key = env_string_first({"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "OTEL_EXPORTER_OTLP_CLIENT_KEY"})) {
    o.tls.client_key_file = *key;
  }
  return o;
}

OtlpHttpExporter::OtlpHttpExporter(OtlpHttpExporterOptions options)
    : options_(std::move(options)),
      client_(std::make_unique<net::HttpClient>(options_.endpoint, options_.tls)),
      jitter_(std::random_device{}()) {}

OtlpHttpExporter::~OtlpHttpExporter() = default;

trace::ExportResult OtlpHttpExporter::export_spans(std::span<std::unique_ptr<trace::SpanData>> batch,
                                                   milliseconds timeout) {
  if (batch.empty()) return trace::ExportResult::success;
  std::string body =
      options_.protocol == Protocol::http_json ? encode_traces_json(batch) : encode_traces_protobuf(batch);
  return export_encoded(std::move(body), batch.size(), timeout);
}

trace::ExportResult OtlpHttpExporter::export_encoded(std::string body, std::size_t span_count, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  net::HttpRequest request;
  request.method = "POST";
  request.target = options_.endpoint.target;
  request.headers = options_.headers;
  request.headers.push_back(net::HttpHeader{"Content-Type", content_type(options_.protocol)});
  if (options_.gzip) {
    request.headers.push_back(net::HttpHeader{"Content-Encoding", "gzip"});
    request.body = net::gzip_compress(body);
  } else {
    request.body = std::move(body);
  }

  milliseconds backoff = options_.initial_backoff;
  std::string last_failure;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    {
      std::lock_guard lock(wait_mutex_);
      if (shut_down_) break;
    }
    const auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (remaining <= milliseconds(0)) break;
    requests_.fetch_add(1, std::memory_order_relaxed);
    auto response = client_->send(request, std::min(options_.timeout, remaining));
    std::optional<milliseconds> retry_after;
    if (response) {
      if (response->status >= 200 && response->status < 300) {
        PartialSuccess partial;
        if (!response->body.empty()) {
          auto decoded = options_.protocol == Protocol::http_json ? decode_export_response_json(response->body)
                                                                  : decode_export_response_protobuf(response->body);
          if (decoded) partial = std::move(*decoded);
        }
        if (partial.rejected_spans > 0 || !partial.error_message.empty()) {
          trace::diagnostic("OTLP receiver " + options_.endpoint.origin() + " rejected " +
                            std::to_string(partial.rejected_spans) + " of " + std::to_string(span_count) +
                            " spans: " + partial.error_message);
        }
        const auto rejected = static_cast<std::uint64_t>(std::max<std::int64_t>(0, partial.rejected_spans));
        rejected_.fetch_add(std::min<std::uint64_t>(rejected, span_count), std::memory_order_relaxed);
        exported_.fetch_add(span_count - std::min<std::uint64_t>(rejected, span_count), std::memory_order_relaxed);
        return trace::ExportResult::success;
      }
      last_failure = describe_failure(*response);
      if (!retryable(response->status)) break;
      if (auto ra = response->header("Retry-After")) retry_after = parse_retry_after(*ra);
    } else {
      last_failure = response.error().message;  // connection-level failures are transient
    }
    if (attempt == options_.max_attempts) break;
    // Full jitter over the exponential step, unless the server said how long to wait.
    std::uniform_int_distribution<long> spread(backoff.count() / 2, backoff.count());
    milliseconds delay = retry_after ? *retry_after : milliseconds(spread(jitter_));
    backoff =
        std::min(options_.max_backoff,
                 milliseconds(static_cast<long>(static_cast<double>(backoff.count()) * options_.backoff_multiplier)));
    if (Clock::now() + delay >= deadline) {
      last_failure += " (retry after " + std::to_string(delay.count()) + " ms would pass the export deadline)";
      break;
    }
    retries_.fetch_add(1, std::memory_order_relaxed);
    if (!wait_before_retry(delay)) break;
  }
  dropped_.fetch_add(span_count, std::memory_order_relaxed);
  trace::diagnostic("OTLP export to " + options_.endpoint.origin() + " failed, " + std::to_string(span_count) +
                    " spans dropped: " + last_failure);
  return trace::ExportResult::failure;
}

bool OtlpHttpExporter::wait_before_retry(milliseconds delay) {
  std::unique_lock lock(wait_mutex_);
  return !wait_cv_.wait_for(lock, delay, [this] { return shut_down_; });
}

bool OtlpHttpExporter::shutdown(milliseconds) {
  std::lock_guard lock(wait_mutex_);
  shut_down_ = true;
  wait_cv_.notify_all();
  return true;
}

OtlpHttpExporterStats OtlpHttpExporter::stats() const noexcept {
  return OtlpHttpExporterStats{requests_.load(), retries_.load(), exported_.load(), rejected_.load(), dropped_.load()};
}

}  // namespace tracechat::otlp
