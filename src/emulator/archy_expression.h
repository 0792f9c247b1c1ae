// Architect's expression language, the part of it the emulator runs (docs/emulator.md,
// "Archy flows"): the `exp:` values of an Archy flow. An expression is parsed once, when
// the flow is loaded, into a small tree, and evaluated at run time against the run's
// variables. What the subset does not know — a function, an operator, a variable scope —
// is refused at parse time, so a flow that loads never meets it at run time.
//
// Values are Architect's scalar types: String, Integer, Decimal, Boolean, and NOT_SET
// (no value). Run-time errors are Architect's: a NOT_SET where a value is needed, a type
// that does not fit. They are the flow's errors, which its error handling takes over.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "tracechat/result.h"

namespace tracechat::emulator::archy {

struct NotSet {
  friend bool operator==(NotSet, NotSet) { return true; }
};
using Value = std::variant<NotSet, std::string, std::int64_t, double, bool>;

// A run's variables by their full name ("State.status", "Message.Message.body"). A
// variable that is not there is NOT_SET.
using Variables = std::map<std::string, Value, std::less<>>;

// The built-in variables of an inbound message flow that the emulator sets.
inline constexpr std::string_view kConversationId = "Message.ConversationId";
inline constexpr std::string_view kMessageBody = "Message.Message.body";
inline constexpr std::string_view kIsNewConversation = "Message.IsNewConversation";

// "String", "Integer", "Decimal", "Boolean" or "NOT_SET", for error messages (which never
// show a value: values are the guest's data).
const char* type_name(const Value& value);
// The text ToString gives a set value ("" for NOT_SET).
std::string to_text(const Value& value);

// A name an action may assign: State.x, Flow.x or Task.x, x a plain name.
Result<void> check_assignable(std::string_view name);

class Expression {
 public:
  // Errors name the character (1-based) where the text went wrong:
  // "character 9: unknown function 'Foo'".
  static Result<Expression> parse(std::string_view text);
  // A `lit:` value.
  static Expression literal(Value value);
  Expression();  // NOT_SET

  Result<Value> evaluate(const Variables& variables) const;

  struct Node;  // the parsed tree (archy_expression.cpp)

 private:
  explicit Expression(std::shared_ptr<const Node> root);
  // Immutable once parsed, so copies of a flow's expressions share it.
  std::shared_ptr<const Node> root_;
};

}  // namespace tracechat::emulator::archy
