// flows/tracechat-flow.yaml: the Archy inbound message flow. Its shape is the one the
// emulator runs (docs/emulator.md); only the attribute keys and their State variables, the
// message inputs, the outputs and the timeout vary. The four {{placeholders}} stay as
// they are: the genesyscloud_flow resource (or `tracechat emulator --flow-substitution`)
// replaces them with raw text, which is why variables.tf and check_kit refuse values that
// would end the double-quoted scalars they stand in.
#include <cctype>
#include <set>

#include "kit_parts.h"
#include "tracechat/generators/escaping.h"

namespace tracechat::generators::detail {
namespace {

// Archy's Call Data Action has a fixed set of failure outputs; the flow keeps the code.
constexpr const char* kFailureOutputs[] = {"status",
                                           "correlationId",
                                           "entityId",
                                           "entityName",
                                           "userMessage",
                                           "userParamsMessage",
                                           "userParams.key",
                                           "userParams.value",
                                           "details.errorCode",
                                           "details.fieldName",
                                           "details.entityId",
                                           "details.entityName"};

// Lines at a fixed indent, so the writer reads like the YAML it writes.
class Lines {
 public:
  explicit Lines(std::string& out) : out_(out) {}
  void operator()(int indent, const std::string& text) {
    out_.append(static_cast<std::size_t>(indent), ' ');
    out_ += text;
    out_ += '\n';
  }

 private:
  std::string& out_;
};

// An input or output name (an identifier) as a YAML key: bare, unless YAML 1.1 or 1.2
// would read that spelling as a null or a boolean; such a name is a plain identifier to
// Genesys, so it is quoted.
std::string yaml_key(const std::string& name) {
  static const std::set<std::string> kSpecial = {"null", "true", "false", "yes", "no", "on", "off", "y", "n"};
  std::string lower = name;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return kSpecial.contains(lower) ? yaml_string(name) : name;
}

void string_variable(Lines& line, const std::string& name) {
  line(10, "- stringVariable:");
  line(14, "name: " + name);
  line(14, "initialValue:");
  line(16, "noValue: true");
}

void get_participant_data(Lines& line, const Kit& kit) {
  line(10, "- getParticipantData:");
  line(14, "name: Get trace context");
  line(14, "attributes:");
  for (const auto& a : kit.attributes) {
    line(16, "- attribute:");
    line(20, "name:");
    line(22, "lit: " + yaml_string(a.key));
    line(20, "variable: " + a.variable);
  }
}

void call_data(Lines& line, const Kit& kit) {
  line(10, "- callData:");
  line(14, "name: Call traced Data Action");
  line(14, "timeout:");
  line(16, "lit:");
  line(18, "seconds: " + std::to_string(kit.options.timeout_seconds));
  line(14, "category:");
  line(16, "\"{{data_action_category}}\":");
  line(18, "dataAction:");
  line(20, "\"{{data_action_name}}\":");
  line(22, "inputs:");
  for (const auto& a : kit.attributes) {
    line(24, a.input + ":");
    line(26, "exp: " + a.variable);
  }
  line(24, std::string(conventions::kConversationIdInput) + ":");
  line(26, "exp: Message.ConversationId");
  for (const auto& name : kit.options.message_inputs) {
    line(24, yaml_key(name) + ":");
    line(26, "exp: Message.Message.body");
  }
  line(22, "successOutputs:");
  for (const auto& name : kit.options.outputs) {
    line(24, yaml_key(name) + ":");
    line(26, "var: State." + name);
  }
  line(22, "failureOutputs:");
  line(24, "errorCode:");
  line(26, "var: State.errorCode");
  for (const char* name : kFailureOutputs) {
    line(24, std::string(name) + ":");
    line(26, "noValue: true");
  }
}

void outcomes(Lines& line, const Kit& kit) {
  line(14, "outputs:");
  line(16, "success:");
  line(18, "actions:");
  line(20, "- setParticipantData:");
  line(24, "name: Record the result");
  line(24, "attributes:");
  for (const auto& name : kit.options.outputs) {
    line(26, "- attribute:");
    line(30, "name:");
    line(32, "lit: " + yaml_string("tracechat_" + name));
    line(30, "value:");
    line(32, "exp: State." + name);
  }
  line(20, "- sendResponse:");
  line(24, "name: Tell the guest");
  line(24, "messageBody:");
  line(26, "exp: " + yaml_string("Append(\"Checked: \", ToDisplayString(State." + kit.options.outputs.front() + "))"));
  line(16, "failure:");
  line(18, "actions:");
  line(20, "- sendResponse:");
  line(24, "name: Report the failure");
  line(24, "messageBody:");
  line(26, "exp: " + yaml_string("Append(\"Sorry, that did not work (\", ToDisplayString(State.errorCode), \").\")"));
  line(16, "timeout:");
  line(18, "actions:");
  line(20, "- sendResponse:");
  line(24, "name: Report the timeout");
  line(24, "messageBody:");
  line(26, "lit: " + yaml_string("Sorry, that took too long."));
}

void transfer(Lines& line) {
  line(10, "- transferToAcd:");
  line(14, "name: Transfer to ACD");
  line(14, "targetQueue:");
  line(16, "lit:");
  line(18, "name: \"{{queue_name}}\"");
  line(14, "priority:");
  line(16, "lit: 0");
  line(14, "preferredAgents:");
  line(16, "noValue: true");
  line(14, "languageSkill:");
  line(16, "noValue: true");
}

}  // namespace

std::string kit_flow_yaml(const Kit& kit) {
  std::string out =
      "# Written by `tracechat kit`: an Architect inbound message flow (Archy YAML) that carries the\n"
      "# guest's trace context into a Data Action. {{...}} are filled in by the genesyscloud_flow\n"
      "# resource's substitutions (main.tf) or by `tracechat emulator --flow-substitution`.\n"
      "inboundShortMessage:\n"
      "  name: \"{{flow_name}}\"\n"
      "  description: \"Reads the chat's trace context from participant data and calls a Data Action with it\"\n"
      "  startUpRef: \"/inboundShortMessage/states/state[Initial State_10]\"\n"
      "  defaultLanguage: en-us\n"
      "  supportedLanguages:\n"
      "    en-us:\n"
      "      defaultLanguageSkill:\n"
      "        noValue: true\n"
      "  settingsErrorHandling:\n"
      "    errorHandling:\n"
      "      disconnect:\n"
      "        none: true\n"
      "  states:\n"
      "    - state:\n"
      "        name: Initial State\n"
      "        refId: Initial State_10\n"
      "        variables:\n";
  Lines line(out);
  for (const auto& a : kit.attributes) string_variable(line, a.variable);
  for (const auto& name : kit.options.outputs) string_variable(line, "State." + name);
  string_variable(line, "State.errorCode");
  line(8, "actions:");
  get_participant_data(line, kit);
  call_data(line, kit);
  outcomes(line, kit);
  if (kit.options.transfer_to_acd) transfer(line);
  return out;
}

}  // namespace tracechat::generators::detail
