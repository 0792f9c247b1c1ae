#include "tracechat/load/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <boost/json.hpp>
#include <cmath>

namespace tracechat::load {
namespace {

constexpr std::uint64_t kExact = 64;    // below this, one bucket per microsecond
constexpr unsigned kSubBucketBits = 5;  // 32 buckets per power of two above it
// Up to the bucket whose upper edge is 2^63 - 1 µs, the largest std::chrono::microseconds
// holds (what record() can be given); a report that names a bucket beyond it is refused.
constexpr std::size_t kMaxBuckets = kExact + (62 - 6 + 1) * (1u << kSubBucketBits);

double to_ms(std::uint64_t micros) { return static_cast<double>(micros) / 1000.0; }

}  // namespace

std::size_t LatencyHistogram::bucket_of(std::uint64_t micros) {
  if (micros < kExact) return static_cast<std::size_t>(micros);
  const unsigned exponent = 63u - static_cast<unsigned>(std::countl_zero(micros));  // >= 6
  const std::uint64_t sub = (micros >> (exponent - kSubBucketBits)) & ((1u << kSubBucketBits) - 1);
  return static_cast<std::size_t>(kExact + (exponent - 6) * (1u << kSubBucketBits) + sub);
}

std::uint64_t LatencyHistogram::upper_edge(std::size_t bucket) {
  if (bucket < kExact) return bucket;
  const std::size_t above = bucket - kExact;
  const unsigned exponent = 6 + static_cast<unsigned>(above >> kSubBucketBits);
  const std::uint64_t sub = above & ((1u << kSubBucketBits) - 1);
  return (((1ull << kSubBucketBits) + sub + 1) << (exponent - kSubBucketBits)) - 1;
}

void LatencyHistogram::record(std::chrono::microseconds duration) {
  const std::uint64_t micros = duration.count() < 0 ? 0 : static_cast<std::uint64_t>(duration.count());
  const std::size_t bucket = bucket_of(micros);
  if (bucket >= buckets_.size()) buckets_.resize(bucket + 1, 0);
  ++buckets_[bucket];
  ++count_;
  max_ = std::max(max_, micros);
}

void LatencyHistogram::merge(const LatencyHistogram& other) {
  if (other.buckets_.size() > buckets_.size()) buckets_.resize(other.buckets_.size(), 0);
  for (std::size_t i = 0; i < other.buckets_.size(); ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

std::chrono::microseconds LatencyHistogram::percentile(double fraction) const {
  if (count_ == 0) return std::chrono::microseconds(0);
  fraction = std::clamp(fraction, 0.0, 1.0);
  // The rank in double, which rounds a count near 2^64 up to 2^64 itself: out of the
  // integer's range, so such a rank is the count.
  const double wanted = std::ceil(fraction * static_cast<double>(count_));
  const std::uint64_t rank =
      wanted >= static_cast<double>(count_) ? count_ : std::max<std::uint64_t>(1, static_cast<std::uint64_t>(wanted));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::chrono::microseconds(std::min(upper_edge(i), max_));
  }
  return std::chrono::microseconds(max_);
}

std::uint64_t LatencyHistogram::count_at_most(std::chrono::microseconds limit) const {
  if (limit.count() < 0) return 0;
  std::uint64_t out = 0;
  for (std::size_t i = 0; i < buckets_.size() && upper_edge(i) <= static_cast<std::uint64_t>(limit.count()); ++i) {
    out += buckets_[i];
  }
  return out;
}

boost::json::object LatencyHistogram::to_json() const {
  boost::json::array buckets;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    if (buckets_[i] != 0) buckets.push_back(boost::json::array{i, buckets_[i]});
  }
  return {{"count", count_},
          {"p50_ms", to_ms(percentile(0.50).count())},
          {"p90_ms", to_ms(percentile(0.90).count())},
          {"p99_ms", to_ms(percentile(0.99).count())},
          {"max_ms", to_ms(max_)},
          {"max_us", max_},
          {"buckets", std::move(buckets)}};
}

Result<LatencyHistogram> LatencyHistogram::from_json(const boost::json::value& json) {
  const auto* object = json.if_object();
  if (object == nullptr) return Error{"a histogram must be an object"};
  const auto* buckets = object->if_contains("buckets");
  if (buckets == nullptr || !buckets->is_array()) return Error{"a histogram needs \"buckets\": [[index, count], ...]"};
  LatencyHistogram out;
  for (const auto& entry : buckets->get_array()) {
    const auto* pair = entry.if_array();
    if (pair == nullptr || pair->size() != 2 || !pair->at(0).is_number() || !pair->at(1).is_number()) {
      return Error{"a histogram bucket must be [index, count]"};
    }
    boost::system::error_code ec1, ec2;
    const auto index = pair->at(0).to_number<std::uint64_t>(ec1);
    const auto count = pair->at(1).to_number<std::uint64_t>(ec2);
    if (ec1 || ec2 || index >= kMaxBuckets) return Error{"a histogram bucket's index or count is out of range"};
    if (count == 0) continue;
    if (out.count_ + count < out.count_) return Error{"a histogram's counts add up to more than 2^64"};
    if (index >= out.buckets_.size()) out.buckets_.resize(index + 1, 0);
    out.buckets_[index] += count;
    out.count_ += count;
    out.max_ = std::max(out.max_, upper_edge(index));
  }
  // The exact maximum, when given and in the top bucket, is tighter than its edge.
  if (const auto* max = object->if_contains("max_us"); max != nullptr && out.count_ > 0) {
    boost::system::error_code ec;
    const auto micros = max->to_number<std::uint64_t>(ec);
    if (!ec && micros <= static_cast<std::uint64_t>(INT64_MAX) && bucket_of(micros) == out.buckets_.size() - 1) {
      out.max_ = micros;
    }
  }
  return out;
}

}  // namespace tracechat::load
