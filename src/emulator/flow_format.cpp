#include "flow_format.h"

#include <boost/json.hpp>
#include <set>

#include "common/json_reader.h"

namespace tracechat::emulator {
namespace {

namespace json = boost::json;
using common::ObjectReader;
using Templates = std::vector<std::pair<std::string, dataaction::VelocityTemplate>>;
using Actions = std::map<std::string, dataaction::DataAction>;

constexpr int kMaxJsonDepth = 50;

// An object of Velocity templates: "inputs" of a call, "attributes" of a set.
Result<Templates> read_templates(const ObjectReader& step, std::string_view key) {
  TRACECHAT_TRY(const auto texts, step.optional_string_map(key));
  Templates out;
  for (const auto& [name, text] : texts) {
    auto t = dataaction::VelocityTemplate::parse(text);
    if (!t) return Error{common::join_path(step.path_of(key), name) + ": " + t.error().message};
    out.emplace_back(name, std::move(*t));
  }
  return out;
}

// "on": {"success"|"failure"|"timeout": step id or "end"}.
Result<void> read_branches(const ObjectReader& step, FlowStep& out) {
  TRACECHAT_TRY(const auto on, step.optional_string_map("on"));
  for (const auto& [outcome, target] : on) {
    if (outcome == "success") {
      out.on_success = target;
    } else if (outcome == "failure") {
      out.on_failure = target;
    } else if (outcome == "timeout") {
      out.on_timeout = target;
    } else {
      return Error{common::join_path(step.path_of("on"), outcome) + ": expected success, failure or timeout"};
    }
  }
  return {};
}

Result<void> read_call(const ObjectReader& step, const Actions& actions, FlowStep& out) {
  TRACECHAT_TRY(const auto action, step.optional_string("action"));
  out.action = action.value_or("");
  if (!actions.contains(out.action)) {
    std::string known;
    for (const auto& [name, a] : actions) known += (known.empty() ? "" : ", ") + name;
    return Error{step.path_of("action") + ": no Data Action named '" + out.action +
                 "' (loaded: " + (known.empty() ? "none" : known) + ")"};
  }
  TRACECHAT_TRY(out.values, read_templates(step, "inputs"));
  TRACECHAT_TRY(out.outputs, step.optional_string_map("outputs"));
  return read_branches(step, out);
}

Result<void> read_send(const ObjectReader& step, FlowStep& out) {
  TRACECHAT_TRY(const auto text, step.optional_string("text"));
  auto t = dataaction::VelocityTemplate::parse(text.value_or(""));
  if (!t) return Error{step.path_of("text") + ": " + t.error().message};
  out.text = std::move(*t);
  return {};
}

// What the step's type asks for, read into `out`.
Result<void> read_kind(const ObjectReader& step, const Actions& actions, FlowStep& out) {
  TRACECHAT_TRY(const auto type, step.optional_string("type"));
  using Kind = FlowStep::Kind;
  if (type == "get-participant-data") {
    out.kind = Kind::get_participant_data;
    TRACECHAT_TRY(out.variables, step.optional_string_map("variables"));
    return {};
  }
  if (type == "call-data-action") {
    out.kind = Kind::call_data_action;
    return read_call(step, actions, out);
  }
  if (type == "set-participant-data") {
    out.kind = Kind::set_participant_data;
    TRACECHAT_TRY(out.values, read_templates(step, "attributes"));
    return {};
  }
  if (type == "send-message") {
    out.kind = Kind::send_message;
    return read_send(step, out);
  }
  if (type == "disconnect") {
    out.kind = Kind::disconnect;
    return {};
  }
  return Error{step.path_of("type") +
               ": one of get-participant-data, call-data-action, set-participant-data, send-message, disconnect"};
}

// One step; `ids` collects the step ids so far, which must be unique and not "end".
Result<FlowStep> read_step(const ObjectReader& step, const Actions& actions, std::set<std::string>& ids) {
  FlowStep out;
  TRACECHAT_TRY(const auto id, step.optional_string("id"));
  out.id = id.value_or("");
  if (!out.id.empty() && (out.id == "end" || !ids.insert(out.id).second)) {
    return Error{step.path_of("id") + ": '" + out.id + "' is taken"};
  }
  TRACECHAT_TRY(const auto next, step.optional_string("next"));
  out.next = next.value_or("");
  TRACECHAT_CHECK(read_kind(step, actions, out));
  return out;
}

Result<std::vector<FlowStep>> read_steps(const ObjectReader& flow, const Actions& actions) {
  TRACECHAT_TRY(const json::array* steps, flow.optional_array("steps"));
  if (steps == nullptr || steps->empty()) return Error{flow.path_of("steps") + ": a non-empty array"};
  std::vector<FlowStep> out;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < steps->size(); ++i) {
    const std::string path = flow.path_of("steps") + "[" + std::to_string(i) + "]";
    if (!(*steps)[i].is_object()) return Error{path + ": expected object"};
    TRACECHAT_TRY(auto step, read_step(ObjectReader((*steps)[i].get_object(), path), actions, ids));
    out.push_back(std::move(step));
  }
  return out;
}

// Every jump goes to a step that exists (or to "end").
Result<void> check_jumps(const std::vector<FlowStep>& steps) {
  std::set<std::string> ids;
  for (const auto& step : steps) ids.insert(step.id);
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const auto& step = steps[i];
    for (const auto& [field, target] : {std::pair<const char*, const std::string&>{"next", step.next},
                                        {"on.success", step.on_success},
                                        {"on.failure", step.on_failure},
                                        {"on.timeout", step.on_timeout}}) {
      if (!target.empty() && target != "end" && !ids.contains(target)) {
        return Error{"steps[" + std::to_string(i) + "]." + field + ": no step '" + target + "'"};
      }
    }
  }
  return {};
}

}  // namespace

Result<Flow> parse_flow(std::string_view text, const Actions& actions) {
  auto parsed = common::parse_object(text, kMaxJsonDepth, "a flow");
  if (!parsed) return Error{parsed.error().message};
  const ObjectReader r(parsed->object(), "");
  Flow flow;
  TRACECHAT_TRY(const auto name, r.optional_string("name"));
  if (!name || name->empty()) return Error{"name: a string is required"};
  flow.name = *name;
  TRACECHAT_TRY(const auto trigger, r.optional_string("trigger"));
  static const std::set<std::string> kTriggers{"conversation-started", "guest-message", "attributes-set"};
  if (!trigger || !kTriggers.contains(*trigger)) {
    return Error{"trigger: one of conversation-started, guest-message, attributes-set"};
  }
  flow.trigger = *trigger;
  TRACECHAT_TRY(flow.steps, read_steps(r, actions));
  TRACECHAT_CHECK(check_jumps(flow.steps));
  return flow;
}

}  // namespace tracechat::emulator
