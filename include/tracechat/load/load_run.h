// A load run: many traced guests chatting at once, each a real client::ChatSession that
// performs the handshake, attaches its trace context, sends its messages at a human pace
// (never above the platform's 2 a second), awaits each answer and leaves. Guests share
// a few event loops (no thread per guest) and are started evenly over the ramp.
//
// What the run measures on the guest side is here; whether each message's Data Action
// call landed in its chat's trace is checked afterwards in a trace store (correlation.h).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "tracechat/load/latency_histogram.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::load {

// How a guest connects. Web Messaging guests of an auto-start deployment attach their
// context on the Join, and the flow answers the Join before the guest writes.
enum class GuestKind { guest_chat, web_messaging, web_messaging_auto_start };
const char* to_string(GuestKind kind) noexcept;

struct LoadOptions {
  std::size_t guests = 50;
  // Guest i is of kind kinds[i % kinds.size()].
  std::vector<GuestKind> kinds = {GuestKind::guest_chat};
  // The URL guest i of `kind` connects to (each guest-chat guest needs its own guest id).
  std::function<std::string(std::size_t guest, GuestKind kind)> url_for;
  // Each guest sends `messages_per_guest`, or else stays `duration` from its start, writing.
  std::optional<std::size_t> messages_per_guest;
  std::chrono::milliseconds duration{std::chrono::seconds(60)};
  std::chrono::milliseconds ramp{std::chrono::seconds(10)};  // guests start evenly over it
  // Messages per second per guest, on average, above 0 and at most 2: the gaps are random
  // (exponential), at least 0.5 s (the platform's 2 a second) and at most five times the
  // mean, and each message waits for the answer to the one before (or for reply_timeout).
  double rate = 1.0 / 15;
  std::chrono::milliseconds reply_timeout{std::chrono::seconds(10)};
  trace::Tracer tracer;  // where the guests' spans go
  unsigned loops = 2;    // event-loop threads the guests share
  std::uint64_t seed = 1;
  std::size_t first_guest = 0;  // the index of guest 0 (shards number their guests apart)
  // Asked every 50 ms; true ends the run early (Ctrl-C), with what it has.
  std::function<bool()> stop_requested;
};

// Live counts for a progress display, updated as the run goes.
struct LoadProgress {
  std::atomic<std::uint64_t> guests_started{0}, guests_connected{0}, guests_finished{0}, guests_failed{0};
  std::atomic<std::uint64_t> sent{0}, acknowledged{0}, answered{0};
  std::atomic<std::uint64_t> rate_limited{0}, reconnects{0}, errors{0};
};

// A slice of the run's time (KindReport::window_seconds long, counted from the run's
// start): the messages sent in it and the answers that came in it, with their latency.
// What the HTML report draws over time.
struct TimeWindow {
  std::uint64_t sent = 0;
  LatencyHistogram answered;
};

// What the guests of one kind saw.
struct KindReport {
  std::uint64_t sessions_opened = 0;  // reached the active state
  std::uint64_t sessions_failed = 0;
  std::uint64_t messages_sent = 0;          // handed to the session
  std::uint64_t messages_acknowledged = 0;  // the server took it
  std::uint64_t messages_answered = 0;      // an answer followed it
  std::uint64_t messages_unanswered = 0;    // acknowledged, but no answer within reply_timeout
  std::uint64_t messages_lost = 0;          // refused, or never acknowledged
  std::uint64_t messages_duplicated = 0;    // acknowledged twice, or an answer with nothing asked
  std::uint64_t rate_limited = 0;           // 429s and waits for the local bucket
  std::uint64_t reconnects = 0;
  std::vector<std::string> errors;  // the first few, with the guest
  LatencyHistogram handshake;       // open → connected
  LatencyHistogram context;         // open → context attached
  LatencyHistogram acknowledged;    // send → acknowledged
  LatencyHistogram answered;        // send → answer
  // Windows of one second from the run's start; a run longer than kMaxWindows of them
  // has its windows joined in pairs (and window_seconds doubled) as often as it takes,
  // so that a run of a day holds the same bounded timeline as a run of a minute.
  static constexpr std::size_t kMaxWindows = 512;
  std::uint64_t window_seconds = 1;
  std::vector<TimeWindow> timeline;
  void merge(const KindReport& other);
  // The window `at` falls in (the timeline grows to it).
  TimeWindow& window(std::chrono::steady_clock::time_point started, std::chrono::steady_clock::time_point at);
  // Windows twice as long (pairs joined).
  void coarsen();
};

// One guest, for the correlation check.
struct GuestRecord {
  std::size_t index = 0;
  GuestKind kind = GuestKind::guest_chat;
  std::string trace_id;  // hex
  std::uint64_t acknowledged = 0;
  bool failed = false;
};

struct LoadResult {
  std::map<std::string, KindReport> kinds;  // by to_string(kind)
  std::vector<GuestRecord> guests;
  std::chrono::milliseconds wall{0};
  bool interrupted = false;  // stop_requested ended it
  // Another part of the same run (a shard, a guest process): kinds merged, its guests
  // added, the longer wall time, interrupted if either was.
  void merge(LoadResult&& part);
};

// The guests shard K (1..N) of a run of `guests` runs: a contiguous part, the parts of
// 1..N together each guest once. Guest indices name guests across shards.
struct GuestRange {
  std::size_t first = 0, count = 0;
};
GuestRange shard_range(std::size_t guests, std::size_t shard, std::size_t shards);

// Runs the guests to the end (each finished, or failed). `progress` may be null.
LoadResult run_load(const LoadOptions& options, LoadProgress* progress = nullptr);

}  // namespace tracechat::load
