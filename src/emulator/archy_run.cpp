#include "archy_run.h"

#include <boost/json.hpp>
#include <limits>

#include "tracechat/protocol/uuid.h"

namespace tracechat::emulator::archy {
namespace {

namespace json = boost::json;

enum class Next { go_on, stop };

json::value to_json(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return json::string(*s);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return nullptr;
}

// A Data Action's output field as a flow value. An object or a list has no scalar type:
// it is bound as its JSON text.
Value from_json(const json::value& v) {
  switch (v.kind()) {
    case json::kind::string: return std::string(v.get_string());
    case json::kind::int64: return v.get_int64();
    case json::kind::uint64:
      if (v.get_uint64() <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        return static_cast<std::int64_t>(v.get_uint64());
      }
      return static_cast<double>(v.get_uint64());
    case json::kind::double_: return v.get_double();
    case json::kind::bool_: return v.get_bool();
    case json::kind::null: return NotSet{};
    default: return json::serialize(v);
  }
}

// An output field by its name, or by the path its dots spell (Architect flattens an
// output's nested fields into "a.b").
const json::value* find_field(const json::object& output, const std::string& field) {
  if (const auto* v = output.if_contains(field)) return v;
  const json::object* at = &output;
  std::size_t start = 0;
  while (true) {
    const auto dot = field.find('.', start);
    const auto* v = at->if_contains(field.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (v == nullptr || dot == std::string::npos) return v;
    if (!v->is_object()) return nullptr;
    at = &v->get_object();
    start = dot + 1;
  }
}

class Runner {
 public:
  Runner(const Flow& flow, Host& host) : flow_(flow), host_(host) {}

  Outcome run(const Trigger& trigger) {
    variables_[std::string(kConversationId)] = trigger.conversation_id;
    variables_[std::string(kMessageBody)] = trigger.body;
    variables_[std::string(kIsNewConversation)] = trigger.new_conversation;
    for (const auto& v : flow_.variables) {
      auto initial = v.initial.evaluate(variables_);
      if (!initial) return failed(Error{"variable " + v.name + ".initialValue: " + initial.error().message});
      if (auto typed = typed_value(v.type, std::move(*initial)); typed) {
        variables_[v.name] = std::move(*typed);
      } else {
        return failed(Error{"variable " + v.name + ": " + typed.error().message});
      }
    }
    auto r = run_actions(flow_.actions);
    if (!r) return failed(r.error());
    return outcome_;
  }

 private:
  Outcome failed(const Error& e) {
    // The flow's error handling: Disconnect.
    host_.disconnect();
    Outcome o;
    o.end = Outcome::End::error;
    o.error = e.message;
    return o;
  }

  Error fail(const Action& a, const std::string& what) const { return Error{describe(a, flow_.file) + ": " + what}; }

  // A value as the declared type takes it: Architect types its variables; an Integer
  // goes into a Decimal, nothing else changes type.
  static Result<Value> typed_value(const std::string& type, Value v) {
    if (std::holds_alternative<NotSet>(v)) return v;
    if (type == "decimal" && std::holds_alternative<std::int64_t>(v)) {
      return Value(static_cast<double>(std::get<std::int64_t>(v)));
    }
    const bool fits = (type == "string" && std::holds_alternative<std::string>(v)) ||
                      (type == "integer" && std::holds_alternative<std::int64_t>(v)) ||
                      (type == "decimal" && std::holds_alternative<double>(v)) ||
                      (type == "boolean" && std::holds_alternative<bool>(v));
    if (!fits) return Error{"a " + std::string(type_name(v)) + " does not go into a " + type};
    return v;
  }

  Result<Value> evaluate(const Action& a, const Expression& e, const std::string& what) const {
    auto v = e.evaluate(variables_);
    if (!v) return fail(a, what + ": " + v.error().message);
    return v;
  }

  Result<std::string> evaluate_string(const Action& a, const Expression& e, const std::string& what) const {
    TRACECHAT_TRY(const auto v, evaluate(a, e, what));
    if (const auto* s = std::get_if<std::string>(&v)) return *s;
    return fail(a, what + " is " + type_name(v) + ", not a String");
  }

  Result<bool> evaluate_boolean(const Action& a, const Expression& e, const std::string& what) const {
    TRACECHAT_TRY(const auto v, evaluate(a, e, what));
    if (const auto* b = std::get_if<bool>(&v)) return *b;
    return fail(a, what + " is " + type_name(v) + ", not a Boolean");
  }

  Result<Next> run_actions(const Actions& actions) {
    for (const auto& a : actions) {
      TRACECHAT_TRY(const auto next, run_action(a));
      if (next == Next::stop) return Next::stop;
    }
    return Next::go_on;
  }

  Result<Next> run_action(const Action& a) {
    return std::visit([&](const auto& what) { return step(a, what); }, a.what);
  }

  Result<Next> step(const Action& a, const GetParticipantData& get) {
    for (const auto& read : get.reads) {
      TRACECHAT_TRY(const auto key, evaluate_string(a, read.attribute, "attribute.name"));
      const auto value = host_.participant_data(key);
      variables_[read.variable] = value ? Value(*value) : Value(NotSet{});
    }
    return Next::go_on;
  }

  Result<Next> step(const Action& a, const SetParticipantData& set) {
    std::vector<std::pair<std::string, std::string>> attributes;
    for (const auto& write : set.writes) {
      TRACECHAT_TRY(const auto key, evaluate_string(a, write.attribute, "attribute.name"));
      TRACECHAT_TRY(const auto value, evaluate(a, write.value, "attribute.value"));
      // NOT_SET sets nothing: participant data holds text, and there is none to hold.
      if (!std::holds_alternative<NotSet>(value)) attributes.emplace_back(key, to_text(value));
    }
    if (attributes.empty()) return Next::go_on;
    if (auto done = host_.set_participant_data(attributes); !done) return fail(a, done.error().message);
    return Next::go_on;
  }

  Result<Next> step(const Action& a, const CallData& call) {
    json::object inputs;
    for (const auto& [name, e] : call.inputs) {
      TRACECHAT_TRY(const auto v, evaluate(a, e, "inputs." + name));
      // A NOT_SET input is not sent, as noValue.
      if (!std::holds_alternative<NotSet>(v)) inputs[name] = to_json(v);
    }
    const auto result = host_.call_data_action(call, inputs);
    if (result.success) {
      boost::system::error_code ec;
      const auto output = json::parse(result.output_json, ec);
      for (const auto& [field, variable] : call.success_outputs) {
        const auto* v = !ec && output.is_object() ? find_field(output.get_object(), field) : nullptr;
        variables_[variable] = v != nullptr ? from_json(*v) : Value(NotSet{});
      }
      return run_actions(call.on_success);
    }
    if (result.error_code == "timeout") return run_actions(call.on_timeout);
    // What the emulator knows of a failure; the rest of Architect's failure outputs
    // (entity, user parameters, details) stay NOT_SET.
    const auto failure_value = [&](const std::string& field) -> Value {
      if (field == "errorCode") return result.error_code;
      if (field == "status" && result.status > 0) return static_cast<std::int64_t>(result.status);
      if (field == "userMessage") return result.message;
      if (field == "correlationId") return protocol::random_uuid();
      return NotSet{};
    };
    for (const auto& [field, variable] : call.failure_outputs) variables_[variable] = failure_value(field);
    return run_actions(call.on_failure);
  }

  Result<Next> step(const Action& a, const SendResponse& send) {
    TRACECHAT_TRY(auto text, evaluate_string(a, send.body, "messageBody"));
    host_.send_response(std::move(text));
    return Next::go_on;
  }

  Result<Next> step(const Action& a, const Decision& decision) {
    TRACECHAT_TRY(const bool yes, evaluate_boolean(a, decision.condition, "condition"));
    return run_actions(yes ? decision.yes : decision.no);
  }

  Result<Next> step(const Action& a, const Switch& s) {
    for (std::size_t i = 0; i < s.cases.size(); ++i) {
      TRACECHAT_TRY(const bool chosen, evaluate_boolean(a, s.cases[i].first, "cases[" + std::to_string(i) + "].value"));
      if (chosen) return run_actions(s.cases[i].second);
    }
    return run_actions(s.otherwise);
  }

  Result<Next> step(const Action& a, const UpdateData& update) {
    for (const auto& statement : update.statements) {
      TRACECHAT_TRY(auto v, evaluate(a, statement.value, statement.type + ".value"));
      auto typed = typed_value(statement.type, std::move(v));
      if (!typed) return fail(a, statement.variable + ": " + typed.error().message);
      variables_[statement.variable] = std::move(*typed);
    }
    return Next::go_on;
  }

  Result<Next> step(const Action&, const Disconnect&) {
    host_.disconnect();
    outcome_.end = Outcome::End::disconnected;
    return Next::stop;
  }

  Result<Next> step(const Action&, const TransferToAcd& transfer) {
    outcome_.end = Outcome::End::transferred;
    outcome_.queue = transfer.queue;
    return Next::stop;
  }

  const Flow& flow_;
  Host& host_;
  Variables variables_;
  Outcome outcome_;
};

}  // namespace

Outcome run(const Flow& flow, const Trigger& trigger, Host& host) { return Runner(flow, host).run(trigger); }

}  // namespace tracechat::emulator::archy
