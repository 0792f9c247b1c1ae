#include "tracechat/collector/collector.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "support/sample_spans.h"
#include "support/span_store_files.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/net/gzip.h"
#include "tracechat/net/http_client.h"
#include "tracechat/net/http_server.h"
#include "tracechat/otlp/decoding.h"
#include "tracechat/otlp/http_exporter.h"
#include "tracechat/otlp/json_encoding.h"
#include "tracechat/otlp/protobuf_encoding.h"
#include "tracechat/trace/id_generator.h"

using namespace tracechat;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

class CollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = test_support::fresh_span_store_path(::testing::UnitTest::GetInstance()->current_test_info()->name());
    collector::CollectorOptions options;
    options.listen = "127.0.0.1:0";
    options.db = db_;
    options.limits.max_body_bytes = 64 * 1024;
    auto started = collector::Collector::start(options);
    ASSERT_TRUE(started.ok()) << started.error().message;
    collector_ = std::move(*started);
  }
  void TearDown() override {
    collector_.reset();
    test_support::remove_span_store(db_);
  }

  otlp::OtlpHttpExporter exporter(otlp::Protocol protocol, bool gzip) {
    otlp::OtlpHttpExporterOptions o;
    o.endpoint = *otlp::OtlpHttpExporterOptions::traces_url_from_base(collector_->url());
    o.protocol = protocol;
    o.gzip = gzip;
    return otlp::OtlpHttpExporter(o);
  }

  net::HttpResponse post(std::string body, std::string content_type, std::string encoding = {},
                         std::string target = "/v1/traces", std::string method = "POST") {
    net::HttpClient client(*net::Url::parse(collector_->url()));
    net::HttpRequest request;
    request.method = std::move(method);
    request.target = std::move(target);
    request.body = std::move(body);
    if (!content_type.empty()) request.headers.push_back({"Content-Type", content_type});
    if (!encoding.empty()) request.headers.push_back({"Content-Encoding", encoding});
    auto response = client.send(request, 10s);
    EXPECT_TRUE(response.ok()) << response.error().message;
    return response.ok() ? *response : net::HttpResponse{};
  }

  std::vector<std::unique_ptr<trace::SpanData>> stored_trace() {
    EXPECT_TRUE(collector_->flush(10s));
    auto store = collector::SpanStore::open(db_);
    EXPECT_TRUE(store.ok());
    auto spans = (*store)->load_trace(*trace::TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736"));
    EXPECT_TRUE(spans.ok());
    return spans.ok() ? std::move(*spans) : std::vector<std::unique_ptr<trace::SpanData>>{};
  }

  fs::path db_;
  std::unique_ptr<collector::Collector> collector_;
};

}  // namespace

TEST_F(CollectorTest, RoundTripProtobufKeepsEveryField) {
  auto spans = test_support::sample_spans();
  ASSERT_EQ(exporter(otlp::Protocol::http_protobuf, false).export_spans(spans, 10s), trace::ExportResult::success);
  test_support::expect_same_spans(test_support::sample_spans(), stored_trace());
}

TEST_F(CollectorTest, RoundTripJsonKeepsEveryField) {
  auto spans = test_support::sample_spans();
  ASSERT_EQ(exporter(otlp::Protocol::http_json, false).export_spans(spans, 10s), trace::ExportResult::success);
  test_support::expect_same_spans(test_support::sample_spans(), stored_trace());
}

TEST_F(CollectorTest, RoundTripGzipBothEncodings) {
  for (auto protocol : {otlp::Protocol::http_protobuf, otlp::Protocol::http_json}) {
    auto spans = test_support::sample_spans();
    ASSERT_EQ(exporter(protocol, true).export_spans(spans, 10s), trace::ExportResult::success);
    test_support::expect_same_spans(test_support::sample_spans(), stored_trace());
  }
  EXPECT_EQ(collector_->stats().spans_stored, 4u);
}

