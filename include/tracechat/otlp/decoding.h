// Decoding OTLP trace export requests (both encodings) into SpanData, and the
// export responses and error statuses that go back to the sender.
//
// A body that is not a well-formed ExportTraceServiceRequest is an error whose
// message names the path of the offending field, e.g.
// "resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 16 bytes, got 5".
// A well-formed request may still carry spans tracechat cannot accept (an invalid
// trace or span id): those are counted in `rejected_spans`, for the partial-success
// response the OTLP specification prescribes.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/otlp/indexed_keys.h"
#include "tracechat/result.h"
#include "tracechat/trace/span_data.h"

namespace tracechat::otlp {

struct DecodedTraces {
  std::vector<std::unique_ptr<trace::SpanData>> spans;
  std::uint64_t rejected_spans = 0;
  std::string rejection_reason;  // the first rejected span's reason
};

// Limits that keep hostile input from costing unbounded time or memory.
inline constexpr int kMaxAnyValueDepth = 32;

Result<DecodedTraces> decode_traces_protobuf(std::string_view body);

// A span's value of one indexed attribute as the decoded span has it (the last of a key
// given twice), as text: a string value as it is, an int in decimal, a bool as
// `true`/`false`. Any other type (double, array, kvlist, bytes), or no such attribute,
// is no value. A string is a view (into the request body, or the decoded span); a number
// is written into the object itself, so copies keep it and nothing is allocated.
class IndexedValue {
 public:
  bool has_value() const noexcept { return kind_ != Kind::none; }
  std::string_view text() const noexcept {
    if (kind_ == Kind::digits) return {bytes_, size_};
    if (kind_ == Kind::none) return {};
    const char* data;
    std::size_t size;
    std::memcpy(&data, bytes_, sizeof data);
    std::memcpy(&size, bytes_ + sizeof data, sizeof size);
    return {data, size};
  }
  void set_text(std::string_view text) noexcept {
    const char* data = text.data();
    const std::size_t size = text.size();
    std::memcpy(bytes_, &data, sizeof data);
    std::memcpy(bytes_ + sizeof data, &size, sizeof size);
    kind_ = Kind::view;
  }
  void set_bool(bool value) noexcept { set_text(value ? std::string_view("true") : std::string_view("false")); }
  void set_int(std::int64_t value) noexcept;
  void reset() noexcept { kind_ = Kind::none; }
  friend bool operator==(const IndexedValue& a, const IndexedValue& b) noexcept {
    return a.has_value() == b.has_value() && a.text() == b.text();
  }

 private:
  enum class Kind : std::uint8_t { none, view, digits };
  // A view's pointer and size, or a number's digits (INT64_MIN has 20).
  alignas(std::size_t) char bytes_[2 * sizeof(std::size_t) + 6];  // (as set_text or set_int left it)
  std::uint8_t size_ = 0;
  Kind kind_ = Kind::none;
};
static_assert(sizeof(IndexedValue) == 24);

// What a trace store indexes of one span; the views point into the request body.
struct SpanSummary {
  trace::TraceId trace_id;
  trace::SpanId span_id;
  bool has_parent = false;  // a valid parent span id
  std::string_view name;
  std::uint64_t start_unix_nano = 0;
  std::uint64_t end_unix_nano = 0;
  bool error = false;  // status ERROR
  // The resource's service.name when the document holds it as text (a string, or a
  // JSON bytesValue); empty otherwise (a kvlist value, which the decoder turns into
  // JSON text, included).
  std::string_view service;
  // The values of the indexed keys (IndexedKeys), by slot.
  std::array<IndexedValue, kMaxIndexedSpanAttributes> attributes;
};
struct TraceIndex {
  std::vector<SpanSummary> spans;  // the spans decode_traces_protobuf would accept, in order
  std::uint64_t rejected_spans = 0;
  std::string rejection_reason;
};
// Validates a protobuf request exactly as decode_traces_protobuf does (same errors,
// same rejected spans) without building the spans: a collector that stores the body
// as it came needs only this. Several times cheaper than decoding.
// `keys`: the attributes whose values SpanSummary::attributes notes.
Result<TraceIndex> index_traces_protobuf(std::string_view body, const IndexedKeys& keys = default_indexed_keys());
// The same from spans already decoded; the views point into them.
TraceIndex index_traces(const DecodedTraces& decoded, const IndexedKeys& keys = default_indexed_keys());
// The same for a JSON request, validated exactly as decode_traces_json does, in one
// pass over the text that builds no document. The views point into `body` (whose
// characters must stay where they are) or, for strings written with escapes, into
// what `document` receives, which must outlive them too.
Result<TraceIndex> index_traces_json(std::string_view body, std::shared_ptr<const void>& document,
                                     const IndexedKeys& keys = default_indexed_keys());
Result<DecodedTraces> decode_traces_json(std::string_view body);

struct PartialSuccess {
  std::int64_t rejected_spans = 0;
  std::string error_message;
};

std::string encode_export_response_protobuf(const PartialSuccess& partial);
std::string encode_export_response_json(const PartialSuccess& partial);
Result<PartialSuccess> decode_export_response_protobuf(std::string_view body);
Result<PartialSuccess> decode_export_response_json(std::string_view body);

// google.rpc.Status, the body of OTLP/HTTP error responses.
std::string encode_status_protobuf(int code, std::string_view message);
std::string encode_status_json(int code, std::string_view message);
// The message of a google.rpc.Status body; empty when the body is not one.
std::string decode_status_message_protobuf(std::string_view body);
std::string decode_status_message_json(std::string_view body);

}  // namespace tracechat::otlp
