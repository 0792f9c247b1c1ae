// The W3C Trace Context `traceparent` header (https://www.w3.org/TR/trace-context-2/).
//
// Parsing is strict for version 00 (exactly 55 characters, lowercase hex, dashes in
// place) and follows the forward-compatibility rules for higher versions: the first
// 55 characters are read as version 00 and anything after a further '-' is ignored.
// Version ff, all-zero ids and malformed text are rejected with a message that says
// which field is wrong. Formatting always writes version 00 with only the flags this
// version defines (sampled, random); unknown flag bits are cleared, as W3C requires.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tracechat/result.h"
#include "tracechat/trace/ids.h"

namespace tracechat::trace {

class TraceFlags {
 public:
  static constexpr std::uint8_t kSampled = 0x01;
  static constexpr std::uint8_t kRandom = 0x02;  // Level 2: trace-id is random
  static constexpr std::uint8_t kKnown = kSampled | kRandom;

  constexpr TraceFlags() noexcept = default;
  explicit constexpr TraceFlags(std::uint8_t bits) noexcept : bits_(bits) {}

  constexpr bool sampled() const noexcept { return bits_ & kSampled; }
  constexpr bool random() const noexcept { return bits_ & kRandom; }
  constexpr std::uint8_t bits() const noexcept { return bits_; }
  constexpr TraceFlags with_sampled(bool on) const noexcept {
    return TraceFlags(on ? (bits_ | kSampled) : (bits_ & ~kSampled));
  }
  constexpr TraceFlags with_random(bool on) const noexcept {
    return TraceFlags(on ? (bits_ | kRandom) : (bits_ & ~kRandom));
  }
  friend constexpr bool operator==(TraceFlags, TraceFlags) = default;

 private:
  std::uint8_t bits_ = 0;
};

struct TraceParent {
  std::uint8_t version = 0;  // as received; formatting always writes 00
  TraceId trace_id;
  SpanId parent_id;
  TraceFlags flags;  // as received, including bits this version does not define
};

inline constexpr std::size_t kTraceParentSize = 55;

// Leading and trailing optional whitespace (space, tab) is not part of an HTTP field
// value and is ignored; everything else must match the grammar.
Result<TraceParent> parse_traceparent(std::string_view header);

// Writes exactly kTraceParentSize characters (no terminator).
void format_traceparent(const TraceId& trace_id, const SpanId& span_id, TraceFlags flags, char* out) noexcept;
std::string format_traceparent(const TraceId& trace_id, const SpanId& span_id, TraceFlags flags);

}  // namespace tracechat::trace
