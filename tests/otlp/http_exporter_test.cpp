#include "tracechat/otlp/http_exporter.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <mutex>

#include "support/sample_spans.h"
#include "support/self_signed.h"
#include "tracechat/net/gzip.h"
#include "tracechat/net/http_server.h"
#include "tracechat/otlp/decoding.h"
#include "tracechat/trace/batch_span_processor.h"
#include "tracechat/trace/env.h"
#include "tracechat/trace/tracer.h"

using namespace tracechat;
using namespace std::chrono_literals;

namespace {

// A scripted OTLP receiver: answers each request with the next scripted response
// and keeps what it received.
class ScriptedReceiver {
 public:
  explicit ScriptedReceiver(std::vector<net::HttpResponse> script) : script_(std::move(script)) {
    server_ = std::make_unique<net::HttpServer>(net::HttpServerOptions{}, [this](net::HttpRequest& request) {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      if (script_.empty()) return net::HttpResponse{};
      auto next = script_.front();
      if (script_.size() > 1) script_.erase(script_.begin());
      return next;
    });
    EXPECT_TRUE(server_->start().ok());
  }
  otlp::OtlpHttpExporterOptions exporter_options() const {
    otlp::OtlpHttpExporterOptions o;
    o.endpoint = *otlp::OtlpHttpExporterOptions::traces_url_from_base(server_->url());
    o.initial_backoff = 10ms;
    o.max_backoff = 50ms;
    return o;
  }
  std::vector<net::HttpRequest> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  std::mutex mutex_;
  std::vector<net::HttpResponse> script_;
  std::vector<net::HttpRequest> requests_;
  std::unique_ptr<net::HttpServer> server_;
};

net::HttpResponse status(int code, const char* retry_after = nullptr) {
  net::HttpResponse r;
  r.status = code;
  r.body = otlp::encode_status_protobuf(14, "try again later");
  r.set_header("Content-Type", "application/x-protobuf");
  if (retry_after) r.set_header("Retry-After", retry_after);
  return r;
}

struct Diagnostics {
  Diagnostics() {
    trace::set_diagnostic_handler([this](std::string_view m) {
      std::lock_guard lock(mutex);
      messages.emplace_back(m);
    });
  }
  ~Diagnostics() { trace::set_diagnostic_handler(nullptr); }
  std::string all() {
    std::lock_guard lock(mutex);
    std::string out;
    for (const auto& m : messages) out += m + "\n";
    return out;
  }
  std::mutex mutex;
  std::vector<std::string> messages;
};

}  // namespace

TEST(OtlpHttpExporter, RetriesA503AfterRetryAfterAndLosesNothing) {
  ScriptedReceiver receiver({status(503, "1"), net::HttpResponse{}});
  otlp::OtlpHttpExporter exporter(receiver.exporter_options());
  auto spans = test_support::sample_spans();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::success);
  // Retry-After: 1 was honoured rather than the 10 ms backoff.
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[1].header("Content-Type"), "application/x-protobuf");
  auto decoded = otlp::decode_traces_protobuf(requests[1].body);
  ASSERT_TRUE(decoded.ok());
  test_support::expect_same_spans(test_support::sample_spans(), decoded->spans);
  const auto stats = exporter.stats();
  EXPECT_EQ(stats.requests, 2u);
  EXPECT_EQ(stats.retries, 1u);
  EXPECT_EQ(stats.spans_exported, 2u);
  EXPECT_EQ(stats.spans_dropped, 0u);
}

TEST(OtlpHttpExporter, RetriesEachRetryableStatusWithBackoff) {
  ScriptedReceiver receiver({status(429), status(502), status(504), status(503), net::HttpResponse{}});
  otlp::OtlpHttpExporter exporter(receiver.exporter_options());
  auto spans = test_support::sample_spans();
  EXPECT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::success);
  EXPECT_EQ(receiver.requests().size(), 5u);
  EXPECT_EQ(exporter.stats().retries, 4u);
}

TEST(OtlpHttpExporter, GivesUpAfterMaxAttempts) {
  Diagnostics diagnostics;
  ScriptedReceiver receiver({status(503)});
  auto options = receiver.exporter_options();
  options.max_attempts = 3;
  otlp::OtlpHttpExporter exporter(options);
  auto spans = test_support::sample_spans();
  EXPECT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::failure);
  EXPECT_EQ(receiver.requests().size(), 3u);
  EXPECT_EQ(exporter.stats().spans_dropped, 2u);
  EXPECT_NE(diagnostics.all().find("HTTP 503: try again later"), std::string::npos) << diagnostics.all();
}

