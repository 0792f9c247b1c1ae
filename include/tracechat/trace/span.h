// Span: the handle a caller holds while an operation runs. Move-only; ends itself
// when destroyed if end() was not called. A span that was not sampled still has a
// valid context (so it propagates) but records nothing and costs little.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string_view>
#include <type_traits>

#include "tracechat/trace/clock.h"
#include "tracechat/trace/span_data.h"

namespace tracechat::trace {

struct TracerContext;

class Span {
 public:
  Span() = default;  // an invalid, non-recording span
  Span(Span&&) noexcept = default;
  Span& operator=(Span&& other) noexcept;
  ~Span();

  const SpanContext& context() const noexcept { return context_; }
  bool recording() const noexcept { return data_ != nullptr; }
  std::string traceparent() const { return context_.traceparent(); }

  Span& set_attribute(std::string_view key, AttributeValue value);
  // Strings are copied into the recorded span's reused buffers.
  Span& set_attribute(std::string_view key, std::string_view value);
  Span& set_attribute(std::string_view key, const char* value) { return set_attribute(key, std::string_view(value)); }
  Span& set_attribute(std::string_view key, const std::string& value) {
    return set_attribute(key, std::string_view(value));
  }
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) Span& set_attribute(std::string_view key, T value) {
    return set_attribute(key, AttributeValue(static_cast<std::int64_t>(value)));
  }
  Span& set_attribute(std::string_view key, bool value) { return set_attribute(key, AttributeValue(value)); }
  Span& set_attribute(std::string_view key, double value) { return set_attribute(key, AttributeValue(value)); }
  Span& add_event(std::string_view name, Attributes attributes = {}, std::uint64_t time_unix_nano = 0);
  Span& add_link(const SpanContext& context, Attributes attributes = {});
  // Per the spec, an ok status is final and a description is kept only with error.
  Span& set_status(StatusCode code, std::string_view description = {});
  Span& update_name(std::string_view name);
  // Records the end time and hands the span to the processor. Later calls do nothing.
  void end(std::uint64_t end_time_unix_nano = 0);

 private:
  friend class Tracer;
  Span(SpanContext context, std::unique_ptr<SpanData> data, std::shared_ptr<const TracerContext> tracer);

  SpanContext context_;
  std::unique_ptr<SpanData> data_;
  std::shared_ptr<const TracerContext> tracer_;
};

}  // namespace tracechat::trace
