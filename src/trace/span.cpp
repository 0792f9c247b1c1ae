#include "tracechat/trace/span.h"

#include <algorithm>

#include "tracechat/trace/tracer.h"

namespace tracechat::trace {

const char* to_string(SpanKind kind) noexcept {
  switch (kind) {
    case SpanKind::internal: return "internal";
    case SpanKind::server: return "server";
    case SpanKind::client: return "client";
    case SpanKind::producer: return "producer";
    case SpanKind::consumer: return "consumer";
  }
  return "unknown";
}

const char* to_string(StatusCode code) noexcept {
  switch (code) {
    case StatusCode::unset: return "unset";
    case StatusCode::ok: return "ok";
    case StatusCode::error: return "error";
  }
  return "unknown";
}

const Resource& SpanData::resource() const {
  static const Resource kEmpty;
  return origin && origin->resource ? *origin->resource : kEmpty;
}

const InstrumentationScope& SpanData::scope() const {
  static const InstrumentationScope kEmpty;
  return origin ? origin->scope : kEmpty;
}

Span::Span(SpanContext context, std::unique_ptr<SpanData> data, std::shared_ptr<const TracerContext> tracer)
    : context_(std::move(context)), data_(std::move(data)), tracer_(std::move(tracer)) {}

Span& Span::operator=(Span&& other) noexcept {
  if (this != &other) {
    end();
    context_ = std::move(other.context_);
    data_ = std::move(other.data_);
    tracer_ = std::move(other.tracer_);
  }
  return *this;
}

Span::~Span() { end(); }

Span& Span::set_attribute(std::string_view key, AttributeValue value) {
  if (data_) data_->attributes.set(key, std::move(value), tracer_->limits.attribute_count);
  return *this;
}

Span& Span::set_attribute(std::string_view key, std::string_view value) {
  if (data_) data_->attributes.set(key, value, tracer_->limits.attribute_count);
  return *this;
}

Span& Span::add_event(std::string_view name, Attributes attributes, std::uint64_t time_unix_nano) {
  if (!data_) return *this;
  if (data_->events.size() >= tracer_->limits.event_count) {
    ++data_->dropped_events;
    return *this;
  }
  data_->events.push_back(
      SpanEvent{std::string(name), time_unix_nano ? time_unix_nano : now_unix_nano(), std::move(attributes)});
  return *this;
}

Span& Span::add_link(const SpanContext& context, Attributes attributes) {
  if (!data_ || !context.valid()) return *this;
  if (data_->links.size() >= tracer_->limits.link_count) {
    ++data_->dropped_links;
    return *this;
  }
  data_->links.push_back(SpanLink{context, std::move(attributes)});
  return *this;
}

Span& Span::set_status(StatusCode code, std::string_view description) {
  if (!data_ || code == StatusCode::unset) return *this;
  if (data_->status.code == StatusCode::ok) return *this;  // ok is final
  data_->status.code = code;
  data_->status.description = code == StatusCode::error ? std::string(description) : std::string();
  return *this;
}

Span& Span::update_name(std::string_view name) {
  if (data_) data_->name = std::string(name);
  return *this;
}

void Span::end(std::uint64_t end_time_unix_nano) {
  if (!data_) return;
  // A clock stepped back between start and end must not give a negative duration.
  data_->end_time_unix_nano =
      end_time_unix_nano ? end_time_unix_nano : std::max(now_unix_nano(), data_->start_time_unix_nano);
  if (tracer_ && tracer_->processor) {
    tracer_->processor->on_end(std::move(data_));
  }
  data_.reset();
}

}  // namespace tracechat::trace
