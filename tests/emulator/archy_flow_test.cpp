// Archy flows read and run without the platform: the kit's flow (its golden file, as
// `tracechat kit` writes it) after its substitutions, run against a
// fake host on each of its paths; the other actions; and the files the emulator refuses,
// each with its line and action.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "archy_fixtures.h"
#include "emulator/archy_run.h"
#include "emulator/flow_substitution.h"

namespace tracechat::emulator::archy {
namespace {

namespace json = boost::json;

using tracechat::testing::archy::fixture;
using tracechat::testing::archy::kit_flow;
using tracechat::testing::archy::kSubstitutions;

const DataActions& data_actions() {
  static const DataActions actions = [] {
    DataActions m;
    std::string text = fixture("traced-action.json");
    text.replace(text.find("@SERVICE@"), 9, "http://127.0.0.1:9");
    auto action = dataaction::DataAction::parse(text);
    if (!action) {  // every test here needs it: stop with the reason, not a crash
      std::fprintf(stderr, "traced-action.json: %s\n", action.error().message.c_str());
      std::abort();
    }
    m.emplace(action->name(), std::move(*action));
    return m;
  }();
  return actions;
}

Result<Flow> load(const std::string& yaml, const FlowSubstitutions& substitutions = kSubstitutions) {
  TRACECHAT_TRY(auto text, substitute(yaml, substitutions, "flows/x.yaml"));
  return load_flow(text.text, "flows/x.yaml", data_actions(), text.substituted);
}

std::string load_error(const std::string& yaml) {
  auto flow = load(yaml);
  return flow ? "(loaded)" : flow.error().message;
}

// A flow whose start-up state's actions begin on line 9.
std::string flow_with(const std::string& actions) {
  return "inboundShortMessage:\n"
         "  name: Test\n"
         "  startUpRef: \"/inboundShortMessage/states/state[S]\"\n"
         "  states:\n"
         "    - state:\n"
         "        name: S\n"
         "        refId: S\n"
         "        actions:\n" +
         actions;
}

// The 1-based line of the first line of `text` that holds `what`.
int line_of(const std::string& text, const std::string& what) {
  const auto at = text.find(what);
  return at == std::string::npos ? 0 : static_cast<int>(std::count(text.begin(), text.begin() + at, '\n')) + 1;
}

class FakeHost final : public Host {
 public:
  std::optional<std::string> participant_data(const std::string& key) override {
    const auto it = attributes.find(key);
    return it == attributes.end() ? std::nullopt : std::optional<std::string>(it->second);
  }
  Result<void> set_participant_data(const std::vector<std::pair<std::string, std::string>>& changes) override {
    for (const auto& [k, v] : changes) attributes[k] = v;
    return {};
  }
  void send_response(std::string text) override { said.push_back(std::move(text)); }
  dataaction::ExecutionResult call_data_action(const CallData& call, const json::object& inputs) override {
    called.push_back(call.action);
    requests.push_back(inputs);
    return answer;
  }
  void disconnect() override { disconnected = true; }

