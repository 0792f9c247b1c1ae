// The load report's JSON both ways, the merge of shards' reports, the shards' partition of
// the guests, and the HTML page: what `tracechat load merge` and `--html` rest on.
#include "tracechat/load/load_report.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tracechat/load/html_report.h"

using namespace tracechat;
using namespace std::chrono_literals;

namespace {

// A shard's report as a run would write it: `guests` guests from `first`, each with two
// acknowledged and answered messages.
load::LoadReport shard_report(std::size_t shard, std::size_t shards, std::size_t total_guests) {
  load::LoadReport r;
  r.guests = total_guests;
  r.shard = shard;
  r.shards = shards;
  r.kinds = "guest-chat";
  r.target = "local";
  r.duration_seconds = 60;
  r.rate_per_guest = 0.5;
  const auto part = load::shard_range(total_guests, shard, shards);
  auto& k = r.result.kinds["guest-chat"];
  const auto start = std::chrono::steady_clock::time_point{};
  for (std::size_t i = 0; i < part.count; ++i) {
    ++k.sessions_opened;
    k.messages_sent += 2;
    k.messages_acknowledged += 2;
    k.messages_answered += 2;
    for (int m = 0; m < 2; ++m) {
      const auto latency = std::chrono::microseconds(1000 * (part.first + i + 1) + m);
      k.answered.record(latency);
      ++k.window(start, start + std::chrono::seconds(part.first + i)).sent;
      k.window(start, start + std::chrono::seconds(part.first + i)).answered.record(latency);
    }
    r.result.guests.push_back({part.first + i, load::GuestKind::guest_chat, std::string(32, 'a'), 2, false});
  }
  r.result.wall = std::chrono::milliseconds(1000 * static_cast<std::int64_t>(shard));
  load::CorrelationReport c;
  c.messages = c.correlated = c.data_action_spans = 2 * part.count;
  c.data_action.record(5ms);
  r.correlation = c;
  r.data_action_calls = 2 * part.count;
  r.data_action_failures = 0;
  r.flow_runs_dropped = 0;
  r.resources = {{"this process", 1.5, 2048}};
  r.cpu_by_part = {{"emulator", 0.5}};
  r.spans_exported = 3 * part.count;
  return r;
}

load::LoadReport round_trip(const load::LoadReport& r) {
  const auto text = boost::json::serialize(load::to_json(r));
  auto back = load::report_from_json(boost::json::parse(text));
  EXPECT_TRUE(back) << (back ? "" : back.error().message);
  return back ? *back : load::LoadReport{};
}

}  // namespace

TEST(ShardRange, PartsCoverEveryGuestOnce) {
  for (std::size_t guests : {1u, 7u, 10u, 1001u}) {
    for (std::size_t shards = 1; shards <= std::min<std::size_t>(guests, 6); ++shards) {
      std::size_t next = 0;
      for (std::size_t k = 1; k <= shards; ++k) {
        const auto part = load::shard_range(guests, k, shards);
        EXPECT_EQ(part.first, next) << guests << " " << k << "/" << shards;
        EXPECT_GE(part.count, guests / shards);
        EXPECT_LE(part.count, guests / shards + 1);
        next = part.first + part.count;
      }
      EXPECT_EQ(next, guests);
    }
  }
  EXPECT_EQ(load::shard_range(10, 0, 2).count, 0u);
  EXPECT_EQ(load::shard_range(10, 3, 2).count, 0u);
}

TEST(LoadReportJson, RoundTripKeepsEveryFigure) {
  const auto r = shard_report(2, 3, 10);
  const auto back = round_trip(r);
  EXPECT_EQ(boost::json::serialize(load::to_json(back)), boost::json::serialize(load::to_json(r)));
  EXPECT_EQ(back.shard, 2u);
  EXPECT_EQ(back.shards, 3u);
  ASSERT_EQ(back.result.guests.size(), 3u);
  EXPECT_EQ(back.result.guests[0].index, 3u);
  EXPECT_EQ(back.result.kinds.at("guest-chat").answered.percentile(0.5),
            r.result.kinds.at("guest-chat").answered.percentile(0.5));
  EXPECT_EQ(back.result.kinds.at("guest-chat").timeline.size(), r.result.kinds.at("guest-chat").timeline.size());
}

