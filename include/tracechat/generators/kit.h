// A deployment kit for a Genesys Cloud org: a folder a user applies with
// `terraform apply` (CX as Code, provider mypurecloud/genesyscloud) that creates a Web
// Services Data Actions integration with the trace bridge's Basic credentials, a Data
// Action whose request carries the chat's trace context, an Architect inbound message flow
// (Archy YAML) that reads the context from participant data and calls the action, and,
// when asked, a Messenger deployment bound to the flow. The same action as import JSON and
// the same flow run in `tracechat emulator`. docs/kit.md has the files and the rules.
//
//   README.md                        what each file is and how to apply it
//   main.tf, variables.tf            the Terraform configuration
//   flows/tracechat-flow.yaml        the flow, with {{placeholders}} the provider fills in
//   data-actions/<action name>.json  the action as the Admin UI imports it
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "tracechat/conventions.h"
#include "tracechat/result.h"

namespace tracechat::generators {

struct KitOptions {
  std::string url;  // the service the action calls (often the trace bridge); a Velocity template
  std::string method = "POST";
  std::string action_name = "Traced request";
  std::string category = "Tracing";  // also the integration's name
  std::string flow_name = "tracechat traced flow";
  std::vector<std::string> message_inputs;        // extra action inputs bound to the guest's message text
  std::vector<std::string> outputs = {"status"};  // the first one is told to the guest
  // The participant data keys the flow reads (the chat client writes these by default).
  std::string trace_id_attribute = std::string(conventions::kTraceIdAttribute);
  std::string span_id_attribute = std::string(conventions::kSpanIdAttribute);
  std::string traceparent_attribute = std::string(conventions::kTraceparentAttribute);
  std::string tracestate_attribute = std::string(conventions::kTracestateAttribute);
  int timeout_seconds = 10;          // the action's timeout and the flow's Call Data Action timeout, 1 to 60
  std::optional<std::string> queue;  // the default of var.queue_name; without it terraform asks
  // The flow ends with a Transfer to ACD to var.queue_name. Without it the flow keeps the
  // conversation: it runs, Data Action and all, for each guest message (what `tracechat
  // load` measures); not an option of `tracechat kit`, whose flows hand guests to agents.
  bool transfer_to_acd = true;
};

struct KitFile {
  std::string path;  // relative, with '/': "main.tf", "flows/tracechat-flow.yaml"
  std::string content;
};

// The kit's files, or the first option that is wrong and why ("flow name: must not
// contain \" ..."). A value is either written so that it reads back exactly or refused.
Result<std::vector<KitFile>> generate_kit(const KitOptions& options);

// Writes the files under `dir` (created if needed). Unless `overwrite`, refuses before
// writing anything when one of them exists. Other files in `dir` are left alone.
Result<void> write_kit(const std::vector<KitFile>& files, const std::filesystem::path& dir, bool overwrite);

}  // namespace tracechat::generators
