// One Data Action, in the parts both of its written forms are made of: the import JSON
// (`tracechat dataaction export`, the kit's data-actions/ file) and the Terraform
// genesyscloud_integration_action resource (the kit's main.tf). Both writers take
// everything from here, so the two cannot describe different requests.
#pragma once

#include <boost/json.hpp>
#include <optional>
#include <string>

#include "tracechat/generators/data_action_export.h"
#include "tracechat/result.h"

namespace tracechat::generators::detail {

struct ActionDefinition {
  std::string name;
  boost::json::object input_schema;    // contract.input.inputSchema; Terraform contract_input
  boost::json::object success_schema;  // contract.output.successSchema; Terraform contract_output
  std::string request_type;            // GET, POST, PUT, PATCH, DELETE
  std::string request_url_template;
  std::optional<std::string> request_template;   // POST, PUT and PATCH only
  boost::json::object headers;                   // name -> Velocity template, in this order
  boost::json::object translation_map;           // output -> JSONPath
  boost::json::object translation_map_defaults;  // output -> JSON literal
  std::string success_template;
  int timeout_seconds = 60;
};

// The action, or the first option that is wrong ("url: ...", "input 'x': ...").
Result<ActionDefinition> define_action(const ExportOptions& options);

// The Admin UI's import JSON: name, integrationType, actionType, config (request,
// response, timeoutSeconds), contract, secure; pretty-printed as Genesys exports it.
std::string import_json(const ActionDefinition& action);

}  // namespace tracechat::generators::detail
