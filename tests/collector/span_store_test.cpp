#include "tracechat/collector/span_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "support/sample_spans.h"
#include "support/span_store_files.h"
#include "tracechat/otlp/protobuf_encoding.h"
#include "tracechat/trace/id_generator.h"

using namespace tracechat;
namespace fs = std::filesystem;

namespace {
// A store for one test, removed when it ends.
struct TempDb : test_support::TempSpanStore {
  TempDb() : TempSpanStore("store") {}
};
}  // namespace

TEST(SpanStore, InsertLoadAndList) {
  TempDb db;
  auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write);
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
  auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write);
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
  auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write);
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
    auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write);
    ASSERT_TRUE((*store)->insert(test_support::sample_spans()).ok());
  }
  auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write);
  EXPECT_EQ(*(*store)->span_count(), 2u);
}

TEST(SpanStore, NotADatabaseIsAClearError) {
  TempDb db;
  {
    std::FILE* f = std::fopen(db.path.c_str(), "w");
    std::fputs("this is not sqlite, just text that is long enough to have a header of sorts........", f);
    std::fclose(f);
  }
  auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.error().message.find(db.path.string()), std::string::npos);
}

namespace {
// One trace of `spans` spans ending at `end_ns`, from the sample spans' shape.
std::vector<std::unique_ptr<trace::SpanData>> trace_ending_at(std::uint64_t end_ns, int spans = 2) {
  const auto trace_id = trace::default_id_generator().new_trace_id();
  std::vector<std::unique_ptr<trace::SpanData>> out;
  for (int i = 0; i < spans; ++i) {
    auto span = std::move(test_support::sample_spans()[static_cast<std::size_t>(i % 2)]);
    span->context.trace_id = trace_id;
    span->context.span_id = trace::default_id_generator().new_span_id();
    span->start_time_unix_nano = end_ns - 1000;
    span->end_time_unix_nano = end_ns;
    out.push_back(std::move(span));
  }
  return out;
}
constexpr std::uint64_t kHour = 3600ull * 1'000'000'000;
}  // namespace

TEST(RequestLog, KeepsWholeRecordsAndCutsOffATornOne) {
  TempDb db;
  const auto dir = collector::SpanStore::log_dir_for(db.path);
  std::vector<collector::LogLocation> where;
  {
    auto log = collector::RequestLog::open(dir, true);
    ASSERT_TRUE(log.ok()) << log.error().message;
    const std::string large(1000, 'x');
    const collector::LogRecord records[] = {{"one", 1}, {"two", 2}, {large, 3}};
    auto appended = (*log)->append(records);
    ASSERT_TRUE(appended.ok());
    where = *appended;
    EXPECT_EQ(*(*log)->read(where[1]), "two");
  }
  const auto segment = dir / "00000001.otlp";
  const auto whole = fs::file_size(segment);
  {
    std::FILE* f = std::fopen(segment.c_str(), "ab");
    std::fputs("TCR1\x40\x00", f);  // a header cut short: a process died mid-write
    std::fclose(f);
  }
  auto log = collector::RequestLog::open(dir, true);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(fs::file_size(segment), whole);
  std::vector<std::string> seen;
  auto end = (*log)->scan({0, 0}, [&](const collector::LogLocation&, std::uint64_t received, std::string_view payload) {
    seen.emplace_back(payload.substr(0, 3));
    EXPECT_EQ(received, seen.size());
    return true;
  });
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"one", "two", "xxx"}));
  EXPECT_EQ(end->offset, whole);
  // A reader never repairs (a writer may be mid-append) and cannot append.
  auto reader = collector::RequestLog::open(dir, false);
  const collector::LogRecord extra{"x", 0};
  EXPECT_FALSE((*reader)->append(std::span<const collector::LogRecord>(&extra, 1)).ok());
}