TEST(OtlpHttpExporter, OtherFailuresAreNotRetried) {
  Diagnostics diagnostics;
  ScriptedReceiver receiver({status(400), net::HttpResponse{}});
  otlp::OtlpHttpExporter exporter(receiver.exporter_options());
  auto spans = test_support::sample_spans();
  EXPECT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::failure);
  EXPECT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(exporter.stats().spans_dropped, 2u);
  EXPECT_NE(diagnostics.all().find("HTTP 400"), std::string::npos);
}

TEST(OtlpHttpExporter, RetryAfterBeyondTheDeadlineGivesUpAtOnce) {
  ScriptedReceiver receiver({status(503, "3600")});
  otlp::OtlpHttpExporter exporter(receiver.exporter_options());
  auto spans = test_support::sample_spans();
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(exporter.export_spans(spans, 2s), trace::ExportResult::failure);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);  // did not sleep an hour
  EXPECT_EQ(receiver.requests().size(), 1u);
}

TEST(OtlpHttpExporter, PartialSuccessIsReportedAndCounted) {
  Diagnostics diagnostics;
  net::HttpResponse partial;
  partial.body = otlp::encode_export_response_protobuf({1, "span 1 had an empty name"});
  ScriptedReceiver receiver({partial});
  otlp::OtlpHttpExporter exporter(receiver.exporter_options());
  auto spans = test_support::sample_spans();
  EXPECT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::success);
  EXPECT_EQ(exporter.stats().spans_rejected, 1u);
  EXPECT_EQ(exporter.stats().spans_exported, 1u);
  EXPECT_NE(diagnostics.all().find("rejected 1 of 2 spans: span 1 had an empty name"), std::string::npos);
}

TEST(OtlpHttpExporter, JsonWithGzipAndHeaders) {
  Diagnostics diagnostics;
  ScriptedReceiver receiver({status(400)});
  auto options = receiver.exporter_options();
  options.protocol = otlp::Protocol::http_json;
  options.gzip = true;
  options.headers.push_back(net::HttpHeader{"Authorization", "Bearer s3cr3t-token"});
  otlp::OtlpHttpExporter exporter(options);
  auto spans = test_support::sample_spans();
  EXPECT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::failure);
  const auto requests = receiver.requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/v1/traces");
  EXPECT_EQ(requests[0].header("Content-Type"), "application/json");
  EXPECT_EQ(requests[0].header("Content-Encoding"), "gzip");
  EXPECT_EQ(requests[0].header("authorization"), "Bearer s3cr3t-token");
  auto body = net::gzip_decompress(requests[0].body, 1 << 20);
  ASSERT_TRUE(body.ok());
  auto decoded = otlp::decode_traces_json(*body);
  ASSERT_TRUE(decoded.ok());
  test_support::expect_same_spans(test_support::sample_spans(), decoded->spans);
  // The failure was logged, the credential was not.
  EXPECT_FALSE(diagnostics.all().empty());
  EXPECT_EQ(diagnostics.all().find("s3cr3t"), std::string::npos);
}

TEST(OtlpHttpExporter, CollectorDownDropsAndCountsWithoutBlockingTheCaller) {
  Diagnostics diagnostics;
  std::string closed_url;
  {
    net::HttpServer probe({}, [](net::HttpRequest&) { return net::HttpResponse{}; });
    ASSERT_TRUE(probe.start().ok());
    closed_url = probe.url();
  }  // nothing listens there now
  otlp::OtlpHttpExporterOptions options;
  options.endpoint = *otlp::OtlpHttpExporterOptions::traces_url_from_base(closed_url);
  options.initial_backoff = 5ms;
  options.max_backoff = 10ms;
  options.max_attempts = 2;
  auto exporter = std::make_unique<otlp::OtlpHttpExporter>(options);
  auto* exporter_view = exporter.get();
  trace::BatchSpanProcessorOptions bsp;
  bsp.max_queue_size = 64;
  bsp.max_export_batch_size = 16;
  bsp.schedule_delay = 10ms;
  bsp.export_timeout = 5s;
  auto processor = std::make_shared<trace::BatchSpanProcessor>(std::move(exporter), bsp);
  trace::TracerProviderOptions po;
  po.sampler = trace::always_on_sampler();
  po.processor = processor;
  {
    trace::TracerProvider provider(std::move(po));
    auto tracer = provider.tracer("down");
    for (int i = 0; i < 5000; ++i) tracer.start_span("chat.send_message").end();  // never waits on the network
    provider.shutdown(10s);
  }
  const auto bsp_stats = processor->stats();
  const auto exporter_stats = exporter_view->stats();
  EXPECT_EQ(bsp_stats.spans_exported, 0u);
  EXPECT_EQ(bsp_stats.spans_export_failed + bsp_stats.spans_dropped, 5000u);
  EXPECT_EQ(exporter_stats.spans_dropped, bsp_stats.spans_export_failed);
  EXPECT_GT(bsp_stats.spans_dropped, 0u);
  EXPECT_NE(diagnostics.all().find("cannot connect"), std::string::npos) << diagnostics.all();
}

