// An Architect inbound message flow in Archy's YAML (what `genesyscloud_flow` deploys),
// read into what the emulator runs (archy_run.h). The shapes are those of Genesys's
// published blueprints (docs/emulator.md, "Archy flows", cites them). Whatever the
// emulator does not run — another flow type, an action, a key of an action, an
// expression outside its subset — is refused here, naming the file, the line and the
// action, so that a flow that loads does at run time what it says.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "archy_expression.h"
#include "tracechat/dataaction/data_action.h"
#include "tracechat/result.h"

namespace tracechat::emulator::archy {

struct Action;
using Actions = std::vector<Action>;

struct GetParticipantData {
  struct Read {
    Expression attribute;  // the attribute's name
    std::string variable;
  };
  std::vector<Read> reads;
};

struct SetParticipantData {
  struct Write {
    Expression attribute, value;
  };
  std::vector<Write> writes;
};

// The failure output fields Architect gives every Data Action, and the only ones a
// callData's failureOutputs may bind.
inline constexpr std::string_view kFailureOutputs[] = {"errorCode",         "status",
                                                       "correlationId",     "entityId",
                                                       "entityName",        "userMessage",
                                                       "userParamsMessage", "userParams.key",
                                                       "userParams.value",  "details.errorCode",
                                                       "details.fieldName", "details.entityId",
                                                       "details.entityName"};

struct CallData {
  std::string action;    // the Data Action's name, which is how the emulator finds it
  std::string category;  // as the flow names it; for the log only (an imported action has none)
  std::optional<std::chrono::milliseconds> timeout;                                   // the flow's own limit
  std::vector<std::pair<std::string, Expression>> inputs;                             // noValue inputs are not sent
  std::vector<std::pair<std::string, std::string>> success_outputs, failure_outputs;  // field -> variable
  Actions on_success, on_failure, on_timeout;
};

struct SendResponse {
  Expression body;
};

struct Decision {
  Expression condition;
  Actions yes, no;
};

// firstTrue: the actions of the first case whose value is true, else the default's.
struct Switch {
  std::vector<std::pair<Expression, Actions>> cases;
  Actions otherwise;
};

struct UpdateData {
  struct Statement {
    std::string type;  // string, integer, decimal, boolean
    std::string variable;
    Expression value;
  };
  std::vector<Statement> statements;
};

struct Disconnect {};

struct TransferToAcd {
  std::string queue;
};

struct Action {
  std::string kind;  // its YAML key: callData, decision, ...
  std::string name;  // its `name`
  int line = 0;
  std::variant<GetParticipantData, SetParticipantData, CallData, SendResponse, Decision, Switch, UpdateData, Disconnect,
               TransferToAcd>
      what;
};

struct Variable {
  std::string name;
  std::string type;    // string, integer, decimal, boolean
  Expression initial;  // NOT_SET when the flow gives none
};

struct Flow {
  std::string name;
  std::string file;                 // as it was loaded, for the errors of a run
  std::vector<Variable> variables;  // the start-up state's
  Actions actions;                  // the start-up state's
};

using DataActions = std::map<std::string, dataaction::DataAction>;

// `yaml`: the file's text after substitutions; `file`: its name, for the errors
// ("flows/x.yaml:42: action 'Call Bot Flow' (callBotFlow): not supported by the emulator");
// `substituted`: the lines where substitute() put a value in (flow_substitution.h), which
// a YAML error on them names.
Result<Flow> load_flow(std::string_view yaml, std::string_view file, const DataActions& actions,
                       const std::vector<std::pair<int, std::string>>& substituted = {});

// "action 'Tell the guest' (sendResponse, flows/x.yaml:42)", for the errors of a run.
std::string describe(const Action& action, std::string_view file);

}  // namespace tracechat::emulator::archy
