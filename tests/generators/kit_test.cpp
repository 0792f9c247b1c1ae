// `tracechat kit`: the default kit byte for byte (golden files), its flow read by a YAML
// parser with the placeholders filled in as the provider fills them, what the options
// change, values that are refused, values that must read back exactly, and writing the
// folder. kit_hcl_test.cpp reads the Terraform files with HCL parsers.
#include "tracechat/generators/kit.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "generators/kit_samples.h"
#include "tracechat/dataaction/data_action.h"
#include "tracechat/dataaction/velocity.h"
#include "tracechat/generators/escaping.h"

namespace tracechat::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using generators::generate_kit;
using generators::KitFile;
using generators::KitOptions;

const fs::path kGolden = fs::path(TRACECHAT_GOLDEN_DIR) / "kit";

std::map<std::string, std::string> kit_files(const KitOptions& options) {
  auto files = generate_kit(options);
  EXPECT_TRUE(files.ok()) << (files.ok() ? "" : files.error().message);
  std::map<std::string, std::string> out;
  if (files.ok()) {
    for (const auto& f : *files) out[f.path] = f.content;
  }
  return out;
}

std::string error_of(const KitOptions& options) {
  auto files = generate_kit(options);
  return files ? std::string("(generated)") : files.error().message;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::size_t lines(const std::string& text) {
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The flow with its placeholders replaced as raw text, as the genesyscloud_flow resource's
// substitutions (and the emulator's --flow-substitution) do.
YAML::Node substituted_flow(std::string yaml, const KitOptions& o, const std::string& queue) {
  const std::pair<std::string, std::string> values[] = {{"{{flow_name}}", o.flow_name},
                                                        {"{{data_action_category}}", o.category},
                                                        {"{{data_action_name}}", o.action_name},
                                                        {"{{queue_name}}", queue}};
  for (const auto& [placeholder, value] : values) {
    for (std::size_t at = yaml.find(placeholder); at != std::string::npos; at = yaml.find(placeholder, at)) {
      yaml.replace(at, placeholder.size(), value);
      at += value.size();
    }
  }
  return YAML::Load(yaml);
}

std::vector<std::string> map_keys(const YAML::Node& node) {
  std::vector<std::string> keys;
  for (const auto& item : node) keys.push_back(item.first.as<std::string>());
  return keys;
}

// The one action of a list item: `- getParticipantData: {...}` -> ("getParticipantData", body).
std::pair<std::string, YAML::Node> step(const YAML::Node& item) {
  EXPECT_TRUE(item.IsMap() && item.size() == 1);
  const auto first = *item.begin();
  return {first.first.as<std::string>(), first.second};
}

TEST(Kit, TheDefaultKitIsTheGoldenFiles) {
  const auto files = kit_files(default_kit_options());
  const char* update = std::getenv("TRACECHAT_UPDATE_GOLDEN");
  const std::string how =
      "\nIf the change is intended, regenerate the golden files with\n"
      "  TRACECHAT_UPDATE_GOLDEN=1 <build>/tests/generators_tests --gtest_filter='Kit.*'\n"
      "and review `git diff tests/generators/golden`.";
  if (update != nullptr && std::string(update) == "1") {
    fs::remove_all(kGolden);
    for (const auto& [path, content] : files) {
      fs::create_directories((kGolden / path).parent_path());
      std::ofstream(kGolden / path, std::ios::binary) << content;
    }
  }
  std::set<std::string> golden;
  for (const auto& entry : fs::recursive_directory_iterator(kGolden)) {
    if (entry.is_regular_file()) golden.insert(fs::relative(entry.path(), kGolden).generic_string());
  }
  std::set<std::string> written;
  for (const auto& [path, content] : files) written.insert(path);
  EXPECT_EQ(written, golden) << how;
  EXPECT_EQ(written, (std::set<std::string>{"README.md", "main.tf", "variables.tf", "flows/tracechat-flow.yaml",
                                            "data-actions/traced-request.json"}));
  for (const auto& [path, content] : files) {
    EXPECT_EQ(content, read_file(kGolden / path)) << path << " differs from its golden file." << how;
  }
}

TEST(Kit, TheFlowIsArchyYamlThatCallsTheActionWithTheTraceContext) {
  const auto o = default_kit_options();
  const auto files = kit_files(o);
  const YAML::Node root = substituted_flow(files.at("flows/tracechat-flow.yaml"), o, "Support");
  EXPECT_EQ(map_keys(root), std::vector<std::string>{"inboundShortMessage"});
  const YAML::Node flow = root["inboundShortMessage"];
  EXPECT_EQ(flow["name"].as<std::string>(), "tracechat traced flow");
  EXPECT_EQ(flow["startUpRef"].as<std::string>(), "/inboundShortMessage/states/state[Initial State_10]");
  const YAML::Node state = flow["states"][0]["state"];
  EXPECT_EQ(state["refId"].as<std::string>(), "Initial State_10");
  std::vector<std::string> variables;
  for (const auto& v : state["variables"]) variables.push_back(v["stringVariable"]["name"].as<std::string>());
  EXPECT_EQ(variables, (std::vector<std::string>{"State.otel_trace_id", "State.otel_span_id", "State.traceparent",
                                                 "State.tracestate", "State.status", "State.errorCode"}));

  const YAML::Node actions = state["actions"];
  ASSERT_EQ(actions.size(), 3u);
  const auto [get_name, get] = step(actions[0]);
  EXPECT_EQ(get_name, "getParticipantData");
  std::vector<std::pair<std::string, std::string>> read;
  for (const auto& a : get["attributes"]) {
    read.emplace_back(a["attribute"]["name"]["lit"].as<std::string>(), a["attribute"]["variable"].as<std::string>());
  }
  EXPECT_EQ(read, (std::vector<std::pair<std::string, std::string>>{{"otel_trace_id", "State.otel_trace_id"},
                                                                    {"otel_span_id", "State.otel_span_id"},
                                                                    {"traceparent", "State.traceparent"},
                                                                    {"tracestate", "State.tracestate"}}));

  const auto [call_name, call] = step(actions[1]);
  EXPECT_EQ(call_name, "callData");
  EXPECT_EQ(call["timeout"]["lit"]["seconds"].as<int>(), 10);
  EXPECT_EQ(map_keys(call["category"]), std::vector<std::string>{"Tracing"});
  EXPECT_EQ(map_keys(call["category"]["Tracing"]["dataAction"]), std::vector<std::string>{"Traced request"});
  const YAML::Node action = call["category"]["Tracing"]["dataAction"]["Traced request"];
  std::vector<std::pair<std::string, std::string>> inputs;
  for (const auto& i : action["inputs"])
    inputs.emplace_back(i.first.as<std::string>(), i.second["exp"].as<std::string>());
  EXPECT_EQ(inputs, (std::vector<std::pair<std::string, std::string>>{{"otel_trace_id", "State.otel_trace_id"},
                                                                      {"otel_span_id", "State.otel_span_id"},
                                                                      {"traceparent", "State.traceparent"},
                                                                      {"tracestate", "State.tracestate"},
                                                                      {"conversationId", "Message.ConversationId"},
                                                                      {"orderId", "Message.Message.body"}}));
  EXPECT_EQ(map_keys(action["successOutputs"]), std::vector<std::string>{"status"});
  EXPECT_EQ(action["successOutputs"]["status"]["var"].as<std::string>(), "State.status");
  // Archy's fixed failure outputs, all thirteen; the flow keeps the error code.
  EXPECT_EQ(map_keys(action["failureOutputs"]),
            (std::vector<std::string>{"errorCode", "status", "correlationId", "entityId", "entityName", "userMessage",
                                      "userParamsMessage", "userParams.key", "userParams.value", "details.errorCode",
                                      "details.fieldName", "details.entityId", "details.entityName"}));
  EXPECT_EQ(action["failureOutputs"]["errorCode"]["var"].as<std::string>(), "State.errorCode");
  for (const auto& f : action["failureOutputs"]) {
    if (f.first.as<std::string>() != "errorCode") {
      EXPECT_TRUE(f.second["noValue"].as<bool>());
    }
  }

  const YAML::Node outcomes = call["outputs"];
  EXPECT_EQ(map_keys(outcomes), (std::vector<std::string>{"success", "failure", "timeout"}));
  const auto [record_name, record] = step(outcomes["success"]["actions"][0]);
  EXPECT_EQ(record_name, "setParticipantData");
  EXPECT_EQ(record["attributes"][0]["attribute"]["name"]["lit"].as<std::string>(), "tracechat_status");
  EXPECT_EQ(record["attributes"][0]["attribute"]["value"]["exp"].as<std::string>(), "State.status");
  const auto [tell_name, tell] = step(outcomes["success"]["actions"][1]);
  EXPECT_EQ(tell_name, "sendResponse");
  EXPECT_EQ(tell["messageBody"]["exp"].as<std::string>(), "Append(\"Checked: \", ToDisplayString(State.status))");
  EXPECT_EQ(step(outcomes["failure"]["actions"][0]).second["messageBody"]["exp"].as<std::string>(),
            "Append(\"Sorry, that did not work (\", ToDisplayString(State.errorCode), \").\")");
  EXPECT_EQ(step(outcomes["timeout"]["actions"][0]).second["messageBody"]["lit"].as<std::string>(),
            "Sorry, that took too long.");

  const auto [transfer_name, transfer] = step(actions[2]);
  EXPECT_EQ(transfer_name, "transferToAcd");
  EXPECT_EQ(transfer["targetQueue"]["lit"]["name"].as<std::string>(), "Support");
}

// What the options change, in the flow and in the action; and the kit `tracechat demo`
// writes (the local bridge, "Order lookup", the trace id back as the output).
TEST(Kit, TheOptionsShapeTheFlowAndTheAction) {
  KitOptions o = default_kit_options();
  o.url = "http://127.0.0.1:9443/orders/lookup";
  o.action_name = "Order lookup";
  o.trace_id_attribute = "trace.id";
  o.span_id_attribute = "span-id";
  o.traceparent_attribute = "tp";
  o.tracestate_attribute = "ts";
  o.message_inputs = {"orderId", "note"};
  o.outputs = {"traceId", "status"};
  o.timeout_seconds = 30;
  o.method = "GET";
  const auto files = kit_files(o);
  ASSERT_TRUE(files.contains("data-actions/order-lookup.json"));
  const YAML::Node state =
      substituted_flow(files.at("flows/tracechat-flow.yaml"), o, "Q")["inboundShortMessage"]["states"][0]["state"];
  std::vector<std::string> variables;
  for (const auto& v : state["variables"]) variables.push_back(v["stringVariable"]["name"].as<std::string>());
  EXPECT_EQ(variables, (std::vector<std::string>{"State.trace_id", "State.span_id", "State.tp", "State.ts",
                                                 "State.traceId", "State.status", "State.errorCode"}));
  const YAML::Node get = state["actions"][0]["getParticipantData"];
  EXPECT_EQ(get["attributes"][0]["attribute"]["name"]["lit"].as<std::string>(), "trace.id");
  EXPECT_EQ(get["attributes"][0]["attribute"]["variable"].as<std::string>(), "State.trace_id");
  EXPECT_EQ(get["attributes"][1]["attribute"]["name"]["lit"].as<std::string>(), "span-id");
  const YAML::Node call = state["actions"][1]["callData"];
  EXPECT_EQ(call["timeout"]["lit"]["seconds"].as<int>(), 30);
  const YAML::Node action = call["category"]["Tracing"]["dataAction"]["Order lookup"];
  EXPECT_EQ(action["inputs"]["otel_trace_id"]["exp"].as<std::string>(), "State.trace_id");
  EXPECT_EQ(action["inputs"]["otel_span_id"]["exp"].as<std::string>(), "State.span_id");
  EXPECT_EQ(action["inputs"]["note"]["exp"].as<std::string>(), "Message.Message.body");
  EXPECT_EQ(map_keys(action["successOutputs"]), (std::vector<std::string>{"traceId", "status"}));
  const YAML::Node success = call["outputs"]["success"]["actions"];
  EXPECT_EQ(success[0]["setParticipantData"]["attributes"].size(), 2u);
  EXPECT_EQ(success[0]["setParticipantData"]["attributes"][1]["attribute"]["name"]["lit"].as<std::string>(),
            "tracechat_status");
  EXPECT_EQ(success[1]["sendResponse"]["messageBody"]["exp"].as<std::string>(),
            "Append(\"Checked: \", ToDisplayString(State.traceId))")
      << "the guest is told the first output";

  const auto imported = json::parse(files.at("data-actions/order-lookup.json"));
  EXPECT_EQ(imported.at("config").at("timeoutSeconds"), 30);
  EXPECT_EQ(imported.at("config").at("request").at("requestType"), "GET");
  EXPECT_FALSE(imported.at("config").at("request").as_object().contains("requestTemplate"));
  EXPECT_TRUE(imported.at("contract").at("input").at("inputSchema").at("properties").as_object().contains("note"));
  EXPECT_TRUE(
      imported.at("contract").at("output").at("successSchema").at("properties").as_object().contains("traceId"));
  EXPECT_TRUE(dataaction::DataAction::parse(files.at("data-actions/order-lookup.json")).ok());
  EXPECT_NE(files.at("main.tf").find("request_type         = \"GET\""), std::string::npos);
  EXPECT_EQ(files.at("main.tf").find("request_template"), std::string::npos) << "GET has no body";
  EXPECT_NE(files.at("variables.tf").find("default     = 30\n"), std::string::npos);
}

TEST(Kit, ValuesThatCannotBeWrittenSafelyAreRefused) {
  const auto with = [](auto change) {
    KitOptions o = default_kit_options();
    change(o);
    return error_of(o);
  };
  const std::string yaml = " (it is put into the flow's YAML as it is, inside double quotes)";
  EXPECT_EQ(with([](KitOptions& o) { o.action_name = "Say \"hi\""; }), "action name: must not contain \"" + yaml);
  EXPECT_EQ(with([](KitOptions& o) { o.category = "a\\b"; }), "category: must not contain \\" + yaml);
  EXPECT_EQ(with([](KitOptions& o) { o.flow_name = "{{queue_name}}"; }),
            "flow name: must not contain {{ or }} (the flow's placeholders are written so)");
  EXPECT_EQ(with([](KitOptions& o) { o.queue = "a }} b"; }),
            "queue: must not contain {{ or }} (the flow's placeholders are written so)");
  EXPECT_EQ(with([](KitOptions& o) { o.flow_name = "two\nlines"; }),
            "flow name: contains a control character (U+000A); it must be one line of text");
  EXPECT_EQ(with([](KitOptions& o) { o.queue = "tab\there"; }),
            "queue: contains a control character (U+0009); it must be one line of text");
  EXPECT_EQ(with([](KitOptions& o) { o.category = "\xe2\x28\xa1"; }), "category: is not valid UTF-8");
  EXPECT_EQ(with([](KitOptions& o) { o.queue = ""; }), "queue: must not be empty");
  EXPECT_EQ(with([](KitOptions& o) { o.action_name = std::string(257, 'a'); }),
            "action name: longer than 256 characters");
  EXPECT_EQ(with([](KitOptions& o) { o.url = ""; }), "url: must start with https:// (or http:// for a test service)");
  EXPECT_EQ(with([](KitOptions& o) { o.url = "https://x/\r\nX-Admin: 1"; }),
            "url: contains a control character (U+000D); it must be one line of text");
  EXPECT_EQ(with([](KitOptions& o) { o.message_inputs = {"order-id"}; }),
            "message input 'order-id': use letters, digits and _ (at most 64)");
  EXPECT_EQ(with([](KitOptions& o) {
              o.message_inputs = {"orderId", "orderId"};
            }),
            "message input 'orderId': given twice");
  EXPECT_EQ(with([](KitOptions& o) { o.message_inputs = {"traceparent"}; }),
            "message input 'traceparent': the action has this input already; the flow binds it");
  EXPECT_EQ(with([](KitOptions& o) { o.outputs = {}; }),
            "output: at least one is needed (the flow tells the guest the first)");
  EXPECT_EQ(with([](KitOptions& o) { o.outputs = {"a b"}; }), "output 'a b': use letters, digits and _ (at most 64)");
  EXPECT_EQ(with([](KitOptions& o) { o.outputs = {"errorCode"}; }),
            "output 'errorCode': the flow's State.errorCode already holds the action's error code");
  EXPECT_EQ(with([](KitOptions& o) { o.trace_id_attribute = "status"; }),
            "output 'status': the flow's State.status already holds attribute 'status'");
  EXPECT_EQ(with([](KitOptions& o) { o.span_id_attribute = "otel.trace_id"; }),
            "attribute 'otel.trace_id': the flow's State.otel_trace_id already holds attribute 'otel_trace_id'");
  EXPECT_EQ(with([](KitOptions& o) { o.tracestate_attribute = "traceparent"; }),
            "tracestate attribute 'traceparent': the traceparent attribute has the same name");
  EXPECT_EQ(with([](KitOptions& o) { o.traceparent_attribute = "trace parent"; }),
            "traceparent attribute 'trace parent': use a letter, then letters, digits, _ . or - (at most 64)");
  EXPECT_EQ(with([](KitOptions& o) { o.trace_id_attribute = "\"x\""; }),
            "trace id attribute '\"x\"': use a letter, then letters, digits, _ . or - (at most 64)");
  EXPECT_EQ(with([](KitOptions& o) { o.timeout_seconds = 61; }), "timeout: must be from 1 to 60 seconds, not 61");
  EXPECT_EQ(with([](KitOptions& o) { o.method = "TRACE"; }),
            "method: must be GET, POST, PUT, PATCH or DELETE, not TRACE");
}

// Values full of what other generators choke on, yet allowed: each reads back exactly
// from every file it is in, and adds no line, key, header or step.
TEST(Kit, HostileValuesReadBackExactlyAndAddNothing) {
  const KitOptions o = adversarial_kit_options();
  const auto files = kit_files(o);
  ASSERT_FALSE(files.empty());
  KitOptions plain = default_kit_options();
  plain.queue = "Support";
  plain.message_inputs = o.message_inputs;  // the same names: they are checked below
  const auto reference = kit_files(plain);
  const std::string action_file = "data-actions/order-input-orderid-input-x-if-true-x-end-set-a-1-if.json";
  ASSERT_TRUE(files.contains(action_file)) << files.rbegin()->first;
  for (const auto& [path, content] : reference) {
    const std::string other = path.rfind("data-actions/", 0) == 0 ? action_file : path;
    EXPECT_EQ(lines(files.at(other)), lines(content)) << path;
  }

  // The flow, filled in as the provider fills it: the same tree, the values as given.
  const YAML::Node flow = substituted_flow(files.at("flows/tracechat-flow.yaml"), o, *o.queue)["inboundShortMessage"];
  const YAML::Node reference_flow =
      substituted_flow(reference.at("flows/tracechat-flow.yaml"), plain, *plain.queue)["inboundShortMessage"];
  EXPECT_EQ(map_keys(flow), map_keys(reference_flow));
  EXPECT_EQ(flow["name"].as<std::string>(), o.flow_name);
  const YAML::Node call = flow["states"][0]["state"]["actions"][1]["callData"];
  EXPECT_EQ(map_keys(call["category"]), std::vector<std::string>{o.category});
  EXPECT_EQ(map_keys(call["category"][o.category]["dataAction"]), std::vector<std::string>{o.action_name});
  // Input names YAML would read as null and true as bare keys stay names.
  const YAML::Node inputs = call["category"][o.category]["dataAction"][o.action_name]["inputs"];
  for (const std::string name : {"null", "yes"}) {
    ASSERT_TRUE(inputs[name]) << name;
    EXPECT_EQ(inputs[name]["exp"].as<std::string>(), "Message.Message.body") << name;
  }
  EXPECT_EQ(flow["states"][0]["state"]["actions"][2]["transferToAcd"]["targetQueue"]["lit"]["name"].as<std::string>(),
            *o.queue);
  EXPECT_EQ(YAML::Dump(flow["states"][0]["state"]["variables"]),
            YAML::Dump(reference_flow["states"][0]["state"]["variables"]));

  // The import JSON: the name and URL as given, the name's header rendering as the name.
  const auto imported = json::parse(files.at(action_file));
  EXPECT_EQ(imported.at("name"), o.action_name.c_str());
  const auto& request = imported.at("config").at("request");
  EXPECT_EQ(request.at("requestUrlTemplate"), o.url.c_str());
  EXPECT_EQ(request.at("headers").as_object().size(), 7u);
  auto header = dataaction::VelocityTemplate::parse(request.at("headers").at("x-tracechat-action").as_string());
  ASSERT_TRUE(header.ok()) << header.error().message;
  EXPECT_EQ(header->render(json::object{{"input", {{"orderId", "A-1"}, {"x", "X"}}}}), o.action_name);
  EXPECT_TRUE(dataaction::DataAction::parse(files.at(action_file)).ok());

  // The README's commands: each value one single-quoted shell word.
  EXPECT_NE(
      files.at("README.md").find("--flow-substitution " + generators::shell_word("data_action_name=" + o.action_name)),
      std::string::npos);
}

fs::path temp_dir() {
  const auto dir = fs::temp_directory_path() / ("tracechat-kit-" + std::to_string(getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::remove_all(dir);
  return dir;
}

TEST(Kit, WritingRefusesToOverwriteUnlessAsked) {
  const auto dir = temp_dir();
  auto files = generate_kit(default_kit_options());
  ASSERT_TRUE(files.ok());
  ASSERT_TRUE(generators::write_kit(*files, dir, false).ok());
  EXPECT_EQ(read_file(dir / "flows" / "tracechat-flow.yaml"), files->at(3).content);
  std::ofstream(dir / "notes.txt") << "mine";
  std::ofstream(dir / "main.tf") << "edited";

  auto again = generators::write_kit(*files, dir, false);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().message, (dir / "README.md").string() + " exists; pass --force to overwrite the kit's files");
  EXPECT_EQ(read_file(dir / "main.tf"), "edited") << "nothing is written when one file exists";

  ASSERT_TRUE(generators::write_kit(*files, dir, true).ok());
  EXPECT_EQ(read_file(dir / "main.tf"), files->at(1).content);
  EXPECT_EQ(read_file(dir / "notes.txt"), "mine") << "other files are left alone";

  for (const std::string bad : {"../escape.tf", "/etc/x", "a/../../b", ""}) {
    auto refused = generators::write_kit({KitFile{bad, "x"}}, dir, true);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().message, "kit file '" + bad + "': not a path inside the kit's folder");
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tracechat::testing
