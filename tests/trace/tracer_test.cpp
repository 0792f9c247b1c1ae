#include "tracechat/trace/tracer.h"

#include <gtest/gtest.h>

#include "tracechat/trace/in_memory_exporter.h"

using namespace tracechat::trace;

namespace {
struct Pipeline {
  explicit Pipeline(std::shared_ptr<const Sampler> sampler = always_on_sampler(), SpanLimits limits = {}) {
    TracerProviderOptions options;
    options.resource = std::make_shared<const Resource>(Attributes{{"service.name", std::string("test-svc")}});
    options.sampler = std::move(sampler);
    options.processor = std::make_shared<SimpleSpanProcessor>(std::make_unique<InMemorySpanExporter>(store));
    options.limits = limits;
    provider = std::make_unique<TracerProvider>(std::move(options));
    tracer = provider->tracer("tracechat.test", "1.2.3");
  }
  std::shared_ptr<InMemorySpanStore> store = std::make_shared<InMemorySpanStore>();
  std::unique_ptr<TracerProvider> provider;
  Tracer tracer;
};
}  // namespace

TEST(Tracer, RootSpanLifecycle) {
  Pipeline p;
  const auto before = now_unix_nano();
  StartSpanOptions options;
  options.kind = SpanKind::client;
  Span span = p.tracer.start_span("chat.session", options);
  EXPECT_TRUE(span.recording());
  EXPECT_TRUE(span.context().valid());
  EXPECT_TRUE(span.context().sampled());
  EXPECT_TRUE(span.context().flags.random());
  span.set_attribute("chat.dialect", "guest-chat").set_attribute("count", 3).set_attribute("ok", true);
  span.set_attribute("ratio", 0.5).set_attribute("tags", std::vector<std::string>{"a", "b"});
  span.add_event("connected", Attributes{{"attempt", std::int64_t{1}}});
  span.end();
  span.end();  // idempotent
  span.set_attribute("late", "ignored");

  auto spans = p.store->take();
  ASSERT_EQ(spans.size(), 1u);
  const SpanData& d = *spans[0];
  EXPECT_EQ(d.name, "chat.session");
  EXPECT_EQ(d.kind, SpanKind::client);
  EXPECT_EQ(d.context.trace_id, span.context().trace_id);
  EXPECT_FALSE(d.parent_span_id.valid());
  EXPECT_GE(d.start_time_unix_nano, before);
  EXPECT_GE(d.end_time_unix_nano, d.start_time_unix_nano);
  EXPECT_EQ(d.attributes.size(), 5u);
  EXPECT_EQ(std::get<std::string>(*d.attributes.find("chat.dialect")), "guest-chat");
  EXPECT_EQ(std::get<std::int64_t>(*d.attributes.find("count")), 3);
  EXPECT_EQ(std::get<bool>(*d.attributes.find("ok")), true);
  EXPECT_EQ(d.attributes.find("late"), nullptr);
  ASSERT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.events[0].name, "connected");
  EXPECT_EQ(d.scope().name, "tracechat.test");
  EXPECT_EQ(d.scope().version, "1.2.3");
  EXPECT_EQ(std::get<std::string>(*d.resource().attributes().find("service.name")), "test-svc");
}

