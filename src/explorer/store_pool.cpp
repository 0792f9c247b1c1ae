#include "store_pool.h"

namespace tracechat::explorer {

StorePool::Lease::~Lease() {
  if (store_) pool_->give_back(std::move(store_));
}

Result<std::unique_ptr<StorePool>> StorePool::open(const std::filesystem::path& db) {
  auto pool = std::unique_ptr<StorePool>(new StorePool(db));
  TRACECHAT_TRY(auto first, collector::SpanStore::open(db, collector::StoreAccess::read_existing));
  pool->idle_.push_back(std::move(first));
  pool->opened_ = 1;
  return pool;
}

Result<StorePool::Lease> StorePool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto store = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(store));
    }
  }
  // Opened outside the lock: it reads the store's layout, and others may go on meanwhile.
  TRACECHAT_TRY(auto store, collector::SpanStore::open(db_, collector::StoreAccess::read_existing));
  {
    std::lock_guard lock(mutex_);
    ++opened_;
  }
  return Lease(this, std::move(store));
}

std::size_t StorePool::opened() const {
  std::lock_guard lock(mutex_);
  return opened_;
}

void StorePool::give_back(std::unique_ptr<collector::SpanStore> store) noexcept {
  std::unique_lock lock(mutex_);
  if (idle_.size() < kMaxIdle) {
    idle_.push_back(std::move(store));
    return;
  }
  lock.unlock();
  store.reset();  // closed outside the lock
}

}  // namespace tracechat::explorer
