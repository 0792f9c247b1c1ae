// LatencyHistogram: durations counted in log-linear buckets — exact below 64 µs, then 32
// buckets per power of two (each at most about 3% wide) — so that percentiles of several
// runs or shards are computed from their merged counts, never averaged, and a bucket
// list is small enough to carry in a JSON report.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::load {

class LatencyHistogram {
 public:
  void record(std::chrono::microseconds duration);  // a negative duration counts as 0
  void merge(const LatencyHistogram& other);

  std::uint64_t count() const { return count_; }
  // The smallest recorded value v such that at least `fraction` (0..1] of the values are
  // at most v, to the bucket's resolution (its upper edge, never above max()). 0 when empty.
  std::chrono::microseconds percentile(double fraction) const;
  std::chrono::microseconds max() const { return std::chrono::microseconds(max_); }
  // How many values are at most `limit`, to the buckets' resolution: those of the buckets
  // whose upper edge is at most `limit`.
  std::uint64_t count_at_most(std::chrono::microseconds limit) const;

  // {"count", "p50_ms", "p90_ms", "p99_ms", "max_ms", "max_us", "buckets": [[index, count],
  // ...]}: the figures for readers, the buckets (and the exact max_us) for merging.
  boost::json::object to_json() const;
  // Reads the buckets (and max_us) back; errors name what is wrong.
  static Result<LatencyHistogram> from_json(const boost::json::value& json);

 private:
  static std::size_t bucket_of(std::uint64_t micros);
  static std::uint64_t upper_edge(std::size_t bucket);

  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace tracechat::load
