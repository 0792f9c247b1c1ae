// tracechat: one executable, one subcommand per part.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "commands.h"
#include "signals.h"
#include "tracechat/version.h"

int main(int argc, char** argv) {
  tracechat::cli::block_termination_signals();
  CLI::App app{
      "tracechat carries OpenTelemetry trace context from a guest chat into a contact-center\n"
      "conversation and out through its Data Actions, so one trace shows the whole path."};
  app.set_version_flag("--version", std::string("tracechat ") + TRACECHAT_VERSION);
  app.require_subcommand(0, 1);
  int exit_code = 0;
  tracechat::cli::add_demo_command(app, exit_code);
  tracechat::cli::add_context_command(app, exit_code);
  tracechat::cli::add_collector_command(app, exit_code);
  tracechat::cli::add_emulator_command(app, exit_code);
  tracechat::cli::add_chat_command(app, exit_code);
  tracechat::cli::add_bridge_command(app, exit_code);
  tracechat::cli::add_dataaction_command(app, exit_code);
  tracechat::cli::add_flow_command(app, exit_code);
  tracechat::cli::add_kit_command(app, exit_code);
  tracechat::cli::add_load_command(app, exit_code);
  tracechat::cli::add_traces_command(app, exit_code);
  tracechat::cli::add_ui_command(app, exit_code);
  tracechat::cli::add_find_command(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version end here with 0. Every other parse error is a usage error:
    // status 2, as each command's own usage errors, not CLI11's numbers (105, 106, ...).
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stdout);
  }
  return exit_code;
}
