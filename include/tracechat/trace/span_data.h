// SpanData: everything recorded about one span, handed to processors and exporters
// when the span ends. Field meanings follow the OpenTelemetry trace data model.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tracechat/trace/attribute.h"
#include "tracechat/trace/resource.h"
#include "tracechat/trace/span_context.h"

namespace tracechat::trace {

// Values are OTLP's SpanKind numbers.
enum class SpanKind : std::uint8_t { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };
// Values are OTLP's Status.code numbers.
enum class StatusCode : std::uint8_t { unset = 0, ok = 1, error = 2 };

const char* to_string(SpanKind kind) noexcept;
const char* to_string(StatusCode code) noexcept;

struct SpanStatus {
  StatusCode code = StatusCode::unset;
  std::string description;  // only meaningful with StatusCode::error
  friend bool operator==(const SpanStatus&, const SpanStatus&) = default;
};

struct SpanEvent {
  std::string name;
  std::uint64_t time_unix_nano = 0;
  Attributes attributes;
  friend bool operator==(const SpanEvent&, const SpanEvent&) = default;
};

struct SpanLink {
  SpanContext context;
  Attributes attributes;
};

// Shared by all spans of one tracer: who produced them.
struct SpanOrigin {
  std::shared_ptr<const Resource> resource;
  InstrumentationScope scope;
};

struct SpanData {
  SpanContext context;
  SpanId parent_span_id;  // invalid for a root span
  bool parent_is_remote = false;
  bool has_parent_flags = false;  // OTLP flags bits 8/9 are only set when parent-ness is known
  std::string name;
  SpanKind kind = SpanKind::internal;
  std::uint64_t start_time_unix_nano = 0;
  std::uint64_t end_time_unix_nano = 0;
  Attributes attributes;
  std::vector<SpanEvent> events;
  std::uint32_t dropped_events = 0;
  std::vector<SpanLink> links;
  std::uint32_t dropped_links = 0;
  SpanStatus status;
  std::shared_ptr<const SpanOrigin> origin;  // never null for spans made by a Tracer

  const Resource& resource() const;
  const InstrumentationScope& scope() const;
};

}  // namespace tracechat::trace
