// MpmcRing: a bounded lock-free multi-producer multi-consumer queue of pointers
// (Dmitry Vyukov's bounded MPMC queue). Each cell carries a sequence number that
// tells producers and consumers whose turn it is, so neither side ever takes a lock.
// Internal to the trace core.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace tracechat::trace::detail {

template <typename T>
class MpmcRing {
 public:
  // The capacity is rounded up to a power of two so a position maps to a cell by mask.
  explicit MpmcRing(std::size_t min_capacity)
      : mask_(std::bit_ceil(std::max<std::size_t>(min_capacity, 2)) - 1), cells_(new Cell[mask_ + 1]) {
    for (std::size_t i = 0; i <= mask_; ++i) cells_[i].sequence.store(i, std::memory_order_relaxed);
  }

  std::size_t capacity() const noexcept { return mask_ + 1; }

  bool try_push(T* item) noexcept {
    std::size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    Cell* cell;
    while (true) {
      cell = &cells_[pos & mask_];
      const std::size_t seq = cell->sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos);
      if (diff == 0) {
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return false;  // full
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
    cell->item = item;
    cell->sequence.store(pos + 1, std::memory_order_release);
    return true;
  }

  T* try_pop() noexcept {
    std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    Cell* cell;
    while (true) {
      cell = &cells_[pos & mask_];
      const std::size_t seq = cell->sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(pos + 1);
      if (diff == 0) {
        if (dequeue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return nullptr;  // empty
      } else {
        pos = dequeue_pos_.load(std::memory_order_relaxed);
      }
    }
    T* item = cell->item;
    cell->sequence.store(pos + mask_ + 1, std::memory_order_release);
    return item;
  }

 private:
  struct alignas(64) Cell {
    std::atomic<std::size_t> sequence;
    T* item = nullptr;
  };
  const std::size_t mask_;
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<std::size_t> enqueue_pos_{0};
  alignas(64) std::atomic<std::size_t> dequeue_pos_{0};
};

}  // namespace tracechat::trace::detail