TEST_F(CollectorTest, SuccessIsAnExportTraceServiceResponse) {
  auto ok = post(otlp::encode_traces_protobuf(test_support::sample_spans()), "application/x-protobuf");
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(ok.body, "");  // an empty ExportTraceServiceResponse
  auto json = post(otlp::encode_traces_json(test_support::sample_spans()), "application/json; charset=utf-8");
  EXPECT_EQ(json.status, 200);
  EXPECT_EQ(json.body, "{}");
}

TEST_F(CollectorTest, InvalidSpansGetAPartialSuccess) {
  auto spans = test_support::sample_spans();
  spans[1]->context.trace_id = trace::TraceId();
  auto r = post(otlp::encode_traces_protobuf(spans), "application/x-protobuf");
  ASSERT_EQ(r.status, 200);
  auto partial = otlp::decode_export_response_protobuf(r.body);
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->rejected_spans, 1);
  EXPECT_NE(partial->error_message.find("traceId"), std::string::npos);
  EXPECT_EQ(stored_trace().size(), 1u);
}

TEST_F(CollectorTest, MalformedBodiesGet400WithAStatus) {
  auto r = post("\x0a\x05\x12\x03", "application/x-protobuf");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(otlp::decode_status_message_protobuf(r.body), "resourceSpans: truncated");
  r = post("{\"resourceSpans\": [", "application/json");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(otlp::decode_status_message_json(r.body), "invalid JSON: incomplete JSON");
  r = post("not gzip at all", "application/json", "gzip");
  EXPECT_EQ(r.status, 400);
  // Truncated protobuf, every length: never a crash, always 200 or 400.
  const std::string good = otlp::encode_traces_protobuf(test_support::sample_spans());
  for (std::size_t n = 0; n < good.size(); n += 7) {
    const int status = post(good.substr(0, n), "application/x-protobuf").status;
    EXPECT_TRUE(status == 200 || status == 400) << status;
  }
}

TEST_F(CollectorTest, OversizedBodiesGet413) {
  const std::string huge(100 * 1024, 'x');
  EXPECT_EQ(post(huge, "application/x-protobuf").status, 413);
  // A small gzip body that inflates past the limit is refused too.
  const std::string bomb = net::gzip_compress(std::string(1024 * 1024, ' '));
  ASSERT_LT(bomb.size(), 64u * 1024);
  EXPECT_EQ(post(bomb, "application/json", "gzip").status, 413);
}

TEST_F(CollectorTest, WrongContentTypeOrEncodingGets415) {
  EXPECT_EQ(post("{}", "text/plain").status, 415);
  EXPECT_EQ(post("{}", "").status, 415);
  EXPECT_EQ(post("{}", "application/json", "br").status, 415);
}

TEST_F(CollectorTest, WrongPathOrMethod) {
  EXPECT_EQ(post("{}", "application/json", "", "/v1/metrics").status, 404);
  auto r = post("", "application/json", "", "/v1/traces", "GET");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "POST");
}

TEST_F(CollectorTest, StaysUpAfterGarbage) {
  for (std::string garbage : {std::string("\xff\xfe\xfd", 3), std::string(5000, '{'), std::string("[[[[")}) {
    post(garbage, "application/json");
    post(garbage, "application/x-protobuf");
  }
  auto spans = test_support::sample_spans();
  EXPECT_EQ(exporter(otlp::Protocol::http_protobuf, false).export_spans(spans, 10s), trace::ExportResult::success);
  EXPECT_EQ(stored_trace().size(), 2u);
}

