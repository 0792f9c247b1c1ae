// The flow format: what an Architect flow does for a conversation, in a small JSON format
// (docs/emulator.md). A flow starts on a trigger (conversation-started, guest-message,
// attributes-set) and runs its steps: get participant data into flow variables, call a
// Data Action with inputs bound to them, set participant data, send a message, branch on
// the action's success, failure or timeout, disconnect. FlowEngine (flow_engine.h) runs
// what parse_flow reads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tracechat/dataaction/data_action.h"
#include "tracechat/dataaction/velocity.h"
#include "tracechat/result.h"

namespace tracechat::emulator {

struct FlowStep {
  enum class Kind { get_participant_data, call_data_action, set_participant_data, send_message, disconnect };
  Kind kind = Kind::send_message;
  std::string id;
  std::map<std::string, std::string> variables;                              // get: flow variable -> attribute key
  std::string action;                                                        // call: the Data Action's name
  std::vector<std::pair<std::string, dataaction::VelocityTemplate>> values;  // call inputs; set attributes
  std::map<std::string, std::string> outputs;                                // call: output field -> flow variable
  std::optional<dataaction::VelocityTemplate> text;                          // send
  std::string next, on_success, on_failure, on_timeout;  // step ids, "end", or empty (the next step)
};

struct Flow {
  std::string name;
  std::string trigger;  // conversation-started | guest-message | attributes-set
  std::vector<FlowStep> steps;
};

// Errors name the path: "steps[2].on.failure: no step 'sorry'".
Result<Flow> parse_flow(std::string_view json_text, const std::map<std::string, dataaction::DataAction>& actions);

}  // namespace tracechat::emulator
