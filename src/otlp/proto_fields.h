// Field numbers of the OTLP messages tracechat reads and writes, from
// opentelemetry-proto (collector/trace/v1/trace_service.proto, trace/v1/trace.proto,
// common/v1/common.proto, resource/v1/resource.proto) and google/rpc/status.proto.
// Internal to the OTLP part.
#pragma once

#include <cstdint>

namespace tracechat::otlp::fields {

// ExportTraceServiceRequest
inline constexpr std::uint32_t kRequestResourceSpans = 1;
// ExportTraceServiceResponse / ExportTracePartialSuccess
inline constexpr std::uint32_t kResponsePartialSuccess = 1;
inline constexpr std::uint32_t kPartialRejectedSpans = 1;
inline constexpr std::uint32_t kPartialErrorMessage = 2;
// google.rpc.Status
inline constexpr std::uint32_t kRpcStatusCode = 1;
inline constexpr std::uint32_t kRpcStatusMessage = 2;
// ResourceSpans
inline constexpr std::uint32_t kResourceSpansResource = 1;
inline constexpr std::uint32_t kResourceSpansScopeSpans = 2;
inline constexpr std::uint32_t kResourceSpansSchemaUrl = 3;
// Resource
inline constexpr std::uint32_t kResourceAttributes = 1;
inline constexpr std::uint32_t kResourceDroppedAttributes = 2;
// ScopeSpans
inline constexpr std::uint32_t kScopeSpansScope = 1;
inline constexpr std::uint32_t kScopeSpansSpans = 2;
inline constexpr std::uint32_t kScopeSpansSchemaUrl = 3;
// InstrumentationScope
inline constexpr std::uint32_t kScopeName = 1;
inline constexpr std::uint32_t kScopeVersion = 2;
inline constexpr std::uint32_t kScopeAttributes = 3;
inline constexpr std::uint32_t kScopeDroppedAttributes = 4;
// Span
inline constexpr std::uint32_t kSpanTraceId = 1;
inline constexpr std::uint32_t kSpanSpanId = 2;
inline constexpr std::uint32_t kSpanTraceState = 3;
inline constexpr std::uint32_t kSpanParentSpanId = 4;
inline constexpr std::uint32_t kSpanName = 5;
inline constexpr std::uint32_t kSpanKind = 6;
inline constexpr std::uint32_t kSpanStartTime = 7;
inline constexpr std::uint32_t kSpanEndTime = 8;
inline constexpr std::uint32_t kSpanAttributes = 9;
inline constexpr std::uint32_t kSpanDroppedAttributes = 10;
inline constexpr std::uint32_t kSpanEvents = 11;
inline constexpr std::uint32_t kSpanDroppedEvents = 12;
inline constexpr std::uint32_t kSpanLinks = 13;
inline constexpr std::uint32_t kSpanDroppedLinks = 14;
inline constexpr std::uint32_t kSpanStatus = 15;
inline constexpr std::uint32_t kSpanFlags = 16;
// Span.Event
inline constexpr std::uint32_t kEventTime = 1;
inline constexpr std::uint32_t kEventName = 2;
inline constexpr std::uint32_t kEventAttributes = 3;
inline constexpr std::uint32_t kEventDroppedAttributes = 4;
// Span.Link
inline constexpr std::uint32_t kLinkTraceId = 1;
inline constexpr std::uint32_t kLinkSpanId = 2;
inline constexpr std::uint32_t kLinkTraceState = 3;
inline constexpr std::uint32_t kLinkAttributes = 4;
inline constexpr std::uint32_t kLinkDroppedAttributes = 5;
inline constexpr std::uint32_t kLinkFlags = 6;
// Status
inline constexpr std::uint32_t kStatusMessage = 2;
inline constexpr std::uint32_t kStatusCode = 3;
// KeyValue
inline constexpr std::uint32_t kKeyValueKey = 1;
inline constexpr std::uint32_t kKeyValueValue = 2;
// AnyValue (oneof)
inline constexpr std::uint32_t kAnyString = 1;
inline constexpr std::uint32_t kAnyBool = 2;
inline constexpr std::uint32_t kAnyInt = 3;
inline constexpr std::uint32_t kAnyDouble = 4;
inline constexpr std::uint32_t kAnyArray = 5;
inline constexpr std::uint32_t kAnyKvList = 6;
inline constexpr std::uint32_t kAnyBytes = 7;
// ArrayValue / KeyValueList
inline constexpr std::uint32_t kArrayValues = 1;
inline constexpr std::uint32_t kKvListValues = 1;

}  // namespace tracechat::otlp::fields
