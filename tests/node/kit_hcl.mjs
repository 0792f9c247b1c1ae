// Reads a kit written by `tracechat kit` with a real HCL parser (HashiCorp's hclsyntax,
// through @cdktf/hcl2json), checks main.tf and variables.tf resource by resource, and
// prints what the C++ test compares with the import JSON and the kit's options:
//
//   node kit_hcl.mjs <kit dir>   ->  {"resources": [...], "variables": {...}, "action": {...}, "flow": {...}}
//
// Any check that fails ends the process with status 1 and says which.
import { parse } from "@cdktf/hcl2json";
import { readFileSync } from "node:fs";
import { join } from "node:path";

function fail(message) {
  console.error(`kit_hcl: ${message}`);
  process.exit(1);
}
function expect(condition, message) {
  if (!condition) fail(message);
}
// JSON text with the keys of every object sorted: objects compare whatever their order.
function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]));
  }
  return value;
}
function equal(actual, expected, what) {
  const a = JSON.stringify(canonical(actual));
  const e = JSON.stringify(canonical(expected));
  expect(a === e, `${what}: ${a}, expected ${e}`);
}
function keys(object, expected, what) {
  equal(Object.keys(object).sort(), [...expected].sort(), `${what} keys`);
}

// hcl2json gives a string as Terraform's JSON syntax reads it: a template, where `${` and
// `%{` open an interpolation or a directive and `$${` and `%%{` are the literal text.
// The text of a literal, by HCL's rule; anything else is not a literal.
function literal(template, what) {
  expect(typeof template === "string", `${what}: not a string but ${JSON.stringify(template)}`);
  let out = "";
  for (let i = 0; i < template.length; ) {
    if (template.startsWith("$${", i) || template.startsWith("%%{", i)) {
      out += template[i] + "{";
      i += 3;
    } else if (template.startsWith("${", i) || template.startsWith("%{", i)) {
      fail(`${what}: an interpolation where a literal string belongs: ${JSON.stringify(template)}`);
    } else {
      out += template[i];
      i += 1;
    }
  }
  return out;
}
// An expression that is exactly `${...}`: its source.
function expression(template, what) {
  expect(
    typeof template === "string" && template.startsWith("${") && template.endsWith("}"),
    `${what}: not an expression: ${JSON.stringify(template)}`,
  );
  return template.slice(2, -1);
}
function literals(value, what) {
  if (typeof value === "string") return literal(value, what);
  if (Array.isArray(value)) return value.map((v, i) => literals(v, `${what}[${i}]`));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, literals(v, `${what}.${k}`)]));
  }
  return value;
}
// jsonencode({...}) of literals: the object it encodes, parsed again as HCL on its own.
async function jsonencoded(template, what) {
  const source = expression(template, what);
  expect(source.startsWith("jsonencode(") && source.endsWith(")"), `${what}: not jsonencode(...): ${source}`);
  const parsed = await parse("object.tf", `value = ${source.slice("jsonencode(".length, -1)}\n`);
  const value = literals(parsed.value, what);
  // What Terraform sends is JSON text: it must survive a JSON round trip unchanged.
  equal(JSON.parse(JSON.stringify(value)), value, `${what} as JSON`);
  return value;
}
function single(list, what) {
  expect(Array.isArray(list) && list.length === 1, `${what}: one block expected`);
  return list[0];
}

const dir = process.argv[2];
expect(dir, "usage: node kit_hcl.mjs <kit dir>");
const main = await parse("main.tf", readFileSync(join(dir, "main.tf"), "utf8"));
const vars = await parse("variables.tf", readFileSync(join(dir, "variables.tf"), "utf8"));

// ---- main.tf: nothing but these blocks, and these resources.
keys(main, ["terraform", "provider", "resource", "output"], "main.tf");
const terraform = single(main.terraform, "terraform");
equal(single(terraform.required_providers, "required_providers").genesyscloud.source, "mypurecloud/genesyscloud",
  "provider source");
keys(main.provider, ["genesyscloud"], "providers");
equal(single(main.provider.genesyscloud, "provider"), {}, "provider block (credentials come from the environment)");

const resources = [];
for (const [type, byName] of Object.entries(main.resource)) {
  for (const name of Object.keys(byName)) resources.push(`${type}.${name}`);
}
equal(resources.sort(), [
  "genesyscloud_flow.traced",
  "genesyscloud_integration.actions",
  "genesyscloud_integration_action.traced",
  "genesyscloud_integration_credential.bridge",
  "genesyscloud_webdeployments_configuration.messenger",
  "genesyscloud_webdeployments_deployment.messenger",
], "resources");
const resource = (type, name) => single(main.resource[type][name], `${type}.${name}`);

const credential = resource("genesyscloud_integration_credential", "bridge");
keys(credential, ["name", "credential_type_name", "fields"], "credential");
equal(literal(credential.credential_type_name, "credential_type_name"), "basicAuth", "credential type");
equal(credential.fields, { userName: "${var.bridge_username}", password: "${var.bridge_password}" },
  "credential fields (from the sensitive variables, never literal)");

const integration = resource("genesyscloud_integration", "actions");
keys(integration, ["integration_type", "intended_state", "config"], "integration");
equal(literal(integration.integration_type, "integration_type"), "custom-rest-actions", "integration_type");
equal(literal(integration.intended_state, "intended_state"), "ENABLED", "intended_state");
const config = single(integration.config, "integration config");
keys(config, ["name", "notes", "properties", "advanced", "credentials"], "integration config");
equal(config.name, "${var.data_action_category}", "integration name");
equal(await jsonencoded(config.properties, "properties"), {}, "properties");
equal(await jsonencoded(config.advanced, "advanced"), {}, "advanced");
equal(config.credentials, { basicAuth: "${genesyscloud_integration_credential.bridge.id}" }, "credentials");

