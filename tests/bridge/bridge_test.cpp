// The Data Action trace bridge over real HTTP: which context it continues (W3C rules),
// what it injects upstream, what it answers.
#include "tracechat/bridge/bridge.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>

#include "tracechat/net/http_client.h"
#include "tracechat/net/http_server.h"
#include "tracechat/trace/in_memory_exporter.h"
#include "tracechat/trace/sampler.h"
#include "tracechat/trace/span_processor.h"

namespace tracechat::bridge {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

constexpr const char* kParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

class BridgeTest : public ::testing::Test {
 protected:
  BridgeTest() {
    trace::TracerProviderOptions options;
    options.sampler = trace::always_on_sampler();
    options.processor =
        std::make_shared<trace::SimpleSpanProcessor>(std::make_unique<trace::InMemorySpanExporter>(store_));
    provider_ = std::make_unique<trace::TracerProvider>(std::move(options));
  }

  Bridge& start(std::optional<net::Url> upstream = std::nullopt, std::string field = {}) {
    BridgeOptions options;
    options.listen = "127.0.0.1:0";
    options.upstream = std::move(upstream);
    options.traceparent_field = std::move(field);
    options.tracer = provider_->tracer("bridge-test");
    options.upstream_timeout = 2s;
    auto started = Bridge::start(std::move(options));
    EXPECT_TRUE(started.ok()) << (started.ok() ? "" : started.error().message);
    bridge_ = std::move(*started);
    return *bridge_;
  }

  net::HttpResponse call(const std::vector<net::HttpHeader>& headers, std::string body = R"({"orderId":"A-1"})",
                         std::string target = "/orders/lookup?x=1") {
    net::HttpClient client(*net::Url::parse(bridge_->url()));
    net::HttpRequest request;
    request.method = "POST";
    request.target = std::move(target);
    request.headers = headers;
    request.headers.push_back({"Content-Type", "application/json"});
    request.body = std::move(body);
    auto response = client.send(request, 5s);
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().message);
    return response.ok() ? *response : net::HttpResponse{};
  }

  std::vector<std::unique_ptr<trace::SpanData>> spans() { return store_->take(); }

  std::shared_ptr<trace::InMemorySpanStore> store_ = std::make_shared<trace::InMemorySpanStore>();
  std::unique_ptr<trace::TracerProvider> provider_;
  std::unique_ptr<Bridge> bridge_;
};

