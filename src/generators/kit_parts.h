// The pieces of `tracechat kit` (kit.h): the checked options every file is written
// from, and one writer per file.
#pragma once

#include <string>
#include <vector>

#include "action_definition.h"
#include "tracechat/generators/kit.h"
#include "tracechat/result.h"

namespace tracechat::generators::detail {

// A participant data key the flow reads, the State variable it lands in, and the
// action's input it is bound to.
struct KitAttribute {
  std::string key;       // "otel_trace_id", or what --trace-id-attribute says
  std::string variable;  // "State.otel_trace_id": the key with . and - as _
  std::string input;     // the action's input, named by conventions.h
};

struct Kit {
  KitOptions options;
  ActionDefinition action;
  std::string action_file;               // "data-actions/traced-request.json"
  std::vector<KitAttribute> attributes;  // trace id, span id, traceparent, tracestate
};

// Every option checked: a value that could not be written so that it reads back exactly
// is an error naming the option.
Result<Kit> check_kit(const KitOptions& options);

std::string kit_flow_yaml(const Kit& kit);     // flows/tracechat-flow.yaml
std::string kit_main_tf(const Kit& kit);       // main.tf
std::string kit_variables_tf(const Kit& kit);  // variables.tf
std::string kit_readme(const Kit& kit);        // README.md

// Where the files go, relative to the kit's folder.
inline constexpr const char* kFlowFile = "flows/tracechat-flow.yaml";

}  // namespace tracechat::generators::detail
