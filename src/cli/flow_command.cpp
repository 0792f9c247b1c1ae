// `tracechat flow snippet`: the flow steps that hand the trace context to a Data Action.
#include <cstdio>

#include "commands.h"
#include "tracechat/generators/flow_snippet.h"

namespace tracechat::cli {

void add_flow_command(CLI::App& app, int& exit_code) {
  auto* group = app.add_subcommand("flow", "Flow steps that carry the trace context to a Data Action");
  group->require_subcommand(1);
  auto o = std::make_shared<generators::FlowSnippetOptions>();
  auto format = std::make_shared<std::string>("architect");
  auto inputs = std::make_shared<std::vector<std::string>>();
  auto* cmd = group->add_subcommand(
      "snippet",
      "Print the steps that read otel_trace_id and otel_span_id from participant data and call the\n"
      "Data Action with them and the conversation's id: the Architect steps for a real org, or a flow\n"
      "for `tracechat emulator --flows`");
  cmd->add_option("--action", o->action, "the Data Action's name (as in `tracechat dataaction export --name`)")
      ->required();
  cmd->add_option("--category", o->category, "the Data Action's category")->capture_default_str();
  cmd->add_option("--format", *format, "architect: steps to build in Genesys Cloud; emulator: a flow file")
      ->check(CLI::IsMember({"architect", "emulator"}))
      ->capture_default_str();
  cmd->add_option("--trigger", o->trigger, "emulator format: conversation-started, guest-message or attributes-set")
      ->capture_default_str();
  cmd->add_option("--input", *inputs, "an extra input, name=template (e.g. orderId=${message.body}); repeatable");
  cmd->callback([o, format, inputs, &exit_code] {
    for (const auto& i : *inputs) {
      const auto eq = i.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "error: --input %s: expected name=template\n", i.c_str());
        exit_code = 2;
        return;
      }
      o->inputs.emplace_back(i.substr(0, eq), i.substr(eq + 1));
    }
    auto text = *format == "emulator" ? generators::flow_snippet_emulator(*o) : generators::flow_snippet_architect(*o);
    if (!text) {
      std::fprintf(stderr, "error: %s\n", text.error().message.c_str());
      exit_code = 2;
      return;
    }
    std::fputs(text->c_str(), stdout);
  });
}

}  // namespace tracechat::cli