TEST(RequestLog, StartsANewSegmentWhenOneIsFull) {
  TempDb db;
  auto log = collector::RequestLog::open(collector::SpanStore::log_dir_for(db.path), true, 100);
  ASSERT_TRUE(log.ok());
  std::vector<collector::LogLocation> where;
  for (int i = 0; i < 5; ++i) {
    const std::string payload(60, static_cast<char>('a' + i));
    const collector::LogRecord record{payload, 0};
    where.push_back((*(*log)->append(std::span<const collector::LogRecord>(&record, 1)))[0]);
  }
  EXPECT_EQ((*log)->segments().size(), 5u);  // 76 bytes a record: one per 100-byte segment
  for (int i = 0; i < 5; ++i) EXPECT_EQ(*(*log)->read(where[i]), std::string(60, static_cast<char>('a' + i)));
  EXPECT_FALSE((*log)->remove_segment((*log)->end().segment).ok());  // never the one being written
}

TEST(SpanStore, OneWriterAtATime) {
  TempDb db;
  auto writer = collector::SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(writer.ok());
  auto second = collector::SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("already being written"), std::string::npos) << second.error().message;
  EXPECT_TRUE(collector::SpanStore::open(db.path).ok());  // readers are fine
}

TEST(SpanStore, RequestsStoredButNotIndexedAreIndexedOnTheNextOpen) {
  TempDb db;
  const auto spans = test_support::sample_spans();
  {
    auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write);
    ASSERT_TRUE((*store)->insert(spans).ok());  // indexed
    const std::string body = otlp::encode_traces_protobuf(trace_ending_at(5 * kHour, 3));
    const collector::LogRecord record{body, 7};
    ASSERT_TRUE((*store)->append(std::span<const collector::LogRecord>(&record, 1)).ok());  // then the process died
  }
  auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write);
  EXPECT_EQ((*store)->list_traces(0, 10)->size(), 1u);
  auto recovered = (*store)->recover();
  ASSERT_TRUE(recovered.ok()) << recovered.error().message;
  EXPECT_EQ(*recovered, 1u);
  EXPECT_EQ((*store)->list_traces(0, 10)->size(), 2u);
  EXPECT_EQ(*(*store)->span_count(), 5u);
  EXPECT_EQ(*(*store)->recover(), 0u);  // nothing twice
}

TEST(SpanStore, RetentionByAgeRemovesWholeOldTracesAndTheirLogSegments) {
  TempDb db;
  auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write, 4096);
  ASSERT_TRUE(store.ok());
  const std::uint64_t now = 100 * kHour;
  std::vector<trace::TraceId> old_ids, new_ids;
  for (int i = 0; i < 20; ++i) {
    auto spans = trace_ending_at(now - 50 * kHour + static_cast<std::uint64_t>(i));
    old_ids.push_back(spans[0]->context.trace_id);
    ASSERT_TRUE((*store)->insert(spans).ok());
  }
  for (int i = 0; i < 5; ++i) {
    auto spans = trace_ending_at(now - kHour);
    new_ids.push_back(spans[0]->context.trace_id);
    ASSERT_TRUE((*store)->insert(spans).ok());
  }
  const auto log = collector::RequestLog::open(collector::SpanStore::log_dir_for(db.path), false);
  const auto segments_before = (*log)->segments().size();
  ASSERT_GT(segments_before, 3u);

  collector::RetentionLimits limits;
  limits.max_age = std::chrono::hours(24);
  auto result = (*store)->apply_retention(limits, now, 7);  // in chunks of 7 traces
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_EQ(result->traces_removed, 20u);
  EXPECT_EQ(result->requests_removed, 20u);
  EXPECT_FALSE(result->more);
  EXPECT_LT((*log)->segments().size(), segments_before);
  EXPECT_EQ((*store)->list_traces(0, 100)->size(), 5u);
  for (const auto& id : old_ids) EXPECT_TRUE((*store)->load_trace(id)->empty());
  for (const auto& id : new_ids) EXPECT_EQ((*store)->load_trace(id)->size(), 2u);
  EXPECT_EQ(*(*store)->span_count(), 10u);
  // Nothing is older now.
  EXPECT_EQ((*store)->apply_retention(limits, now)->traces_removed, 0u);
}

