#include "tracechat/trace/sampler.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "tracechat/trace/env.h"

namespace tracechat::trace {
namespace {

class ConstantSampler final : public Sampler {
 public:
  explicit ConstantSampler(bool on) : on_(on) {}
  SamplingDecision should_sample(const SamplingParameters&) const override {
    return on_ ? SamplingDecision::record_and_sample : SamplingDecision::drop;
  }
  std::string description() const override { return on_ ? "AlwaysOnSampler" : "AlwaysOffSampler"; }

 private:
  bool on_;
};

class TraceIdRatioSampler final : public Sampler {
 public:
  static constexpr std::uint64_t kRandomnessSpace = std::uint64_t{1} << 56;

  explicit TraceIdRatioSampler(double ratio) : ratio_(std::clamp(ratio, 0.0, 1.0)) {
    // Sampled when the 56 random bits are >= threshold: probability 1 - t/2^56 = ratio.
    threshold_ = static_cast<std::uint64_t>(std::llround((1.0 - ratio_) * static_cast<double>(kRandomnessSpace)));
  }
  SamplingDecision should_sample(const SamplingParameters& p) const override {
    std::uint64_t randomness = 0;
    for (std::size_t i = 9; i < 16; ++i) randomness = (randomness << 8) | p.trace_id.bytes()[i];
    return randomness >= threshold_ ? SamplingDecision::record_and_sample : SamplingDecision::drop;
  }
  std::string description() const override {
    char text[64];
    std::snprintf(text, sizeof text, "TraceIdRatioBased{%g}", ratio_);
    return text;
  }

 private:
  double ratio_;
  std::uint64_t threshold_;
};

class ParentBasedSampler final : public Sampler {
 public:
  explicit ParentBasedSampler(std::shared_ptr<const Sampler> root) : root_(std::move(root)) {}
  SamplingDecision should_sample(const SamplingParameters& p) const override {
    if (p.parent == nullptr || !p.parent->valid()) return root_->should_sample(p);
    return p.parent->sampled() ? SamplingDecision::record_and_sample : SamplingDecision::drop;
  }
  std::string description() const override { return "ParentBased{root=" + root_->description() + "}"; }

 private:
  std::shared_ptr<const Sampler> root_;
};

double ratio_from_arg(std::string_view arg) {
  if (arg.empty()) return 1.0;
  double value = 0;
  const auto [ptr, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), value);
  if (ec != std::errc() || ptr != arg.data() + arg.size() || !(value >= 0.0 && value <= 1.0)) {
    diagnostic("OTEL_TRACES_SAMPLER_ARG='" + std::string(arg) + "' is not a ratio in [0, 1]; using 1.0");
    return 1.0;
  }
  return value;
}

}  // namespace

std::shared_ptr<const Sampler> always_on_sampler() {
  static const auto s = std::make_shared<const ConstantSampler>(true);
  return s;
}

std::shared_ptr<const Sampler> always_off_sampler() {
  static const auto s = std::make_shared<const ConstantSampler>(false);
  return s;
}

std::shared_ptr<const Sampler> trace_id_ratio_sampler(double ratio) {
  return std::make_shared<const TraceIdRatioSampler>(ratio);
}

std::shared_ptr<const Sampler> parent_based_sampler(std::shared_ptr<const Sampler> root) {
  return std::make_shared<const ParentBasedSampler>(std::move(root));
}

std::shared_ptr<const Sampler> sampler_from_config(std::string_view name, std::string_view arg) {
  if (name.empty() || name == "parentbased_always_on") return parent_based_sampler(always_on_sampler());
  if (name == "always_on") return always_on_sampler();
  if (name == "always_off") return always_off_sampler();
  if (name == "traceidratio") return trace_id_ratio_sampler(ratio_from_arg(arg));
  if (name == "parentbased_always_off") return parent_based_sampler(always_off_sampler());
  if (name == "parentbased_traceidratio") return parent_based_sampler(trace_id_ratio_sampler(ratio_from_arg(arg)));
  diagnostic("OTEL_TRACES_SAMPLER='" + std::string(name) +
             "' is not supported (always_on, always_off, traceidratio, parentbased_always_on, "
             "parentbased_always_off, parentbased_traceidratio); using parentbased_always_on");
  return parent_based_sampler(always_on_sampler());
}

std::shared_ptr<const Sampler> sampler_from_env() {
  return sampler_from_config(env_string("OTEL_TRACES_SAMPLER").value_or(""),
                             env_string("OTEL_TRACES_SAMPLER_ARG").value_or(""));
}

}  // namespace tracechat::trace
