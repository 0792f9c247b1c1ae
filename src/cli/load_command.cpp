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
#include <thread>

#include "commands.h"
#include "local_stack.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/conventions.h"
#include "tracechat/load/load_report.h"
#include "tracechat/net/url.h"
#include "tracechat/protocol/uuid.h"

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
  std::string fault;  // FROM:TO seconds: the orders service down in between
};

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
  ProgressPrinter(const load::LoadProgress& progress, std::size_t guests)
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
      const auto& p = progress_;
      const std::uint64_t sent = p.sent;
      const double rate = static_cast<double>(sent - sent_before) / std::chrono::duration<double>(every).count();
      sent_before = sent;
      const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      std::fprintf(stderr,
                   "%s[%5.0f s] guests %llu/%zu connected, %llu done, %llu failed | messages %llu sent, %llu acked, "
                   "%llu answered, %.1f/s | 429 %llu, reconnects %llu, errors %llu%s",
                   tty_ ? "\r\033[K" : "", elapsed, static_cast<unsigned long long>(p.guests_connected.load()), guests_,
                   static_cast<unsigned long long>(p.guests_finished.load()),
                   static_cast<unsigned long long>(p.guests_failed.load()), static_cast<unsigned long long>(sent),
                   static_cast<unsigned long long>(p.acknowledged.load()),
                   static_cast<unsigned long long>(p.answered.load()), rate,
                   static_cast<unsigned long long>(p.rate_limited.load()),
                   static_cast<unsigned long long>(p.reconnects.load()),
                   static_cast<unsigned long long>(p.errors.load()), tty_ ? "" : "\n");
      std::fflush(stderr);
    }
  }

  const load::LoadProgress& progress_;
  std::size_t guests_;
  bool tty_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

load::ResourceUse this_process(std::string what) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return {std::move(what), seconds(usage.ru_utime) + seconds(usage.ru_stime),
          static_cast<std::uint64_t>(usage.ru_maxrss)};
}

// Each guest holds a socket, and with the local path the emulator holds its other end:
// the run needs that many descriptors in this one process. The soft limit is raised to
// the hard one when that is enough; otherwise the run is refused before it starts, as a
// run that fails at guest 9,000 would waste the user's time.
Result<void> ensure_descriptors(std::size_t guests, bool local) {
  const rlim_t needed = static_cast<rlim_t>(guests) * (local ? 2 : 1) + 256;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed) return {};
  if (limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= needed) {
    limit.rlim_cur = needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0) return {};
  }
  return Error{std::to_string(guests) + " guests need about " + std::to_string(needed) +
               " file descriptors in this process, and it may open " + std::to_string(limit.rlim_max) +
               " (ulimit -n). Run fewer guests, or raise the limit (spreading guests over processes is not built "
               "yet: docs/load.md)"};
}