// --index-attribute: the receiver notes the key's values in both encodings, so the
// store finds the traces by them; the key stays the store's.
TEST(CollectorIndexedAttributes, AKeyToldIsSearchableInBothEncodings) {
  const auto db = test_support::fresh_span_store_path("indexed-attributes");
  collector::CollectorOptions options;
  options.listen = "127.0.0.1:0";
  options.db = db;
  options.indexed_attributes = {"order.id"};
  auto started = collector::Collector::start(options);
  ASSERT_TRUE(started.ok()) << started.error().message;
  auto& collector = *started;
  for (const auto protocol : {otlp::Protocol::http_protobuf, otlp::Protocol::http_json}) {
    auto spans = test_support::sample_spans();
    const auto trace_id = trace::default_id_generator().new_trace_id();
    for (auto& span : spans) span->context.trace_id = trace_id;
    spans[1]->attributes.set("order.id", protocol == otlp::Protocol::http_json ? "o-json" : "o-protobuf");
    otlp::OtlpHttpExporterOptions o;
    o.endpoint = *otlp::OtlpHttpExporterOptions::traces_url_from_base(collector->url());
    o.protocol = protocol;
    ASSERT_EQ(otlp::OtlpHttpExporter(o).export_spans(spans, 10s), trace::ExportResult::success);
  }
  ASSERT_TRUE(collector->flush(10s));
  auto store = collector::SpanStore::open(db);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->indexed_keys().slot("order.id"), 5);
  for (const char* value : {"o-json", "o-protobuf"}) {
    collector::TraceQuery q;
    q.attributes = {{"order.id", value}};
    const auto page = (*store)->search_traces(q);
    ASSERT_TRUE(page.ok()) << page.error().message;
    EXPECT_EQ(page->traces.size(), 1u) << value;
  }
  collector.reset();
  test_support::remove_span_store(db);
}

// A request the last run logged but did not index is indexed with the keys this run was
// told (they reach the store before its recovery); a start that fails (the address is
// taken) leaves the store's keys as they were.
TEST(CollectorIndexedAttributes, RecoveryUsesTheKeysAndAFailedStartAddsNone) {
  const auto db = test_support::fresh_span_store_path("indexed-recovery");
  auto spans = test_support::sample_spans();
  spans[1]->attributes.set("order.id", "o-logged");
  const std::string body = otlp::encode_traces_protobuf(spans);
  {
    auto store = collector::SpanStore::open(db, collector::StoreAccess::write);
    ASSERT_TRUE(store.ok());
    const collector::LogRecord record{body, 1'764'000'000'000'000'000ULL};
    ASSERT_TRUE((*store)->append(std::span<const collector::LogRecord>(&record, 1)).ok());  // logged only
  }
  net::HttpServer taken({}, [](net::HttpRequest&) { return net::text_response(200, ""); });
  ASSERT_TRUE(taken.start().ok());
  collector::CollectorOptions options;
  options.db = db;
  options.indexed_attributes = {"order.id"};
  options.listen = "127.0.0.1:" + std::to_string(taken.port());
  EXPECT_FALSE(collector::Collector::start(options).ok());
  {
    auto store = collector::SpanStore::open(db);
    ASSERT_TRUE(store.ok());
    EXPECT_EQ((*store)->indexed_keys().slot("order.id"), -1);
  }
  options.listen = "127.0.0.1:0";
  auto started = collector::Collector::start(options);
  ASSERT_TRUE(started.ok()) << started.error().message;
  started->reset();
  auto store = collector::SpanStore::open(db);
  ASSERT_TRUE(store.ok());
  collector::TraceQuery q;
  q.attributes = {{"order.id", "o-logged"}};
  const auto page = (*store)->search_traces(q);
  ASSERT_TRUE(page.ok()) << page.error().message;
  EXPECT_EQ(page->traces.size(), 1u);
  test_support::remove_span_store(db);
}

