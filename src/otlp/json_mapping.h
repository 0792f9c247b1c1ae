// The value conversions of protobuf's JSON mapping that OTLP/JSON uses, and the words
// of the errors about them, in one place for the two readers of OTLP/JSON: the decoder
// (json_decoding.cpp, which walks a parsed document) and the collector's indexer
// (json_index.cpp, which checks the text as it is parsed, building no document). They
// differ in how they find the values; what a value is worth comes from here (the
// decoder's "expected object"/"expected array" from common::JsonMember, in the same
// words). fuzz/otlp_json_fuzz.cpp and tests/otlp/json_index_test.cpp hold the two to
// the same judgement.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "tracechat/trace/ids.h"

namespace tracechat::otlp::json_mapping {

// What a reader says of a value it refuses (after the value's path and ": ").
inline constexpr const char* kExpectedString = "expected string";
inline constexpr const char* kExpectedInteger = "expected an integer";
inline constexpr const char* kExpectedIntegerString = "expected an integer string";
inline constexpr const char* kIntegerOutOfRange = "integer out of range";
inline constexpr const char* kExpectedObject = "expected object";
inline constexpr const char* kExpectedArray = "expected array";
inline constexpr const char* kExpectedBoolean = "expected boolean";
inline constexpr const char* kExpectedNumber = "expected a number";
inline constexpr const char* kNestedTooDeeply = "values nested too deeply";
inline constexpr const char* kLinkNeedsIds = "a link needs traceId and spanId";
// About the whole body. Both parse with this nesting limit.
inline constexpr std::size_t kMaxJsonDepth = 64;
inline constexpr std::string_view kInvalidJson = "invalid JSON: ";  // + the parser's message
inline constexpr const char* kNotARequest = "expected a JSON object (ExportTraceServiceRequest)";

// Enums are read as the integer or as the enum value's name (names[i] is value i).
inline constexpr std::string_view kSpanKindNames[] = {"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL",
                                                      "SPAN_KIND_SERVER",      "SPAN_KIND_CLIENT",
                                                      "SPAN_KIND_PRODUCER",    "SPAN_KIND_CONSUMER"};
inline constexpr std::string_view kStatusCodeNames[] = {"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR"};

inline std::optional<std::uint64_t> enum_value_named(std::string_view text, std::span<const std::string_view> names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (text == names[i]) return i;
  }
  return std::nullopt;
}

// uint64/int64 fields: a decimal string (the mapping's form) or a JSON number that is
// an integer. Each returns the refusal, or null with `out` set.
template <typename Int>
const char* integer_from_text(std::string_view text, Int& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return kExpectedIntegerString;
  return nullptr;
}
template <typename Int, typename Parsed>
const char* integer_from_integer(Parsed value, Int& out) {
  if (!std::in_range<Int>(value)) return kIntegerOutOfRange;
  out = static_cast<Int>(value);
  return nullptr;
}
// An integer written as a double (1e3) is accepted while it is exact.
template <typename Int>
const char* integer_from_double(double value, Int& out) {
  if (std::abs(value) <= 9007199254740992.0 && value == std::trunc(value)) {
    const auto i = static_cast<std::int64_t>(value);
    if (std::in_range<Int>(i)) {
      out = static_cast<Int>(i);
      return nullptr;
    }
  }
  return kExpectedInteger;
}

// doubleValue also takes these three strings: the value one names, or nullopt.
inline std::optional<double> special_double(std::string_view text) {
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  return std::nullopt;
}

// An id is hex digits in either case; the caller reads an empty string as no id.
template <std::size_t N>
std::optional<trace::BasicId<N>> id_from_hex(std::string_view text) {
  if (text.size() != 2 * N) return std::nullopt;
  char lower[2 * N];
  for (std::size_t i = 0; i < 2 * N; ++i) {
    const char c = text[i];
    lower[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;  // ASCII only, no locale
  }
  return trace::BasicId<N>::from_hex(std::string_view(lower, 2 * N));
}
template <std::size_t N>
constexpr const char* bad_id_text() {
  static_assert(N == 16 || N == 8);
  return N == 16 ? "expected 32 hex digits" : "expected 16 hex digits";
}

// Why a span's ids make it unusable, or null: such a span is rejected, not an error.
inline const char* id_rejection(const std::optional<trace::TraceId>& trace_id,
                                const std::optional<trace::SpanId>& span_id) {
  if (!trace_id || !trace_id->valid()) return "traceId must be 32 hex digits, not all zero";
  if (!span_id || !span_id->valid()) return "spanId must be 16 hex digits, not all zero";
  return nullptr;
}

}  // namespace tracechat::otlp::json_mapping
