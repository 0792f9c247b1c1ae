#include "backoff.h"

#include <algorithm>
#include <cstdint>

namespace tracechat::client {

std::optional<std::chrono::milliseconds> Backoff::next() {
  ++attempts_;
  if (attempts_ > options_.max_attempts) return std::nullopt;
  // The shift is capped so that it cannot overflow; max_delay caps the step long before.
  const auto base =
      std::min<std::int64_t>(options_.max_delay.count(), options_.initial_delay.count() << std::min(attempts_ - 1, 20));
  std::uniform_int_distribution<std::int64_t> spread(base / 2, std::max<std::int64_t>(base / 2, base));
  return std::chrono::milliseconds(spread(jitter_));
}

}  // namespace tracechat::client
