// The histogram's percentiles against the exact ones, its resolution, merging (shards
// are reported as one from their merged buckets), and its JSON form read back.
#include "tracechat/load/latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <random>
#include <vector>

using std::chrono::microseconds;
using tracechat::load::LatencyHistogram;

namespace {

// The exact p-quantile of `values` as the histogram defines it: the smallest value with
// at least p of them at or below it.
std::int64_t exact(std::vector<std::int64_t> values, double p) {
  std::sort(values.begin(), values.end());
  const auto rank = std::max<std::size_t>(1, static_cast<std::size_t>(std::ceil(p * values.size())));
  return values[rank - 1];
}

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.99), microseconds(0));
  EXPECT_EQ(h.max(), microseconds(0));
}

TEST(LatencyHistogram, SmallValuesAreExact) {
  LatencyHistogram h;
  for (int v : {3, 1, 2, 63, 5}) h.record(microseconds(v));
  EXPECT_EQ(h.percentile(0.2), microseconds(1));
  EXPECT_EQ(h.percentile(0.5), microseconds(3));
  EXPECT_EQ(h.percentile(1.0), microseconds(63));
  h.record(microseconds(-4));  // a clock that stepped back counts as 0
  EXPECT_EQ(h.percentile(0.01), microseconds(0));
}

TEST(LatencyHistogram, PercentilesAreWithinThreePercentOfTheExactOnes) {
  std::mt19937_64 random(7);
  std::lognormal_distribution<double> latency(std::log(20000.0), 1.0);  // around 20 ms, a long tail
  std::vector<std::int64_t> values;
  LatencyHistogram h;
  for (int i = 0; i < 20000; ++i) {
    const auto v = static_cast<std::int64_t>(latency(random));
    values.push_back(v);
    h.record(microseconds(v));
  }
  for (double p : {0.5, 0.9, 0.99, 0.999}) {
    const double want = static_cast<double>(exact(values, p));
    const double got = static_cast<double>(h.percentile(p).count());
    EXPECT_GE(got, want) << "p" << p;  // the bucket's upper edge: never optimistic
    EXPECT_LE(got, want * 1.032) << "p" << p;
  }
  EXPECT_EQ(h.max().count(), *std::max_element(values.begin(), values.end()));
  EXPECT_EQ(h.percentile(1.0), h.max());
}

TEST(LatencyHistogram, MergedEqualsRecordedTogether) {
  LatencyHistogram a, b, together;
  for (int i = 1; i <= 1000; ++i) {
    const microseconds v(i * 37 % 5000 + (i % 7) * 100000);
    (i % 3 == 0 ? a : b).record(v);
    together.record(v);
  }
  LatencyHistogram merged = a;
  merged.merge(b);
  EXPECT_EQ(merged.count(), together.count());
  EXPECT_EQ(merged.max(), together.max());
  for (double p : {0.1, 0.5, 0.9, 0.99}) EXPECT_EQ(merged.percentile(p), together.percentile(p)) << p;
  EXPECT_EQ(boost::json::serialize(merged.to_json()), boost::json::serialize(together.to_json()));
}

TEST(LatencyHistogram, JsonRoundTripKeepsBucketsAndMax) {
  LatencyHistogram h;
  for (int v : {10, 900, 12345, 12346, 2000000}) h.record(microseconds(v));
  const auto json = h.to_json();
  EXPECT_EQ(json.at("count").to_number<int>(), 5);
  EXPECT_DOUBLE_EQ(json.at("max_ms").to_number<double>(), 2000.0);
  EXPECT_EQ(json.at("max_us").to_number<std::uint64_t>(), 2000000u);
  auto back = LatencyHistogram::from_json(json);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->count(), 5u);
  EXPECT_EQ(back->max(), microseconds(2000000));
  for (double p : {0.2, 0.5, 0.8, 1.0}) EXPECT_EQ(back->percentile(p), h.percentile(p));
}

TEST(LatencyHistogram, BadJsonIsRefusedWithTheReason) {
  EXPECT_EQ(LatencyHistogram::from_json(boost::json::value(3)).error().message, "a histogram must be an object");
  EXPECT_EQ(LatencyHistogram::from_json(boost::json::parse(R"({"count":1})")).error().message,
            "a histogram needs \"buckets\": [[index, count], ...]");
  EXPECT_EQ(LatencyHistogram::from_json(boost::json::parse(R"({"buckets":[[1]]})")).error().message,
            "a histogram bucket must be [index, count]");
  EXPECT_EQ(LatencyHistogram::from_json(boost::json::parse(R"({"buckets":[[99999,1]]})")).error().message,
            "a histogram bucket's index or count is out of range");
  // The top bucket ends at 2^63 - 1 µs, the most a std::chrono::microseconds holds.
  EXPECT_EQ(LatencyHistogram::from_json(boost::json::parse(R"({"buckets":[[1888,1]]})")).error().message,
            "a histogram bucket's index or count is out of range");
  const auto top = LatencyHistogram::from_json(boost::json::parse(R"({"buckets":[[1887,1]]})"));
  ASSERT_TRUE(top.ok());
  EXPECT_EQ(top->max(), microseconds::max());
  EXPECT_EQ(top->percentile(1.0), microseconds::max());
  EXPECT_EQ(LatencyHistogram::from_json(boost::json::parse(R"({"buckets":[[-1,1]]})")).error().message,
            "a histogram bucket's index or count is out of range");
  EXPECT_EQ(LatencyHistogram::from_json(boost::json::parse(R"({"buckets":[[1,18446744073709551615],[2,1]]})"))
                .error()
                .message,
            "a histogram's counts add up to more than 2^64");
}

}  // namespace

// A count near 2^64 (a merged or hand-made report) rounds up in double; the percentile's
// rank stays within the count (the fuzzer found the overflow).
TEST(LatencyHistogram, PercentilesOfACountNearTwoToThe64) {
  const auto h =
      LatencyHistogram::from_json(boost::json::parse(R"({"buckets": [[0, 18446744073709551614], [1119, 1]]})"));
  ASSERT_TRUE(h);
  EXPECT_EQ(h->percentile(0.5), std::chrono::microseconds(0));
  EXPECT_GT(h->percentile(1.0), std::chrono::microseconds(0));
}