int run_load_command(const LoadCommandOptions& o) {
  if (!(o.rate >= 1.0 / 86400 && o.rate <= 2)) {  // NaN fails both
    std::fprintf(stderr,
                 "error: --rate must be above 0 (at least one message a day) and at most 2 messages a second "
                 "(the platform's limit)\n");
    return 1;
  }
  if (o.target.empty()) {
    for (const auto& [name, given] :
         {std::pair{"--otlp-endpoint", !o.otlp_endpoint.empty()}, std::pair{"--trace-db", !o.trace_db.empty()},
          std::pair{"--allow-remote", o.allow_remote}, std::pair{"--auto-start", !o.auto_start.empty()}}) {
      if (given) return std::fprintf(stderr, "error: %s goes with --target (the local path has its own)\n", name), 1;
    }
  } else if (!o.trace_db.empty() && o.otlp_endpoint.empty()) {
    return std::fprintf(stderr,
                        "error: --trace-db needs --otlp-endpoint: without it the guests' spans go nowhere, and no "
                        "message could be found in the store\n"),
           1;
  }
  auto duration = seconds_option("--duration", o.duration, false);
  auto ramp = seconds_option("--ramp", o.ramp, true);
  auto reply_timeout = seconds_option("--reply-timeout", o.reply_timeout, false);
  for (const auto* checked : {&duration, &ramp, &reply_timeout}) {
    if (!*checked) return std::fprintf(stderr, "error: %s\n", checked->error().message.c_str()), 1;
  }
  if (auto enough = ensure_descriptors(o.guests, o.target.empty()); !enough) {
    return std::fprintf(stderr, "error: %s\n", enough.error().message.c_str()), 1;
  }
  std::optional<std::pair<double, double>> fault;
  if (!o.fault.empty()) {
    auto parsed = parse_fault(o.fault);
    if (!parsed) return std::fprintf(stderr, "error: %s\n", parsed.error().message.c_str()), 1;
    if (!o.target.empty()) {
      return std::fprintf(stderr, "error: --fault-upstream-down needs the local path (no --target)\n"), 1;
    }
    fault = *parsed;
  }
  load::LoadOptions options;
  options.guests = o.guests;
  options.kinds = kinds_for(o);
  if (o.messages_per_guest > 0) options.messages_per_guest = o.messages_per_guest;
  options.duration = *duration;
  options.ramp = *ramp;
  options.rate = o.rate;
  options.reply_timeout = *reply_timeout;
  options.loops = o.loops;
  options.seed = o.seed;

  load::LoadReport report;
  report.guests = o.guests;
  report.kinds = o.dialect;
  if (options.messages_per_guest) report.messages_per_guest = options.messages_per_guest;
  report.duration_seconds = o.messages_per_guest > 0 ? 0 : o.duration;
  report.ramp_seconds = o.ramp;
  report.rate_per_guest = o.rate;

  std::unique_ptr<LocalStack> stack;
  SpanSender guest_spans;  // with --target and --otlp-endpoint
  std::filesystem::path trace_db = o.trace_db;
  if (o.target.empty()) {
    const auto work = prepare_work_dir(o.dir, "tracechat-load");
    if (work.empty()) return 1;
    LocalStackOptions stack_options;
    stack_options.work = work;
    stack_options.transfer_to_acd = false;  // the flow runs, Data Action and all, for every message
    auto started = start_local_stack(stack_options);
    if (!started) return std::fprintf(stderr, "error: %s\n", started.error().message.c_str()), 1;
    stack = std::move(*started);
    trace_db = stack->trace_db;
    report.target = "local (files in " + work.string() + ")";
    options.tracer = stack->chat.provider->tracer(std::string(conventions::kClientScope), TRACECHAT_VERSION);
    LocalStack* s = stack.get();
    options.url_for = [s](std::size_t, load::GuestKind kind) {
      if (kind == load::GuestKind::guest_chat) return s->guest_chat_url(protocol::random_uuid());
      return s->web_messaging_url(kind == load::GuestKind::web_messaging_auto_start);
    };
  } else {
    const auto url = net::Url::parse(o.target);
    if (!url) return std::fprintf(stderr, "error: --target: %s\n", url.error().message.c_str()), 1;
    if (o.dialect == "mixed") {
      return std::fprintf(stderr, "error: --target needs --dialect guest-chat or web-messaging\n"), 1;
    }
    if (o.dialect == "guest-chat" && o.target.find("{guest}") == std::string::npos) {
      return std::fprintf(stderr,
                          "error: --target for guest-chat needs {guest} where each guest's id goes "
                          "(.../v1/ORG/guest/{guest}/connect)\n"),
             1;
    }
    const double rate = static_cast<double>(o.guests) * o.rate;
    if (!is_loopback(url->host)) {
      if (!o.allow_remote) {
        std::fprintf(stderr,
                     "error: %s is not a loopback address: this would send about %.1f messages/s (%zu guests at %.3f/s "
                     "each) to it. Add --allow-remote if that is what you want\n",
                     url->host.c_str(), rate, o.guests, o.rate);
        return 1;
      }
      std::fprintf(stderr, "sending about %.1f messages/s (%zu guests at %.3f/s each) to %s\n", rate, o.guests, o.rate,
                   url->host.c_str());
    }
    report.target = url->without_query();
    if (!o.otlp_endpoint.empty()) {
      guest_spans = sender_for("guest-chat-ui", o.otlp_endpoint);
      options.tracer = guest_spans.provider->tracer(std::string(conventions::kClientScope), TRACECHAT_VERSION);
    }
    const std::string target = o.target;
    options.url_for = [target](std::size_t, load::GuestKind kind) {
      std::string guest_url = target;
      if (kind == load::GuestKind::guest_chat) {
        guest_url.replace(guest_url.find("{guest}"), 7, protocol::random_uuid());
      }
      return guest_url;
    };
  }

  load::LoadProgress progress;
  std::atomic<bool> run_over{false};
  std::jthread fault_thread;  // joined however this function ends
  if (fault) {
    fault_thread = std::jthread([&] {
      const auto start = std::chrono::steady_clock::now();
      const auto wait_until = [&](double seconds) {
        const auto at = start + std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
        while (!run_over && std::chrono::steady_clock::now() < at) std::this_thread::sleep_for(20ms);
      };
      wait_until(fault->first);
      if (run_over) {
        std::fprintf(stderr, "fault: the run ended before %.1f s; the orders service never went down\n", fault->first);
        return;
      }
      std::fprintf(stderr, "fault: the orders service is down\n");
      stack->stop_orders();
      wait_until(fault->second);
      if (auto back = stack->start_orders(); !back) {
        std::fprintf(stderr, "fault: the orders service did not come back: %s\n", back.error().message.c_str());
      } else {
        std::fprintf(stderr, "fault: the orders service is back\n");
      }
    });
  }
  {
    ProgressPrinter printer(progress, o.guests);
    report.result = load::run_load(options, &progress);
  }
  run_over = true;
  if (fault_thread.joinable()) fault_thread.join();

  SpanSender* spans = stack ? &stack->chat : (guest_spans.provider ? &guest_spans : nullptr);
  // Everything exported (and, locally, stored) before it is counted and checked.
  if (stack) {
    stack->flush();
  } else if (guest_spans.provider) {
    guest_spans.provider->force_flush(10s);
  }
  if (spans != nullptr) {
    const auto stats = spans->processor->stats();
    report.spans_exported = stats.spans_exported;
    report.spans_dropped = stats.spans_dropped;
    report.spans_export_failed = stats.spans_export_failed;
  }
  if (stack) {
    const auto flows = stack->platform->flow_stats();
    report.data_action_calls = flows.action_calls;
    report.data_action_failures = flows.action_failures;
    report.flow_runs_dropped = flows.dropped;
  }
  if (trace_db.empty()) {
    report.correlation_not_checked = "the guests' spans went to --otlp-endpoint; give --trace-db to check them";
    if (o.otlp_endpoint.empty()) report.correlation_not_checked = "no --otlp-endpoint: the guests' spans went nowhere";
  } else {
    auto store = collector::SpanStore::open(trace_db);
    if (!store) return std::fprintf(stderr, "error: %s\n", store.error().message.c_str()), 1;
    auto checked = load::check_correlation(**store, report.result.guests);
    if (!checked) return std::fprintf(stderr, "error: %s\n", checked.error().message.c_str()), 1;
    report.correlation = std::move(*checked);
  }
  report.resources.push_back(this_process(stack ? "this process (guests, emulator, bridge, orders service, collector)"
                                                : "this process (guests)"));

  std::fputs(load::to_text(report).c_str(), stdout);
  if (!o.report.empty()) {
    std::ofstream out(o.report);
    out << boost::json::serialize(load::to_json(report)) << '\n';
    if (!out) return std::fprintf(stderr, "error: cannot write %s\n", o.report.c_str()), 1;
  }
  if (stack) stack->platform->stop();
  return load::problems(report).empty() ? 0 : 1;
}

}  // namespace