namespace {
struct ScopedEnv {
  ScopedEnv(std::initializer_list<std::pair<const char*, const char*>> vars) {
    for (auto [name, value] : vars) {
      names.push_back(name);
      setenv(name, value, 1);
    }
  }
  ~ScopedEnv() {
    for (auto* n : names) unsetenv(n);
  }
  std::vector<const char*> names;
};
}  // namespace

TEST(OtlpHttpExporterOptions, FromEnvironment) {
  {
    auto o = otlp::OtlpHttpExporterOptions::from_env();
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->endpoint.to_string(), "http://localhost:4318/v1/traces");
    EXPECT_EQ(o->protocol, otlp::Protocol::http_protobuf);
    EXPECT_FALSE(o->gzip);
    EXPECT_EQ(o->timeout, 10s);
  }
  {
    ScopedEnv env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://otel.example:4318/base/"},
                   {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
                   {"OTEL_EXPORTER_OTLP_HEADERS", "api-key=abc%3D%3D, x-team = chat "},
                   {"OTEL_EXPORTER_OTLP_TIMEOUT", "2500"},
                   {"OTEL_EXPORTER_OTLP_COMPRESSION", "gzip"},
                   {"OTEL_EXPORTER_OTLP_CERTIFICATE", "/etc/ca.pem"}});
    auto o = otlp::OtlpHttpExporterOptions::from_env();
    ASSERT_TRUE(o.ok()) << o.error().message;
    EXPECT_EQ(o->endpoint.to_string(), "https://otel.example:4318/base/v1/traces");
    EXPECT_EQ(o->protocol, otlp::Protocol::http_json);
    ASSERT_EQ(o->headers.size(), 2u);
    EXPECT_EQ(o->headers[0].value, "abc==");
    EXPECT_EQ(o->headers[1].name, "x-team");
    EXPECT_EQ(o->timeout, 2500ms);
    EXPECT_TRUE(o->gzip);
    EXPECT_EQ(o->tls.ca_file, "/etc/ca.pem");
    EXPECT_TRUE(o->tls.verify_peer);
  }
  {
    // The signal-specific variables win and the traces endpoint is used as is.
    ScopedEnv env({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"},
                   {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://traces:9999/custom/path"},
                   {"OTEL_EXPORTER_OTLP_PROTOCOL", "http/json"},
                   {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/protobuf"}});
    auto o = otlp::OtlpHttpExporterOptions::from_env();
    ASSERT_TRUE(o.ok());
    EXPECT_EQ(o->endpoint.to_string(), "http://traces:9999/custom/path");
    EXPECT_EQ(o->protocol, otlp::Protocol::http_protobuf);
  }
}

TEST(OtlpHttpExporterOptions, BadEnvironmentIsAClearError) {
  const auto error_for = [](const char* name, const char* value) {
    ScopedEnv env({{name, value}});
    auto o = otlp::OtlpHttpExporterOptions::from_env();
    return o.ok() ? std::string() : o.error().message;
  };
  EXPECT_NE(error_for("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc").find("not supported"), std::string::npos);
  EXPECT_NE(error_for("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift").find("unknown OTLP protocol"), std::string::npos);
  EXPECT_NE(error_for("OTEL_EXPORTER_OTLP_COMPRESSION", "zstd").find("not gzip or none"), std::string::npos);
  EXPECT_NE(error_for("OTEL_EXPORTER_OTLP_ENDPOINT", "ftp://x").find("unsupported URL scheme"), std::string::npos);
  EXPECT_NE(error_for("OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:pw@x").find("credentials"), std::string::npos);
  // A header value that would inject another header is refused, and not echoed.
  const auto injected = error_for("OTEL_EXPORTER_OTLP_HEADERS", "a=ok%0D%0AX-Evil: 1");
  EXPECT_NE(injected.find("line break"), std::string::npos);
  EXPECT_EQ(injected.find("Evil"), std::string::npos);
  const auto malformed = error_for("OTEL_EXPORTER_OTLP_HEADERS", "token");
  EXPECT_NE(malformed.find("not key"), std::string::npos) << malformed;
}

// HTTPS: verification is on by default; a private CA is trusted only when configured.
class OtlpHttpsExporter : public ::testing::Test {
 protected:
  std::unique_ptr<net::HttpServer> start_server(const test_support::SelfSigned& tls) {
    net::HttpServerOptions o;
    o.tls_cert_file = tls.cert.string();
    o.tls_key_file = tls.key.string();
    auto server = std::make_unique<net::HttpServer>(o, [this](net::HttpRequest& request) {
      received_ += request.body.size() > 0 ? 1 : 0;
      return net::HttpResponse{};
    });
    auto started = server->start();
    EXPECT_TRUE(started.ok()) << started.error().message;
    return server;
  }
  otlp::OtlpHttpExporterOptions options_for(const std::string& url) {
    otlp::OtlpHttpExporterOptions o;
    o.endpoint = *otlp::OtlpHttpExporterOptions::traces_url_from_base(url);
    o.max_attempts = 1;
    return o;
  }
  std::atomic<int> received_{0};
};

TEST_F(OtlpHttpsExporter, TrustedThroughTheCertificateOption) {
  test_support::SelfSigned tls;
  ASSERT_TRUE(tls.ok) << "openssl could not make a certificate";
  auto server = start_server(tls);
  ASSERT_EQ(server->url().rfind("https://127.0.0.1:", 0), 0u);
  setenv("OTEL_EXPORTER_OTLP_ENDPOINT", server->url().c_str(), 1);
  setenv("OTEL_EXPORTER_OTLP_CERTIFICATE", tls.cert.c_str(), 1);
  auto options = otlp::OtlpHttpExporterOptions::from_env();
  unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
  unsetenv("OTEL_EXPORTER_OTLP_CERTIFICATE");
  ASSERT_TRUE(options.ok());
  otlp::OtlpHttpExporter exporter(*options);
  auto spans = test_support::sample_spans();
  EXPECT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::success);
  EXPECT_EQ(received_, 1);
}

TEST_F(OtlpHttpsExporter, RefusedWithoutTrust) {
  Diagnostics diagnostics;
  test_support::SelfSigned tls;
  ASSERT_TRUE(tls.ok);
  auto server = start_server(tls);
  otlp::OtlpHttpExporter exporter(options_for(server->url()));  // system store only
  auto spans = test_support::sample_spans();
  EXPECT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::failure);
  EXPECT_EQ(received_, 0);
  EXPECT_NE(diagnostics.all().find("certificate verify failed"), std::string::npos) << diagnostics.all();
}

TEST_F(OtlpHttpsExporter, RefusedForAnotherHostName) {
  Diagnostics diagnostics;
  test_support::SelfSigned tls("DNS:collector.example");
  ASSERT_TRUE(tls.ok);
  auto server = start_server(tls);
  auto options = options_for(server->url());
  options.tls.ca_file = tls.cert.string();  // trusted, but issued for another name
  otlp::OtlpHttpExporter exporter(options);
  auto spans = test_support::sample_spans();
  EXPECT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::failure);
  EXPECT_EQ(received_, 0);
  EXPECT_NE(diagnostics.all().find("TLS handshake"), std::string::npos) << diagnostics.all();
}

TEST_F(OtlpHttpsExporter, MissingCaFileIsAClearError) {
  Diagnostics diagnostics;
  auto options = options_for("https://127.0.0.1:1");
  options.tls.ca_file = "/nonexistent/ca.pem";
  otlp::OtlpHttpExporter exporter(options);
  auto spans = test_support::sample_spans();
  EXPECT_EQ(exporter.export_spans(spans, 5s), trace::ExportResult::failure);
  EXPECT_NE(diagnostics.all().find("cannot load CA file '/nonexistent/ca.pem'"), std::string::npos)
      << diagnostics.all();
}