TEST(LoadReportJson, RefusesWhatIsNotAReport) {
  const auto refused = [](const char* text) {
    auto r = load::report_from_json(boost::json::parse(text));
    return r ? std::string() : r.error().message;
  };
  EXPECT_NE(refused(R"({"tool": "something else"})").find("not a `tracechat load` report"), std::string::npos);
  EXPECT_NE(refused(R"({"tool": "tracechat load", "guests": -1, "kinds": "x", "target": "t"})").find("guests"),
            std::string::npos);
  EXPECT_NE(refused(R"({"tool": "tracechat load", "guests": 1, "kinds": "x", "target": "t",
                        "by_kind": {"carrier-pigeon": {}}})")
                .find("carrier-pigeon"),
            std::string::npos);
  EXPECT_NE(refused(R"({"tool": "tracechat load", "guests": 1, "kinds": "x", "target": "t",
                        "guest_records": [[0, "guest-chat", "t"]]})")
                .find("guest_records"),
            std::string::npos);
  EXPECT_NE(refused(R"({"tool": "tracechat load", "guests": 1, "kinds": "x", "target": "t",
                        "by_kind": {"guest-chat": {"timeline": [[999999999, 1, {"buckets": []}]]}}})")
                .find("timeline"),
            std::string::npos);
  EXPECT_NE(refused(R"({"tool": "tracechat load", "guests": 1, "kinds": "x", "target": "t",
                        "shard": {"index": 3, "of": 2}})")
                .find("shard"),
            std::string::npos);
}

TEST(MergeShards, CountsAddUpAndPercentilesComeFromTheMergedHistograms) {
  const auto whole = shard_report(1, 1, 10);
  auto merged = load::merge_shards(
      {round_trip(shard_report(2, 3, 10)), round_trip(shard_report(1, 3, 10)), round_trip(shard_report(3, 3, 10))});
  ASSERT_TRUE(merged) << merged.error().message;
  const auto& m = merged->result.kinds.at("guest-chat");
  const auto& w = whole.result.kinds.at("guest-chat");
  EXPECT_EQ(m.sessions_opened, w.sessions_opened);
  EXPECT_EQ(m.messages_sent, w.messages_sent);
  EXPECT_EQ(m.messages_answered, w.messages_answered);
  for (double p : {0.5, 0.9, 0.99, 1.0}) EXPECT_EQ(m.answered.percentile(p), w.answered.percentile(p)) << p;
  ASSERT_EQ(m.timeline.size(), w.timeline.size());
  for (std::size_t i = 0; i < w.timeline.size(); ++i) {
    EXPECT_EQ(m.timeline[i].sent, w.timeline[i].sent);
    EXPECT_EQ(m.timeline[i].answered.count(), w.timeline[i].answered.count());
  }
  EXPECT_EQ(merged->correlation->messages, 20u);
  EXPECT_EQ(merged->correlation->correlated, 20u);
  EXPECT_EQ(*merged->data_action_calls, 20u);
  EXPECT_EQ(merged->spans_exported, 30u);
  EXPECT_EQ(merged->result.guests.size(), 10u);
  EXPECT_EQ(merged->result.wall, 3000ms);  // the longest shard's
  EXPECT_EQ(merged->shard, 0u);
  EXPECT_EQ(merged->shards, 3u);
  ASSERT_EQ(merged->resources.size(), 3u);
  EXPECT_EQ(merged->resources[0].what, "shard 1: this process");
  EXPECT_TRUE(load::problems(*merged).empty());
  EXPECT_NE(load::to_text(*merged).find("merged from 3 shards"), std::string::npos);
}

TEST(MergeShards, RefusesAnIncompleteOrMixedSet) {
  const auto error = [](std::vector<load::LoadReport> reports) {
    auto merged = load::merge_shards(std::move(reports));
    return merged ? std::string() : merged.error().message;
  };
  EXPECT_EQ(error({shard_report(1, 2, 10)}), "shard 2 of 2 is missing");
  EXPECT_EQ(error({shard_report(1, 2, 10), shard_report(1, 2, 10)}), "shard 1 of 2 is given twice");
  EXPECT_NE(error({shard_report(1, 2, 10), shard_report(2, 3, 10)}).find("not the same run"), std::string::npos);
  EXPECT_NE(error({shard_report(1, 2, 10), shard_report(2, 2, 12)}).find("not the same run"), std::string::npos);
  auto whole = shard_report(1, 1, 10);
  whole.shard = 0;
  EXPECT_NE(error({whole}).find("a whole run's, not a shard's"), std::string::npos);
  auto stray = shard_report(2, 2, 10);
  stray.result.guests[0].index = 0;  // shard 1's guest
  EXPECT_NE(error({shard_report(1, 2, 10), stray}).find("outside its part 5..9"), std::string::npos);
  EXPECT_EQ(error({}), "no reports to merge");
  // The command names each report by its file.
  auto named = load::merge_shards({shard_report(1, 2, 10), shard_report(2, 3, 10)}, {"a.json", "b.json"});
  ASSERT_FALSE(named);
  EXPECT_EQ(named.error().message, "b.json is shard 2 of 3, a.json of 2: not the same run");
}

