// The explorer's read connections: one per reader at a time, given back and reused.
#include "explorer/store_pool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/chat_trace.h"

namespace tracechat::testing {
namespace {

namespace fs = std::filesystem;

class StorePoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tracechat-store-pool-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(StorePoolTest, ReadersAtOnceGetTheirOwnConnectionAndLaterOnesReuseThem) {
  {
    auto writer = collector::SpanStore::open(dir_ / "traces.sqlite", collector::StoreAccess::write);
    ASSERT_TRUE(writer) << writer.error().message;
    test_support::ChatTraceOptions o;
    o.trace_id = "0af7651916cd43dd8448eb211c80319c";
    ASSERT_TRUE((*writer)->insert(test_support::chat_trace(o)).ok());
  }
  auto pool = explorer::StorePool::open(dir_ / "traces.sqlite");
  ASSERT_TRUE(pool) << pool.error().message;
  const auto id = *trace::TraceId::from_hex("0af7651916cd43dd8448eb211c80319c");
  {
    auto first = (*pool)->acquire();
    auto second = (*pool)->acquire();  // while the first is held: a connection of its own
    ASSERT_TRUE(first && second);
    EXPECT_NE(&**first, &**second);
    const auto a = (*first)->load_trace(id);
    const auto b = (*second)->load_trace(id);
    ASSERT_TRUE(a && b);
    EXPECT_FALSE(a->empty());
    EXPECT_EQ(a->size(), b->size());
    EXPECT_EQ((*pool)->opened(), 2u);
  }
  for (int i = 0; i < 10; ++i) {
    auto lease = (*pool)->acquire();
    ASSERT_TRUE(lease);
    EXPECT_TRUE((*lease)->load_trace(id));
  }
  EXPECT_EQ((*pool)->opened(), 2u);  // given back and reused, not opened per request

  // The store removed under a running explorer: a new connection does not make a new,
  // empty store to read beside the old one.
  auto first = (*pool)->acquire();
  auto second = (*pool)->acquire();
  ASSERT_TRUE(first && second);
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(dir_ / ("traces.sqlite" + std::string(suffix)));
  const auto third = (*pool)->acquire();
  EXPECT_FALSE(third);
  EXPECT_FALSE(fs::exists(dir_ / "traces.sqlite"));
}

TEST_F(StorePoolTest, AStoreWithoutTracesIsNotMade) {
  const auto missing = explorer::StorePool::open(dir_ / "none.sqlite");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("none.sqlite"), std::string::npos) << missing.error().message;
  EXPECT_FALSE(fs::exists(dir_ / "none.sqlite"));
}

}  // namespace
}  // namespace tracechat::testing
