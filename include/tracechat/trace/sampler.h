// Samplers, as the OpenTelemetry SDK specifies them, and their selection through
// OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tracechat/trace/span_data.h"

namespace tracechat::trace {

enum class SamplingDecision { drop, record_only, record_and_sample };

struct SamplingParameters {
  const SpanContext* parent;  // null or invalid: a root span
  const TraceId& trace_id;
  std::string_view name;
  SpanKind kind;
};

class Sampler {
 public:
  virtual ~Sampler() = default;
  virtual SamplingDecision should_sample(const SamplingParameters& params) const = 0;
  virtual std::string description() const = 0;
};

std::shared_ptr<const Sampler> always_on_sampler();
std::shared_ptr<const Sampler> always_off_sampler();
// Samples a fraction `ratio` (clamped to [0, 1]) of traces, deterministically from the
// trace id: its last 7 bytes (the random part under W3C Level 2) are compared with a
// threshold, so every participant with the same ratio agrees.
std::shared_ptr<const Sampler> trace_id_ratio_sampler(double ratio);
// Follows the parent's sampled flag; `root` decides for root spans.
std::shared_ptr<const Sampler> parent_based_sampler(std::shared_ptr<const Sampler> root);

// From OTEL_TRACES_SAMPLER (default parentbased_always_on) and OTEL_TRACES_SAMPLER_ARG.
// Unknown names and bad arguments are reported and replaced by the defaults.
std::shared_ptr<const Sampler> sampler_from_env();
// The same logic on explicit values (what sampler_from_env uses; testable).
std::shared_ptr<const Sampler> sampler_from_config(std::string_view name, std::string_view arg);

}  // namespace tracechat::trace
