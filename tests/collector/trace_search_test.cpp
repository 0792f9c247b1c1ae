// SpanStore::search_traces: each condition, paging, the two plans held against each
// other, stores from before the search index, retention, and hostile terms.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>
#include <set>

#include "support/span_store_files.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/trace/id_generator.h"

using namespace tracechat;
using collector::SearchPlan;
using collector::SpanStore;
using collector::TraceQuery;
namespace fs = std::filesystem;

namespace {

// A store for one test, removed when it ends.
struct TempDb : test_support::TempSpanStore {
  TempDb() : TempSpanStore("search") {}
};

constexpr std::uint64_t kBase = 1'764'000'000'000'000'000ULL;

// A trace as the tests describe it, and as a model of what a search should find.
struct TraceSpec {
  trace::TraceId id = trace::default_id_generator().new_trace_id();
  std::uint64_t start = kBase;
  std::string service = "chat-ui";
  std::vector<std::string> names = {"chat.session"};
  std::vector<std::pair<std::string, trace::AttributeValue>> attributes;  // on its first span
  bool error = false;
};

std::vector<std::unique_ptr<trace::SpanData>> spans_of(const TraceSpec& t) {
  auto origin = std::make_shared<trace::SpanOrigin>();
  origin->resource = std::make_shared<const trace::Resource>(trace::Attributes{{"service.name", t.service}});
  std::vector<std::unique_ptr<trace::SpanData>> out;
  const auto root = trace::default_id_generator().new_span_id();
  for (std::size_t i = 0; i < t.names.size(); ++i) {
    auto s = std::make_unique<trace::SpanData>();
    s->context.trace_id = t.id;
    s->context.span_id = i == 0 ? root : trace::default_id_generator().new_span_id();
    if (i > 0) s->parent_span_id = root;
    s->name = t.names[i];
    s->start_time_unix_nano = t.start + i;
    s->end_time_unix_nano = t.start + 1000;
    if (i == 0) {
      for (const auto& [key, value] : t.attributes) s->attributes.set(key, value);
      if (t.error) s->status.code = trace::StatusCode::error;
    }
    s->origin = origin;
    out.push_back(std::move(s));
  }
  return out;
}

// Stores the traces, `per_request` of them in each request.
void store_all(SpanStore& store, const std::vector<TraceSpec>& traces, std::size_t per_request = 32) {
  for (std::size_t i = 0; i < traces.size(); i += per_request) {
    std::vector<std::unique_ptr<trace::SpanData>> spans;
    for (std::size_t j = i; j < std::min(traces.size(), i + per_request); ++j) {
      for (auto& s : spans_of(traces[j])) spans.push_back(std::move(s));
    }
    ASSERT_TRUE(store.insert(spans).ok());
  }
}

bool id_less(const trace::TraceId& a, const trace::TraceId& b) {
  return std::memcmp(a.bytes().data(), b.bytes().data(), a.bytes().size()) < 0;
}

// What a search must return: the traces `matches` accepts, newest start first, ties by
// trace id descending.
std::vector<trace::TraceId> expected(std::vector<TraceSpec> traces,
                                     const std::function<bool(const TraceSpec&)>& matches) {
  std::erase_if(traces, [&](const TraceSpec& t) { return !matches(t); });
  std::sort(traces.begin(), traces.end(), [](const TraceSpec& a, const TraceSpec& b) {
    if (a.start != b.start) return a.start > b.start;
    return id_less(b.id, a.id);
  });
  std::vector<trace::TraceId> out;
  for (const auto& t : traces) out.push_back(t.id);
  return out;
}

bool has_attribute(const TraceSpec& t, std::string_view key, std::string_view text) {
  return std::any_of(t.attributes.begin(), t.attributes.end(), [&](const auto& a) {
    return a.first == key && std::holds_alternative<std::string>(a.second) && std::get<std::string>(a.second) == text;
  });
}

// Every page of a search, `page` traces at a time, with the plan `rows` chooses
// (set_term_plan_rows); fails the test if a page is an error or the cursor loops.
std::vector<trace::TraceId> all_pages(SpanStore& store, TraceQuery query, std::size_t page,
                                      std::optional<std::size_t> rows = std::nullopt,
                                      std::set<SearchPlan>* plans = nullptr) {
  store.set_term_plan_rows(rows);
  query.limit = page;
  std::vector<trace::TraceId> out;
  for (int pages = 0; pages < 100000; ++pages) {
    auto result = store.search_traces(query);
    EXPECT_TRUE(result.ok()) << result.error().message;
    store.set_term_plan_rows(std::nullopt);
    if (!result.ok()) return out;
    if (plans != nullptr) plans->insert(store.last_search_plan());
    EXPECT_LE(result->traces.size(), page);
    for (const auto& t : result->traces) out.push_back(t.trace_id);
    if (!result->next) return out;
    EXPECT_EQ(result->traces.size(), page);  // only a full page says more may follow
    EXPECT_EQ(result->next->trace_id, result->traces.back().trace_id);
    query.after = result->next;
    store.set_term_plan_rows(rows);
  }
  ADD_FAILURE() << "the cursor never ended";
  return out;
}

// The search's answer, by term and by start alike, whole and in pages of 1, 3 and 50.
std::vector<trace::TraceId> search(SpanStore& store, const TraceQuery& query) {
  const auto whole = all_pages(store, query, TraceQuery::kMaxPage);
  for (const std::size_t rows : {std::size_t{0}, SIZE_MAX}) {
    for (const std::size_t page : {1, 3, 50}) {
      EXPECT_EQ(all_pages(store, query, page, rows), whole) << "page " << page << ", term plan rows " << rows;
      if (::testing::Test::HasFailure()) return whole;
    }
  }
  return whole;
}

// A store of `n` traces of a few kinds: the conversation `conv-<i>` each; "payments"
// every 10th (the rest "chat-ui"); a "dataaction.call" span every 4th; an error every
// 7th; starts that repeat (three traces per start time).
std::vector<TraceSpec> varied_traces(std::size_t n) {
  std::vector<TraceSpec> out;
  for (std::size_t i = 0; i < n; ++i) {
    TraceSpec t;
    t.start = kBase + (i / 3) * 1000;
    t.service = i % 10 == 0 ? "payments" : "chat-ui";
    t.names = {"chat.session", "chat.send_message"};
    if (i % 4 == 0) t.names.push_back("dataaction.call");
    t.attributes = {{"chat.conversation.id", "conv-" + std::to_string(i)},
                    {"http.response.status_code", std::int64_t{i % 5 == 0 ? 500 : 200}}};
    if (i % 4 == 0) t.attributes.emplace_back("dataaction.name", "GetOrder");
    t.error = i % 7 == 0;
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

TEST(TraceSearch, EachConditionAloneAndTogether) {
  TempDb db;
  auto store = SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(store.ok()) << store.error().message;
  const auto traces = varied_traces(120);
  store_all(**store, traces);
  SpanStore& s = **store;

  TraceQuery q;
  EXPECT_EQ(search(s, q), expected(traces, [](const auto&) { return true; }));  // the newest
  q.conversation_id = "conv-17";
  EXPECT_EQ(search(s, q),
            expected(traces, [](const auto& t) { return has_attribute(t, "chat.conversation.id", "conv-17"); }));
  q = {};
  q.service = "payments";
  EXPECT_EQ(search(s, q), expected(traces, [](const auto& t) { return t.service == "payments"; }));
  q = {};
  q.span_name = "dataaction.call";
  const auto with_call = [](const TraceSpec& t) {
    return std::find(t.names.begin(), t.names.end(), "dataaction.call") != t.names.end();
  };
  EXPECT_EQ(search(s, q), expected(traces, with_call));
  q = {};
  q.attributes = {{"http.response.status_code", "500"}};
  const auto failed_call = [](const TraceSpec& t) {
    return std::any_of(t.attributes.begin(), t.attributes.end(), [](const auto& a) {
      return a.first == "http.response.status_code" && std::get<std::int64_t>(a.second) == 500;
    });
  };
  EXPECT_EQ(search(s, q), expected(traces, failed_call));
  q = {};
  q.errors_only = true;
  EXPECT_EQ(search(s, q), expected(traces, [](const auto& t) { return t.error; }));
  q = {};
  q.start_from_unix_nano = kBase + 10'000;
  q.start_to_unix_nano = kBase + 20'000;
  const auto in_range = [](const TraceSpec& t) { return t.start >= kBase + 10'000 && t.start < kBase + 20'000; };
  EXPECT_EQ(search(s, q), expected(traces, in_range));
  q = {};
  q.trace_id = traces[5].id;
  EXPECT_EQ(search(s, q), std::vector<trace::TraceId>{traces[5].id});
  EXPECT_EQ(s.last_search_plan(), SearchPlan::trace_id);
  // Together.
  q = {};
  q.service = "chat-ui";
  q.span_name = "dataaction.call";
  q.attributes = {{"dataaction.name", "GetOrder"}, {"http.response.status_code", "200"}};
  q.errors_only = true;
  q.start_from_unix_nano = kBase + 10'000;
  const auto together = [&](const TraceSpec& t) {
    return t.service == "chat-ui" && with_call(t) && has_attribute(t, "dataaction.name", "GetOrder") &&
           !failed_call(t) && t.error && t.start >= kBase + 10'000;
  };
  const auto all_of_them = expected(traces, together);
  ASSERT_EQ(all_of_them,
            (std::vector<trace::TraceId>{traces[112].id, traces[84].id, traces[56].id}));  // 28 starts too soon
  EXPECT_EQ(search(s, q), all_of_them);
  q.trace_id = all_of_them[0];
  EXPECT_EQ(search(s, q), std::vector<trace::TraceId>{all_of_them[0]});
  q.service = "payments";  // the trace, but not this condition
  EXPECT_TRUE(search(s, q).empty());
  // Nothing has these.
  q = {};
  q.service = "nobody";
  EXPECT_TRUE(search(s, q).empty());
  q = {};
  q.conversation_id = "conv-17";
  q.service = "payments";
  EXPECT_TRUE(search(s, q).empty());
  q = {};
  q.start_from_unix_nano = UINT64_MAX;
  EXPECT_TRUE(search(s, q).empty());
  q = {};
  q.trace_id = trace::default_id_generator().new_trace_id();
  EXPECT_TRUE(search(s, q).empty());
}

TEST(TraceSearch, SummariesCarryTheConversation) {
  TempDb db;
  auto store = SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(store.ok());
  TraceSpec with, without;
  with.attributes = {{"chat.conversation.id", "c-1"}};
  without.start = kBase + 1;
  store_all(**store, {with, without});
  const auto listed = (*store)->list_traces(0, 10);
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].trace_id, without.id);
  EXPECT_EQ((*listed)[0].conversation_id, "");
  EXPECT_EQ((*listed)[1].conversation_id, "c-1");
  const auto one = (*store)->trace_summary(with.id);
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_EQ((**one).conversation_id, "c-1");
  EXPECT_EQ((**one).services, std::vector<std::string>{"chat-ui"});
  EXPECT_FALSE((*store)->trace_summary(trace::default_id_generator().new_trace_id())->has_value());
  TraceQuery q;
  q.conversation_id = "c-1";
  const auto page = (*store)->search_traces(q);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->traces.size(), 1u);
  EXPECT_EQ(page->traces[0].conversation_id, "c-1");
  EXPECT_EQ(page->traces[0].root_name, "chat.session");
  EXPECT_FALSE(page->next);
}

