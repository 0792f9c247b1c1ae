#include "tracechat/trace/traceparent.h"

#include "text.h"

namespace tracechat::trace {
namespace {

Error fail(std::string_view header, std::string_view what) {
  return Error{"invalid traceparent " + detail::quoted(header) + ": " + std::string(what)};
}

}  // namespace

// Field positions of version 00, which every version shares:
//   vv-tttttttttttttttttttttttttttttttt-pppppppppppppppp-ff
//   0  3                                36               53
Result<TraceParent> parse_traceparent(std::string_view raw) {
  const std::string_view h = detail::trim_ows(raw);
  TraceParent tp;
  if (h.size() < 3 || h[2] != '-') return fail(h, "expected a 2-digit version followed by '-'");
  std::uint8_t version = 0;
  if (!hex::decode(h.data(), 1, &version)) return fail(h, "version is not 2 lowercase hex digits");
  if (version == 0xff) return fail(h, "version ff is forbidden");
  tp.version = version;

  if (version == 0) {
    if (h.size() != kTraceParentSize) {
      return fail(h, "version 00 must be exactly 55 characters, got " + std::to_string(h.size()));
    }
  } else {
    if (h.size() < kTraceParentSize) {
      return fail(h, "shorter than 55 characters (version " + std::string(h.substr(0, 2)) + ")");
    }
    if (h.size() > kTraceParentSize && h[kTraceParentSize] != '-') {
      return fail(h, "trace-flags must be followed by '-' or the end of the value");
    }
  }
  if (!hex::decode(h.data() + 3, TraceId::kSize, tp.trace_id.mutable_bytes().data())) {
    return fail(h, "trace-id is not 32 lowercase hex digits");
  }
  if (h[35] != '-') return fail(h, "expected '-' after trace-id");
  if (!hex::decode(h.data() + 36, SpanId::kSize, tp.parent_id.mutable_bytes().data())) {
    return fail(h, "parent-id is not 16 lowercase hex digits");
  }
  if (h[52] != '-') return fail(h, "expected '-' after parent-id");
  std::uint8_t flags = 0;
  if (!hex::decode(h.data() + 53, 1, &flags)) return fail(h, "trace-flags is not 2 lowercase hex digits");
  tp.flags = TraceFlags(flags);
  if (!tp.trace_id.valid()) return fail(h, "trace-id is all zeros");
  if (!tp.parent_id.valid()) return fail(h, "parent-id is all zeros");
  return tp;
}

void format_traceparent(const TraceId& trace_id, const SpanId& span_id, TraceFlags flags, char* out) noexcept {
  out[0] = '0';
  out[1] = '0';
  out[2] = '-';
  trace_id.write_hex(out + 3);
  out[35] = '-';
  span_id.write_hex(out + 36);
  out[52] = '-';
  const std::uint8_t known = flags.bits() & TraceFlags::kKnown;
  hex::encode(&known, 1, out + 53);
}

std::string format_traceparent(const TraceId& trace_id, const SpanId& span_id, TraceFlags flags) {
  std::string s(kTraceParentSize, '\0');
  format_traceparent(trace_id, span_id, flags, s.data());
  return s;
}

}  // namespace tracechat::trace
