// `tracechat find`: from a trace id, a conversation id or a message id to the other two,
// through the trace store and the Platform API (conversation_lookup.h says how).
// Exit status: 0 found, 1 not found, 2 configuration or authentication to fix, 3 the
// lookup itself failed (network, a failed job, still rate limited).
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>

#include "commands.h"
#include "common/rfc3339.h"
#include "common/terminal_text.h"
#include "platform_options.h"
#include "signals.h"
#include "stored_conversation.h"
#include "tracechat/explorer/explorer.h"
#include "tracechat/platform/conversation_lookup.h"
#include "tracechat/platform/settings.h"
#include "tracechat/trace/span.h"
#include "tracechat/viewer/waterfall.h"

namespace tracechat::cli {
namespace {

using platform::Found;
using platform::LookupResult;
using platform::PlatformError;

struct FindArgs {
  std::string trace_id, conversation_id, message_id;
  std::string db = "traces.sqlite";
  std::string interval = "24h";
  bool json = false;
  bool quiet = false;
  platform::SettingsFlags platform;
  std::string ca_file;
  std::string ui_url;  // where a `tracechat ui` runs: links into it are printed
};

int exit_status(const PlatformError& e) {
  switch (e.kind) {
    case PlatformError::Kind::configuration:
    case PlatformError::Kind::authentication: return 2;
    case PlatformError::Kind::not_found: return 1;
    default: return 3;
  }
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// "START/END" in ISO-8601 UTC, or a length back from now: 30m, 24h, 7d.
Result<std::pair<std::int64_t, std::int64_t>> parse_interval(const std::string& text) {
  if (const auto slash = text.find('/'); slash != std::string::npos) {
    const auto from = common::parse_rfc3339_ms(text.substr(0, slash));
    const auto to = common::parse_rfc3339_ms(text.substr(slash + 1));
    if (!from || !to || *from >= *to) {
      return Error{"--interval '" + text.substr(0, 100) +
                   "': expected START/END in UTC, e.g. 2026-11-28T00:00:00Z/2026-11-29T00:00:00Z, or 24h"};
    }
    return std::pair{*from, *to};
  }
  std::size_t used = 0;
  std::int64_t n = 0;
  try {
    n = static_cast<std::int64_t>(std::stoll(text, &used));
  } catch (...) {
    used = 0;
  }
  const std::string unit = text.substr(used);
  const std::int64_t per = unit == "m" ? 60000 : unit == "h" ? 3600000 : unit == "d" ? 86400000 : 0;
  if (used == 0 || per == 0 || n <= 0 || n > 3660) {
    return Error{"--interval '" + text.substr(0, 100) + "': expected a length such as 30m, 24h or 7d, or START/END"};
  }
  const auto to = now_ms();
  return std::pair{to - n * per, to};
}

// The job's state on one line that rewrites itself on a terminal; one line per change
// otherwise.
class JobProgressLine {
 public:
  explicit JobProgressLine(bool quiet) : quiet_(quiet), tty_(isatty(STDERR_FILENO) != 0) {}
  ~JobProgressLine() {
    if (drawn_) std::fputc('\n', stderr);
  }
  void operator()(const platform::DetailsJobProgress& p) {
    if (quiet_) return;
    const std::string line = "details job " + p.job_id + ": " + p.state + ", " +
                             std::to_string(p.elapsed.count() / 1000) + " s" +
                             (p.pages > 0 ? ", " + std::to_string(p.conversations) + " conversations read" : "");
    if (tty_) {
      std::fprintf(stderr, "\r\033[K%s", line.c_str());
      drawn_ = true;
    } else if (p.state != last_state_ || p.pages != last_pages_) {
      std::fprintf(stderr, "%s\n", line.c_str());
    }
    last_state_ = p.state;
    last_pages_ = p.pages;
  }

 private:
  bool quiet_, tty_, drawn_ = false;
  std::string last_state_;
  std::size_t last_pages_ = 0;
};

void print_text(const Found& found, collector::SpanStore* store, const std::string& ui_url) {
  if (!found.message_id.empty()) std::printf("message       %s\n", common::terminal_safe(found.message_id).c_str());
  std::printf("conversation  %s\n", common::terminal_safe(found.conversation_id).c_str());
  std::printf("trace         %s\n", found.trace_id.c_str());
  std::printf("found by      %s\n", found.found_by.c_str());
  if (!ui_url.empty()) {
    if (!found.trace_id.empty())
      std::printf("explorer      %s\n", explorer::trace_link(ui_url, found.trace_id).c_str());
    std::printf("              %s\n",
                common::terminal_safe(explorer::conversation_link(ui_url, found.conversation_id)).c_str());
  }
  if (store == nullptr || found.trace_id.empty()) return;
  const auto spans = store->load_trace(*trace::TraceId::from_hex(found.trace_id));
  if (!spans || spans->empty()) {
    std::printf("\n(the trace is not in the trace store)\n");
    return;
  }
  const auto waterfall = viewer::build_waterfall(*spans);
  viewer::TextOptions text;
  text.color = isatty(STDOUT_FILENO) != 0 && std::getenv("NO_COLOR") == nullptr;
  std::printf("\ntrace %s: %zu spans\n", found.trace_id.c_str(), spans->size());
  std::fputs(viewer::render_waterfall_text(waterfall, text).c_str(), stdout);
}

void print_json(const std::optional<Found>& found, const std::string& not_found, collector::SpanStore* store,
                const std::string& ui_url) {
  boost::json::object out{{"found", found.has_value()}};
  if (found) {
    out["traceId"] = found->trace_id;
    out["conversationId"] = found->conversation_id;
    if (!found->message_id.empty()) out["messageId"] = found->message_id;
    out["foundBy"] = found->found_by;
    if (!ui_url.empty()) {
      if (!found->trace_id.empty()) out["explorerTrace"] = explorer::trace_link(ui_url, found->trace_id);
      out["explorerConversation"] = explorer::conversation_link(ui_url, found->conversation_id);
    }
    boost::json::array warnings;
    for (const auto& w : found->warnings) warnings.emplace_back(w);
    out["warnings"] = std::move(warnings);
    if (store != nullptr && !found->trace_id.empty()) {
      const auto spans = store->load_trace(*trace::TraceId::from_hex(found->trace_id));
      out["spansInStore"] = spans ? spans->size() : 0;
    }
  } else {
    out["reason"] = not_found;
  }
  std::printf("%s\n", boost::json::serialize(out).c_str());
}

// True when the user named a platform at all: a flag, or one of Genesys's variables.
bool platform_named(const platform::SettingsFlags& flags) {
  if (!flags.region.empty() || !flags.api_url.empty() || !flags.client_id.empty() || !flags.credentials_file.empty()) {
    return true;
  }
  const auto env = platform::process_environment();
  for (const auto name : {platform::kRegionVariable, platform::kApiRegionVariable, platform::kClientIdVariable,
                          platform::kClientSecretVariable}) {
    if (env(name).value_or("") != "") return true;
  }
  return false;
}

// The error on stderr (and, with --json, as the answer on stdout); its exit status.
int report_error(const FindArgs& args, const PlatformError& e) {
  std::fprintf(stderr, "error: %s\n", common::terminal_safe(e.message).c_str());
  if (args.json) {
    std::printf("%s\n", boost::json::serialize(boost::json::object{{"found", false}, {"error", e.message}}).c_str());
  }
  return exit_status(e);
}

int run_find(const FindArgs& args) {
  // Ctrl-C while a details job runs cancels it on the way out.
  stop_on_termination_signals();
  const int given = !args.trace_id.empty() + !args.conversation_id.empty() + !args.message_id.empty();
  if (given != 1) {
    return report_error(args, {PlatformError::Kind::configuration,
                               "give exactly one of --trace-id, --conversation-id, --message-id", 0});
  }
  // The trace store is optional: without the file, only the platform answers.
  std::unique_ptr<collector::SpanStore> store;
  if (std::filesystem::exists(args.db)) {
    auto opened = collector::SpanStore::open(args.db);
    if (!opened) return report_error(args, {PlatformError::Kind::configuration, opened.error().message, 0});
    store = std::move(*opened);
  }
  platform::LookupSources sources;
  if (store) sources.trace_store = stored_conversation_reader(*store);
  std::unique_ptr<platform::PlatformClient> client;
  auto settings = platform::resolve_settings(args.platform);
  if (settings) {
    platform::PlatformClientOptions options;
    options.tls.ca_file = args.ca_file;
    if (!args.quiet) {
      options.retry.log = [](std::string_view line) {
        std::fprintf(stderr, "%s\n", common::terminal_safe(line).c_str());
      };
    }
    options.retry.sleep = sleep_unless_stopped;
    options.retry.stop_requested = stop_requested;
    client = std::make_unique<platform::PlatformClient>(std::move(*settings), options);
    sources.platform = client.get();
  } else if (platform_named(args.platform)) {
    // Settings that were given but do not work are an error even when the trace store
    // could answer without them: a typo in a region should not pass unnoticed.
    return report_error(args, settings.error());
  } else {
    sources.platform_unavailable = settings.error().message;
  }

  std::string not_found;
  LookupResult result = std::optional<Found>();
  if (!args.trace_id.empty()) {
    auto interval = parse_interval(args.interval);
    if (!interval) return report_error(args, {PlatformError::Kind::configuration, interval.error().message, 0});
    platform::SearchWindow window{interval->first, interval->second, {}};
    JobProgressLine progress(args.quiet || args.json);
    window.job.on_progress = [&progress](const platform::DetailsJobProgress& p) { progress(p); };
    window.job.sleep = sleep_unless_stopped;
    window.job.stop_requested = stop_requested;
    result = platform::find_by_trace_id(sources, args.trace_id, window, not_found);
  } else if (!args.conversation_id.empty()) {
    result = platform::find_by_conversation_id(sources, args.conversation_id, not_found);
  } else {
    result = platform::find_by_message_id(sources, args.message_id, not_found);
  }
  if (!result) return report_error(args, result.error());
  if (*result) {
    for (const auto& w : (*result)->warnings) std::fprintf(stderr, "warning: %s\n", common::terminal_safe(w).c_str());
  }
  if (args.json) {
    print_json(*result, not_found, store.get(), explorer::ui_base_url(args.ui_url));
  } else if (*result) {
    print_text(**result, store.get(), explorer::ui_base_url(args.ui_url));
  } else {
    std::printf("not found: %s\n", common::terminal_safe(not_found).c_str());
  }
  return *result ? 0 : 1;
}

}  // namespace

void add_find_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<FindArgs>();
  auto* cmd = app.add_subcommand(
      "find",
      "Go from a trace to its conversation and back: give a trace id, a conversation id or a message id.\n"
      "Reads the trace store first and the Platform API where it must (docs/find.md).\n"
      "Exit status: 0 found, 1 not found, 2 configuration or credentials to fix, 3 the lookup failed");
  cmd->add_option("--trace-id", args->trace_id, "32 hex digits: find the conversation of this trace");
  cmd->add_option("--conversation-id", args->conversation_id, "find the trace of this conversation");
  cmd->add_option("--message-id", args->message_id, "find the conversation and trace of this message");
  cmd->add_option("--db", args->db,
                  "the collector's SQLite trace store; the default is read if it exists, a file\n"
                  "named here must exist")
      ->capture_default_str()
      ->check(CLI::ExistingFile);
  cmd->add_option("--interval", args->interval,
                  "with --trace-id, when the store cannot answer: the window a details job searches,\n"
                  "START/END in UTC or a length back from now (30m, 24h, 7d)")
      ->capture_default_str();
  cmd->add_option("--region", args->platform.region,
                  "Genesys Cloud region, e.g. us-west-2 (default: $GENESYSCLOUD_REGION)");
  cmd->add_option("--api-url", args->platform.api_url,
                  "Platform API base URL instead of a region, e.g. http://127.0.0.1:8080 for the emulator\n"
                  "(default: $GENESYSCLOUD_API_REGION)");
  add_oauth_client_options(*cmd, args->platform, args->ca_file);
  cmd->add_option("--ui-url", args->ui_url,
                  "where `tracechat ui` runs (e.g. http://127.0.0.1:16690): also print the links to the\n"
                  "trace and the conversation in it (default: $TRACECHAT_UI_URL)");
  cmd->add_flag("--json", args->json,
                "print one JSON object: found, traceId, conversationId, foundBy, warnings (and\n"
                "explorerTrace, explorerConversation with a --ui-url)");
  cmd->add_flag("--quiet", args->quiet, "no progress or retry lines on stderr");
  cmd->callback([args, &exit_code] { exit_code = run_find(*args); });
}

}  // namespace tracechat::cli
