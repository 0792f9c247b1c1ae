// Random trace and span ids. Each thread keeps its own xoshiro256** state seeded from
// the OS CSPRNG (getrandom), so generation takes no lock and a few nanoseconds; a
// fork() reseeds the child so parent and child never repeat each other's ids.
#pragma once

#include "tracechat/trace/ids.h"

namespace tracechat::trace {

class IdGenerator {
 public:
  virtual ~IdGenerator() = default;
  // Never returns an invalid (all-zero) id.
  virtual TraceId new_trace_id() = 0;
  virtual SpanId new_span_id() = 0;
  // True when every bit of a new trace id is random: lets the tracer set the W3C
  // Level 2 "random" trace flag.
  virtual bool trace_ids_are_random() const { return true; }
};

// The default generator; thread-safe and stateless from the caller's point of view.
class RandomIdGenerator final : public IdGenerator {
 public:
  TraceId new_trace_id() override;
  SpanId new_span_id() override;
};

// Process-wide instance for code that has no generator of its own.
IdGenerator& default_id_generator();

}  // namespace tracechat::trace
