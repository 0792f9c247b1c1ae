#include "tracechat/trace/sampler.h"

#include <gtest/gtest.h>

#include "tracechat/trace/env.h"
#include "tracechat/trace/id_generator.h"

using namespace tracechat::trace;

namespace {
SamplingDecision decide(const Sampler& s, const TraceId& id, const SpanContext* parent = nullptr) {
  return s.should_sample({parent, id, "op", SpanKind::internal});
}
TraceId id_with_randomness(std::uint64_t r56) {
  TraceId id;
  auto& b = id.mutable_bytes();
  b[0] = 0xff;  // the non-random part must not matter
  for (int i = 15; i >= 9; --i) {
    b[i] = static_cast<std::uint8_t>(r56 & 0xff);
    r56 >>= 8;
  }
  return id;
}
SpanContext parent(bool sampled, bool remote) {
  SpanContext c;
  c.trace_id = *TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  c.span_id = *SpanId::from_hex("00f067aa0ba902b7");
  c.flags = TraceFlags(sampled ? 1 : 0);
  c.remote = remote;
  return c;
}
}  // namespace

TEST(Sampler, AlwaysOnOff) {
  const auto id = default_id_generator().new_trace_id();
  EXPECT_EQ(decide(*always_on_sampler(), id), SamplingDecision::record_and_sample);
  EXPECT_EQ(decide(*always_off_sampler(), id), SamplingDecision::drop);
  EXPECT_EQ(always_on_sampler()->description(), "AlwaysOnSampler");
}

TEST(Sampler, TraceIdRatioThreshold) {
  const auto half = trace_id_ratio_sampler(0.5);
  constexpr std::uint64_t kMid = std::uint64_t{1} << 55;
  EXPECT_EQ(decide(*half, id_with_randomness(kMid)), SamplingDecision::record_and_sample);
  EXPECT_EQ(decide(*half, id_with_randomness(kMid - 1)), SamplingDecision::drop);
  EXPECT_EQ(decide(*trace_id_ratio_sampler(0.0), id_with_randomness((std::uint64_t{1} << 56) - 1)),
            SamplingDecision::drop);
  EXPECT_EQ(decide(*trace_id_ratio_sampler(1.0), id_with_randomness(0)), SamplingDecision::record_and_sample);
  EXPECT_EQ(half->description(), "TraceIdRatioBased{0.5}");
}

TEST(Sampler, TraceIdRatioSamplesAboutTheRatio) {
  const auto quarter = trace_id_ratio_sampler(0.25);
  int sampled = 0;
  constexpr int kTraces = 20000;
  for (int i = 0; i < kTraces; ++i) {
    sampled += decide(*quarter, default_id_generator().new_trace_id()) == SamplingDecision::record_and_sample;
  }
  EXPECT_NEAR(sampled / static_cast<double>(kTraces), 0.25, 0.02);
}

TEST(Sampler, ParentBasedFollowsTheParent) {
  const auto s = parent_based_sampler(always_off_sampler());
  const auto id = default_id_generator().new_trace_id();
  EXPECT_EQ(decide(*s, id), SamplingDecision::drop);  // root: delegated
  for (bool remote : {true, false}) {
    const auto yes = parent(true, remote);
    const auto no = parent(false, remote);
    EXPECT_EQ(decide(*s, yes.trace_id, &yes), SamplingDecision::record_and_sample);
    EXPECT_EQ(decide(*s, no.trace_id, &no), SamplingDecision::drop);
  }
  EXPECT_EQ(s->description(), "ParentBased{root=AlwaysOffSampler}");
}

TEST(Sampler, FromConfig) {
  EXPECT_EQ(sampler_from_config("", "")->description(), "ParentBased{root=AlwaysOnSampler}");
  EXPECT_EQ(sampler_from_config("always_on", "")->description(), "AlwaysOnSampler");
  EXPECT_EQ(sampler_from_config("always_off", "")->description(), "AlwaysOffSampler");
  EXPECT_EQ(sampler_from_config("traceidratio", "0.1")->description(), "TraceIdRatioBased{0.1}");
  EXPECT_EQ(sampler_from_config("traceidratio", "")->description(), "TraceIdRatioBased{1}");
  EXPECT_EQ(sampler_from_config("parentbased_always_off", "")->description(), "ParentBased{root=AlwaysOffSampler}");
  EXPECT_EQ(sampler_from_config("parentbased_traceidratio", "0.25")->description(),
            "ParentBased{root=TraceIdRatioBased{0.25}}");
}

TEST(Sampler, BadConfigIsReportedAndDefaulted) {
  std::vector<std::string> messages;
  set_diagnostic_handler([&](std::string_view m) { messages.emplace_back(m); });
  EXPECT_EQ(sampler_from_config("jaeger_remote", "")->description(), "ParentBased{root=AlwaysOnSampler}");
  EXPECT_EQ(sampler_from_config("traceidratio", "1.5")->description(), "TraceIdRatioBased{1}");
  EXPECT_EQ(sampler_from_config("traceidratio", "half")->description(), "TraceIdRatioBased{1}");
  set_diagnostic_handler(nullptr);
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_NE(messages[0].find("jaeger_remote"), std::string::npos);
  EXPECT_NE(messages[1].find("1.5"), std::string::npos);
}

TEST(Sampler, FromEnv) {
  setenv("OTEL_TRACES_SAMPLER", "traceidratio", 1);
  setenv("OTEL_TRACES_SAMPLER_ARG", "0.5", 1);
  EXPECT_EQ(sampler_from_env()->description(), "TraceIdRatioBased{0.5}");
  unsetenv("OTEL_TRACES_SAMPLER");
  unsetenv("OTEL_TRACES_SAMPLER_ARG");
  EXPECT_EQ(sampler_from_env()->description(), "ParentBased{root=AlwaysOnSampler}");
}
