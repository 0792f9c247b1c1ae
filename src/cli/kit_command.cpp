// `tracechat kit`: a folder to apply with `terraform apply` (CX as Code) that deploys the
// Data Action, the Architect flow and optionally a Messenger deployment to a Genesys Cloud
// org, with the same action and flow ready for `tracechat emulator` (docs/kit.md).
#include <cstdio>

#include "commands.h"
#include "common/terminal_text.h"
#include "tracechat/generators/kit.h"

namespace tracechat::cli {

void add_kit_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<generators::KitOptions>();
  auto out_dir = std::make_shared<std::string>();
  auto queue = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto* cmd = app.add_subcommand(
      "kit",
      "Write a CX as Code (Terraform) and Archy deployment kit into --out: a Web Services Data Actions\n"
      "integration with the trace bridge's Basic credentials, a Data Action whose request carries the\n"
      "chat's trace context, an inbound message flow that reads it from participant data and calls\n"
      "the action, and optionally a Messenger deployment; apply it with `terraform apply`. The same\n"
      "action (import JSON) and flow run in `tracechat emulator` (see the kit's README.md)");
  cmd->add_option("--out", *out_dir, "the folder to write (created if needed)")->required();
  cmd->add_flag("--force", *force, "overwrite the kit's files when they exist (other files are left alone)");
  cmd->add_option("--url", o->url,
                  "the service the action calls, reachable from Genesys Cloud (often the trace bridge); may\n"
                  "use ${input.NAME} of --message-input names (escape with $esc.url)")
      ->required();
  cmd->add_option("--method", o->method, "HTTP method")
      ->check(CLI::IsMember({"GET", "POST", "PUT", "PATCH", "DELETE"}))
      ->capture_default_str();
  cmd->add_option("--action-name", o->action_name,
                  "the Data Action's name (also sent as the x-tracechat-action header; variable data_action_name)")
      ->capture_default_str();
  cmd->add_option("--category", o->category,
                  "the action's category, which is the integration's name (variable data_action_category)")
      ->capture_default_str();
  cmd->add_option("--flow-name", o->flow_name, "the Architect flow's name (variable flow_name)")->capture_default_str();
  cmd->add_option("--message-input", o->message_inputs,
                  "an extra string input of the action, bound to the guest's message text (repeatable)");
  cmd->add_option("--output", o->outputs,
                  "a string field of the service's response the action returns; the flow records each as\n"
                  "participant data tracechat_NAME and tells the guest the first (repeatable)")
      ->capture_default_str();
  cmd->add_option("--trace-id-attribute", o->trace_id_attribute, "the participant data key of the trace id")
      ->capture_default_str();
  cmd->add_option("--span-id-attribute", o->span_id_attribute, "the participant data key of the parent span id")
      ->capture_default_str();
  cmd->add_option("--traceparent-attribute", o->traceparent_attribute,
                  "the participant data key of the whole traceparent")
      ->capture_default_str();
  cmd->add_option("--tracestate-attribute", o->tracestate_attribute, "the participant data key of the tracestate")
      ->capture_default_str();
  cmd->add_option("--timeout", o->timeout_seconds,
                  "seconds the action may take (its timeout and the flow's Call Data Action timeout)")
      ->check(CLI::Range(1, 60))
      ->capture_default_str();
  cmd->add_option("--queue", *queue,
                  "the queue the flow transfers to (the default of variable queue_name; without it\n"
                  "terraform asks for one)");
  cmd->callback([o, out_dir, queue, force, cmd, &exit_code] {
    if (cmd->count("--queue") > 0) o->queue = *queue;
    auto files = generators::generate_kit(*o);
    if (!files) {
      // The message repeats what the user gave, which may hold terminal controls.
      std::fprintf(stderr, "error: %s\n", common::terminal_safe(files.error().message).c_str());
      exit_code = 2;
      return;
    }
    if (auto written = generators::write_kit(*files, *out_dir, *force); !written) {
      std::fprintf(stderr, "error: %s\n", common::terminal_safe(written.error().message).c_str());
      exit_code = 1;
      return;
    }
    for (const auto& file : *files) std::printf("wrote %s/%s\n", out_dir->c_str(), file.path.c_str());
    std::printf("next: see %s/README.md (terraform init, terraform apply)\n", out_dir->c_str());
  });
}

}  // namespace tracechat::cli
