#include "tracechat/collector/span_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/sample_spans.h"

using namespace tracechat;
namespace fs = std::filesystem;

namespace {
struct TempDb {
  TempDb() : path(fs::temp_directory_path() / ("tracechat-store-" + std::to_string(getpid()) + ".sqlite")) { clean(); }
  ~TempDb() { clean(); }
  void clean() {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path.string() + suffix);
  }
  fs::path path;
};
}  // namespace

TEST(SpanStore, InsertLoadAndList) {
  TempDb db;
  auto store = collector::SpanStore::open(db.path);
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto spans = test_support::sample_spans();
  ASSERT_TRUE((*store)->insert(spans).ok());
  ASSERT_TRUE((*store)->insert(spans).ok());  // a retried export: stored twice, read once
  EXPECT_EQ(*(*store)->span_count(), 4u);

  auto loaded = (*store)->load_trace(spans[0]->context.trace_id);
  ASSERT_TRUE(loaded.ok());
  test_support::expect_same_spans(spans, *loaded);
  EXPECT_EQ((*loaded)[0]->name, "chat.session");  // by start time

  auto traces = (*store)->list_traces(0, 10);
  ASSERT_TRUE(traces.ok());
  ASSERT_EQ(traces->size(), 1u);
  const auto& t = (*traces)[0];
  EXPECT_EQ(t.trace_id, spans[0]->context.trace_id);
  EXPECT_EQ(t.root_name, "chat.session");
  EXPECT_EQ(t.span_count, 4u);  // the summary counts what arrived
  EXPECT_EQ(t.services, (std::vector<std::string>{"bridge", "chat-ui"}));
  EXPECT_TRUE(t.has_error);
  EXPECT_EQ(t.start_unix_nano, spans[0]->start_time_unix_nano);
  EXPECT_EQ(t.end_unix_nano, spans[0]->end_time_unix_nano);

  // The time filter.
  EXPECT_TRUE((*store)->list_traces(spans[0]->end_time_unix_nano + 1, 10)->empty());
  // Unknown trace: empty, not an error.
  EXPECT_TRUE((*store)->load_trace(*trace::TraceId::from_hex("11111111111111111111111111111111"))->empty());
}

TEST(SpanStore, SummariesMergeAcrossInserts) {
  TempDb db;
  auto store = collector::SpanStore::open(db.path);
  ASSERT_TRUE(store.ok());
  auto spans = test_support::sample_spans();
  std::vector<std::unique_ptr<trace::SpanData>> child, root;
  child.push_back(std::move(spans[1]));
  root.push_back(std::move(spans[0]));
  ASSERT_TRUE((*store)->insert(child).ok());  // the child arrives first
  auto traces = (*store)->list_traces(0, 10);
  EXPECT_EQ((*traces)[0].root_name, "dataaction lookupCustomer");
  ASSERT_TRUE((*store)->insert(root).ok());
  traces = (*store)->list_traces(0, 10);
  ASSERT_EQ(traces->size(), 1u);
  const auto& t = (*traces)[0];
  EXPECT_EQ(t.root_name, "chat.session");  // a true root beats an earlier orphan
  EXPECT_EQ(t.span_count, 2u);
  EXPECT_EQ(t.services, (std::vector<std::string>{"bridge", "chat-ui"}));
  EXPECT_TRUE(t.has_error);
  EXPECT_EQ(t.start_unix_nano, 1764000000000000000ULL);
  EXPECT_EQ(t.end_unix_nano, 1764000003500000000ULL);
  auto loaded = (*store)->load_trace(t.trace_id);
  ASSERT_EQ(loaded->size(), 2u);
  EXPECT_EQ((*loaded)[0]->name, "chat.session");
}

TEST(SpanStore, RootNameFallsBackToTheEarliestOrphan) {
  TempDb db;
  auto store = collector::SpanStore::open(db.path);
  ASSERT_TRUE(store.ok());
  auto spans = test_support::sample_spans();
  spans.erase(spans.begin());  // only the child, whose parent is missing
  ASSERT_TRUE((*store)->insert(spans).ok());
  auto traces = (*store)->list_traces(0, 10);
  ASSERT_EQ(traces->size(), 1u);
  EXPECT_EQ((*traces)[0].root_name, "dataaction lookupCustomer");
}

TEST(SpanStore, SurvivesReopen) {
  TempDb db;
  {
    auto store = collector::SpanStore::open(db.path);
    ASSERT_TRUE((*store)->insert(test_support::sample_spans()).ok());
  }
  auto store = collector::SpanStore::open(db.path);
  EXPECT_EQ(*(*store)->span_count(), 2u);
}

TEST(SpanStore, NotADatabaseIsAClearError) {
  TempDb db;
  {
    std::FILE* f = std::fopen(db.path.c_str(), "w");
    std::fputs("this is not sqlite, just text that is long enough to have a header of sorts........", f);
    std::fclose(f);
  }
  auto store = collector::SpanStore::open(db.path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find(db.path.string()), std::string::npos);
}
