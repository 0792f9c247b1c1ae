// `tracechat dataaction export`: a Data Action for Genesys Cloud that carries the chat's
// trace context to the service it calls (import it in Admin > Integrations > Actions >
// Import, under the Web Services Data Actions integration it belongs to).
#include <cstdio>
#include <fstream>

#include "commands.h"
#include "tracechat/generators/data_action_export.h"

namespace tracechat::cli {

void add_dataaction_command(CLI::App& app, int& exit_code) {
  auto* group = app.add_subcommand("dataaction", "Genesys Cloud Data Actions that carry the trace context");
  group->require_subcommand(1);
  auto o = std::make_shared<generators::ExportOptions>();
  auto out_path = std::make_shared<std::string>();
  auto* cmd = group->add_subcommand(
      "export",
      "Print a custom web-services Data Action as the Admin UI imports it (its category is the\n"
      "integration chosen at import), whose request has a traceparent header templated from the\n"
      "inputs traceparent, or otel_trace_id and otel_span_id (bind them to the participant data of\n"
      "the same names in the flow's Call Data Action step), a tracestate header from the input\n"
      "tracestate, and an X-Conversation-Id header from the optional input conversationId (bind it\n"
      "to Message.ConversationId). `tracechat kit` writes the same action for Terraform");
  cmd->add_option("--name", o->name, "the action's name (also sent as the x-tracechat-action header)")->required();
  cmd->add_option("--url", o->url, "the service URL; may use ${input.NAME} of --input names (escape with $esc.url)")
      ->required();
  cmd->add_option("--method", o->method, "HTTP method")
      ->check(CLI::IsMember({"GET", "POST", "PUT", "PATCH", "DELETE"}))
      ->capture_default_str();
  cmd->add_option("--timeout", o->timeout_seconds, "seconds the action may take (config.timeoutSeconds)")
      ->check(CLI::Range(1, 60))
      ->capture_default_str();
  cmd->add_option("--input", o->inputs, "an extra string input (repeatable)");
  cmd->add_option("--output", o->outputs, "a string field of the response to return (repeatable)");
  cmd->add_option("--out", *out_path, "write to this file instead of stdout");
  cmd->callback([o, out_path, &exit_code] {
    auto text = generators::export_data_action(*o);
    if (!text) {
      std::fprintf(stderr, "error: %s\n", text.error().message.c_str());
      exit_code = 2;
      return;
    }
    if (out_path->empty()) {
      std::fputs(text->c_str(), stdout);
      return;
    }
    std::ofstream file(*out_path);
    file << *text;
    if (!file.flush()) {
      std::fprintf(stderr, "error: cannot write %s\n", out_path->c_str());
      exit_code = 1;
    }
  });
}

}  // namespace tracechat::cli