  std::map<std::string, std::string> attributes;
  std::vector<std::string> said, called;
  std::vector<json::object> requests;
  dataaction::ExecutionResult answer;
  bool disconnected = false;
};

dataaction::ExecutionResult success(const std::string& output) {
  dataaction::ExecutionResult r;
  r.success = true;
  r.status = 200;
  r.output_json = output;
  return r;
}

dataaction::ExecutionResult failure(const std::string& code, int status, const std::string& message) {
  dataaction::ExecutionResult r;
  r.error_code = code;
  r.status = status;
  r.message = message;
  return r;
}

TEST(ArchyFlow, TheKitsFlowLoadsAfterItsSubstitutions) {
  const std::string text = kit_flow();
  auto flow = load(text);
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  EXPECT_EQ(flow->name, "tracechat traced flow");
  EXPECT_EQ(flow->variables.size(), 6u);
  ASSERT_EQ(flow->actions.size(), 3u);
  EXPECT_EQ(flow->actions[0].kind, "getParticipantData");
  EXPECT_EQ(std::get<GetParticipantData>(flow->actions[0].what).reads.size(), 4u);
  const auto& call = std::get<CallData>(flow->actions[1].what);
  EXPECT_EQ(flow->actions[1].name, "Call traced Data Action");
  EXPECT_EQ(flow->actions[1].line, line_of(text, "- callData:"));
  EXPECT_EQ(call.action, "Traced request");
  EXPECT_EQ(call.category, "Tracing");
  EXPECT_EQ(call.timeout, std::chrono::milliseconds(10000));
  EXPECT_EQ(call.inputs.size(), 6u);
  EXPECT_EQ(call.success_outputs, (std::vector<std::pair<std::string, std::string>>{{"status", "State.status"}}));
  EXPECT_EQ(call.failure_outputs, (std::vector<std::pair<std::string, std::string>>{{"errorCode", "State.errorCode"}}));
  EXPECT_EQ(call.on_success.size(), 2u);
  EXPECT_EQ(call.on_failure.size(), 1u);
  EXPECT_EQ(call.on_timeout.size(), 1u);
  EXPECT_EQ(std::get<TransferToAcd>(flow->actions[2].what).queue, "Support");
}

TEST(ArchyFlow, TheKitsFlowSuccessPath) {
  auto flow = load(kit_flow());
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  FakeHost host;
  host.attributes = {{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
                     {"otel_span_id", "00f067aa0ba902b7"},
                     {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}};
  host.answer = success(R"({"status":"shipped"})");
  const auto outcome = run(*flow, Trigger{"c-1", "A-1", true}, host);
  EXPECT_EQ(outcome.end, Outcome::End::transferred);
  EXPECT_EQ(outcome.queue, "Support");
  ASSERT_EQ(host.requests.size(), 1u);
  // tracestate is NOT_SET (the guest has none), so it is not sent.
  EXPECT_EQ(host.requests[0], (json::object{{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
                                            {"otel_span_id", "00f067aa0ba902b7"},
                                            {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                                            {"conversationId", "c-1"},
                                            {"orderId", "A-1"}}));
  EXPECT_EQ(host.said, std::vector<std::string>{"Checked: shipped"});
  EXPECT_EQ(host.attributes.at("tracechat_status"), "shipped");
  EXPECT_FALSE(host.disconnected);
}

TEST(ArchyFlow, TheKitsFlowFailureAndTimeoutPaths) {
  auto flow = load(kit_flow());
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  FakeHost failed;
  failed.answer = failure("upstream", 500, "the service answered 500: no");
  auto outcome = run(*flow, Trigger{"c-1", "A-1", true}, failed);
  EXPECT_EQ(failed.said, std::vector<std::string>{"Sorry, that did not work (upstream)."});
  // The paths converge: the Transfer to ACD after the callData runs on every path.
  EXPECT_EQ(outcome.end, Outcome::End::transferred);
  EXPECT_FALSE(failed.attributes.contains("tracechat_status"));

  FakeHost slow;
  slow.answer = failure("timeout", 0, "the service did not answer within 10000 ms");
  outcome = run(*flow, Trigger{"c-1", "A-1", true}, slow);
  EXPECT_EQ(slow.said, std::vector<std::string>{"Sorry, that took too long."});
  EXPECT_EQ(outcome.end, Outcome::End::transferred);
}

TEST(ArchyFlow, FailureOutputsBindWhatTheEmulatorKnows) {
  const std::string yaml = flow_with(R"(          - callData:
              name: Call
              category:
                Tracing:
                  dataAction:
                    Traced request:
                      inputs:
                        otel_trace_id:
                          lit: "4bf92f3577b34da6a3ce929d0e0e4736"
                        otel_span_id:
                          lit: "00f067aa0ba902b7"
                        orderId:
                          noValue: true
                      successOutputs:
                        status:
                          var: State.status
                      failureOutputs:
                        errorCode:
                          var: State.code
                        status:
                          var: State.httpStatus
                        correlationId:
                          var: State.correlation
                        userMessage:
                          var: State.message
                        entityId:
                          var: State.entity
                        details.fieldName:
                          noValue: true
              outputs:
                failure:
                  actions:
                    - sendResponse:
                        name: Report
                        messageBody:
                          exp: 'Append(State.code, " ", ToString(State.httpStatus), " ", If(IsSet(State.correlation), "id", "no id"), " ", If(IsSet(State.entity), "entity", "no entity"), " ", If(Contains(State.message, "500"), "message", "no message"))'
          - sendResponse:
              name: After
              messageBody:
                lit: after the call
)");
  auto flow = load(yaml);
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  FakeHost host;
  host.answer = failure("upstream", 500, "the service answered 500: no");
  const auto outcome = run(*flow, Trigger{"c-1", "A-1", false}, host);
  EXPECT_EQ(host.requests.at(0), (json::object{{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"},
                                               {"otel_span_id", "00f067aa0ba902b7"}}));
  EXPECT_EQ(host.said, (std::vector<std::string>{"upstream 500 id no entity message", "after the call"}));
  // Reaching the end of the state's actions ends the run; the conversation stays with the flow.
  EXPECT_EQ(outcome.end, Outcome::End::last_action);
  EXPECT_FALSE(host.disconnected);
}

TEST(ArchyFlow, SuccessOutputsTakeTheirTypesAndNestedFields) {
  const std::string yaml = flow_with(R"(          - callData:
              name: Call
              category:
                Tracing:
                  dataAction:
                    Traced request:
                      inputs:
                        otel_trace_id:
                          exp: State.id
                        otel_span_id:
                          exp: State.id
                      successOutputs:
                        status:
                          var: State.status
                        order.count:
                          var: State.count
                        missing:
                          var: State.missing
          - sendResponse:
              name: Tell
              messageBody:
                exp: 'Append(State.status, " ", ToString(State.count + 1), " ", ToDisplayString(State.missing))'
)");
  auto flow = load(yaml);
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  FakeHost host;
  host.answer = success(R"({"status":"shipped","order":{"count":2}})");
  run(*flow, Trigger{"c-1", "", false}, host);
  EXPECT_EQ(host.said, std::vector<std::string>{"shipped 3 "});
  // State.id was never set: NOT_SET inputs are not sent.
  EXPECT_EQ(host.requests.at(0), json::object{});
}

TEST(ArchyFlow, DecisionSwitchUpdateDataAndParticipantData) {
  const std::string yaml = flow_with(R"(          - getParticipantData:
              name: Read
              attributes:
                - attribute:
                    name:
                      lit: tier
                    variable: State.tier
          - updateData:
              name: Defaults
              statements:
                - decimal:
                    variable: State.limit
                    value:
                      lit: 10
                - boolean:
                    variable: State.vip
                    value:
                      exp: State.tier == "gold"
          - switch:
              name: Route
              evaluate:
                firstTrue:
                  cases:
                    - case:
                        value:
                          exp: State.vip
                        actions:
                          - sendResponse:
                              name: Gold
                              messageBody:
                                exp: Append("gold ", ToString(State.limit))
                    - case:
                        value:
                          exp: IsSet(State.tier)
                        actions:
                          - sendResponse:
                              name: Known
                              messageBody:
                                lit: known
                  default:
                    actions:
                      - sendResponse:
                          name: Unknown
                          messageBody:
                            lit: unknown
          - decision:
              name: Bye?
              condition:
                exp: Message.Message.body == "bye"
              outputs:
                "yes":
                  actions:
                    - setParticipantData:
                        name: Remember
                        attributes:
                          - attribute:
                              name:
                                lit: said_bye
                              value:
                                lit: "yes"
                          - attribute:
                              name:
                                lit: never
                              value:
                                exp: State.never
                    - disconnect:
                        name: Disconnect
                "no":
                  actions:
                    - sendResponse:
                        name: Stay
                        messageBody:
                          lit: stay
          - sendResponse:
              name: Not after a disconnect
              messageBody:
                lit: unreachable when the guest said bye
)");
  auto flow = load(yaml);
  ASSERT_TRUE(flow.ok()) << flow.error().message;

  FakeHost gold;
  gold.attributes["tier"] = "gold";
  EXPECT_EQ(run(*flow, Trigger{"c-1", "hi", false}, gold).end, Outcome::End::last_action);
  EXPECT_EQ(gold.said, (std::vector<std::string>{"gold 10", "stay", "unreachable when the guest said bye"}));

  FakeHost silver;
  silver.attributes["tier"] = "silver";
  EXPECT_EQ(run(*flow, Trigger{"c-1", "bye", false}, silver).end, Outcome::End::disconnected);
  EXPECT_EQ(silver.said, std::vector<std::string>{"known"});
  EXPECT_TRUE(silver.disconnected);
  // NOT_SET sets nothing.
  EXPECT_EQ(silver.attributes, (std::map<std::string, std::string>{{"tier", "silver"}, {"said_bye", "yes"}}));

  FakeHost nobody;
  run(*flow, Trigger{"c-1", "hi", false}, nobody);
  EXPECT_EQ(nobody.said.front(), "unknown");
}

TEST(ArchyFlow, ARunTimeErrorIsHandledByDisconnecting) {
  const std::string yaml = flow_with(R"(          - sendResponse:
              name: Greet
              messageBody:
                exp: Trim(State.name)
          - sendResponse:
              name: Never
              messageBody:
                lit: never
)");
  auto flow = load(yaml);
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  FakeHost host;
  const auto outcome = run(*flow, Trigger{"c-1", "hi", false}, host);
  EXPECT_EQ(outcome.end, Outcome::End::error);
  EXPECT_EQ(outcome.error,
            "action 'Greet' (sendResponse, flows/x.yaml:9): messageBody: Trim: argument 1 is NOT_SET, not a String");
  EXPECT_TRUE(host.disconnected);
  EXPECT_TRUE(host.said.empty());
}

TEST(ArchyFlow, VariablesStartAtTheirInitialValuesOfTheirType) {
  const std::string yaml = R"(inboundShortMessage:
  name: Test
  startUpRef: "/inboundShortMessage/states/state[S]"
  states:
    - state:
        name: S
        refId: S
        variables:
          - integerVariable:
              name: State.n
              initialValue:
                lit: 41
          - booleanVariable:
              name: State.b
              initialValue:
                exp: Message.IsNewConversation
          - stringVariable:
              name: State.s
              isInput: false
        actions:
          - sendResponse:
              name: Say
              messageBody:
                exp: Append(ToString(State.n + 1), " ", ToString(State.b), " ", ToDisplayString(State.s), "|")
)";
  auto flow = load(yaml);
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  FakeHost host;
  run(*flow, Trigger{"c-1", "", true}, host);
  EXPECT_EQ(host.said, std::vector<std::string>{"42 true |"});
}

TEST(ArchyFlow, RefusedWithItsLineAndAction) {
  EXPECT_EQ(load_error(flow_with(R"(          - callBotFlow:
              name: Call Bot Flow
              inputText:
                exp: Message.Message.body
)")),
            "flows/x.yaml:9: action 'Call Bot Flow' (callBotFlow): not supported by the emulator");
  EXPECT_EQ(load_error(flow_with(R"(          - sendResponse:
              name: Send
              messageBody:
                exp: Foo(1)
)")),
            "flows/x.yaml:12: action 'Send' (sendResponse): messageBody: character 1: unknown function 'Foo' (the "
            "emulator has Append, Contains, If, IsSet, IsNotSetOrEmpty, Length, ToDisplayString, ToString, Trim)");
  EXPECT_EQ(load_error(flow_with(R"(          - sendResponse:
              name: Send
              messageType: text
              messageBody:
                lit: hi
)")),
            "flows/x.yaml:11: action 'Send' (sendResponse): 'messageType' is not supported by the emulator (it "
            "takes name, messageBody)");
  EXPECT_EQ(load_error(flow_with(R"(          - callData:
              name: Call
              category:
                Tracing:
                  dataAction:
                    Nope:
                      inputs: {}
)")),
            "flows/x.yaml:14: action 'Call' (callData): no Data Action named 'Nope' (loaded: Traced request)");
  EXPECT_EQ(load_error(flow_with(R"(          - callData:
              name: Call
              category:
                Tracing:
                  dataAction:
                    Traced request:
                      failureOutputs:
                        reason:
                          var: State.reason
)")),
            "flows/x.yaml:16: action 'Call' (callData): failureOutputs: 'reason' is not a failure output of a Data "
            "Action");
  EXPECT_EQ(load_error(flow_with(R"(          - callData:
              name: Call
              timeout:
                lit:
                  fortnights: 1
              category:
                Tracing:
                  dataAction:
                    Traced request: {}
)")),
            "flows/x.yaml:13: action 'Call' (callData): timeout: 'fortnights': expected milliseconds, seconds, "
            "minutes or hours with a whole number");
  EXPECT_EQ(load_error(flow_with(R"(          - updateData:
              name: Update
              statements:
                - integer:
                    variable: State.n
                    value:
                      lit: many
)")),
            "flows/x.yaml:15: action 'Update' (updateData): integer.value: lit: an Integer is expected here");
  EXPECT_EQ(load_error(flow_with(R"(          - updateData:
              name: Update
              statements:
                - string:
                    variable: Message.Message.body
                    value:
                      lit: x
)")),
            "flows/x.yaml:13: action 'Update' (updateData): string.variable: 'Message.Message.body' is not a variable "
            "the flow can set (State.x, Flow.x, Task.x)");
  EXPECT_EQ(load_error(flow_with(R"(          - transferToAcd:
              name: Transfer
              targetQueue:
                exp: State.queue
)")),
            "flows/x.yaml:12: action 'Transfer' (transferToAcd): targetQueue: expected lit: {name: <queue>} (the "
            "emulator takes a queue by name)");
  EXPECT_EQ(load_error(flow_with(R"(          - decision:
              name: Which
              condition:
                lit: true
              outputs:
                maybe:
                  actions: []
)")),
            "flows/x.yaml:14: action 'Which' (decision): outputs: 'maybe' is not supported by the emulator (it takes "
            "yes, no)");
}

TEST(ArchyFlow, RefusedFlows) {
  EXPECT_EQ(load_error("inboundCall:\n  name: Voice\n"),
            "flows/x.yaml:1: flow type 'inboundCall' is not supported by the emulator (it runs inboundShortMessage "
            "flows)");
  EXPECT_EQ(load_error("inboundShortMessage:\n  name: x\n  bots: []\n"),
            "flows/x.yaml:3: 'bots' is not supported by the emulator");
  EXPECT_EQ(load_error(R"(inboundShortMessage:
  name: Test
  startUpRef: "/inboundShortMessage/states/state[T]"
  states:
    - state:
        name: S
        refId: S
)"),
            "flows/x.yaml:3: startUpRef: no state with refId 'T'");
  EXPECT_EQ(load_error(R"(inboundShortMessage:
  name: Test
  startUpRef: "/inboundShortMessage/states/state[S]"
  settingsErrorHandling:
    errorHandling:
      transferToAcd:
        targetQueue:
          lit:
            name: Errors
  states:
    - state:
        name: S
        refId: S
)"),
            "flows/x.yaml:6: settingsErrorHandling: error handling 'transferToAcd' is not supported by the emulator "
            "(it disconnects)");
  EXPECT_EQ(load_error(R"(inboundShortMessage:
  name: Test
  startUpRef: "/inboundShortMessage/states/state[S]"
  states:
    - state:
        name: S
        refId: S
        variables:
          - stringCollectionVariable:
              name: State.list
)"),
            "flows/x.yaml:9: variable type 'stringCollectionVariable' is not supported by the emulator (it has "
            "stringVariable, integerVariable, decimalVariable, booleanVariable)");
}

TEST(ArchyFlow, PathsNestedTooDeeplyAreRefused) {
  std::string actions = "[]";
  for (int i = 0; i < 40; ++i)
    actions = "[{decision: {condition: {lit: true}, outputs: {\"yes\": {actions: " + actions + "}}}}]";
  const auto error = load_error(
      flow_with("          - decision: {condition: {lit: true}, outputs: {\"no\": {actions: " + actions + "}}}\n"));
  EXPECT_NE(error.find("actions nested too deeply"), std::string::npos) << error;
}

TEST(ArchyFlow, Substitutions) {
  // A placeholder without a value names its line and what to give.
  auto missing = substitute("inboundShortMessage:\n  name: \"{{flow_name}}\"\n", {}, "flows/x.yaml");
  EXPECT_EQ(missing.error().message,
            "flows/x.yaml:2: {{flow_name}} has no substitution: give it with --flow-substitution flow_name=VALUE");
  // Placeholders in comments are text about placeholders.
  auto commented = substitute("# {{...}} and {{flow_name}} are filled in\nname: x\n", {}, "flows/x.yaml");
  ASSERT_TRUE(commented.ok());
  EXPECT_EQ(commented->text, "# {{...}} and {{flow_name}} are filled in\nname: x\n");
  // Plain text replacement, everywhere, as the provider does; values are not read again.
  auto filled = substitute("a: {{k}}\n{{k}}: \"{{v}}\"\n", {{"k", "key"}, {"v", "{{k}}"}}, "f");
  ASSERT_TRUE(filled.ok());
  EXPECT_EQ(filled->text, "a: key\nkey: \"{{k}}\"\n");
  EXPECT_EQ(filled->substituted, (std::vector<std::pair<int, std::string>>{{1, "k"}, {2, "k"}, {2, "v"}}));
  EXPECT_FALSE(check_substitution_key("").ok());
  EXPECT_FALSE(check_substitution_key("a}}").ok());
  EXPECT_TRUE(check_substitution_key("queue_name").ok());
}

TEST(ArchyFlow, AnUnquotedPlaceholderKeyIsFilledInBeforeYamlSeesIt) {
  // As the blueprints write a callData's category: {{data_action_category}}: (unquoted).
  const std::string yaml = flow_with(R"(          - callData:
              name: Call
              category:
                {{data_action_category}}:
                  dataAction:
                    {{data_action_name}}:
                      inputs: {}
)");
  auto flow = load(yaml);
  ASSERT_TRUE(flow.ok()) << flow.error().message;
  EXPECT_EQ(std::get<CallData>(flow->actions[0].what).category, "Tracing");
  // A value that breaks the YAML: the error names the line and the substitution on it.
  const auto error = load(yaml, {{"data_action_category", "a: b: c"}, {"data_action_name", "Traced request"}});
  EXPECT_EQ(
      error.error().message,
      "flows/x.yaml:12: YAML: illegal map value (the line has the substituted value of {{data_action_category}})");
}

}  // namespace
}  // namespace tracechat::emulator::archy