TEST(SpanStore, RetentionBySizeFreesTheOldestSegmentsAndKeepsTheNewestTraces) {
  TempDb db;
  auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write, 8192);
  ASSERT_TRUE(store.ok());
  trace::TraceId newest;
  for (int i = 0; i < 200; ++i) {
    auto spans = trace_ending_at(kHour + static_cast<std::uint64_t>(i) * 1'000'000, 4);
    newest = spans[0]->context.trace_id;
    ASSERT_TRUE((*store)->insert(spans).ok());
  }
  const auto log = collector::RequestLog::open(collector::SpanStore::log_dir_for(db.path), false);
  const std::size_t segments_before = (*log)->segments().size();
  const std::uint64_t before = *(*store)->used_bytes();
  collector::RetentionLimits limits;
  limits.max_bytes = before / 2;
  // With an age limit as well, and one chunk a call, as the collector runs it: the age
  // pass must not use up the call when it has nothing to remove.
  limits.max_age = std::chrono::hours(1000);
  collector::RetentionResult total;
  int calls = 0;
  for (; calls < 1000; ++calls) {
    auto result = (*store)->apply_retention(limits, 2 * kHour, 10, 1);
    ASSERT_TRUE(result.ok()) << result.error().message;
    total.traces_removed += result->traces_removed;
    if (!result->more) break;
  }
  EXPECT_LT(calls, 1000);
  EXPECT_GT(total.traces_removed, 0u);
  EXPECT_LT(total.traces_removed, 200u);
  EXPECT_LE(*(*store)->used_bytes(), *limits.max_bytes);
  EXPECT_LT((*log)->segments().size(), segments_before);
  EXPECT_EQ((*store)->load_trace(newest)->size(), 4u);
  // Under the limit now: nothing more goes.
  EXPECT_EQ((*store)->apply_retention(limits, 2 * kHour)->traces_removed, 0u);
}

TEST(SpanStore, ALimitBelowTheSegmentBeingWrittenStopsInsteadOfEmptyingTheStore) {
  TempDb db;
  auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write);  // one 64 MiB segment
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE((*store)->insert(trace_ending_at(kHour + static_cast<std::uint64_t>(i))).ok());
  collector::RetentionLimits limits;
  limits.max_bytes = 1;
  auto result = (*store)->apply_retention(limits, 0);
  ASSERT_TRUE(result.ok()) << result.error().message;
  EXPECT_FALSE(result->more);
  EXPECT_EQ(result->traces_removed, 0u);  // their log space cannot come back yet
  EXPECT_EQ((*store)->list_traces(0, 100)->size(), 20u);
}