// Paging by cursor gives every match once, in order, whatever the page size, among
// traces that share start times.
TEST(TraceSearch, PagesGiveEveryMatchOnceInOrder) {
  TempDb db;
  auto store = SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(store.ok());
  std::vector<TraceSpec> traces;
  for (int i = 0; i < 150; ++i) {
    TraceSpec t;
    t.start = kBase + static_cast<std::uint64_t>(i % 4);  // four start times
    t.service = i % 2 == 0 ? "even" : "odd";
    traces.push_back(std::move(t));
  }
  store_all(**store, traces, 7);
  TraceQuery q;
  const auto everything = search(**store, q);
  EXPECT_EQ(everything, expected(traces, [](const auto&) { return true; }));
  EXPECT_EQ(everything.size(), 150u);
  q.service = "odd";
  EXPECT_EQ(search(**store, q), expected(traces, [](const auto& t) { return t.service == "odd"; }));
  q.start_to_unix_nano = kBase + 3;  // the bound and the cursor together
  q.start_from_unix_nano = kBase + 1;
  EXPECT_EQ(search(**store, q), expected(traces, [](const auto& t) {
              return t.service == "odd" && t.start >= kBase + 1 && t.start < kBase + 3;
            }));
  // A cursor past everything, and one before anything.
  q = {};
  q.after = TraceQuery::Cursor{kBase, trace::TraceId()};
  EXPECT_TRUE((*store)->search_traces(q)->traces.empty());
  q.after = TraceQuery::Cursor{kBase + 100, trace::TraceId()};
  EXPECT_EQ((*store)->search_traces(q)->traces.size(), 50u);
  // Limits: 0 is taken as 1, and no page is larger than kMaxPage.
  q = {};
  q.limit = 0;
  EXPECT_EQ((*store)->search_traces(q)->traces.size(), 1u);
}