TEST_F(BridgeTest, AValidTraceparentIsContinuedBySpanNamedAfterTheAction) {
  start();
  auto r = call(
      {{"traceparent", kParent}, {"tracestate", "congo=t61rcWkgMzE"}, {std::string(kActionHeader), "Order Lookup"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto echoed = json::parse(r.body).as_object();
  EXPECT_EQ(echoed.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(echoed.at("parentSpanId"), "00f067aa0ba902b7");
  EXPECT_EQ(echoed.at("continued"), true);
  EXPECT_EQ(echoed.at("body").at("orderId"), "A-1");
  auto s = spans();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0]->name, "dataaction Order Lookup");
  EXPECT_EQ(s[0]->kind, trace::SpanKind::server);
  EXPECT_EQ(s[0]->context.trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(s[0]->parent_span_id.hex(), "00f067aa0ba902b7");
  EXPECT_EQ(s[0]->context.trace_state.to_header(), "congo=t61rcWkgMzE");
  EXPECT_EQ(std::get<std::int64_t>(*s[0]->attributes.find("http.response.status_code")), 200);
  EXPECT_EQ(bridge_->stats().continued, 1u);
}

TEST_F(BridgeTest, AnInvalidOrMissingTraceparentStartsANewTrace) {
  start();
  for (const std::vector<net::HttpHeader>& headers :
       {std::vector<net::HttpHeader>{{"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01"},
                                     {"tracestate", "congo=t61rcWkgMzE"}},
        std::vector<net::HttpHeader>{{"traceparent", "not a traceparent"}}, std::vector<net::HttpHeader>{}}) {
    auto r = call(headers);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body).at("continued"), false);
  }
  auto s = spans();
  ASSERT_EQ(s.size(), 3u);
  for (const auto& span : s) {
    EXPECT_FALSE(span->parent_span_id.valid());
    EXPECT_NE(span->context.trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
    EXPECT_TRUE(span->context.trace_state.empty()) << "tracestate goes with an invalid traceparent";
    EXPECT_EQ(span->name, "dataaction /orders/lookup");
  }
  EXPECT_EQ(bridge_->stats().new_traces, 3u);
}

TEST_F(BridgeTest, TheTraceparentCanComeFromAJsonBodyField) {
  start(std::nullopt, "traceparent");
  auto r = call({}, std::string(R"({"traceparent":")") + kParent + R"(","orderId":"A-1"})");
  EXPECT_EQ(json::parse(r.body).at("parentSpanId"), "00f067aa0ba902b7");
}

// The conversation id a generated Data Action sends puts the conversation in the trace.
TEST_F(BridgeTest, AConversationIdHeaderIsRecordedOnTheServerSpan) {
  start();
  // Any case of the name; the value as the platform writes ids (lowercase).
  auto r = call({{"traceparent", kParent}, {"x-CONVERSATION-id", "3F9C2A1E-8D2B-4C1A-9B7E-5A6D4C3B2A10"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto s = spans();
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0]->kind, trace::SpanKind::server);
  const auto* recorded = s[0]->attributes.find(conventions::kConversationIdKey);
  ASSERT_NE(recorded, nullptr);
  EXPECT_EQ(std::get<std::string>(*recorded), "3f9c2a1e-8d2b-4c1a-9b7e-5a6d4c3b2a10");
  EXPECT_EQ(bridge_->stats().conversation_ids_ignored, 0u);
}

TEST_F(BridgeTest, AConversationIdThatIsNotOneUuidIsNotRecorded) {
  start();
  const std::string header(conventions::kConversationIdHeader);
  const std::string uuid = "3f9c2a1e-8d2b-4c1a-9b7e-5a6d4c3b2a10";
  const std::vector<std::vector<net::HttpHeader>> refused = {
      {{header, "not-a-conversation"}},
      {{header, uuid + "0"}},
      {{header, "3f9c2a1e_8d2b_4c1a_9b7e_5a6d4c3b2a10"}},
      {{header, "${input.conversationId}"}},                               // an unrendered template reference
      {{header, uuid}, {header, "11111111-2222-4333-8444-555555555555"}},  // two values: which one?
      {{header, uuid}, {header, uuid}},
  };
  for (const auto& headers : refused) ASSERT_EQ(call(headers).status, 200) << "the request itself goes on";
  // Empty, as a flow that does not bind the input sends it, or absent: nothing to record.
  ASSERT_EQ(call({{header, ""}}).status, 200);
  ASSERT_EQ(call({}).status, 200);
  auto s = spans();
  ASSERT_EQ(s.size(), refused.size() + 2);
  for (const auto& span : s) EXPECT_EQ(span->attributes.find(conventions::kConversationIdKey), nullptr);
  EXPECT_EQ(bridge_->stats().conversation_ids_ignored, refused.size());
}

TEST_F(BridgeTest, ForwardsWithAChildContextAndReturnsTheUpstreamAnswer) {
  std::mutex mutex;
  net::HttpRequest seen;
  net::HttpServerOptions upstream_options;
  net::HttpServer upstream(upstream_options, [&](net::HttpRequest& request) {
    std::lock_guard lock(mutex);
    seen = request;
    auto response = net::json_response(201, R"({"status":"shipped"})");
    response.set_header("x-upstream", "yes");
    return response;
  });
  ASSERT_TRUE(upstream.start().ok());
  start(*net::Url::parse(upstream.url() + "/api"));
  auto r = call({{"traceparent", kParent}, {"tracestate", "congo=t61rcWkgMzE"}, {"Authorization", "Bearer s3cret"}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"status":"shipped"})");
  EXPECT_EQ(r.header("x-upstream").value_or(""), "yes");

  auto s = spans();
  ASSERT_EQ(s.size(), 2u);
  const auto& client = s[0]->kind == trace::SpanKind::client ? s[0] : s[1];
  const auto& server = s[0]->kind == trace::SpanKind::server ? s[0] : s[1];
  EXPECT_EQ(client->parent_span_id, server->context.span_id);
  std::lock_guard lock(mutex);
  EXPECT_EQ(seen.target, "/api/orders/lookup?x=1");
  EXPECT_EQ(seen.body, R"({"orderId":"A-1"})");
  // The upstream continues from the bridge's client span, not from the caller's span.
  EXPECT_EQ(std::string(seen.header("traceparent").value_or("")), client->context.traceparent());
  EXPECT_EQ(std::string(seen.header("tracestate").value_or("")), "congo=t61rcWkgMzE");
  EXPECT_EQ(std::string(seen.header("Authorization").value_or("")), "Bearer s3cret");
  std::size_t traceparents = 0;
  for (const auto& h : seen.headers) traceparents += h.name == "traceparent" ? 1 : 0;
  EXPECT_EQ(traceparents, 1u) << "the incoming traceparent is replaced, not repeated";
}

TEST_F(BridgeTest, AnUnreachableUpstreamIs502WithAnErrorSpan) {
  start(*net::Url::parse("http://127.0.0.1:1"));
  auto r = call({{"traceparent", kParent}});
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("the upstream could not be reached"), std::string::npos) << r.body;
  for (const auto& span : spans()) EXPECT_EQ(span->status.code, trace::StatusCode::error) << span->name;
  EXPECT_EQ(bridge_->stats().upstream_errors, 1u);
}

TEST_F(BridgeTest, BadOptionsAreRefused) {
  BridgeOptions options;
  options.listen = "nowhere";
  EXPECT_FALSE(Bridge::start(options).ok());
  options.listen = "127.0.0.1:0";
  options.upstream = *net::Url::parse("ws://127.0.0.1:1");
  auto refused = Bridge::start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message, "upstream: must be an http:// or https:// URL");
}

}  // namespace
}  // namespace tracechat::bridge