TEST(CollectorForward, ForwardsEveryRequestUnchanged) {
  std::mutex mutex;
  std::vector<net::HttpRequest> upstream_requests;
  net::HttpServer upstream({}, [&](net::HttpRequest& request) {
    std::lock_guard lock(mutex);
    upstream_requests.push_back(request);
    return net::HttpResponse{};
  });
  ASSERT_TRUE(upstream.start().ok());
  const auto db = test_support::fresh_span_store_path("forward");
  collector::CollectorOptions options;
  options.listen = "127.0.0.1:0";
  options.db = db;
  options.forward = upstream.url();
  auto c = collector::Collector::start(options);
  ASSERT_TRUE(c.ok()) << c.error().message;
  const std::string json_body = otlp::encode_traces_json(test_support::sample_spans());
  for (auto protocol : {otlp::Protocol::http_protobuf, otlp::Protocol::http_json}) {
    otlp::OtlpHttpExporterOptions o;
    o.endpoint = *otlp::OtlpHttpExporterOptions::traces_url_from_base((*c)->url());
    o.protocol = protocol;
    o.gzip = protocol == otlp::Protocol::http_json;
    otlp::OtlpHttpExporter exporter(o);
    auto spans = test_support::sample_spans();
    ASSERT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::success);
  }
  ASSERT_TRUE((*c)->flush(10s));
  std::lock_guard lock(mutex);
  ASSERT_EQ(upstream_requests.size(), 2u);
  EXPECT_EQ(upstream_requests[0].target, "/v1/traces");
  EXPECT_EQ(upstream_requests[0].header("Content-Type"), "application/x-protobuf");
  EXPECT_EQ(upstream_requests[0].body, otlp::encode_traces_protobuf(test_support::sample_spans()));
  EXPECT_EQ(upstream_requests[1].header("Content-Type"), "application/json");
  EXPECT_EQ(upstream_requests[1].body, json_body);  // decompressed, otherwise byte for byte
  EXPECT_EQ((*c)->stats().forward_requests, 2u);
  c->reset();
  test_support::remove_span_store(db);
}

TEST(CollectorStart, ErrorsNameTheProblem) {
  collector::CollectorOptions options;
  options.listen = "127.0.0.1:notaport";
  auto c = collector::Collector::start(options);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("invalid port 'notaport'"), std::string::npos);
  options.listen = "127.0.0.1:0";
  options.db = "/nonexistent-dir/x.sqlite";
  c = collector::Collector::start(options);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().message.find("/nonexistent-dir/x.sqlite"), std::string::npos);
}

TEST_F(CollectorTest, A200MeansTheRequestIsInTheStore) {
  auto e = exporter(otlp::Protocol::http_protobuf, false);
  auto spans = test_support::sample_spans();
  ASSERT_EQ(e.export_spans(spans, 10s), trace::ExportResult::success);
  // Before any flush: the answer came after the append, so the request is on disk.
  auto log = collector::RequestLog::open(collector::SpanStore::log_dir_for(db_), false);
  ASSERT_TRUE(log.ok());
  std::size_t records = 0;
  std::string stored;
  ASSERT_TRUE((*log)
                  ->scan({0, 0},
                         [&](const collector::LogLocation&, std::uint64_t, std::string_view payload) {
                           ++records;
                           stored = payload;
                           return true;
                         })
                  .ok());
  EXPECT_EQ(records, 1u);
  EXPECT_EQ(stored, otlp::encode_traces_protobuf(spans));
  EXPECT_EQ(collector_->stats().spans_stored, spans.size());
  ASSERT_TRUE(collector_->flush(10s));
  EXPECT_EQ(collector_->stats().spans_indexed, spans.size());
}

TEST(CollectorRetention, OldTracesAreRemovedWhileItRuns) {
  const auto db = test_support::fresh_span_store_path("retention");
  collector::CollectorOptions options;
  options.listen = "127.0.0.1:0";
  options.db = db;
  options.retention.max_age = std::chrono::hours(24);  // the sample spans are from 2025
  options.retention_interval = 20ms;
  auto c = collector::Collector::start(options);
  ASSERT_TRUE(c.ok()) << c.error().message;
  otlp::OtlpHttpExporterOptions o;
  o.endpoint = *otlp::OtlpHttpExporterOptions::traces_url_from_base((*c)->url());
  otlp::OtlpHttpExporter exporter(o);
  auto spans = test_support::sample_spans();
  ASSERT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::success);
  ASSERT_TRUE((*c)->flush(10s));
  // The next pass removes the trace; waited for by its count, not by a time.
  for (int i = 0; i < 500 && (*c)->stats().traces_expired == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ((*c)->stats().traces_expired, 1u);
  c->reset();
  auto store = collector::SpanStore::open(db);
  EXPECT_TRUE((*store)->list_traces(0, 10)->empty());
  store->reset();
  test_support::remove_span_store(db);
}