// A rare term is answered by its buckets, a common one by walking the traces newest
// first; forced the other way, each gives the same answer.
TEST(TraceSearch, RareAndCommonTermsTakeTheirPlansAndBothPlansAgree) {
  TempDb db;
  auto store = SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(store.ok());
  const auto traces = varied_traces(2600);  // several term buckets, more traces than the threshold
  store_all(**store, traces, 50);
  SpanStore& s = **store;
  const auto plan_of = [&](const TraceQuery& q) {
    EXPECT_TRUE(s.search_traces(q).ok());
    return s.last_search_plan();
  };
  TraceQuery rare;
  rare.conversation_id = "conv-700";
  EXPECT_EQ(plan_of(rare), SearchPlan::by_term);
  TraceQuery common;
  common.service = "chat-ui";
  EXPECT_EQ(plan_of(common), SearchPlan::by_start);
  TraceQuery none;
  none.span_name = "nobody's";
  EXPECT_EQ(plan_of(none), SearchPlan::none);
  EXPECT_EQ(plan_of(TraceQuery{}), SearchPlan::by_start);

  std::vector<TraceQuery> queries(6);
  queries[0] = rare;
  queries[1] = common;
  queries[2].span_name = "dataaction.call";
  queries[3].attributes = {{"dataaction.name", "GetOrder"}, {"http.response.status_code", "500"}};
  queries[4].service = "payments";
  queries[4].errors_only = true;
  queries[5].conversation_id = "conv-2599";
  queries[5].start_to_unix_nano = kBase + 1000 * 400;
  for (const auto& q : queries) {
    std::set<SearchPlan> by_term, by_start;
    const auto a = all_pages(s, q, 50, SIZE_MAX, &by_term);
    const auto b = all_pages(s, q, 50, 0, &by_start);
    EXPECT_EQ(a, b);
    EXPECT_TRUE(by_term.count(SearchPlan::by_term) == 1 || a.empty());
    EXPECT_TRUE(by_start.count(SearchPlan::by_start) == 1 || a.empty());
  }
  EXPECT_EQ(all_pages(s, rare, 50), std::vector<trace::TraceId>{traces[700].id});
  EXPECT_TRUE(all_pages(s, queries[5], 50).empty());  // conv-2599 starts later
  EXPECT_EQ(all_pages(s, queries[3], 50).size(), expected(traces, [](const auto& t) {
                                                   return has_attribute(t, "dataaction.name", "GetOrder") &&
                                                          std::get<std::int64_t>(t.attributes[1].second) == 500;
                                                 }).size());
}