TEST(Tracer, ChildContinuesParentTraceAndState) {
  Pipeline p;
  auto parent_ctx =
      SpanContext::from_headers("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "congo=t61rcWkgMzE");
  ASSERT_TRUE(parent_ctx.ok());
  Span server = p.tracer.start_child("dataaction lookup", *parent_ctx, SpanKind::server);
  Span inner = p.tracer.start_child("db.query", server.context());
  EXPECT_EQ(server.context().trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_NE(server.context().span_id, parent_ctx->span_id);
  EXPECT_EQ(server.context().trace_state.to_header(), "congo=t61rcWkgMzE");
  // The parent did not claim a random trace id, so neither may we.
  EXPECT_FALSE(server.context().flags.random());
  inner.end();
  server.end();
  auto spans = p.store->take();
  ASSERT_EQ(spans.size(), 2u);
  EXPECT_EQ(spans[0]->parent_span_id, server.context().span_id);
  EXPECT_FALSE(spans[0]->parent_is_remote);
  EXPECT_EQ(spans[1]->parent_span_id.hex(), "00f067aa0ba902b7");
  EXPECT_TRUE(spans[1]->parent_is_remote);
  EXPECT_EQ(spans[1]->kind, SpanKind::server);
}

TEST(Tracer, DroppedSpansPropagateButRecordNothing) {
  Pipeline p(always_off_sampler());
  Span span = p.tracer.start_span("x");
  EXPECT_FALSE(span.recording());
  EXPECT_TRUE(span.context().valid());
  EXPECT_FALSE(span.context().sampled());
  EXPECT_EQ(span.traceparent().substr(53), "02");  // random, not sampled
  span.set_attribute("a", 1).add_event("e").set_status(StatusCode::error, "boom");
  span.end();
  EXPECT_EQ(p.store->size(), 0u);
}

TEST(Tracer, ParentBasedHonoursUnsampledRemoteParent) {
  Pipeline p(parent_based_sampler(always_on_sampler()));
  auto parent = SpanContext::from_headers("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
  Span span = p.tracer.start_child("x", *parent);
  EXPECT_FALSE(span.recording());
  EXPECT_EQ(span.context().trace_id, parent->trace_id);
}

TEST(Tracer, DefaultTracerIsANoop) {
  Tracer tracer;
  Span span = tracer.start_span("x");
  EXPECT_FALSE(span.recording());
  EXPECT_FALSE(span.context().valid());
}

TEST(Tracer, DestructorEndsTheSpanAndMoveKeepsOneOwner) {
  Pipeline p;
  {
    Span a = p.tracer.start_span("a");
    Span b = std::move(a);
    EXPECT_FALSE(a.recording());  // NOLINT: checking moved-from state on purpose
  }
  EXPECT_EQ(p.store->size(), 1u);
  Span c = p.tracer.start_span("c");
  c = p.tracer.start_span("d");  // assignment ends "c"
  EXPECT_EQ(p.store->size(), 2u);
}

TEST(Tracer, StatusRules) {
  Pipeline p;
  Span a = p.tracer.start_span("a");
  a.set_status(StatusCode::error, "first");
  a.set_status(StatusCode::unset);  // ignored
  a.end();
  Span b = p.tracer.start_span("b");
  b.set_status(StatusCode::ok, "description dropped");
  b.set_status(StatusCode::error, "ok is final");
  b.end();
  auto spans = p.store->take();
  EXPECT_EQ(spans[0]->status.code, StatusCode::error);
  EXPECT_EQ(spans[0]->status.description, "first");
  EXPECT_EQ(spans[1]->status.code, StatusCode::ok);
  EXPECT_EQ(spans[1]->status.description, "");
}

TEST(Tracer, LimitsDropAndCount) {
  Pipeline p(always_on_sampler(), SpanLimits{.attribute_count = 2, .event_count = 1, .link_count = 1});
  Span other = p.tracer.start_span("other");
  Span s = p.tracer.start_span("s");
  s.set_attribute("a", 1).set_attribute("b", 2).set_attribute("c", 3).set_attribute("a", 10);
  s.add_event("e1").add_event("e2").add_event("e3");
  s.add_link(other.context()).add_link(other.context());
  s.add_link(SpanContext{});  // invalid contexts are not links at all
  s.end();
  auto spans = p.store->take();
  const auto& d = *spans[0];
  EXPECT_EQ(d.attributes.size(), 2u);
  EXPECT_EQ(d.attributes.dropped(), 1u);
  EXPECT_EQ(std::get<std::int64_t>(*d.attributes.find("a")), 10);  // replacing is not dropping
  EXPECT_EQ(d.events.size(), 1u);
  EXPECT_EQ(d.dropped_events, 2u);
  EXPECT_EQ(d.links.size(), 1u);
  EXPECT_EQ(d.dropped_links, 1u);
}

TEST(Tracer, ExplicitTimesAndStartOptions) {
  Pipeline p;
  Span s = p.tracer.start_span("timed", {.kind = SpanKind::producer,
                                         .parent = {},
                                         .start_time_unix_nano = 1000,
                                         .attributes = Attributes{{"k", std::string("v")}},
                                         .links = {}});
  s.end(5000);
  auto spans = p.store->take();
  EXPECT_EQ(spans[0]->start_time_unix_nano, 1000u);
  EXPECT_EQ(spans[0]->end_time_unix_nano, 5000u);
  EXPECT_EQ(spans[0]->kind, SpanKind::producer);
  EXPECT_EQ(spans[0]->attributes.size(), 1u);
}

TEST(Tracer, SpanOutlivesItsTracerHandle) {
  auto store = std::make_shared<InMemorySpanStore>();
  Span span;
  {
    TracerProviderOptions options;
    options.sampler = always_on_sampler();
    options.processor = std::make_shared<SimpleSpanProcessor>(std::make_unique<InMemorySpanExporter>(store));
    TracerProvider provider(std::move(options));
    span = provider.tracer("t").start_span("survivor");
  }
  span.end();
  ASSERT_EQ(store->size(), 1u);
  EXPECT_EQ(store->take()[0]->scope().name, "t");
}
