// The explorer's read connections to the store. SQLite in WAL mode lets readers go on side
// by side, but one connection serves one thread at a time; with a single connection behind
// a mutex, a large trace being read and decoded held up every other page and the live
// feed's probe. Each request now takes a connection of its own for as long as it reads
// and gives it back: there are never more than the threads that read at once (the
// server's four and the live feed's), and each stays open for the next request. The
// connections never make the store (StoreAccess::read_existing): one opened after the
// file was removed fails rather than reading a new, empty store beside the others.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "tracechat/collector/span_store.h"
#include "tracechat/result.h"

namespace tracechat::explorer {

class StorePool {
 public:
  // A connection, the lease's alone until it is destroyed.
  class Lease {
   public:
    Lease(StorePool* pool, std::unique_ptr<collector::SpanStore> store) : pool_(pool), store_(std::move(store)) {}
    Lease(Lease&&) noexcept = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    collector::SpanStore* operator->() const { return store_.get(); }
    collector::SpanStore& operator*() const { return *store_; }

   private:
    StorePool* pool_;
    std::unique_ptr<collector::SpanStore> store_;
  };

  // Opens the first connection (for reading), so that an unreadable store is an error
  // now rather than on the first request.
  static Result<std::unique_ptr<StorePool>> open(const std::filesystem::path& db);

  // An idle connection, or a new one.
  Result<Lease> acquire();
  // How many connections were opened (for the tests: reuse, not one per request).
  std::size_t opened() const;

 private:
  // Idle connections kept at most (more are closed when given back); reserved, so that
  // giving one back never allocates in a lease's destructor.
  static constexpr std::size_t kMaxIdle = 8;

  explicit StorePool(std::filesystem::path db) : db_(std::move(db)) { idle_.reserve(kMaxIdle); }
  void give_back(std::unique_ptr<collector::SpanStore> store) noexcept;

  std::filesystem::path db_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<collector::SpanStore>> idle_;
  std::size_t opened_ = 0;
};

}  // namespace tracechat::explorer