TEST(TraceSearch, AnAttributeThatIsNotIndexedIsAnErrorNamingTheIndexedOnes) {
  TempDb db;
  auto store = SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(store.ok());
  TraceQuery q;
  q.attributes = {{"http.route", "/orders"}};
  const auto result = (*store)->search_traces(q);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("'http.route'"), std::string::npos) << result.error().message;
  for (const auto key : otlp::kIndexedSpanAttributes) {
    EXPECT_NE(result.error().message.find(key), std::string::npos) << result.error().message;
  }
}

// A trace whose spans come over several requests is found by every term they brought;
// its conversation is the first non-empty one.
TEST(TraceSearch, ATraceOverSeveralRequestsGathersItsTerms) {
  TempDb db;
  auto store = SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(store.ok());
  TraceSpec first, second, third;
  second.id = third.id = first.id;
  first.names = {"chat.session"};
  first.attributes = {{"chat.conversation.id", ""}};
  second.service = "bridge";
  second.names = {"bridge.forward"};
  second.attributes = {{"chat.conversation.id", "c-1"}, {"error.type", true}};
  third.service = "orders";
  third.names = {"orders.lookup"};
  third.attributes = {{"chat.conversation.id", "c-2"}, {"http.response.status_code", std::int64_t{404}}};
  third.start = kBase - 5;  // an earlier start: the trace moves in start order
  for (const auto* t : {&first, &second, &third}) store_all(**store, {*t});
  // Another trace in between, so the first one is not alone in its bucket.
  TraceSpec other;
  other.start = kBase - 1;
  store_all(**store, {other});

  const auto finds = [&](TraceQuery q) {
    const auto ids = search(**store, q);
    return std::find(ids.begin(), ids.end(), first.id) != ids.end();
  };
  TraceQuery q;
  for (const char* service : {"chat-ui", "bridge", "orders"}) {
    q = {};
    q.service = service;
    EXPECT_TRUE(finds(q)) << service;
  }
  for (const char* name : {"chat.session", "bridge.forward", "orders.lookup"}) {
    q = {};
    q.span_name = name;
    EXPECT_TRUE(finds(q)) << name;
  }
  for (const auto& [key, value] :
       std::vector<std::pair<std::string, std::string>>{{"chat.conversation.id", ""},
                                                        {"chat.conversation.id", "c-1"},
                                                        {"chat.conversation.id", "c-2"},
                                                        {"error.type", "true"},
                                                        {"http.response.status_code", "404"}}) {
    q = {};
    q.attributes = {{key, value}};
    EXPECT_TRUE(finds(q)) << key << "=" << value;
  }
  q = {};
  q.conversation_id = "c-2";
  EXPECT_TRUE(finds(q));
  q.service = "bridge";
  q.span_name = "orders.lookup";
  EXPECT_TRUE(finds(q));
  q.errors_only = true;  // no span has an error status
  EXPECT_FALSE(finds(q));
  const auto summary = (*store)->trace_summary(first.id);
  ASSERT_TRUE(summary.ok() && summary->has_value());
  EXPECT_EQ((**summary).conversation_id, "c-1");
  EXPECT_EQ((**summary).start_unix_nano, kBase - 5);
  q = {};
  q.start_to_unix_nano = kBase - 2;
  EXPECT_EQ(search(**store, q), std::vector<trace::TraceId>{first.id});
}

