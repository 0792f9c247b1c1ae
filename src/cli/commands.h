// Each CLI subcommand registers itself on the app and returns nothing; its callback
// sets the process exit code through the shared `exit_code`.
#pragma once

#include <CLI/CLI.hpp>

namespace tracechat::cli {

void add_context_command(CLI::App& app, int& exit_code);
void add_collector_command(CLI::App& app, int& exit_code);
void add_emulator_command(CLI::App& app, int& exit_code);
void add_chat_command(CLI::App& app, int& exit_code);
void add_bridge_command(CLI::App& app, int& exit_code);
void add_dataaction_command(CLI::App& app, int& exit_code);
void add_demo_command(CLI::App& app, int& exit_code);
void add_flow_command(CLI::App& app, int& exit_code);
void add_traces_command(CLI::App& app, int& exit_code);
void add_find_command(CLI::App& app, int& exit_code);
void add_kit_command(CLI::App& app, int& exit_code);
void add_load_command(CLI::App& app, int& exit_code);
void add_ui_command(CLI::App& app, int& exit_code);

}  // namespace tracechat::cli
