// `tracechat load`: many traced guests at a human pace through the whole path, then the
// report — latency, loss, resource use, and whether every message's Data Action call
// landed in its chat's trace (docs/load.md). Without --target it starts the path itself,
// as the demo does: the emulator running the kit's flow and Data Action, the bridge, an
// orders service and the collector.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <span>
#include <thread>

#include "commands.h"
#include "load_workers.h"
#include "local_stack.h"
#include "signals.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/conventions.h"
#include "tracechat/load/html_report.h"
#include "tracechat/load/load_report.h"
#include "tracechat/net/url.h"
#include "tracechat/protocol/uuid.h"
#include "tracechat/version.h"

namespace tracechat::cli {
namespace {

using namespace std::chrono_literals;

struct LoadCommandOptions {
  std::size_t guests = 50;
  std::string dialect = "mixed";
  double duration = 60;
  std::size_t messages_per_guest = 0;  // 0: by duration
  double ramp = 10;
  double rate = 1.0 / 15;
  double reply_timeout = 10;
  std::string target;
  std::string auto_start;  // with --target: on, or off (empty)
  bool allow_remote = false;
  std::string otlp_endpoint;
  std::string trace_db;
  std::string report;
  std::string dir;
  unsigned loops = 2;
  std::uint64_t seed = 1;
  std::string fault;   // FROM:TO seconds: the orders service down in between
  std::string shard;   // K/N
  int processes = -1;  // -1: the default (see --processes)
  std::string html;
};

// "K/N", 1 <= K <= N <= guests.
Result<std::pair<std::size_t, std::size_t>> parse_shard(const std::string& text, std::size_t guests) {
  const auto slash = text.find('/');
  std::size_t k = 0, n = 0;
  try {
    std::size_t used_k = 0, used_n = 0;
    if (slash == std::string::npos || slash == 0 || !std::isdigit(static_cast<unsigned char>(text[0])) ||
        slash + 1 >= text.size() || !std::isdigit(static_cast<unsigned char>(text[slash + 1]))) {
      throw std::invalid_argument("");
    }
    k = std::stoul(text.substr(0, slash), &used_k);
    n = std::stoul(text.substr(slash + 1), &used_n);
    if (used_k != slash || used_n != text.size() - slash - 1) throw std::invalid_argument("");
  } catch (const std::exception&) {
    return Error{"--shard: expected K/N (this machine runs part K of N, e.g. 2/3), got '" + text + "'"};
  }
  if (k < 1 || k > n) return Error{"--shard " + text + ": K must be from 1 to N"};
  if (n > guests) {
    return Error{"--shard " + text + ": more shards than guests (" + std::to_string(guests) +
                 "); every shard needs a guest"};
  }
  return std::make_pair(k, n);
}

// Only an address says it is loopback: a name such as 127.example.com may be anywhere.
bool is_loopback(const std::string& host) {
  if (host == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

// A number of seconds a user gave: finite and within a day (longer makes no load run, and
// it bounds the arithmetic on time points).
Result<std::chrono::milliseconds> seconds_option(const char* name, double value, bool zero_allowed) {
  if (!std::isfinite(value) || value < 0 || (!zero_allowed && value == 0) || value > 86400) {
    return Error{std::string(name) + ": seconds " + (zero_allowed ? "from 0" : "above 0") + " up to 86400, not " +
                 std::to_string(value)};
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(value * 1000));
}

std::vector<load::GuestKind> kinds_for(const LoadCommandOptions& o) {
  using load::GuestKind;
  if (o.dialect == "guest-chat") return {GuestKind::guest_chat};
  if (o.dialect == "web-messaging") {
    if (!o.target.empty())
      return {o.auto_start == "on" ? GuestKind::web_messaging_auto_start : GuestKind::web_messaging};
    return {GuestKind::web_messaging};
  }
  return {GuestKind::guest_chat, GuestKind::web_messaging, GuestKind::web_messaging_auto_start};
}

// "FROM:TO" in seconds from the start, FROM < TO.
Result<std::pair<double, double>> parse_fault(const std::string& text) {
  const auto colon = text.find(':');
  try {
    if (colon == std::string::npos) throw std::invalid_argument("");
    std::size_t used_from = 0, used_to = 0;
    const double from = std::stod(text.substr(0, colon), &used_from);
    const double to = std::stod(text.substr(colon + 1), &used_to);
    if (used_from != colon || used_to != text.size() - colon - 1 || !std::isfinite(from) || !std::isfinite(to) ||
        from < 0 || to <= from || to > 86400) {
      throw std::invalid_argument("");
    }
    return std::make_pair(from, to);
  } catch (const std::exception&) {
    return Error{"--fault-upstream-down: expected FROM:TO, seconds from the start with FROM < TO (e.g. 5:10), got '" +
                 text + "'"};
  }
}

// One line of live counts: rewritten in place on a terminal, a new line every few
// seconds otherwise (a CI log).
class ProgressPrinter {
 public:
  ProgressPrinter(std::span<const load::LoadProgress> progress, std::size_t guests)
      : progress_(progress), guests_(guests), tty_(isatty(STDERR_FILENO) != 0), thread_([this] { run(); }) {}
  ~ProgressPrinter() {
    stop_ = true;
    thread_.join();
    if (tty_) std::fputc('\n', stderr);
  }

 private:
  void run() {
    const auto started = std::chrono::steady_clock::now();
    const auto every = tty_ ? 1s : 5s;
    auto next = started + every;
    std::uint64_t sent_before = 0;
    while (!stop_) {
      std::this_thread::sleep_for(100ms);
      if (std::chrono::steady_clock::now() < next) continue;
      next += every;
      Counts p;
      for (const auto& one : progress_) p.add(one);
      const std::uint64_t sent = p.sent;
      const double rate = static_cast<double>(sent - sent_before) / std::chrono::duration<double>(every).count();
      sent_before = sent;
      const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr,
                   "%s[%5.0f s] guests %llu/%zu connected, %llu done, %llu failed | messages %llu sent, %llu acked, "
                   "%llu answered, %.1f/s | 429 %llu, reconnects %llu, errors %llu%s",
                   tty_ ? "\r\033[K" : "", elapsed, static_cast<unsigned long long>(p.guests_connected), guests_,
                   static_cast<unsigned long long>(p.guests_finished), static_cast<unsigned long long>(p.guests_failed),
                   static_cast<unsigned long long>(sent), static_cast<unsigned long long>(p.acknowledged),
                   static_cast<unsigned long long>(p.answered), rate, static_cast<unsigned long long>(p.rate_limited),
                   static_cast<unsigned long long>(p.reconnects), static_cast<unsigned long long>(p.errors),
                   tty_ ? "" : "\n");
      std::fflush(stderr);
    }
  }

  // The counts of all the guests' processes, added up.
  struct Counts {
    std::uint64_t guests_connected = 0, guests_finished = 0, guests_failed = 0, sent = 0, acknowledged = 0,
                  answered = 0, rate_limited = 0, reconnects = 0, errors = 0;
    void add(const load::LoadProgress& p) {
      guests_connected += p.guests_connected;
      guests_finished += p.guests_finished;
      guests_failed += p.guests_failed;
      sent += p.sent;
      acknowledged += p.acknowledged;
      answered += p.answered;
      rate_limited += p.rate_limited;
      reconnects += p.reconnects;
      errors += p.errors;
    }
  };

  std::span<const load::LoadProgress> progress_;
  std::size_t guests_;
  bool tty_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// How the guests are spread: over `processes` child processes (0: in this one), with the
// soft descriptor limit raised to what the busiest process needs. Each guest holds a
// socket in the process that runs it, and with the local path the emulator, in this
// process, holds the other end. Without --processes: one guest process with the local
// path (so the guests' CPU and memory are reported apart from the stack's), none with
// --target, and more whenever one process may not open enough descriptors for its
// guests. A run that cannot fit is refused before it starts, with the figures: one that
// fails at guest 9,000 would waste the user's time.
Result<std::size_t> plan_processes(std::size_t guests, bool local, int asked) {
  constexpr rlim_t kSpare = 256;  // the stack's own sockets, files and pipes
  if (asked > 0 && static_cast<std::size_t>(asked) > guests) {
    return Error{"--processes " + std::to_string(asked) + ": more processes than guests (" + std::to_string(guests) +
                 ")"};
  }
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return static_cast<std::size_t>(asked >= 0 ? asked : local ? 1 : 0);
  const bool bounded = limit.rlim_max != RLIM_INFINITY;
  const auto here = [&](std::size_t processes) -> rlim_t {
    return (processes == 0 ? guests : 0) + (local ? guests : 0) + kSpare;
  };
  const auto per_worker = [&](std::size_t processes) -> rlim_t {
    return processes == 0 ? 0 : (guests + processes - 1) / processes + kSpare;
  };
  std::size_t processes = asked >= 0 ? static_cast<std::size_t>(asked) : (local ? 1 : 0);
  if (asked < 0 && bounded && limit.rlim_max > kSpare &&
      std::max(here(processes), per_worker(processes)) > limit.rlim_max) {
    const rlim_t per_process = limit.rlim_max - kSpare;
    processes = std::min<std::size_t>(guests, std::max<std::size_t>(1, (guests + per_process - 1) / per_process));
  }
  const rlim_t needed = std::max(here(processes), per_worker(processes));
  if (limit.rlim_cur >= needed) return processes;
  if (!bounded || limit.rlim_max >= needed) {
    limit.rlim_cur = needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) return processes;
  }
  const bool this_one = here(processes) >= per_worker(processes);
  return Error{std::to_string(guests) + " guests need about " + std::to_string(needed) + " file descriptors in " +
               (this_one ? std::string(local ? "this process (the emulator holds one per guest)" : "this process")
                         : "each of the " + std::to_string(processes) + " guest processes") +
               ", and it may open " + std::to_string(limit.rlim_max) + " (ulimit -n). Run fewer guests" +
               (this_one ? "" : ", more --processes") + ", or raise the limit"};
}

load::ResourceUse this_process(std::string what) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return resource_use(std::move(what), usage);
}

// The guests' spans exported, dropped and refused, once everything is flushed.
void count_spans(const SpanSender& spans, load::LoadReport& report) {
  spans.provider->force_flush(10s);
  const auto stats = spans.processor->stats();
  report.spans_exported = stats.spans_exported;
  report.spans_dropped = stats.spans_dropped;
  report.spans_export_failed = stats.spans_export_failed;
}

// "error: ..." on stderr; the command's exit status 1.
int fail(const Error& e) { return std::fprintf(stderr, "error: %s\n", e.message.c_str()), 1; }

// Where a guest of `kind` connects, from the URLs a run has: a guest-chat guest each under
// its own id (an id names one conversation).
std::string url_for_guest(const WorkerUrls& urls, load::GuestKind kind) {
  switch (kind) {
    case load::GuestKind::guest_chat: {
      std::string url = urls.guest_chat;
      url.replace(url.find("{guest}"), 7, protocol::random_uuid());
      return url;
    }
    case load::GuestKind::web_messaging: return urls.web_messaging;
    case load::GuestKind::web_messaging_auto_start: return urls.web_messaging_auto_start;
  }
  return {};
}

// A guest process's run: its part of the guests, its spans to urls.otlp, its report.
load::LoadReport run_guest_process(load::LoadOptions options, std::size_t processes, std::size_t index,
                                   const WorkerUrls& urls, load::LoadProgress& progress) {
  const auto part = load::shard_range(options.guests, index + 1, processes);
  options.first_guest += part.first;
  options.guests = part.count;
  SpanSender spans;
  if (!urls.otlp.empty()) {
    spans = sender_for("guest-chat-ui", urls.otlp);
    options.tracer = spans.provider->tracer(std::string(conventions::kClientScope), TRACECHAT_VERSION);
  }
  options.url_for = [&urls](std::size_t, load::GuestKind kind) { return url_for_guest(urls, kind); };
  // Ctrl-C reaches every process of the group; a signal for the parent alone it passes on.
  options.stop_requested = [] { return pending_termination_signal() != 0; };
  load::LoadReport report;
  report.result = load::run_load(options, &progress);
  if (spans.provider) count_spans(spans, report);
  return report;
}

// The options a user gave, checked; errors are the user's to fix.
Result<load::LoadOptions> load_options(const LoadCommandOptions& o, load::GuestRange part) {
  if (!(o.rate >= 1.0 / 86400 && o.rate <= 2)) {  // NaN fails both
    return Error{
        "--rate must be above 0 (at least one message a day) and at most 2 messages a second (the platform's "
        "limit)"};
  }
  if (o.target.empty()) {
    for (const auto& [name, given] :
         {std::pair{"--otlp-endpoint", !o.otlp_endpoint.empty()}, std::pair{"--trace-db", !o.trace_db.empty()},
          std::pair{"--allow-remote", o.allow_remote}, std::pair{"--auto-start", !o.auto_start.empty()}}) {
      if (given) return Error{std::string(name) + " goes with --target (the local path has its own)"};
    }
  } else if (!o.trace_db.empty() && o.otlp_endpoint.empty()) {
    return Error{
        "--trace-db needs --otlp-endpoint: without it the guests' spans go nowhere, and no message could be found "
        "in the store"};
  }
  TRACECHAT_TRY(const auto duration, seconds_option("--duration", o.duration, false));
  TRACECHAT_TRY(const auto ramp, seconds_option("--ramp", o.ramp, true));
  TRACECHAT_TRY(const auto reply_timeout, seconds_option("--reply-timeout", o.reply_timeout, false));
  load::LoadOptions options;
  options.guests = part.count;
  options.first_guest = part.first;
  options.kinds = kinds_for(o);
  if (o.messages_per_guest > 0) options.messages_per_guest = o.messages_per_guest;
  options.duration = duration;
  options.ramp = ramp;
  options.rate = o.rate;
  options.reply_timeout = reply_timeout;
  options.loops = o.loops;
  options.seed = o.seed;
  return options;
}

// A guest-chat --target as a guest will use it, with an id where {guest} stands ('{' is
// not allowed in a URL), for checking it.
std::string with_sample_guest(std::string target) {
  if (const auto at = target.find("{guest}"); at != std::string::npos) {
    target.replace(at, 7, "00000000-0000-4000-8000-000000000000");
  }
  return target;
}

// With --target: the URLs it gives, after the checks that keep an org from surprises.
Result<WorkerUrls> target_urls(const LoadCommandOptions& o, std::size_t guests) {
  if (o.dialect == "mixed") return Error{"--target needs --dialect guest-chat or web-messaging"};
  if (o.dialect == "guest-chat" && o.target.find("{guest}") == std::string::npos) {
    return Error{"--target for guest-chat needs {guest} where each guest's id goes (.../v1/ORG/guest/{guest}/connect)"};
  }
  const auto url = net::Url::parse(with_sample_guest(o.target));
  if (!url) return Error{"--target: " + url.error().message};
  const double rate = static_cast<double>(guests) * o.rate;
  char figures[160];
  std::snprintf(figures, sizeof figures, "about %.1f messages/s (%zu guests at %.3f/s each)", rate, guests, o.rate);
  if (!is_loopback(url->host)) {
    if (!o.allow_remote) {
      return Error{url->host + " is not a loopback address: this would send " + figures +
                   " to it. Add --allow-remote if that is what you want"};
    }
    std::fprintf(stderr, "sending %s to %s\n", figures, url->host.c_str());
  }
  WorkerUrls urls;
  (o.dialect == "guest-chat" ? urls.guest_chat
   : o.auto_start == "on"    ? urls.web_messaging_auto_start
                             : urls.web_messaging) = o.target;
  urls.otlp = o.otlp_endpoint;
  return urls;
}

// The orders service down from `fault.first` to `fault.second` seconds after the start,
// on a thread of its own until the run is over.
std::jthread inject_fault(std::pair<double, double> fault, LocalStack& stack, const std::atomic<bool>& run_over) {
  return std::jthread([fault, &stack, &run_over] {
    const auto start = std::chrono::steady_clock::now();
    const auto wait_until = [&](double seconds) {
      const auto at = start + std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
      while (!run_over && std::chrono::steady_clock::now() < at) std::this_thread::sleep_for(20ms);
    };
    wait_until(fault.first);
    if (run_over) {
      std::fprintf(stderr, "fault: the run ended before %.1f s; the orders service never went down\n", fault.first);
      return;
    }
    std::fprintf(stderr, "fault: the orders service is down\n");
    stack.stop_orders();
    wait_until(fault.second);
    if (auto back = stack.start_orders(); !back) {
      std::fprintf(stderr, "fault: the orders service did not come back: %s\n", back.error().message.c_str());
    } else {
      std::fprintf(stderr, "fault: the orders service is back\n");
    }
  });
}

Result<void> write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  out.close();
  if (!out) return Error{"cannot write " + path};
  return {};
}

// The report's text on stdout, its JSON and HTML where asked; 0 when it passed.
int publish(const load::LoadReport& report, const std::string& json_path, const std::string& html_path) {
  std::fputs(load::to_text(report).c_str(), stdout);
  for (const auto& [path, text] :
       {std::pair{json_path, json_path.empty() ? "" : boost::json::serialize(load::to_json(report)) + "\n"},
        std::pair{html_path, html_path.empty() ? "" : load::to_html(report)}}) {
    if (path.empty()) continue;
    if (auto written = write_file(path, text); !written) {
      return fail(written.error());
    }
  }
  return load::problems(report).empty() ? 0 : 1;
}

int run_load_command(const LoadCommandOptions& o) {
  std::pair<std::size_t, std::size_t> shard{0, 1};
  load::GuestRange part{0, o.guests};
  if (!o.shard.empty()) {
    auto parsed = parse_shard(o.shard, o.guests);
    if (!parsed) return fail(parsed.error());
    shard = *parsed;
    part = load::shard_range(o.guests, shard.first, shard.second);
  }
  auto checked = load_options(o, part);
  if (!checked) return fail(checked.error());
  load::LoadOptions options = std::move(*checked);
  std::optional<std::pair<double, double>> fault;
  if (!o.fault.empty()) {
    auto parsed = parse_fault(o.fault);
    if (!parsed) return fail(parsed.error());
    if (!o.target.empty()) return fail(Error{"--fault-upstream-down needs the local path (no --target)"});
    fault = *parsed;
  }
  std::optional<WorkerUrls> given_urls;
  if (!o.target.empty()) {
    auto urls = target_urls(o, part.count);
    if (!urls) return fail(urls.error());
    given_urls = std::move(*urls);
  }
  auto processes = plan_processes(part.count, o.target.empty(), o.processes);
  if (!processes) return fail(processes.error());

  load::LoadReport report;
  report.guests = o.guests;
  report.shard = shard.first;
  report.shards = shard.second;
  report.kinds = o.dialect;
  report.messages_per_guest = options.messages_per_guest;
  report.duration_seconds = o.messages_per_guest > 0 ? 0 : o.duration;
  report.ramp_seconds = o.ramp;
  report.rate_per_guest = o.rate;

  // Forked now, while this process has no thread but this one.
  std::unique_ptr<LoadWorkers> workers;
  if (*processes > 0) {
    auto forked = LoadWorkers::fork(*processes, [&options, n = *processes](std::size_t index, const WorkerUrls& urls,
                                                                           load::LoadProgress& progress) {
      return run_guest_process(options, n, index, urls, progress);
    });
    if (!forked) return fail(forked.error());
    workers = std::move(*forked);
  }

  std::unique_ptr<LocalStack> stack;
  WorkerUrls urls;
  std::filesystem::path trace_db = o.trace_db;
  if (given_urls) {
    urls = *given_urls;
    report.target = o.target.substr(0, o.target.find('?'));  // (the query may name the deployment)
  } else {
    const auto work = prepare_work_dir(o.dir, "tracechat-load");
    if (work.empty()) return 1;
    LocalStackOptions stack_options;
    stack_options.work = work;
    stack_options.transfer_to_acd = false;  // the flow runs, Data Action and all, for every message
    auto started = start_local_stack(stack_options);
    if (!started) return fail(Error{started.error().message});
    stack = std::move(*started);
    trace_db = stack->trace_db;
    report.target = "local (files in " + work.string() + ")";
    urls = {stack->guest_chat_url("{guest}"), stack->web_messaging_url(false), stack->web_messaging_url(true),
            stack->collector->url()};
  }

  std::atomic<bool> run_over{false};
  std::jthread fault_thread;  // joined however this function ends
  if (fault) fault_thread = inject_fault(*fault, *stack, run_over);
  if (workers) {
    workers->start(urls);
    LoadWorkers::Finished parts;
    {
      ProgressPrinter printer(workers->progress(), part.count);
      parts = workers->finish();
    }
    for (const auto& f : parts.failures) std::fprintf(stderr, "error: %s\n", f.c_str());
    report.process_failures = std::move(parts.failures);
    for (auto& p : parts.reports) {
      report.result.merge(std::move(p.result));
      for (auto& r : p.resources) report.resources.push_back(std::move(r));
      report.spans_exported += p.spans_exported;
      report.spans_dropped += p.spans_dropped;
      report.spans_export_failed += p.spans_export_failed;
    }
  } else {
    SpanSender guest_spans;
    if (stack) {
      options.tracer = stack->chat.provider->tracer(std::string(conventions::kClientScope), TRACECHAT_VERSION);
    } else if (!urls.otlp.empty()) {
      guest_spans = sender_for("guest-chat-ui", urls.otlp);
      options.tracer = guest_spans.provider->tracer(std::string(conventions::kClientScope), TRACECHAT_VERSION);
    }
    options.url_for = [&urls](std::size_t, load::GuestKind kind) { return url_for_guest(urls, kind); };
    options.stop_requested = [] { return pending_termination_signal() != 0; };
    load::LoadProgress progress;
    {
      ProgressPrinter printer({&progress, 1}, part.count);
      report.result = load::run_load(options, &progress);
    }
    SpanSender* spans = stack ? &stack->chat : (guest_spans.provider ? &guest_spans : nullptr);
    if (spans != nullptr) count_spans(*spans, report);
  }
  run_over = true;
  if (fault_thread.joinable()) fault_thread.join();

  if (stack) {
    stack->flush();  // everything exported and stored before it is counted and checked
    const auto flows = stack->platform->flow_stats();
    report.data_action_calls = flows.action_calls;
    report.data_action_failures = flows.action_failures;
    report.flow_runs_dropped = flows.dropped;
  }
  if (trace_db.empty()) {
    report.correlation_not_checked = o.otlp_endpoint.empty()
                                         ? "no --otlp-endpoint: the guests' spans went nowhere"
                                         : "the guests' spans went to --otlp-endpoint; give --trace-db to check them";
  } else {
    auto store = collector::SpanStore::open(trace_db);
    if (!store) return fail(store.error());
    auto correlation = load::check_correlation(**store, report.result.guests);
    if (!correlation) return fail(correlation.error());
    report.correlation = std::move(*correlation);
  }
  const char* self_is = stack ? (workers ? "this process (emulator, bridge, orders service, collector)"
                                         : "this process (guests, emulator, bridge, orders service, collector)")
                              : (workers ? "this process (driving the guest processes)" : "this process (guests)");
  const auto self = this_process(self_is);
  report.resources.insert(report.resources.begin(), self);
  if (stack) {
    double parts = 0;
    for (const auto& [part_name, cpu] : stack->cpu_by_part()) {
      if (workers && part_name == "guest span export") continue;  // idle: the guests export from their processes
      report.cpu_by_part.emplace_back(part_name, cpu);
      parts += cpu;
    }
    report.cpu_by_part.emplace_back(workers ? "the rest of this process" : "guests and the rest of this process",
                                    std::max(0.0, self.cpu_seconds - parts));
    if (workers) {
      double guests = 0;
      for (std::size_t i = 1; i < report.resources.size(); ++i) guests += report.resources[i].cpu_seconds;
      report.cpu_by_part.emplace_back("guests (" + std::to_string(workers->size()) + " processes)", guests);
    }
  }
  const int status = publish(report, o.report, o.html);
  if (stack) stack->platform->stop();
  return status;
}

// `tracechat load merge`: one report from the shards' reports.
struct MergeCommandOptions {
  std::vector<std::string> reports;
  std::string report, html, trace_db;
};

int run_merge_command(const MergeCommandOptions& o) {
  std::vector<load::LoadReport> shards;
  for (const auto& path : o.reports) {
    std::ifstream in(path);
    if (!in) return std::fprintf(stderr, "error: cannot read %s\n", path.c_str()), 1;
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    boost::system::error_code ec;
    const auto json = boost::json::parse(text, ec);
    if (ec) return std::fprintf(stderr, "error: %s: not JSON (%s)\n", path.c_str(), ec.message().c_str()), 1;
    auto report = load::report_from_json(json);
    if (!report) return std::fprintf(stderr, "error: %s: %s\n", path.c_str(), report.error().message.c_str()), 1;
    shards.push_back(std::move(*report));
  }
  auto merged = load::merge_shards(std::move(shards), o.reports);
  if (!merged) return fail(merged.error());
  if (!o.trace_db.empty()) {
    auto store = collector::SpanStore::open(o.trace_db);
    if (!store) return fail(store.error());
    auto correlation = load::check_correlation(**store, merged->result.guests);
    if (!correlation) return fail(correlation.error());
    merged->correlation = std::move(*correlation);
  }
  return publish(*merged, o.report, o.html);
}

}  // namespace

