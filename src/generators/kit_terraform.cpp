// main.tf and variables.tf. Everything the user gave is written through hcl_string (so a
// `${` in a URL or a name is Terraform's `$${`, read back as `${`); the four values the
// provider substitutes into the flow's YAML are variables whose validation refuses what
// would break the YAML, the same rule check_kit applies to their defaults.
#include <optional>

#include "hcl_writer.h"
#include "kit_parts.h"
#include "tracechat/generators/escaping.h"

namespace tracechat::generators::detail {
namespace {

HclBody terraform_settings() {
  HclBody provider_source;
  provider_source.attribute("source", hcl_string("mypurecloud/genesyscloud"));
  HclBody providers;
  providers.attribute("genesyscloud", "{", std::move(provider_source), "}");
  HclBody terraform;
  terraform.attribute("required_version", hcl_string(">= 1.3"));
  terraform.block("required_providers", std::move(providers));
  return terraform;
}

void credential(HclBody& tf) {
  HclBody fields;
  fields.attribute("userName", "var.bridge_username").attribute("password", "var.bridge_password");
  HclBody body;
  body.attribute("name", "\"${var.data_action_category} bridge\"")
      .attribute("credential_type_name", hcl_string("basicAuth"))
      .attribute("fields", "{", std::move(fields), "}");
  tf.comment(
        "The trace bridge's Basic credentials (its --basic-auth-file): Genesys sends them with every\n"
        "request of the integration's actions, and the bridge refuses a request without them.")
      .block("resource \"genesyscloud_integration_credential\" \"bridge\"", std::move(body));
}

void integration(HclBody& tf) {
  HclBody credentials;
  credentials.attribute("basicAuth", "genesyscloud_integration_credential.bridge.id");
  HclBody config;
  config.attribute("name", "var.data_action_category")
      .attribute("notes", hcl_string("Data Actions that carry the chat's trace context (written by tracechat kit)"))
      .attribute("properties", "jsonencode({})")
      .attribute("advanced", "jsonencode({})")
      .attribute("credentials", "{", std::move(credentials), "}");
  HclBody body;
  body.attribute("integration_type", hcl_string("custom-rest-actions"))
      .attribute("intended_state", hcl_string("ENABLED"))
      .block("config", std::move(config));
  tf.comment(
        "A Web Services Data Actions integration. Its actions show under its name as their category\n"
        "in Architect, which is why the integration is named after var.data_action_category.")
      .block("resource \"genesyscloud_integration\" \"actions\"", std::move(body));
}

// A map of strings (headers, translation map): {} when empty.
void string_map(HclBody& body, const std::string& key, const boost::json::object& map) {
  if (map.empty()) {
    body.attribute(key, "{}");
  } else {
    body.attribute(key, "{", hcl_object(map), "}");
  }
}

void action(HclBody& tf, const ActionDefinition& a) {
  HclBody request;
  request.attribute("request_type", hcl_string(a.request_type))
      .attribute("request_url_template", hcl_string(a.request_url_template));
  if (a.request_template) request.attribute("request_template", hcl_string(*a.request_template));
  string_map(request, "headers", a.headers);
  HclBody response;
  string_map(response, "translation_map", a.translation_map);
  string_map(response, "translation_map_defaults", a.translation_map_defaults);
  response.attribute("success_template", hcl_string(a.success_template));
  HclBody body;
  body.attribute("name", "var.data_action_name")
      .attribute("category", "var.data_action_category")
      .attribute("integration_id", "genesyscloud_integration.actions.id")
      .attribute("secure", "false")
      .attribute("config_timeout_seconds", "var.timeout")
      .attribute("contract_input", "jsonencode({", hcl_object(a.input_schema), "})")
      .attribute("contract_output", "jsonencode({", hcl_object(a.success_schema), "})")
      .block("config_request", std::move(request))
      .block("config_response", std::move(response));
  tf.comment(
        "The Data Action: the same request as the import JSON in data-actions/. Its headers build\n"
        "traceparent, tracestate and X-Conversation-Id from the inputs the flow binds; every $${\n"
        "below is a literal ${ of the Velocity template.")
      .block("resource \"genesyscloud_integration_action\" \"traced\"", std::move(body));
}

void flow(HclBody& tf) {
  HclBody substitutions;
  substitutions.attribute("flow_name", "var.flow_name")
      .attribute("data_action_category", "var.data_action_category")
      .attribute("data_action_name", "var.data_action_name")
      .attribute("queue_name", "var.queue_name");
  HclBody body;
  const std::string path = std::string("\"${path.module}/") + kFlowFile + "\"";
  body.attribute("filepath", path)
      .comment("A changed flow file (a kit written again with other options) is deployed again.")
      .attribute("file_content_hash", "filesha256(" + path + ")")
      .attribute("substitutions", "{", std::move(substitutions), "}")
      .blank()
      .comment("The flow calls the action by category and name: it must exist when the flow is published.")
      .attribute("depends_on", "[genesyscloud_integration_action.traced]");
  tf.comment(
        "The Architect flow. The provider replaces its {{placeholders}} with these values as they are,\n"
        "which is why variables.tf refuses values that would break the YAML.")
      .block("resource \"genesyscloud_flow\" \"traced\"", std::move(body));
}

void messenger(HclBody& tf) {
  HclBody conversations;
  conversations.attribute("enabled", "true").attribute("auto_start_enabled", "var.messenger_auto_start");
  HclBody apps;
  apps.block("conversations", std::move(conversations));
  HclBody settings;
  settings.attribute("enabled", "true").block("apps", std::move(apps));
  HclBody configuration;
  configuration.attribute("count", "var.messenger_deployment ? 1 : 0")
      .attribute("name", "\"${var.flow_name} messenger\"")
      .attribute("languages", "[\"en-us\"]")
      .attribute("default_language", hcl_string("en-us"))
      .block("messenger", std::move(settings));
  tf.comment(
        "With -var messenger_deployment=true: a Messenger configuration with conversations on, and\n"
        "a deployment that runs the flow for its conversations. The chat client connects with its id\n"
        "(output messenger_deployment_id).")
      .block("resource \"genesyscloud_webdeployments_configuration\" \"messenger\"", std::move(configuration));

  HclBody version;
  version.attribute("id", "genesyscloud_webdeployments_configuration.messenger[0].id")
      .attribute("version", "genesyscloud_webdeployments_configuration.messenger[0].version");
  HclBody precondition;
  precondition.attribute("condition", "length(var.messenger_allowed_domains) > 0")
      .attribute("error_message",
                 hcl_string("Set messenger_allowed_domains to the domains of the pages that open the chat."));
  HclBody lifecycle;
  lifecycle.block("precondition", std::move(precondition));
  HclBody deployment;
  deployment.attribute("count", "var.messenger_deployment ? 1 : 0")
      .attribute("name", "\"${var.flow_name} messenger\"")
      .attribute("status", hcl_string("Active"))
      .attribute("allowed_domains", "var.messenger_allowed_domains")
      .attribute("flow_id", "genesyscloud_flow.traced.id")
      .block("configuration", std::move(version))
      .blank()
      .block("lifecycle", std::move(lifecycle));
  tf.blank().block("resource \"genesyscloud_webdeployments_deployment\" \"messenger\"", std::move(deployment));
}

void output(HclBody& tf, const char* name, const char* description, const char* value) {
  HclBody body;
  body.attribute("description", hcl_string(description)).attribute("value", value);
  tf.blank().block(std::string("output \"") + name + "\"", std::move(body));
}

// The rule of check_substituted, as a Terraform condition on `var`: not empty, at most
// `max` characters (0: any), and none of " \ control characters {{ }}. RE2's [:cntrl:] is
// C0 and DEL; C1 is added by hand.
std::string substitution_condition(const std::string& var, int max) {
  const std::string length = max > 0 ? " && length(" + var + ") <= " + std::to_string(max) : "";
  return var + " != \"\"" + length + " && length(regexall(" +
         hcl_string("[\"\\\\[:cntrl:]\\x{80}-\\x{9f}]|\\{\\{|\\}\\}") + ", " + var + ")) == 0";
}

struct Variable {
  std::string name, description, type;
  std::optional<std::string> default_value;  // HCL source
  bool sensitive = false;
  std::vector<std::pair<std::string, std::string>> validations;  // condition, error message
};

void variable(HclBody& tf, const Variable& v) {
  HclBody body;
  body.attribute("description", hcl_string(v.description)).attribute("type", v.type);
  if (v.default_value) body.attribute("default", *v.default_value);
  if (v.type == "string") body.attribute("nullable", "false");
  if (v.sensitive) body.attribute("sensitive", "true");
  for (const auto& [condition, message] : v.validations) {
    HclBody validation;
    validation.attribute("condition", condition).attribute("error_message", hcl_string(message));
    body.block("validation", std::move(validation));
  }
  tf.blank().block("variable \"" + v.name + "\"", std::move(body));
}

Variable substituted(const std::string& name, const std::string& description, const std::optional<std::string>& value,
                     int max) {
  const std::string limit = max > 0 ? " or longer than " + std::to_string(max) + " characters" : "";
  return {name,
          description,
          "string",
          value ? std::optional<std::string>(hcl_string(*value)) : std::nullopt,
          false,
          {{substitution_condition("var." + name, max),
            "The flow's YAML gets " + name + " as it is, between double quotes: it must not be empty" + limit +
                ", nor contain \", \\, a control character, {{ or }}."}}};
}

}  // namespace

std::string kit_main_tf(const Kit& kit) {
  HclBody tf;
  tf.comment(
        "Written by `tracechat kit` (README.md). `terraform init` and `terraform apply` create in a\n"
        "Genesys Cloud org: a Web Services Data Actions integration with the trace bridge's Basic\n"
        "credentials, a Data Action whose request carries the chat's trace context, the Architect flow\n"
        "in flows/ that calls it, and, if asked, a Messenger deployment bound to the flow. The provider\n"
        "reads the org's OAuth client from GENESYSCLOUD_OAUTHCLIENT_ID, GENESYSCLOUD_OAUTHCLIENT_SECRET\n"
        "and GENESYSCLOUD_REGION; no file here holds a secret.")
      .blank()
      .block("terraform", terraform_settings())
      .blank()
      .block("provider \"genesyscloud\"", {})
      .blank();
  credential(tf);
  tf.blank();
  integration(tf);
  tf.blank();
  action(tf, kit.action);
  tf.blank();
  flow(tf);
  tf.blank();
  messenger(tf);
  output(tf, "integration_id", "The Web Services Data Actions integration", "genesyscloud_integration.actions.id");
  output(tf, "data_action_id", "The Data Action", "genesyscloud_integration_action.traced.id");
  output(tf, "flow_id", "The Architect flow", "genesyscloud_flow.traced.id");
  output(tf, "messenger_deployment_id", "The Messenger deployment (null unless messenger_deployment): --deployment-id",
         "one(genesyscloud_webdeployments_deployment.messenger[*].id)");
  return tf.render();
}

std::string kit_variables_tf(const Kit& kit) {
  const KitOptions& o = kit.options;
  HclBody tf;
  tf.comment(
      "Written by `tracechat kit`. Set a variable with -var NAME=VALUE, in terraform.tfvars, or as\n"
      "TF_VAR_NAME in the environment (the place for bridge_password: not on a command line).");
  variable(tf, substituted("data_action_name", "The Data Action's name; the flow calls it by this name", o.action_name,
                           256));
  variable(tf, substituted("data_action_category",
                           "The integration's name, which is the action's category in Architect", o.category, 256));
  variable(tf, substituted("flow_name", "The Architect flow's name", o.flow_name, 0));
  variable(tf,
           substituted("queue_name", "The queue the flow transfers the conversation to; it must exist", o.queue, 0));
  variable(tf, {"bridge_username",
                "The user name of the trace bridge's Basic credentials (its --basic-auth-file)",
                "string",
                std::nullopt,
                true,
                {{"var.bridge_username != \"\" && length(regexall(\":\", var.bridge_username)) == 0",
                  "Basic credentials: bridge_username must not be empty nor contain a colon."}}});
  variable(tf, {"bridge_password",
                "The password of the trace bridge's Basic credentials; set TF_VAR_bridge_password",
                "string",
                std::nullopt,
                true,
                {{"var.bridge_password != \"\"", "The bridge_password must not be empty."}}});
  variable(tf, {"timeout",
                "The Data Action's execution timeout in seconds (the flow's Call Data Action step waits " +
                    std::to_string(o.timeout_seconds) + " s, as the kit was written)",
                "number",
                std::to_string(o.timeout_seconds),
                false,
                {{"var.timeout >= 1 && var.timeout <= 60 && floor(var.timeout) == var.timeout",
                  "The timeout is a whole number of seconds from 1 to 60."}}});
  variable(tf, {"messenger_deployment",
                "Whether to create a Messenger configuration and deployment bound to the flow",
                "bool",
                "false",
                false,
                {}});
  variable(tf, {"messenger_auto_start",
                "Whether Messenger starts the conversation when the guest opens it, before the first message",
                "bool",
                "false",
                false,
                {}});
  variable(tf, {"messenger_allowed_domains",
                "The domains of the pages that may open the chat (needed with messenger_deployment)",
                "list(string)",
                "[]",
                false,
                {}});
  return tf.render();
}

}  // namespace tracechat::generators::detail
