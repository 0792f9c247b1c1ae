// `tracechat ui`: the explorer — traces beside their conversations, in the browser, live.
#include <cstdio>
#include <memory>
#include <string>

#include "commands.h"
#include "common/terminal_text.h"
#include "platform_options.h"
#include "signals.h"
#include "tracechat/explorer/explorer.h"

namespace tracechat::cli {

namespace {

struct UiArgs {
  explorer::ExplorerOptions options;
  platform::SettingsFlags platform;
};

// The explorer of a command (`ui`, or `collector --ui`), started and announced.
int serve(UiArgs& args, const std::function<void()>& wait) {
  if (!args.platform.api_url.empty() || !args.platform.region.empty()) {
    auto settings = platform::resolve_settings(args.platform);
    if (!settings) {
      std::fprintf(stderr, "error: %s\n", common::terminal_safe(settings.error().message).c_str());
      return 2;
    }
    args.options.platform = std::move(*settings);
  }
  auto started = explorer::Explorer::start(args.options);
  if (!started) {
    std::fprintf(stderr, "error: %s\n", common::terminal_safe(started.error().message).c_str());
    return 1;
  }
  std::printf("tracechat ui: %s/ (traces from %s%s)\n", (*started)->url().c_str(), args.options.db.c_str(),
              args.options.platform ? ", conversations from the Platform API" : "");
  if (!(*started)->checks_host()) {
    std::printf(
        "tracechat ui: warning: not a loopback address and no --allowed-host, so any Host name is answered and\n"
        "anyone who reaches it can read every trace; put it behind something that authenticates\n");
  }
  std::fflush(stdout);
  wait();
  (*started)->stop();
  return 0;
}

}  // namespace

void add_ui_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<UiArgs>();
  auto* cmd = app.add_subcommand(
      "ui",
      "The explorer: traces and their conversations side by side in the browser, live (docs/explorer.md).\n"
      "Reads the collector's store (it may be running); serves http://127.0.0.1:16690/ by default");
  cmd->add_option("--db", args->options.db, "the collector's SQLite trace store")->capture_default_str();
  cmd->add_option("--listen", args->options.listen,
                  "address to serve on (host:port); on a non-loopback address anyone who reaches it\n"
                  "can read every trace")
      ->capture_default_str();
  cmd->add_option("--allowed-host", args->options.allowed_hosts,
                  "a host name the explorer is reached by besides localhost (a reverse proxy's, the\n"
                  "machine's); repeatable. Requests for other names are refused, on any address")
      ->type_name("NAME");
  cmd->add_option("--platform", args->platform.api_url,
                  "Platform API base URL (the emulator's, e.g. http://127.0.0.1:8080): the page then shows\n"
                  "each conversation's participants and attributes");
  cmd->add_option("--region", args->platform.region, "a Genesys Cloud region instead of --platform, e.g. us-west-2");
  add_oauth_client_options(*cmd, args->platform, args->options.platform_ca_file);
  cmd->callback([args, &exit_code] { exit_code = serve(*args, wait_for_termination_signal); });
}

}  // namespace tracechat::cli