const action = resource("genesyscloud_integration_action", "traced");
keys(action, ["name", "category", "integration_id", "secure", "config_timeout_seconds", "contract_input",
  "contract_output", "config_request", "config_response"], "action");
equal(action.name, "${var.data_action_name}", "action name");
equal(action.category, "${var.data_action_category}", "action category");
equal(action.integration_id, "${genesyscloud_integration.actions.id}", "integration_id");
equal(action.secure, false, "secure");
equal(action.config_timeout_seconds, "${var.timeout}", "config_timeout_seconds");
const request = single(action.config_request, "config_request");
const requestKeys = ["request_type", "request_url_template", "headers"];
if ("request_template" in request) requestKeys.push("request_template");
keys(request, requestKeys, "config_request");
const response = single(action.config_response, "config_response");
keys(response, ["translation_map", "translation_map_defaults", "success_template"], "config_response");
const requestType = literal(request.request_type, "request_type");
expect(["GET", "POST", "PUT", "PATCH", "DELETE"].includes(requestType), `request_type ${requestType}`);
expect(("request_template" in request) === ["POST", "PUT", "PATCH"].includes(requestType),
  "request_template only for POST, PUT and PATCH");
const headers = literals(request.headers, "headers");
keys(headers, ["traceparent", "tracestate", "X-Conversation-Id", "x-tracechat-action", "Content-Type", "Accept",
  "Transfer-Encoding"], "headers");

const flow = resource("genesyscloud_flow", "traced");
keys(flow, ["filepath", "file_content_hash", "substitutions", "depends_on"], "flow");
equal(flow.filepath, "${path.module}/flows/tracechat-flow.yaml", "flow filepath");
equal(flow.file_content_hash, "${filesha256(\"${path.module}/flows/tracechat-flow.yaml\")}", "flow file_content_hash");
equal(flow.substitutions, {
  flow_name: "${var.flow_name}",
  data_action_category: "${var.data_action_category}",
  data_action_name: "${var.data_action_name}",
  queue_name: "${var.queue_name}",
}, "flow substitutions");
equal(flow.depends_on, ["${genesyscloud_integration_action.traced}"], "flow depends_on");

const messengerConfig = resource("genesyscloud_webdeployments_configuration", "messenger");
keys(messengerConfig, ["count", "name", "languages", "default_language", "messenger"], "messenger configuration");
equal(messengerConfig.count, "${var.messenger_deployment ? 1 : 0}", "configuration count");
const messenger = single(messengerConfig.messenger, "messenger");
equal(messenger.enabled, true, "messenger enabled");
const conversations = single(single(messenger.apps, "apps").conversations, "conversations");
equal(conversations, { enabled: true, auto_start_enabled: "${var.messenger_auto_start}" }, "conversations");
const deployment = resource("genesyscloud_webdeployments_deployment", "messenger");
keys(deployment, ["count", "name", "status", "allowed_domains", "flow_id", "configuration", "lifecycle"],
  "deployment");
equal(deployment.count, "${var.messenger_deployment ? 1 : 0}", "deployment count");
equal(literal(deployment.status, "status"), "Active", "deployment status");
equal(deployment.allowed_domains, "${var.messenger_allowed_domains}", "allowed_domains");
equal(deployment.flow_id, "${genesyscloud_flow.traced.id}", "flow_id");
equal(single(deployment.configuration, "configuration"), {
  id: "${genesyscloud_webdeployments_configuration.messenger[0].id}",
  version: "${genesyscloud_webdeployments_configuration.messenger[0].version}",
}, "deployment configuration");

keys(main.output, ["integration_id", "data_action_id", "flow_id", "messenger_deployment_id"], "outputs");
equal(single(main.output.messenger_deployment_id, "output").value,
  "${one(genesyscloud_webdeployments_deployment.messenger[*].id)}", "messenger_deployment_id");

// ---- variables.tf: only variables; the secrets without a default and sensitive.
keys(vars, ["variable"], "variables.tf");
const substituted = ["data_action_name", "data_action_category", "flow_name", "queue_name"];
keys(vars.variable, [...substituted, "bridge_username", "bridge_password", "timeout", "messenger_deployment",
  "messenger_auto_start", "messenger_allowed_domains"], "variables");
const variables = {};
for (const [name, list] of Object.entries(vars.variable)) {
  const v = single(list, `variable ${name}`);
  const validations = (v.validation ?? []).map((x) => expression(x.condition, `${name} validation`));
  variables[name] = {
    type: expression(v.type, `${name} type`),
    has_default: "default" in v,
    default: "default" in v ? literals(v.default, `${name} default`) : null,
    sensitive: v.sensitive === true,
    validations,
  };
}
for (const secret of ["bridge_username", "bridge_password"]) {
  expect(variables[secret].sensitive && !variables[secret].has_default, `${secret}: sensitive, without a default`);
}
for (const name of substituted) {
  expect(variables[name].validations.some((c) => c.includes("regexall(")), `${name}: validated for the YAML`);
}

console.log(JSON.stringify({
  resources,
  variables,
  action: {
    request_type: requestType,
    request_url_template: literal(request.request_url_template, "request_url_template"),
    request_template: "request_template" in request ? literal(request.request_template, "request_template") : null,
    headers,
    contract_input: await jsonencoded(action.contract_input, "contract_input"),
    contract_output: await jsonencoded(action.contract_output, "contract_output"),
    translation_map: literals(response.translation_map, "translation_map"),
    translation_map_defaults: literals(response.translation_map_defaults, "translation_map_defaults"),
    success_template: literal(response.success_template, "success_template"),
  },
}));
