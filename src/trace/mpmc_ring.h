// MpmcRing: a bounded lock-free multi-producer multi-consumer queue of pointers
// (Dmitry Vyukov's bounded MPMC queue). Each cell carries a sequence number that
// tells producers and consumers whose turn it is, so neither side ever takes a lock.
// The capacity is exact: a cell is found by masking when it is a power of two and by
// division otherwise, so a bounded queue needs no separate size counter (a counter
// both sides update was the most contended line in the span path). Internal to the
// trace core.
#pragma once

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>

namespace tracechat::trace::detail {

template <typename T>
class MpmcRing {
 public:
  explicit MpmcRing(std::size_t capacity)
      : capacity_(std::max<std::size_t>(capacity, 1)),
        mask_(std::has_single_bit(capacity_) ? capacity_ - 1 : 0),
        cells_(new Cell[capacity_]) {
    for (std::size_t i = 0; i < capacity_; ++i) cells_[i].sequence.store(2 * i, std::memory_order_relaxed);
  }

  std::size_t capacity() const noexcept { return capacity_; }

  // Pushes ever accepted and pops ever made; their difference is the number of items
  // held, exact when no push or pop is in progress.
  std::size_t pushed() const noexcept { return enqueue_pos_.load(std::memory_order_acquire); }
  std::size_t popped() const noexcept { return dequeue_pos_.load(std::memory_order_acquire); }

  // On success returns the item's position (0 for the first push ever), which lets a
  // producer act every N pushes without touching a shared counter.
  std::optional<std::size_t> try_push(T* item) noexcept {
    std::size_t pos = enqueue_pos_.load(std::memory_order_relaxed);
    Cell* cell;
    while (true) {
      cell = &cell_at(pos);
      const std::size_t seq = cell->sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(2 * pos);
      if (diff == 0) {
        if (enqueue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return std::nullopt;  // full
      } else {
        pos = enqueue_pos_.load(std::memory_order_relaxed);
      }
    }
    cell->item = item;
    cell->sequence.store(2 * pos + 1, std::memory_order_release);
    return pos;
  }

  // try_pop for a ring that only ever has one consumer at a time (the export thread):
  // the position is the consumer's alone, so no compare-and-swap is needed.
  T* try_pop_single_consumer() noexcept {
    const std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    Cell& cell = cell_at(pos);
    if (cell.sequence.load(std::memory_order_acquire) != 2 * pos + 1) return nullptr;
    T* item = cell.item;
    dequeue_pos_.store(pos + 1, std::memory_order_relaxed);
    cell.sequence.store(2 * (pos + capacity_), std::memory_order_release);
    return item;
  }

  T* try_pop() noexcept {
    std::size_t pos = dequeue_pos_.load(std::memory_order_relaxed);
    Cell* cell;
    while (true) {
      cell = &cell_at(pos);
      const std::size_t seq = cell->sequence.load(std::memory_order_acquire);
      const auto diff = static_cast<std::intptr_t>(seq) - static_cast<std::intptr_t>(2 * pos + 1);
      if (diff == 0) {
        if (dequeue_pos_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
      } else if (diff < 0) {
        return nullptr;  // empty
      } else {
        pos = dequeue_pos_.load(std::memory_order_relaxed);
      }
    }
    T* item = cell->item;
    cell->sequence.store(2 * (pos + capacity_), std::memory_order_release);
    return item;
  }

 private:
  struct alignas(64) Cell {
    std::atomic<std::size_t> sequence;
    T* item = nullptr;
  };
  Cell& cell_at(std::size_t pos) const noexcept { return cells_[mask_ != 0 ? pos & mask_ : pos % capacity_]; }

  const std::size_t capacity_;
  const std::size_t mask_;  // capacity_ - 1 when that is a power of two, else 0
  std::unique_ptr<Cell[]> cells_;
  alignas(64) std::atomic<std::size_t> enqueue_pos_{0};
  alignas(64) std::atomic<std::size_t> dequeue_pos_{0};
};

}  // namespace tracechat::trace::detail