TEST(SpanStore, AStoreFromBeforeTheRequestLogIsReadAsItIsAndUpgradedByItsWriter) {
  TempDb db;
  auto old_spans = test_support::sample_spans();
  {
    // The layout of stores written before 2026-12.
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(db.path.c_str(), &raw), SQLITE_OK);
    const char* schema = R"sql(
      PRAGMA journal_mode=WAL;
      CREATE TABLE span_batches (trace_id BLOB NOT NULL, span_count INTEGER NOT NULL, otlp BLOB NOT NULL);
      CREATE INDEX span_batches_by_trace ON span_batches (trace_id);
      CREATE TABLE traces (trace_id BLOB PRIMARY KEY, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
        span_count INTEGER NOT NULL, root_name TEXT NOT NULL, root_start_ns INTEGER NOT NULL,
        root_is_root INTEGER NOT NULL, services TEXT NOT NULL, has_error INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX traces_by_end ON traces (end_ns);
    )sql";
    ASSERT_EQ(sqlite3_exec(raw, schema, nullptr, nullptr, nullptr), SQLITE_OK);
    const std::string blob = otlp::encode_traces_protobuf(old_spans);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(raw, "INSERT INTO span_batches VALUES (?1, 2, ?2)", -1, &st, nullptr);
    sqlite3_bind_blob(st, 1, old_spans[0]->context.trace_id.bytes().data(), 16, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_prepare_v2(raw, "INSERT INTO traces VALUES (?1, ?2, ?3, 2, 'chat.session', ?2, 1, 'bridge\nchat-ui', 1)",
                       -1, &st, nullptr);
    sqlite3_bind_blob(st, 1, old_spans[0]->context.trace_id.bytes().data(), 16, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(old_spans[0]->start_time_unix_nano));
    sqlite3_bind_int64(st, 3, static_cast<sqlite3_int64>(old_spans[0]->end_time_unix_nano));
    ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
    sqlite3_close(raw);
  }
  const auto trace_id = old_spans[0]->context.trace_id;
  {
    auto viewer = collector::SpanStore::open(db.path);
    ASSERT_TRUE(viewer.ok()) << viewer.error().message;
    ASSERT_EQ((*viewer)->list_traces(0, 10)->size(), 1u);
    EXPECT_EQ((*viewer)->load_trace(trace_id)->size(), 2u);
    EXPECT_FALSE(fs::exists(collector::SpanStore::log_dir_for(db.path)));  // a viewer writes nothing
  }
  auto writer = collector::SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  // A later span of the same trace arrives through the log.
  auto later = trace_ending_at(old_spans[0]->end_time_unix_nano + 1, 1);
  later[0]->context.trace_id = trace_id;
  ASSERT_TRUE((*writer)->insert(later).ok());
  const auto loaded = (*writer)->load_trace(trace_id);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->size(), 3u);
  const auto listed = (*writer)->list_traces(0, 10);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].span_count, 3u);
  EXPECT_EQ((*listed)[0].root_name, "chat.session");
  EXPECT_EQ(*(*writer)->span_count(), 3u);
  // Found by time and errors, not by the terms of its later spans (it predates them).
  collector::TraceQuery query;
  query.errors_only = true;
  EXPECT_EQ((*writer)->search_traces(query)->traces.size(), 1u);
  query.span_name = later[0]->name;
  const auto by_name = (*writer)->search_traces(query);
  ASSERT_TRUE(by_name.ok()) << by_name.error().message;
  EXPECT_TRUE(by_name->traces.empty());
}

TEST(SpanStore, ListingSinceATimeIncludesTracesStillRunningThenAndIsNewestFirst) {
  TempDb db;
  auto store = collector::SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(store.ok());
  const auto add = [&](std::uint64_t start, std::uint64_t end) {
    auto spans = trace_ending_at(end);
    for (auto& span : spans) span->start_time_unix_nano = start;
    EXPECT_TRUE((*store)->insert(spans).ok());
    return spans[0]->context.trace_id;
  };
  const auto over = add(10 * kHour, 11 * kHour);          // ended before the cutoff
  const auto long_running = add(10 * kHour, 30 * kHour);  // started before, still running after
  const auto newer = add(21 * kHour, 22 * kHour);
  const auto newest = add(25 * kHour, 26 * kHour);
  auto listed = (*store)->list_traces(20 * kHour, 10);
  ASSERT_TRUE(listed.ok());
  std::vector<trace::TraceId> ids;
  for (const auto& t : *listed) ids.push_back(t.trace_id);
  EXPECT_EQ(ids, (std::vector<trace::TraceId>{newest, newer, long_running}));
  EXPECT_EQ((*store)->list_traces(20 * kHour, 2)->size(), 2u);
  const auto all = (*store)->list_traces(0, 10);
  ASSERT_EQ(all->size(), 4u);
  EXPECT_TRUE((*all)[2].trace_id == over || (*all)[3].trace_id == over);  // same start as long_running
}
