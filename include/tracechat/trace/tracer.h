// TracerProvider and Tracer: where spans come from. A provider owns the pipeline
// (resource, sampler, processor); a Tracer is a cheap handle naming the
// instrumentation scope. Parents are passed explicitly: there is no hidden
// thread-local "current span", which suits asynchronous code.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tracechat/trace/id_generator.h"
#include "tracechat/trace/sampler.h"
#include "tracechat/trace/span.h"
#include "tracechat/trace/span_processor.h"

namespace tracechat::trace {

// OpenTelemetry span limits (OTEL_SPAN_*_COUNT_LIMIT); over the limit items are
// dropped and counted in the span's dropped_* fields.
struct SpanLimits {
  std::size_t attribute_count = 128;
  std::size_t event_count = 128;
  std::size_t link_count = 128;
  static SpanLimits from_env();
};

struct StartSpanOptions {
  SpanKind kind = SpanKind::internal;
  // The parent; an invalid (default) context makes a root span.
  SpanContext parent;
  std::uint64_t start_time_unix_nano = 0;  // 0: now
  Attributes attributes;
  std::vector<SpanLink> links;
};

// Shared by a Tracer and every span it made, so spans may outlive the Tracer handle.
struct TracerContext {
  std::shared_ptr<const SpanOrigin> origin;
  std::shared_ptr<SpanProcessor> processor;
  std::shared_ptr<const Sampler> sampler;
  IdGenerator* ids = nullptr;
  SpanLimits limits;
};

class Tracer {
 public:
  Tracer() = default;  // makes only non-recording spans
  // False for a default Tracer, whose spans are invalid and do not propagate.
  bool enabled() const noexcept { return context_ != nullptr; }
  Span start_span(std::string_view name, const StartSpanOptions& options = {}) const;

  // Convenience: a child of `parent`.
  Span start_child(std::string_view name, const SpanContext& parent, SpanKind kind = SpanKind::internal) const {
    StartSpanOptions options;
    options.kind = kind;
    options.parent = parent;
    return start_span(name, options);
  }

 private:
  friend class TracerProvider;
  explicit Tracer(std::shared_ptr<const TracerContext> context) : context_(std::move(context)) {}
  std::shared_ptr<const TracerContext> context_;
};

struct TracerProviderOptions {
  std::shared_ptr<const Resource> resource;  // null: Resource::from_env()
  std::shared_ptr<const Sampler> sampler;    // null: sampler_from_env()
  std::shared_ptr<SpanProcessor> processor;  // null: nothing is exported
  IdGenerator* id_generator = nullptr;       // null: default_id_generator(); must outlive the provider
  std::optional<SpanLimits> limits;          // unset: SpanLimits::from_env()
};

class TracerProvider {
 public:
  explicit TracerProvider(TracerProviderOptions options);
  ~TracerProvider();  // shuts the processor down (exports what is queued)
  TracerProvider(const TracerProvider&) = delete;
  TracerProvider& operator=(const TracerProvider&) = delete;

  Tracer tracer(std::string name, std::string version = {}, std::string schema_url = {});
  bool force_flush(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));
  bool shutdown(std::chrono::milliseconds timeout = std::chrono::milliseconds(30000));

  const Resource& resource() const noexcept { return *resource_; }
  const Sampler& sampler() const noexcept { return *sampler_; }

 private:
  std::shared_ptr<const Resource> resource_;
  std::shared_ptr<const Sampler> sampler_;
  std::shared_ptr<SpanProcessor> processor_;
  IdGenerator* ids_;
  SpanLimits limits_;
};

}  // namespace tracechat::trace