void add_load_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<LoadCommandOptions>();
  auto* cmd = app.add_subcommand(
      "load",
      "Run many traced guests at a human pace through the whole path and report latency, loss,\n"
      "resource use and correlation: whether every acknowledged message's Data Action call landed in\n"
      "its chat's trace, under its chat.send_message span. Without --target it starts the path in\n"
      "this process (emulator with the kit's flow and Data Action, bridge, orders service, collector).\n"
      "Exit status 1 when correlation is below 100 %, a Data Action failed, a message was lost,\n"
      "duplicated or unanswered, a session failed, or a flow run or a span was dropped");
  cmd->add_option("--guests", o->guests, "guests in the run")->check(CLI::Range(1, 100000))->capture_default_str();
  cmd->add_option("--dialect", o->dialect,
                  "guest-chat, web-messaging, or mixed (guest-chat, Web Messaging, Web Messaging with\n"
                  "auto-start, in turn; local only)")
      ->check(CLI::IsMember({"guest-chat", "web-messaging", "mixed"}))
      ->capture_default_str();
  auto* duration = cmd->add_option("--duration", o->duration, "seconds each guest keeps writing, from its start")
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
  cmd->add_option("--dir", o->dir, "working folder of the local path (default: a new folder in /tmp)");
  cmd->add_option("--loops", o->loops, "event-loop threads the guests share")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "seed of the random gaps")->capture_default_str();
  cmd->add_option("--fault-upstream-down", o->fault,
                  "FROM:TO seconds from the start: the orders service behind the bridge is down in between\n"
                  "(local only), to see the failed Data Actions in the report");
  cmd->callback([o, &exit_code] { exit_code = run_load_command(*o); });
}

}  // namespace tracechat::cli
