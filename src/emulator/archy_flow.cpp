#include "archy_flow.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "common/terminal_text.h"

namespace tracechat::emulator::archy {
namespace {

// Action paths inside action paths, and actions in all: a file's aliases can repeat a
// node many times over, and neither reading nor running a flow may run off the stack
// or on for ever because of it.
constexpr int kMaxNesting = 32;
constexpr std::size_t kMaxActions = 10000;

constexpr std::string_view kFlowType = "inboundShortMessage";

// A piece of the file in a message, safe for the terminal it is printed on.
std::string shown(std::string_view text) { return common::terminal_safe(text.substr(0, 80)); }

std::string join(std::initializer_list<std::string_view> names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

std::optional<YAML::Node> get(const YAML::Node& map, std::string_view key) {
  if (!map.IsMap()) return std::nullopt;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) return it->second;
  }
  return std::nullopt;
}

bool is_plain(const YAML::Node& n) { return n.Tag() == "?"; }

std::optional<std::int64_t> to_integer(std::string_view s) {
  std::int64_t v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> to_decimal(std::string_view s) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, std::chars_format::fixed);
  if (ec != std::errc{} || ptr != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<bool> to_boolean(std::string_view s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  return std::nullopt;
}

// What a `lit:` is read as: the type the place it stands in takes, or (Data Action
// inputs) what a plain YAML scalar says it is.
enum class LitType { string, any, integer, decimal, boolean };

std::optional<LitType> variable_type(std::string_view type) {
  if (type == "string") return LitType::string;
  if (type == "integer") return LitType::integer;
  if (type == "decimal") return LitType::decimal;
  if (type == "boolean") return LitType::boolean;
  return std::nullopt;
}

std::optional<Value> literal_value(const YAML::Node& n, LitType type) {
  if (n.IsNull()) return Value(NotSet{});
  if (!n.IsScalar()) return std::nullopt;
  const std::string& s = n.Scalar();
  switch (type) {
    case LitType::string: return Value(s);
    case LitType::integer:
      if (auto i = to_integer(s)) return Value(*i);
      return std::nullopt;
    case LitType::decimal:
      if (auto d = to_decimal(s)) return Value(*d);
      return std::nullopt;
    case LitType::boolean:
      if (auto b = to_boolean(s)) return Value(*b);
      return std::nullopt;
    case LitType::any: break;
  }
  if (!is_plain(n)) return Value(s);
  if (auto b = to_boolean(s)) return Value(*b);
  if (auto i = to_integer(s)) return Value(*i);
  if (auto d = to_decimal(s)) return Value(*d);
  return Value(s);
}

// Where the reader is: the action (for the messages' prefix) and its line, for a node
// that has no mark of its own.
struct Where {
  std::string prefix;  // "action 'Send' (sendResponse): " or ""
  int line = 1;
};

class Loader {
 public:
  Loader(std::string_view file, const DataActions& actions) : file_(file), actions_(actions) {}

  Result<Flow> load(const YAML::Node& root) {
    const Where top;
    if (!root.IsMap() || root.size() != 1) {
      return fail(root, top, std::string("expected one flow: ") + std::string(kFlowType) + ": {...}");
    }
    const auto entry = root.begin();
    const std::string type = entry->first.IsScalar() ? entry->first.Scalar() : "";
    if (type != kFlowType) {
      return fail(entry->first, top,
                  "flow type '" + shown(type) + "' is not supported by the emulator (it runs " +
                      std::string(kFlowType) + " flows)");
    }
    return read_flow(entry->second, Where{"", line_of(entry->first, 1)});
  }

 private:
  int line_of(const YAML::Node& n, int fallback) const {
    const auto mark = n.Mark();
    return mark.is_null() ? fallback : mark.line + 1;
  }

  Error fail(const YAML::Node& at, const Where& where, const std::string& what) const {
    return Error{file_ + ":" + std::to_string(line_of(at, where.line)) + ": " + where.prefix + what};
  }

  // Every key of `map` is one of `keys`; anything else would be silently ignored.
  Result<void> only(const YAML::Node& map, std::initializer_list<std::string_view> keys, const Where& w,
                    std::string_view of = "") const {
    if (!map.IsMap()) return {};
    for (auto it = map.begin(); it != map.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        return fail(
            it->first, w,
            std::string(of) + "'" + shown(key) + "' is not supported by the emulator (it takes " + join(keys) + ")");
      }
    }
    return {};
  }

  Result<YAML::Node> required(const YAML::Node& map, std::string_view key, const Where& w) const {
    if (auto v = get(map, key)) return *v;
    return fail(map, w, std::string(key) + ": required");
  }

  Result<std::string> scalar(const YAML::Node& n, std::string_view what, const Where& w) const {
    if (!n.IsScalar() || n.Scalar().empty()) return fail(n, w, std::string(what) + ": a non-empty name is required");
    return n.Scalar();
  }

  Result<std::string> variable(const YAML::Node& n, std::string_view what, const Where& w) const {
    TRACECHAT_TRY(auto name, scalar(n, what, w));
    if (auto ok = check_assignable(name); !ok) return fail(n, w, std::string(what) + ": " + ok.error().message);
    return name;
  }

  // {exp: ...}, {lit: ...} or {noValue: true}.
  Result<Expression> operand(const YAML::Node& value, std::string_view what, const Where& w, LitType type,
                             bool no_value_allowed = true) const {
    if (!value.IsMap() || value.size() != 1) {
      return fail(value, w,
                  std::string(what) + ": expected one of exp:, lit:" + (no_value_allowed ? ", noValue:" : ""));
    }
    const auto entry = value.begin();
    const std::string form = entry->first.IsScalar() ? entry->first.Scalar() : "";
    // A copy: an iterator's -> hands out a proxy that dies with the statement.
    const YAML::Node v = entry->second;
    if (form == "exp") {
      if (!v.IsScalar()) return fail(v, w, std::string(what) + ": an expression is text");
      auto e = Expression::parse(v.Scalar());
      if (!e) return fail(v, w, std::string(what) + ": " + e.error().message);
      return std::move(*e);
    }
    if (form == "lit") {
      auto literal = literal_value(v, type);
      if (!literal) {
        static constexpr const char* kWant[] = {"a String", "a plain value", "an Integer", "a Decimal", "a Boolean"};
        return fail(v, w, std::string(what) + ": lit: " + kWant[static_cast<int>(type)] + " is expected here");
      }
      return Expression::literal(std::move(*literal));
    }
    if (form == "noValue" && no_value_allowed) return Expression::literal(NotSet{});
    return fail(
        entry->first, w,
        std::string(what) + ": '" + shown(form) + "': expected exp:, lit:" + (no_value_allowed ? " or noValue:" : ""));
  }

  // {var: State.x} binds an output to a variable; {noValue: true} leaves it unbound.
  Result<std::optional<std::string>> output_binding(const YAML::Node& value, std::string_view what,
                                                    const Where& w) const {
    if (value.IsMap() && value.size() == 1) {
      if (auto var = get(value, "var")) {
        TRACECHAT_TRY(auto name, variable(*var, what, w));
        return std::optional<std::string>(std::move(name));
      }
      if (get(value, "noValue")) return std::optional<std::string>();
    }
    return fail(value, w, std::string(what) + ": expected var: or noValue:");
  }

  Result<Flow> read_flow(const YAML::Node& flow_node, const Where& top) {
    if (!flow_node.IsMap()) return fail(flow_node, top, std::string(kFlowType) + ": expected a mapping");
    for (auto it = flow_node.begin(); it != flow_node.end(); ++it) {
      const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
      static const std::set<std::string, std::less<>> kKeys{
          "name", "description", "division", "startUpRef", "defaultLanguage", "supportedLanguages", "states"};
      // settings*: the flow's settings; the emulator reads settingsErrorHandling only.
      if (!kKeys.contains(key) && !key.starts_with("settings")) {
        return fail(it->first, top, "'" + shown(key) + "' is not supported by the emulator");
      }
    }
    Flow flow;
    flow.file = file_;
    TRACECHAT_TRY(const auto name_node, required(flow_node, "name", top));
    TRACECHAT_TRY(flow.name, scalar(name_node, "name", top));
    if (auto handling = get(flow_node, "settingsErrorHandling")) TRACECHAT_CHECK(read_error_handling(*handling, top));
    TRACECHAT_TRY(const auto start_node, required(flow_node, "startUpRef", top));
    TRACECHAT_TRY(const auto start_ref, scalar(start_node, "startUpRef", top));
    std::string start_id;
    for (const std::string_view prefix : {"/inboundShortMessage/states/state[", "./states/state["}) {
      if (start_ref.starts_with(prefix) && start_ref.ends_with("]")) {
        start_id = start_ref.substr(prefix.size(), start_ref.size() - prefix.size() - 1);
      }
    }
    if (start_id.empty()) {
      return fail(start_node, top, "startUpRef: expected /inboundShortMessage/states/state[<refId>]");
    }
    TRACECHAT_TRY(const auto states, required(flow_node, "states", top));
    if (!states.IsSequence() || states.size() == 0) return fail(states, top, "states: a non-empty list");
    std::set<std::string> ids;
    bool found = false;
    for (const auto& entry : states) {
      auto state = get(entry, "state");
      if (!state || entry.size() != 1 || !state->IsMap()) return fail(entry, top, "states: each entry is state: {...}");
      const Where w{"state: ", line_of(entry, top.line)};
      TRACECHAT_CHECK(only(*state, {"name", "refId", "variables", "actions"}, w));
      TRACECHAT_TRY(const auto ref_node, required(*state, "refId", w));
      TRACECHAT_TRY(const auto ref, scalar(ref_node, "refId", w));
      if (!ids.insert(ref).second) return fail(ref_node, w, "refId: '" + shown(ref) + "' is taken");
      std::vector<Variable> variables;
      if (auto v = get(*state, "variables")) {
        TRACECHAT_TRY(variables, read_variables(*v, w));
      }
      Actions actions;
      if (auto a = get(*state, "actions")) {
        TRACECHAT_TRY(actions, read_actions(*a, w, 0));
      }
      // Every state is read, so that its errors show; the start-up state is the one
      // that runs (the emulator has no action that changes state).
      if (ref == start_id) {
        found = true;
        flow.variables = std::move(variables);
        flow.actions = std::move(actions);
      }
    }
    if (!found) return fail(start_node, top, "startUpRef: no state with refId '" + shown(start_id) + "'");
    return flow;
  }

  // The emulator's error handling is to disconnect, as the flows Genesys publishes do.
  Result<void> read_error_handling(const YAML::Node& settings, const Where& top) const {
    const Where w{"settingsErrorHandling: ", line_of(settings, top.line)};
    TRACECHAT_CHECK(only(settings, {"errorHandling"}, w));
    if (auto handling = get(settings, "errorHandling")) {
      if (handling->IsMap()) {
        for (auto it = handling->begin(); it != handling->end(); ++it) {
          const std::string kind = it->first.IsScalar() ? it->first.Scalar() : "";
          if (kind != "disconnect") {
            return fail(it->first, w,
                        "error handling '" + shown(kind) +
                            "' is not supported by the emulator (it "
                            "disconnects)");
          }
        }
      }
    }
    return {};
  }

  Result<std::vector<Variable>> read_variables(const YAML::Node& list, const Where& state) const {
    std::vector<Variable> out;
    if (list.IsNull()) return out;
    if (!list.IsSequence()) return fail(list, state, "variables: a list");
    for (const auto& entry : list) {
      if (!entry.IsMap() || entry.size() != 1)
        return fail(entry, state, "variables: each entry is <type>Variable: {...}");
      const auto it = entry.begin();
      const std::string kind = it->first.IsScalar() ? it->first.Scalar() : "";
      const Where w{"", line_of(it->first, state.line)};
      if (!kind.ends_with("Variable") || !variable_type(kind.substr(0, kind.size() - 8))) {
        return fail(it->first, w,
                    "variable type '" + shown(kind) +
                        "' is not supported by the emulator (it has stringVariable, integerVariable, "
                        "decimalVariable, booleanVariable)");
      }
      Variable v;
      v.type = kind.substr(0, kind.size() - 8);
      TRACECHAT_CHECK(only(it->second, {"name", "initialValue", "isInput", "isOutput"}, w, kind + ": "));
      TRACECHAT_TRY(const auto name_node, required(it->second, "name", w));
      TRACECHAT_TRY(v.name, variable(name_node, kind + ".name", w));
      v.initial = Expression::literal(NotSet{});
      if (auto initial = get(it->second, "initialValue")) {
        TRACECHAT_TRY(v.initial, operand(*initial, v.name + ".initialValue", w, *variable_type(v.type)));
      }
      out.push_back(std::move(v));
    }
    return out;
  }

  Result<Actions> read_actions(const YAML::Node& list, const Where& parent, int depth) {
    Actions out;
    if (list.IsNull()) return out;
    if (!list.IsSequence()) return fail(list, parent, "actions: a list");
    if (depth > kMaxNesting) return fail(list, parent, "actions nested too deeply");
    for (const auto& entry : list) {
      TRACECHAT_TRY(auto action, read_action(entry, parent, depth));
      out.push_back(std::move(action));
    }
    return out;
  }

  // A path of an action: {actions: [...]}, or nothing.
  Result<Actions> read_path(const std::optional<YAML::Node>& path, std::string_view what, const Where& w, int depth) {
    if (!path || path->IsNull()) return Actions{};
    TRACECHAT_CHECK(only(*path, {"actions"}, w, std::string(what) + ": "));
    if (auto list = get(*path, "actions")) return read_actions(*list, w, depth + 1);
    return Actions{};
  }

  Result<Action> read_action(const YAML::Node& entry, const Where& parent, int depth) {
    if (!entry.IsMap() || entry.size() != 1) return fail(entry, parent, "actions: each entry is <action>: {...}");
    if (++count_ > kMaxActions) return fail(entry, parent, "more than " + std::to_string(kMaxActions) + " actions");
    const auto it = entry.begin();
    Action a;
    a.kind = it->first.IsScalar() ? it->first.Scalar() : "";
    a.line = line_of(it->first, parent.line);
    const YAML::Node body = it->second;
    if (!body.IsMap() && !body.IsNull())
      return fail(body, parent, "action '" + shown(a.kind) + "': expected a mapping");
    if (auto name = get(body, "name"); name && name->IsScalar()) a.name = name->Scalar();
    const Where w{"action '" + shown(a.name) + "' (" + shown(a.kind) + "): ", a.line};
    if (a.kind == "getParticipantData") {
      TRACECHAT_TRY(a.what, read_get(body, w));
    } else if (a.kind == "setParticipantData") {
      TRACECHAT_TRY(a.what, read_set(body, w));
    } else if (a.kind == "callData") {
      TRACECHAT_TRY(a.what, read_call(body, w, depth));
    } else if (a.kind == "sendResponse") {
      TRACECHAT_CHECK(only(body, {"name", "messageBody"}, w));
      TRACECHAT_TRY(const auto text, required(body, "messageBody", w));
      TRACECHAT_TRY(auto expression, operand(text, "messageBody", w, LitType::string));
      a.what = SendResponse{std::move(expression)};
    } else if (a.kind == "decision") {
      TRACECHAT_TRY(a.what, read_decision(body, w, depth));
    } else if (a.kind == "switch") {
      TRACECHAT_TRY(a.what, read_switch(body, w, depth));
    } else if (a.kind == "updateData") {
      TRACECHAT_TRY(a.what, read_update(body, w));
    } else if (a.kind == "disconnect") {
      TRACECHAT_CHECK(only(body, {"name", "none"}, w));
      a.what = Disconnect{};
    } else if (a.kind == "transferToAcd") {
      TRACECHAT_TRY(a.what, read_transfer(body, w));
    } else {
      return fail(it->first, Where{w.prefix, a.line}, "not supported by the emulator");
    }
    return a;
  }

  // The `attributes:` list of Get and Set Participant Data: entries of the form
  // `attribute: {name: ..., <second>: ...}`, each handed to `take` with those two nodes.
  template <class Take>
  Result<void> each_attribute(const YAML::Node& body, const Where& w, std::string_view second, Take&& take) const {
    TRACECHAT_CHECK(only(body, {"name", "attributes"}, w));
    const auto list = get(body, "attributes");
    if (!list) return fail(body, w, "attributes: a list is required");
    if (!list->IsSequence()) return fail(*list, w, "attributes: a list is required");
    for (const auto& entry : *list) {
      auto attribute = get(entry, "attribute");
      if (!attribute || entry.size() != 1) return fail(entry, w, "attributes: each entry is attribute: {...}");
      TRACECHAT_CHECK(only(*attribute, {"name", second}, w, "attribute: "));
      TRACECHAT_TRY(const auto name, required(*attribute, "name", w));
      TRACECHAT_TRY(const auto other, required(*attribute, second, w));
      TRACECHAT_CHECK(take(name, other));
    }
    return {};
  }

  Result<GetParticipantData> read_get(const YAML::Node& body, const Where& w) const {
    GetParticipantData out;
    TRACECHAT_CHECK(
        each_attribute(body, w, "variable", [&](const YAML::Node& name, const YAML::Node& var) -> Result<void> {
          GetParticipantData::Read read{Expression::literal(NotSet{}), ""};
          TRACECHAT_TRY(read.attribute, operand(name, "attribute.name", w, LitType::string, false));
          TRACECHAT_TRY(read.variable, variable(var, "attribute.variable", w));
          out.reads.push_back(std::move(read));
          return {};
        }));
    return out;
  }

  Result<SetParticipantData> read_set(const YAML::Node& body, const Where& w) const {
    SetParticipantData out;
    TRACECHAT_CHECK(
        each_attribute(body, w, "value", [&](const YAML::Node& name, const YAML::Node& value) -> Result<void> {
          SetParticipantData::Write write{Expression::literal(NotSet{}), Expression::literal(NotSet{})};
          TRACECHAT_TRY(write.attribute, operand(name, "attribute.name", w, LitType::string, false));
          TRACECHAT_TRY(write.value, operand(value, "attribute.value", w, LitType::string));
          out.writes.push_back(std::move(write));
          return {};
        }));
    return out;
  }

  // {lit: {seconds: 10}}: Architect's duration literal.
  Result<std::chrono::milliseconds> read_duration(const YAML::Node& value, const Where& w) const {
    const auto lit = get(value, "lit");
    if (!lit || value.size() != 1 || !lit->IsMap()) {
      return fail(value, w, "timeout: expected lit: {seconds: n} (or minutes, hours, milliseconds)");
    }
    std::chrono::milliseconds total{0};
    for (auto it = lit->begin(); it != lit->end(); ++it) {
      const std::string unit = it->first.IsScalar() ? it->first.Scalar() : "";
      static const std::map<std::string, std::int64_t, std::less<>> kUnits{
          {"milliseconds", 1}, {"seconds", 1000}, {"minutes", 60000}, {"hours", 3600000}};
      const auto u = kUnits.find(unit);
      const auto n = it->second.IsScalar() ? to_integer(it->second.Scalar()) : std::nullopt;
      if (u == kUnits.end() || !n || *n < 0 || *n > 1000000) {
        return fail(it->first, w,
                    "timeout: '" + shown(unit) +
                        "': expected milliseconds, seconds, minutes or hours "
                        "with a whole number");
      }
      total += std::chrono::milliseconds(*n * u->second);
    }
    if (total.count() <= 0) return fail(value, w, "timeout: must be more than 0");
    return total;
  }

  Result<CallData> read_call(const YAML::Node& body, const Where& w, int depth) {
    TRACECHAT_CHECK(only(body, {"name", "timeout", "category", "outputs"}, w));
    CallData out;
    if (auto timeout = get(body, "timeout"); timeout && !get(*timeout, "noValue")) {
      TRACECHAT_TRY(out.timeout, read_duration(*timeout, w));
    }
    // category: {<category>: {dataAction: {<action name>: {inputs, successOutputs, failureOutputs}}}}
    TRACECHAT_TRY(const auto category, required(body, "category", w));
    if (!category.IsMap() || category.size() != 1) return fail(category, w, "category: expected <category>: {...}");
    const auto c = category.begin();
    TRACECHAT_TRY(out.category, scalar(c->first, "category", w));
    TRACECHAT_CHECK(only(c->second, {"dataAction"}, w, "category: "));
    TRACECHAT_TRY(const auto data_action, required(c->second, "dataAction", w));
    if (!data_action.IsMap() || data_action.size() != 1) {
      return fail(data_action, w, "dataAction: expected <action name>: {...}");
    }
    const auto d = data_action.begin();
    TRACECHAT_TRY(out.action, scalar(d->first, "dataAction", w));
    if (!actions_.contains(out.action)) {
      std::string known;
      for (const auto& [name, action] : actions_) known += (known.empty() ? "" : ", ") + shown(name);
      return fail(
          d->first, w,
          "no Data Action named '" + shown(out.action) + "' (loaded: " + (known.empty() ? "none" : known) + ")");
    }
    const YAML::Node binding = d->second;
    TRACECHAT_CHECK(only(binding, {"inputs", "successOutputs", "failureOutputs"}, w, "dataAction: "));
    if (auto inputs = get(binding, "inputs"); inputs && !inputs->IsNull()) {
      if (!inputs->IsMap()) return fail(*inputs, w, "inputs: a mapping of names is required");
      for (auto it = inputs->begin(); it != inputs->end(); ++it) {
        TRACECHAT_TRY(const auto key, scalar(it->first, "inputs", w));
        if (get(it->second, "noValue")) continue;
        TRACECHAT_TRY(auto e, operand(it->second, "inputs." + key, w, LitType::any));
        out.inputs.emplace_back(key, std::move(e));
      }
    }
    if (auto outputs = get(binding, "successOutputs"); outputs && !outputs->IsNull()) {
      if (!outputs->IsMap()) return fail(*outputs, w, "successOutputs: a mapping of names is required");
      for (auto it = outputs->begin(); it != outputs->end(); ++it) {
        TRACECHAT_TRY(const auto key, scalar(it->first, "successOutputs", w));
        TRACECHAT_TRY(const auto var, output_binding(it->second, "successOutputs." + key, w));
        if (var) out.success_outputs.emplace_back(key, *var);
      }
    }
    if (auto outputs = get(binding, "failureOutputs"); outputs && !outputs->IsNull()) {
      if (!outputs->IsMap()) return fail(*outputs, w, "failureOutputs: a mapping of names is required");
      for (auto it = outputs->begin(); it != outputs->end(); ++it) {
        TRACECHAT_TRY(const auto key, scalar(it->first, "failureOutputs", w));
        if (std::find(std::begin(kFailureOutputs), std::end(kFailureOutputs), key) == std::end(kFailureOutputs)) {
          return fail(it->first, w, "failureOutputs: '" + shown(key) + "' is not a failure output of a Data Action");
        }
        TRACECHAT_TRY(const auto var, output_binding(it->second, "failureOutputs." + key, w));
        if (var) out.failure_outputs.emplace_back(key, *var);
      }
    }
    if (auto paths = get(body, "outputs")) {
      TRACECHAT_CHECK(only(*paths, {"success", "failure", "timeout"}, w, "outputs: "));
      TRACECHAT_TRY(out.on_success, read_path(get(*paths, "success"), "success", w, depth));
      TRACECHAT_TRY(out.on_failure, read_path(get(*paths, "failure"), "failure", w, depth));
      TRACECHAT_TRY(out.on_timeout, read_path(get(*paths, "timeout"), "timeout", w, depth));
    }
    return out;
  }

  Result<Decision> read_decision(const YAML::Node& body, const Where& w, int depth) {
    TRACECHAT_CHECK(only(body, {"name", "condition", "outputs"}, w));
    TRACECHAT_TRY(const auto condition, required(body, "condition", w));
    Decision out{Expression::literal(NotSet{}), {}, {}};
    TRACECHAT_TRY(out.condition, operand(condition, "condition", w, LitType::boolean, false));
    if (auto paths = get(body, "outputs")) {
      TRACECHAT_CHECK(only(*paths, {"yes", "no"}, w, "outputs: "));
      TRACECHAT_TRY(out.yes, read_path(get(*paths, "yes"), "yes", w, depth));
      TRACECHAT_TRY(out.no, read_path(get(*paths, "no"), "no", w, depth));
    }
    return out;
  }

  Result<Switch> read_switch(const YAML::Node& body, const Where& w, int depth) {
    TRACECHAT_CHECK(only(body, {"name", "evaluate"}, w));
    TRACECHAT_TRY(const auto evaluate, required(body, "evaluate", w));
    TRACECHAT_CHECK(only(evaluate, {"firstTrue"}, w, "evaluate: "));
    TRACECHAT_TRY(const auto first_true, required(evaluate, "firstTrue", w));
    TRACECHAT_CHECK(only(first_true, {"cases", "default"}, w, "firstTrue: "));
    Switch out;
    if (auto cases = get(first_true, "cases"); cases && !cases->IsNull()) {
      if (!cases->IsSequence()) return fail(*cases, w, "cases: a list");
      for (const auto& entry : *cases) {
        auto c = get(entry, "case");
        if (!c || entry.size() != 1) return fail(entry, w, "cases: each entry is case: {...}");
        TRACECHAT_CHECK(only(*c, {"value", "actions"}, w, "case: "));
        TRACECHAT_TRY(const auto value, required(*c, "value", w));
        TRACECHAT_TRY(auto condition, operand(value, "case.value", w, LitType::boolean, false));
        Actions actions;
        if (auto list = get(*c, "actions")) {
          TRACECHAT_TRY(actions, read_actions(*list, w, depth + 1));
        }
        out.cases.emplace_back(std::move(condition), std::move(actions));
      }
    }
    TRACECHAT_TRY(out.otherwise, read_path(get(first_true, "default"), "default", w, depth));
    return out;
  }

  Result<UpdateData> read_update(const YAML::Node& body, const Where& w) const {
    TRACECHAT_CHECK(only(body, {"name", "statements"}, w));
    UpdateData out;
    const auto list = get(body, "statements");
    if (!list) return fail(body, w, "statements: a list is required");
    if (!list->IsSequence()) return fail(*list, w, "statements: a list is required");
    for (const auto& entry : *list) {
      if (!entry.IsMap() || entry.size() != 1) return fail(entry, w, "statements: each entry is <type>: {...}");
      const auto it = entry.begin();
      const std::string type = it->first.IsScalar() ? it->first.Scalar() : "";
      const auto lit_type = variable_type(type);
      if (!lit_type) {
        return fail(it->first, w,
                    "statement type '" + shown(type) +
                        "' is not supported by the emulator (it has string, integer, decimal, boolean)");
      }
      TRACECHAT_CHECK(only(it->second, {"variable", "value"}, w, type + ": "));
      TRACECHAT_TRY(const auto var, required(it->second, "variable", w));
      TRACECHAT_TRY(const auto value, required(it->second, "value", w));
      UpdateData::Statement s{type, "", Expression::literal(NotSet{})};
      TRACECHAT_TRY(s.variable, variable(var, type + ".variable", w));
      TRACECHAT_TRY(s.value, operand(value, type + ".value", w, *lit_type));
      out.statements.push_back(std::move(s));
    }
    return out;
  }

  // The queue by name; the emulator has no ACD, so the rest of the routing is not read.
  Result<TransferToAcd> read_transfer(const YAML::Node& body, const Where& w) const {
    TRACECHAT_CHECK(only(body, {"name", "targetQueue", "priority", "preferredAgents", "languageSkill"}, w));
    TRACECHAT_TRY(const auto target, required(body, "targetQueue", w));
    const auto lit = get(target, "lit");
    const auto queue = lit ? get(*lit, "name") : std::nullopt;
    if (!queue || target.size() != 1 || lit->size() != 1) {
      return fail(target, w, "targetQueue: expected lit: {name: <queue>} (the emulator takes a queue by name)");
    }
    TransferToAcd out;
    TRACECHAT_TRY(out.queue, scalar(*queue, "targetQueue.lit.name", w));
    return out;
  }

  std::string file_;
  const DataActions& actions_;
  std::size_t count_ = 0;
};

}  // namespace

Result<Flow> load_flow(std::string_view yaml, std::string_view file, const DataActions& actions,
                       const std::vector<std::pair<int, std::string>>& substituted) {
  try {
    const YAML::Node root = YAML::Load(std::string(yaml));
    return Loader(file, actions).load(root);
  } catch (const YAML::Exception& e) {
    const int line = e.mark.is_null() ? 1 : e.mark.line + 1;
    std::string hint;
    for (const auto& [at, key] : substituted) {
      if (at == line) hint += (hint.empty() ? " (the line has the substituted value of {{" : ", {{") + key + "}}";
    }
    if (!hint.empty()) hint += ")";
    return Error{std::string(file) + ":" + std::to_string(line) + ": YAML: " + e.msg + hint};
  } catch (const std::exception& e) {
    return Error{std::string(file) + ": " + e.what()};
  }
}

std::string describe(const Action& action, std::string_view file) {
  return "action '" + action.name + "' (" + action.kind + ", " + std::string(file) + ":" + std::to_string(action.line) +
         ")";
}

}  // namespace tracechat::emulator::archy