// Names with NUL bytes and newlines are terms like any other; a term over the length cap
// is not indexed; a trace's terms past the count cap are not indexed.
TEST(TraceSearch, HostileNamesAreHeldToTheCaps) {
  TempDb db;
  auto store = SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(store.ok());
  const std::string odd("a\0b\nc\x1f", 6);
  const std::string huge(100'000, 'x');
  TraceSpec strange;
  strange.names = {odd, huge, "\n"};
  strange.service = std::string("svc\0\n", 5);
  strange.attributes = {{"dataaction.name", odd}, {"chat.conversation.id", huge}};
  TraceSpec many;
  many.start = kBase + 1;
  for (int i = 0; i < 10'000; ++i) many.names.push_back("name-" + std::to_string(i));
  many.names[0] = "name-0";
  many.attributes = {{"chat.conversation.id", "many"}};
  store_all(**store, {strange, many});

  const auto found = [&](TraceQuery q) { return search(**store, q); };
  TraceQuery q;
  q.span_name = odd;
  EXPECT_EQ(found(q), std::vector<trace::TraceId>{strange.id});
  q.span_name = "a";  // not a prefix match
  EXPECT_TRUE(found(q).empty());
  q.span_name = "\n";
  EXPECT_EQ(found(q), std::vector<trace::TraceId>{strange.id});
  q = {};
  q.service = std::string("svc\0\n", 5);
  EXPECT_EQ(found(q), std::vector<trace::TraceId>{strange.id});
  q.service = "svc";
  EXPECT_TRUE(found(q).empty());
  q = {};
  q.attributes = {{"dataaction.name", odd}};
  EXPECT_EQ(found(q), std::vector<trace::TraceId>{strange.id});
  // Over the length cap: not indexed, nor kept as the conversation.
  q = {};
  q.span_name = huge;
  EXPECT_TRUE(found(q).empty());
  q = {};
  q.conversation_id = huge;
  EXPECT_TRUE(found(q).empty());
  EXPECT_EQ((*(*store)->trace_summary(strange.id))->conversation_id, "");
  // Past the count cap (its service, then the names in order; its conversation id
  // always): the first names are found, the later ones not.
  q = {};
  q.conversation_id = "many";
  EXPECT_EQ(found(q), std::vector<trace::TraceId>{many.id});
  q = {};
  q.span_name = "name-0";
  EXPECT_EQ(found(q), std::vector<trace::TraceId>{many.id});
  q.span_name = "name-" + std::to_string(SpanStore::kMaxTermsPerTrace - 2);
  EXPECT_EQ(found(q), std::vector<trace::TraceId>{many.id});
  q.span_name = "name-" + std::to_string(SpanStore::kMaxTermsPerTrace - 1);
  EXPECT_TRUE(found(q).empty());
  q.span_name = "name-9999";
  EXPECT_TRUE(found(q).empty());
  // More of its spans later: still capped.
  TraceSpec more;
  more.id = many.id;
  more.start = many.start;
  more.names = {"late-name"};
  store_all(**store, {more});
  q.span_name = "late-name";
  EXPECT_TRUE(found(q).empty());
  // Both traces are listed as any other.
  EXPECT_EQ((*store)->list_traces(0, 10)->size(), 2u);
  // The store stayed small: a trace's terms are at most kMaxTermsPerTrace of at most
  // kMaxTermBytes (the 100 kB name's summary row is another matter: it is its root).
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT max(length(terms)) FROM traces", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_LE(sqlite3_column_int64(st, 0),
            static_cast<sqlite3_int64>(SpanStore::kMaxTermsPerTrace * (SpanStore::kMaxTermBytes + 3)));
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

TEST(TraceSearch, RetentionRemovesTheTermsWithTheTraces) {
  TempDb db;
  auto store = SpanStore::open(db.path, collector::StoreAccess::write, 4096);
  ASSERT_TRUE(store.ok());
  auto traces = varied_traces(700);
  for (std::size_t i = 0; i < traces.size(); ++i) traces[i].start = kBase + i * 1000;
  store_all(**store, traces, 40);
  const auto filters = [&] {
    sqlite3* raw = nullptr;
    EXPECT_EQ(sqlite3_open_v2(db.path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(raw, "SELECT count(*) FROM term_blooms", -1, &st, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_step(st), SQLITE_ROW);
    const auto n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(raw);
    return n;
  };
  const auto before = filters();
  EXPECT_GE(before, 2);
  // The older half goes: their terms with them, the others' stay.
  collector::RetentionLimits limits;
  limits.max_age = std::chrono::seconds(0);
  auto removed = (*store)->apply_retention(limits, kBase + 350 * 1000 + 1000, 100);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(removed->traces_removed, 350u);
  EXPECT_LT(filters(), before);
  TraceQuery q;
  q.conversation_id = "conv-10";
  EXPECT_TRUE(search(**store, q).empty());
  q.conversation_id = "conv-600";
  EXPECT_EQ(search(**store, q), std::vector<trace::TraceId>{traces[600].id});
  q = {};
  q.service = "payments";
  std::vector<TraceSpec> left(traces.begin() + 350, traces.end());
  EXPECT_EQ(search(**store, q), expected(left, [](const auto& t) { return t.service == "payments"; }));
  // Then every trace: nothing of the search index is left.
  removed = (*store)->apply_retention(limits, kBase + 10'000'000, 100);
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(filters(), 0);
  EXPECT_TRUE(search(**store, q).empty());
  // And new traces are indexed as in a new store.
  TraceSpec fresh;
  fresh.attributes = {{"chat.conversation.id", "fresh"}};
  store_all(**store, {fresh});
  q = {};
  q.conversation_id = "fresh";
  EXPECT_EQ(search(**store, q), std::vector<trace::TraceId>{fresh.id});
}

namespace {
// The schema of stores from 2026-12 until the search index: no conversation_id or terms
// column, no term_blooms. One trace in it, its spans in request 1.
void make_store_before_search(const fs::path& path, const trace::TraceId& id, std::uint64_t start) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  const char* schema = R"sql(
    PRAGMA journal_mode=WAL;
    CREATE TABLE otlp_requests (id INTEGER PRIMARY KEY, received_ns INTEGER NOT NULL, segment INTEGER NOT NULL,
      offset INTEGER NOT NULL, length INTEGER NOT NULL, format INTEGER NOT NULL, traces INTEGER NOT NULL);
    CREATE INDEX otlp_requests_by_segment ON otlp_requests (segment);
    CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE span_batches (trace_id BLOB NOT NULL, span_count INTEGER NOT NULL, otlp BLOB NOT NULL);
    CREATE INDEX span_batches_by_trace ON span_batches (trace_id);
    CREATE TABLE traces (trace_id BLOB PRIMARY KEY, start_ns INTEGER NOT NULL, end_ns INTEGER NOT NULL,
      span_count INTEGER NOT NULL, root_name TEXT NOT NULL, root_start_ns INTEGER NOT NULL,
      root_is_root INTEGER NOT NULL, services TEXT NOT NULL, has_error INTEGER NOT NULL,
      requests BLOB NOT NULL DEFAULT x'', first_request INTEGER) WITHOUT ROWID;
    CREATE INDEX traces_by_start ON traces (start_ns);
    CREATE INDEX traces_by_end ON traces (end_ns);
    CREATE INDEX traces_by_first_request ON traces (first_request);
    INSERT INTO otlp_requests VALUES (1, 0, 0, 0, 10, 0, 1);
  )sql";
  ASSERT_EQ(sqlite3_exec(raw, schema, nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(raw,
                     "INSERT INTO traces VALUES (?1, ?2, ?2 + 1000, 1, 'old.root', ?2, 1, 'old-service', 1, "
                     "x'0100000000000000', 1)",
                     -1, &st, nullptr);
  sqlite3_bind_blob(st, 1, id.bytes().data(), 16, SQLITE_STATIC);
  sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(start));
  ASSERT_EQ(sqlite3_step(st), SQLITE_DONE);
  sqlite3_finalize(st);
  sqlite3_close(raw);
}
}  // namespace

// A viewer never writes: on a store from before the search index a term is a clear
// error, and everything else works as before.
TEST(TraceSearch, AViewerOnAStoreFromBeforeTheSearchIndex) {
  TempDb db;
  const auto old_id = trace::default_id_generator().new_trace_id();
  make_store_before_search(db.path, old_id, kBase);
  auto viewer = SpanStore::open(db.path);
  ASSERT_TRUE(viewer.ok()) << viewer.error().message;
  TraceQuery q;
  q.service = "old-service";
  const auto refused = (*viewer)->search_traces(q);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("predates the search index; run a collector on it once to upgrade it"),
            std::string::npos)
      << refused.error().message;
  q = {};
  q.errors_only = true;
  q.start_from_unix_nano = kBase;
  auto page = (*viewer)->search_traces(q);
  ASSERT_TRUE(page.ok()) << page.error().message;
  ASSERT_EQ(page->traces.size(), 1u);
  EXPECT_EQ(page->traces[0].root_name, "old.root");
  EXPECT_EQ(page->traces[0].conversation_id, "");
  q = {};
  q.trace_id = old_id;
  EXPECT_EQ((*viewer)->search_traces(q)->traces.size(), 1u);
  EXPECT_EQ((*viewer)->list_traces(0, 10)->size(), 1u);
  EXPECT_TRUE((*(*viewer)->trace_summary(old_id)).has_value());
  // It changed nothing.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.path.c_str(), &raw), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(raw, "SELECT terms FROM traces", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
}

// A writer upgrades such a store: its traces are found by time, trace id and errors but
// not by term (even when more of their spans come); new traces are found by term.
TEST(TraceSearch, AStoreFromBeforeTheSearchIndexIsUpgradedByItsWriter) {
  TempDb db;
  const auto old_id = trace::default_id_generator().new_trace_id();
  make_store_before_search(db.path, old_id, kBase);
  auto writer = SpanStore::open(db.path, collector::StoreAccess::write);
  ASSERT_TRUE(writer.ok()) << writer.error().message;
  TraceSpec fresh;
  fresh.start = kBase + 10;
  fresh.service = "old-service";
  fresh.attributes = {{"chat.conversation.id", "new-conversation"}};
  TraceSpec later;  // more spans of the old trace
  later.id = old_id;
  later.start = kBase + 5;
  later.names = {"later.span"};
  later.attributes = {{"chat.conversation.id", "too-late"}};
  store_all(**writer, {fresh, later});
  TraceQuery q;
  q.service = "old-service";
  EXPECT_EQ(search(**writer, q), std::vector<trace::TraceId>{fresh.id});
  q = {};
  q.conversation_id = "too-late";
  EXPECT_TRUE(search(**writer, q).empty());
  q = {};
  q.errors_only = true;
  EXPECT_EQ(search(**writer, q), std::vector<trace::TraceId>{old_id});
  q = {};
  q.trace_id = old_id;
  EXPECT_EQ(search(**writer, q), std::vector<trace::TraceId>{old_id});
  q = {};
  EXPECT_EQ(search(**writer, q), (std::vector<trace::TraceId>{fresh.id, old_id}));
  const auto old_summary = (*writer)->trace_summary(old_id);
  ASSERT_TRUE(old_summary.ok() && old_summary->has_value());
  EXPECT_EQ((**old_summary).span_count, 2u);
  EXPECT_EQ((**old_summary).conversation_id, "");
  // A viewer opened after the upgrade searches it too.
  auto viewer = SpanStore::open(db.path);
  ASSERT_TRUE(viewer.ok());
  q = {};
  q.conversation_id = "new-conversation";
  EXPECT_EQ(search(**viewer, q), std::vector<trace::TraceId>{fresh.id});
}

// Keys a collector was told to index: found by their values in the traces indexed since
// (by both plans, up to the last slot), kept by the store for later runs, seen by a
// viewer opened before they were added; traces indexed before a key was added are not
// found by it.
TEST(TraceSearch, AddedKeysAreSearchableAndKept) {
  TempDb db;
  TraceSpec before;
  before.start = kBase;
  before.attributes = {{"order.id", "o-1"}};
  {
    auto store = SpanStore::open(db.path, collector::StoreAccess::write);
    ASSERT_TRUE(store.ok());
    store_all(**store, {before});
  }
  auto viewer = SpanStore::open(db.path, collector::StoreAccess::read);
  ASSERT_TRUE(viewer.ok());
  EXPECT_EQ((*viewer)->indexed_keys().size(), otlp::kIndexedSpanAttributes.size());
  EXPECT_FALSE((*viewer)->index_attributes({"order.id"}).ok());  // a viewer does not choose

  std::vector<TraceSpec> traces(40);
  std::vector<std::string> extra;
  for (std::size_t i = otlp::kIndexedSpanAttributes.size(); i < otlp::kMaxIndexedSpanAttributes; ++i) {
    extra.push_back(i == 5 ? "order.id" : "key." + std::to_string(i));
  }
  for (std::size_t i = 0; i < traces.size(); ++i) {
    traces[i].start = kBase + 1000 + i;
    traces[i].attributes = {{"order.id", i % 4 == 0 ? "o-1" : "o-" + std::to_string(100 + i)},
                            {extra.back(), static_cast<std::int64_t>(i % 3)}};
  }
  {
    auto store = SpanStore::open(db.path, collector::StoreAccess::write);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->index_attributes(extra).ok());
    EXPECT_EQ((*store)->indexed_keys().size(), otlp::kMaxIndexedSpanAttributes);
    EXPECT_EQ((*store)->indexed_keys().slot("order.id"), 5);
    const auto full = (*store)->index_attributes({"one.too.many"});
    ASSERT_FALSE(full.ok());
    EXPECT_NE(full.error().message.find("at most"), std::string::npos) << full.error().message;
    store_all(**store, traces, 7);
  }
  {
    auto store = SpanStore::open(db.path, collector::StoreAccess::write);  // a later run, told nothing
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->index_attributes({}).ok());
    EXPECT_EQ((*store)->indexed_keys().slot(extra.back()), static_cast<int>(otlp::kMaxIndexedSpanAttributes - 1));
  }
  TraceQuery q;
  q.attributes = {{"order.id", "o-1"}};
  const auto want = expected(traces, [](const TraceSpec& t) { return has_attribute(t, "order.id", "o-1"); });
  ASSERT_EQ(want.size(), 10u);  // and not `before`, indexed before the key was
  for (const std::size_t rows : {std::size_t{0}, SIZE_MAX}) {
    std::set<SearchPlan> plans;
    EXPECT_EQ(all_pages(**viewer, q, 3, rows, &plans), want);  // the viewer reads the new keys
    EXPECT_EQ(plans, std::set<SearchPlan>{rows == 0 ? SearchPlan::by_start : SearchPlan::by_term});
  }
  q.attributes = {{extra.back(), "2"}};
  EXPECT_EQ(all_pages(**viewer, q, 50).size(), 13u);  // i % 3 == 2 for 13 of 40
  q.attributes = {{"not.indexed", "x"}};
  const auto refused = (*viewer)->search_traces(q);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("order.id"), std::string::npos) << refused.error().message;
}