TEST(MergeShards, OneShardUncheckedLeavesTheMergeUnchecked) {
  auto second = shard_report(2, 2, 10);
  second.correlation.reset();
  second.correlation_not_checked = "no --otlp-endpoint";
  auto merged = load::merge_shards({shard_report(1, 2, 10), second});
  ASSERT_TRUE(merged);
  EXPECT_FALSE(merged->correlation);
  EXPECT_EQ(merged->correlation_not_checked, "shard 2: no --otlp-endpoint");
}

TEST(HtmlReport, DrawsTheTimelineAndEscapesEveryText) {
  auto r = shard_report(1, 1, 10);
  r.shard = 0;
  r.target = "ws://x/<script>alert('t')</script>&";
  r.result.kinds.at("guest-chat").errors = {"guest 1: \"<b>\""};
  r.result.kinds.at("guest-chat").messages_lost = 1;
  const auto page = load::to_html(r);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_NE(page.find("ws://x/&lt;script&gt;alert(&#39;t&#39;)&lt;/script&gt;&amp;"), std::string::npos);
  EXPECT_NE(page.find("FAIL"), std::string::npos);
  EXPECT_NE(page.find("1 messages lost"), std::string::npos);
  EXPECT_NE(page.find("guest-chat: guest 1: &quot;&lt;b&gt;&quot;"), std::string::npos);
  // A cell of the heat map per second with answers (one guest a second here), and the
  // percentile lines over them.
  std::size_t cells = 0;
  for (auto at = page.find("fill=\"#4a7bd0\" fill-opacity"); at != std::string::npos;
       at = page.find("fill=\"#4a7bd0\" fill-opacity", at + 1)) {
    ++cells;
  }
  EXPECT_EQ(cells, 10u);
  EXPECT_NE(page.find("<polyline"), std::string::npos);
}

TEST(LatencyHistogramCounts, AtMostALimit) {
  load::LatencyHistogram h;
  for (int ms : {1, 2, 3, 50, 900}) h.record(std::chrono::milliseconds(ms));
  EXPECT_EQ(h.count_at_most(0us), 0u);
  EXPECT_EQ(h.count_at_most(4ms), 3u);
  EXPECT_EQ(h.count_at_most(1s), 5u);
  EXPECT_EQ(h.count_at_most(-1us), 0u);
}

// A long run's timeline stays bounded: its windows join in pairs, nothing is lost, and
// timelines of different window lengths merge in the longer one.
TEST(Timeline, LongRunsJoinWindowsAndKeepEveryCount) {
  load::KindReport longer;
  const auto start = std::chrono::steady_clock::time_point{};
  for (int second = 0; second < 2000; ++second) {
    ++longer.window(start, start + std::chrono::seconds(second)).sent;
    longer.window(start, start + std::chrono::seconds(second)).answered.record(std::chrono::milliseconds(second % 7));
  }
  EXPECT_EQ(longer.window_seconds, 4u);
  EXPECT_LE(longer.timeline.size(), load::KindReport::kMaxWindows);
  std::uint64_t sent = 0, answered = 0;
  for (const auto& w : longer.timeline) {
    sent += w.sent;
    answered += w.answered.count();
  }
  EXPECT_EQ(sent, 2000u);
  EXPECT_EQ(answered, 2000u);
  EXPECT_EQ(longer.timeline[1].sent, 4u);  // seconds 4..7

  load::KindReport shorter;
  for (int second = 0; second < 10; ++second) ++shorter.window(start, start + std::chrono::seconds(second)).sent;
  shorter.merge(longer);
  EXPECT_EQ(shorter.window_seconds, 4u);
  EXPECT_EQ(shorter.timeline[0].sent, 4u + 4u);  // seconds 0..3 of both
  EXPECT_EQ(shorter.timeline[2].sent, 4u + 2u);  // seconds 8..11: 8 and 9 of the shorter
  longer.merge(load::KindReport{});              // an empty report changes nothing
  EXPECT_EQ(longer.window_seconds, 4u);
  EXPECT_EQ(longer.timeline[1].sent, 4u);
}