void add_load_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<LoadCommandOptions>();
  auto* cmd = app.add_subcommand(
      "load",
      "Run many traced guests at a human pace through the whole path and report latency, loss,\n"
      "resource use and correlation: whether every acknowledged message's Data Action call landed in\n"
      "its chat's trace, under its chat.send_message span. Without --target it starts the path in\n"
      "this process (emulator with the kit's flow and Data Action, bridge, orders service, collector)\n"
      "and runs the guests in a child process.\n"
      "Exit status 1 when correlation is below 100 %, a Data Action failed, a message was lost,\n"
      "duplicated or unanswered, a session failed, or a flow run or a span was dropped");
  cmd->add_option("--guests", o->guests, "guests in the run")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--dialect", o->dialect,
                  "guest-chat, web-messaging, or mixed (guest-chat, Web Messaging, Web Messaging with\n"
                  "auto-start, in turn; local only)")
      ->check(CLI::IsMember({"guest-chat", "web-messaging", "mixed"}))
      ->capture_default_str();
  auto* duration =
      cmd->add_option("--duration", o->duration, "seconds each guest stays in its chat, writing, from its start")
          ->capture_default_str();
  cmd->add_option("--messages-per-guest", o->messages_per_guest,
                  "each guest sends this many messages, then leaves (instead of --duration)")
      ->check(CLI::Range(1, 1000000))
      ->excludes(duration);
  cmd->add_option("--ramp", o->ramp, "seconds over which the guests start, evenly")->capture_default_str();
  cmd->add_option("--rate", o->rate,
                  "messages a second per guest, on average (random gaps from 0.5 s to five times the mean;\n"
                  "each message also waits for the answer to the one before); at most 2, the platform's limit")
      ->capture_default_str();
  cmd->add_option("--reply-timeout", o->reply_timeout, "seconds a guest waits for an answer before going on")
      ->capture_default_str();
  cmd->add_option("--target", o->target,
                  "a platform's WebSocket URL instead of the local path: Web Messaging's with ?deploymentId=,\n"
                  "or guest-chat's with {guest} for each guest's id; a non-loopback host needs --allow-remote");
  cmd->add_option("--auto-start", o->auto_start,
                  "with --target and web-messaging: whether the deployment auto-starts (default off)")
      ->check(CLI::IsMember({"on", "off"}));
  cmd->add_flag("--allow-remote", o->allow_remote,
                "allow a --target that is not on this machine (the rate is printed before it starts)");
  cmd->add_option("--otlp-endpoint", o->otlp_endpoint,
                  "with --target: export the guests' spans over OTLP/HTTP to this base URL");
  cmd->add_option("--trace-db", o->trace_db,
                  "with --target: the trace store (a `tracechat collector --db` file) to check correlation in");
  cmd->add_option("--report", o->report, "also write the report as JSON to this file");
  cmd->add_option("--html", o->html, "also write the report as an HTML page (latency over time) to this file");
  cmd->add_option("--shard", o->shard,
                  "K/N: run part K of the --guests (of N parts), for a run driven from N machines; merge\n"
                  "their --report files with `tracechat load merge`");
  cmd->add_option("--processes", o->processes,
                  "child processes the guests run in (0: in this one). Default: 1 with the local path, 0 with\n"
                  "--target, and more when one process may not open a descriptor for each of its guests")
      ->check(CLI::Range(0, 1024));
  cmd->add_option("--dir", o->dir, "working folder of the local path (default: a new folder in /tmp)");
  cmd->add_option("--loops", o->loops, "event-loop threads the guests share")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of the random gaps")->capture_default_str();
  cmd->add_option("--fault-upstream-down", o->fault,
                  "FROM:TO seconds from the start: the orders service behind the bridge is down in between\n"
                  "(local only), to see the failed Data Actions in the report");
  auto m = std::make_shared<MergeCommandOptions>();
  auto* merge = cmd->add_subcommand(
      "merge",
      "Merge the --report files of a run's shards (--shard 1/N ... N/N) into one report: counts added,\n"
      "percentiles from the merged histograms. Exit status 1 when the merged run fails");
  merge->add_option("reports", m->reports, "the shards' JSON reports, one per shard")->required();
  merge->add_option("--report", m->report, "also write the merged report as JSON to this file");
  merge->add_option("--html", m->html, "also write the merged report as an HTML page to this file");
  merge->add_option("--trace-db", m->trace_db,
                    "check correlation again in this trace store, for all the shards' guests at once");
  merge->callback([m, &exit_code] { exit_code = run_merge_command(*m); });
  cmd->require_subcommand(0, 1);
  cmd->callback([o, merge, &exit_code] {
    if (merge->parsed()) return;  // `load merge` ran instead
    exit_code = run_load_command(*o);
  });
}

}  // namespace tracechat::cli
