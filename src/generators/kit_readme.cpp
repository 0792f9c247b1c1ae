// README.md: what each file is, how to apply the kit, how to run its flow in the
// emulator. The user's names appear only in shell commands inside code blocks, each one
// word in single quotes (shell_word); check_kit has made sure none has a line break, so
// none can end the block. The URL is not repeated here.
#include "kit_parts.h"
#include "tracechat/generators/escaping.h"

namespace tracechat::generators::detail {
namespace {

std::string code_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == names.size() ? " and " : ", ") + ("`" + names[i] + "`");
  }
  return out;
}

}  // namespace

std::string kit_readme(const Kit& kit) {
  const KitOptions& o = kit.options;
  std::vector<std::string> keys;
  for (const auto& a : kit.attributes) keys.push_back(a.key);
  std::vector<std::string> recorded;
  for (const auto& name : o.outputs) recorded.push_back("tracechat_" + name);
  const std::string queue = o.queue ? *o.queue : "<your queue>";
  std::string inputs = "`Message.ConversationId`";
  if (!o.message_inputs.empty()) inputs += " and the guest's message (as " + code_list(o.message_inputs) + ")";

  std::string out;
  out += "# tracechat deployment kit\n\n";
  out += "Written by `tracechat kit`. With CX as Code (Terraform, provider `mypurecloud/genesyscloud`) it\n";
  out += "creates in a Genesys Cloud org what carries a guest chat's OpenTelemetry trace context out through\n";
  out += "a Data Action to your service, so that the service's spans join the chat's trace.\n\n";
  out += "| file | what it is |\n|---|---|\n";
  out +=
      "| `main.tf` | the resources: a Web Services Data Actions integration with the trace bridge's Basic "
      "credentials, the Data Action, the flow, and (with `messenger_deployment`) a Messenger configuration "
      "and deployment bound to the flow; their ids as outputs |\n";
  out +=
      "| `variables.tf` | the names, the queue, the bridge's credentials, the timeout, the Messenger settings; "
      "the defaults are the kit's options |\n";
  out += "| `" + std::string(kFlowFile) +
         "` | the Architect inbound message flow (Archy YAML): Get Participant Data "
         "reads " +
         code_list(keys) + "; Call Data Action passes them, " + inputs +
         " to the action; the result "
         "goes into participant data (" +
         code_list(recorded) +
         ") and back to the guest; then the conversation "
         "goes to the queue. `{{flow_name}}`, `{{data_action_category}}`, `{{data_action_name}}` and "
         "`{{queue_name}}` are filled in by the provider from the variables |\n";
  out += "| `" + kit.action_file +
         "` | the same Data Action as the Admin UI imports it (Admin > Integrations > "
         "Actions > Import), for an org without Terraform and for `tracechat emulator` |\n\n";

  out += "## Apply it\n\n";
  out += "The provider signs in with an OAuth client (client credentials) of the org whose role may\n";
  out += "manage integrations, Data Actions, flows and, if you create one, web deployments. The bridge's\n";
  out += "Basic credentials are the `user:password` of its `--basic-auth-file`; keep them off the command\n";
  out += "line:\n\n";
  out += "```sh\n";
  out += "export GENESYSCLOUD_OAUTHCLIENT_ID=<client id>\n";
  out += "export GENESYSCLOUD_OAUTHCLIENT_SECRET=<secret>\n";
  out += "export GENESYSCLOUD_REGION=us-west-2      # your org's region\n";
  out += "read -r -p 'bridge user: ' TF_VAR_bridge_username && export TF_VAR_bridge_username\n";
  out += "read -r -s -p 'bridge password: ' TF_VAR_bridge_password && export TF_VAR_bridge_password\n";
  out += "terraform init\n";
  out += o.queue ? "terraform apply\n" : "terraform apply -var " + shell_word("queue_name=" + queue) + "\n";
  out += "```\n\n";
  out += "Any variable can be set the same way (`-var NAME=VALUE`); for a Messenger deployment that runs the\n";
  out += "flow, add `-var messenger_deployment=true -var 'messenger_allowed_domains=[\"shop.example.com\"]'`\n";
  out += "(and `-var messenger_auto_start=true` to start conversations before the guest's first message);\n";
  out += "`terraform output messenger_deployment_id` is the chat client's `--deployment-id`. The Data\n";
  out += "Action's `x-tracechat-action` header, which names the bridge's span, is the name the kit was\n";
  out += "written with: to rename the action, write the kit again with `--action-name`.\n\n";

  out += "## Run the same flow locally\n\n";
  out += "The emulator runs the same files, with the values the provider would substitute. From this\n";
  out += "folder:\n\n";
  out += "```sh\n";
  out += "tracechat emulator --data-actions data-actions --flows flows \\\n";
  out += "    --flow-substitution " + shell_word("data_action_category=" + o.category) + " \\\n";
  out += "    --flow-substitution " + shell_word("data_action_name=" + o.action_name) + " \\\n";
  out += "    --flow-substitution " + shell_word("flow_name=" + o.flow_name) + " \\\n";
  out += "    --flow-substitution " + shell_word("queue_name=" + queue) + "\n";
  out += "```\n\n";
  out += "The action calls the service the kit was written for (`--url`); to try the flow against a local\n";
  out += "service or bridge, write a kit with `--url http://127.0.0.1:<port>/...` into another folder.\n";
  return out;
}

}  // namespace tracechat::generators::detail
