// Architect's expression language as the emulator runs it: what it evaluates to, how
// NOT_SET behaves, and the texts it refuses at load time (with the character) or fails
// at run time (with the operator or function, never a value).
#include "emulator/archy_expression.h"

#include <gtest/gtest.h>

namespace tracechat::emulator::archy {
namespace {

const Variables kVariables{{"State.status", std::string("shipped")},
                           {"State.empty", std::string("")},
                           {"State.count", std::int64_t{3}},
                           {"State.price", 2.5},
                           {"State.yes", true},
                           {std::string(kMessageBody), std::string(" A-1 ")},
                           {std::string(kConversationId), std::string("c-1")},
                           {std::string(kIsNewConversation), false}};

Value eval(const std::string& text, const Variables& variables = kVariables) {
  auto e = Expression::parse(text);
  if (!e) {
    ADD_FAILURE() << text << ": " << e.error().message;
    return NotSet{};
  }
  auto v = e->evaluate(variables);
  if (!v) {
    ADD_FAILURE() << text << ": " << v.error().message;
    return NotSet{};
  }
  return *v;
}

std::string parse_error(const std::string& text) {
  auto e = Expression::parse(text);
  return e ? "(parsed)" : e.error().message;
}

std::string run_error(const std::string& text) {
  auto e = Expression::parse(text);
  if (!e) return "(did not parse: " + e.error().message + ")";
  auto v = e->evaluate(kVariables);
  return v ? "(evaluated)" : v.error().message;
}

TEST(ArchyExpression, LiteralsOperatorsAndVariables) {
  EXPECT_EQ(eval(R"("a" + "b")"), Value(std::string("ab")));
  EXPECT_EQ(eval("1 + 2"), Value(std::int64_t{3}));
  EXPECT_EQ(eval("1 + 2.5"), Value(3.5));
  EXPECT_EQ(eval("3 - 5"), Value(std::int64_t{-2}));
  EXPECT_EQ(eval("-(2)"), Value(std::int64_t{-2}));
  // A String on either side makes + a concatenation.
  EXPECT_EQ(eval(R"("n" + State.count)"), Value(std::string("n3")));
  EXPECT_EQ(eval("State.status"), Value(std::string("shipped")));
  EXPECT_EQ(eval("Message.ConversationId"), Value(std::string("c-1")));
  EXPECT_EQ(eval("Message.Message.body"), Value(std::string(" A-1 ")));
  EXPECT_EQ(eval("Message.IsNewConversation"), Value(false));
  EXPECT_EQ(eval("State.never"), Value(NotSet{}));
  // Expressions span lines, as Architect's generated ones do.
  EXPECT_EQ(eval("Append(\n    \"a\",\n    \"b\")"), Value(std::string("ab")));
}

TEST(ArchyExpression, StringEscapesAreArchitects) {
  EXPECT_EQ(eval(R"("He said, \"Hi\"")"), Value(std::string(R"(He said, "Hi")")));
  EXPECT_EQ(eval(R"("Male\\Female")"), Value(std::string(R"(Male\Female)")));
}

TEST(ArchyExpression, ComparisonsAndLogic) {
  EXPECT_EQ(eval(R"(State.status == "shipped")"), Value(true));
  EXPECT_EQ(eval(R"(State.status != "shipped")"), Value(false));
  EXPECT_EQ(eval(R"(State.status == "Shipped")"), Value(false));  // case matters
  EXPECT_EQ(eval("2 < 3"), Value(true));
  EXPECT_EQ(eval("2 >= 2.0"), Value(true));
  EXPECT_EQ(eval("State.price > 2"), Value(true));
  EXPECT_EQ(eval("State.count <= 2"), Value(false));
  EXPECT_EQ(eval(R"("a" < "b")"), Value(true));
  EXPECT_EQ(eval("true and !false"), Value(true));
  EXPECT_EQ(eval("false or State.yes"), Value(true));
  // Precedence: comparisons bind tighter than and, and tighter than or.
  EXPECT_EQ(eval("1 < 2 and 2 < 1 or State.count == 3"), Value(true));
  EXPECT_EQ(eval("1 + 2 == 3"), Value(true));
  // Short-circuit: the right side is not evaluated when the left decides.
  EXPECT_EQ(eval(R"(false and (1 < "x"))"), Value(false));
  EXPECT_EQ(eval(R"(true or (1 < "x"))"), Value(true));
}

TEST(ArchyExpression, NotSet) {
  EXPECT_EQ(eval("IsSet(State.never)"), Value(false));
  EXPECT_EQ(eval("IsSet(State.empty)"), Value(true));
  EXPECT_EQ(eval("State.never == NOT_SET"), Value(true));
  EXPECT_EQ(eval("State.status == NOT_SET"), Value(false));
  // help.mypurecloud.com, "Use NOT_SET in expressions": a NOT_SET string is not "".
  EXPECT_EQ(eval(R"(ToString(NOT_SET) == "")"), Value(false));
  EXPECT_EQ(eval("ToString(NOT_SET)"), Value(NotSet{}));
  EXPECT_EQ(eval("ToDisplayString(State.never)"), Value(std::string("")));
  EXPECT_EQ(eval("IsNotSetOrEmpty(State.never)"), Value(true));
  EXPECT_EQ(eval("IsNotSetOrEmpty(State.empty)"), Value(true));
  EXPECT_EQ(eval("IsNotSetOrEmpty(State.status)"), Value(false));
  // A part with a NOT_SET variable drops out of a generated message.
  EXPECT_EQ(eval(R"(Append("Hi ", State.never, ", "))"), Value(NotSet{}));
  EXPECT_EQ(eval(R"(ToDisplayString(Append("Hi ", State.never, ", ")))"), Value(std::string("")));
}

TEST(ArchyExpression, Functions) {
  EXPECT_EQ(eval(R"(Append("Checked: ", ToDisplayString(State.status)))"), Value(std::string("Checked: shipped")));
  EXPECT_EQ(eval("ToString(State.count)"), Value(std::string("3")));
  EXPECT_EQ(eval("ToString(State.price)"), Value(std::string("2.5")));
  EXPECT_EQ(eval("ToString(State.yes)"), Value(std::string("true")));
  EXPECT_EQ(eval("Trim(Message.Message.body)"), Value(std::string("A-1")));
  EXPECT_EQ(eval(R"(Trim("   "))"), Value(std::string("")));
  EXPECT_EQ(eval(R"(Contains(State.status, "ship"))"), Value(true));
  EXPECT_EQ(eval(R"(Length("héllo"))"), Value(std::int64_t{5}));  // code points
  EXPECT_EQ(eval(R"(If(State.yes, "a", "b"))"), Value(std::string("a")));
  // Only the branch taken is evaluated.
  EXPECT_EQ(eval(R"(If(true, "a", Trim(State.never)))"), Value(std::string("a")));
}

// An expression of the shape Architect writes for a message with optional parts.
TEST(ArchyExpression, AGeneratedMessageWithOptionalParts) {
  const std::string text =
      "Trim(Append(\n"
      "    ToDisplayString(Append(\"Hi \", State.name, \",\")),\n"
      "    If(IsNotSetOrEmpty(ToDisplayString(Append(\"Hi \", State.name, \",\"))), \"\", \" \"),\n"
      "    ToDisplayString(Append(\"order \", State.order, \" is \", State.status))))";
  Variables v{{"State.order", std::string("A-1")}, {"State.status", std::string("shipped")}};
  EXPECT_EQ(eval(text, v), Value(std::string("order A-1 is shipped")));
  v["State.name"] = std::string("Ada");
  EXPECT_EQ(eval(text, v), Value(std::string("Hi Ada, order A-1 is shipped")));
}

TEST(ArchyExpression, TextsItRefusesNameTheCharacter) {
  EXPECT_EQ(parse_error("Foo(1)"),
            "character 1: unknown function 'Foo' (the emulator has Append, Contains, If, IsSet, IsNotSetOrEmpty, "
            "Length, ToDisplayString, ToString, Trim)");
  EXPECT_EQ(parse_error("Call.Ani"),
            "character 1: unknown name 'Call.Ani' (a variable is State.x, Flow.x or Task.x, or one of "
            "Message.ConversationId, Message.Message.body, Message.IsNewConversation)");
  EXPECT_EQ(parse_error("x"),
            "character 1: unknown name 'x' (a variable is State.x, Flow.x or Task.x, or one of "
            "Message.ConversationId, Message.Message.body, Message.IsNewConversation)");
  EXPECT_EQ(parse_error("1 + Message.Foo"),
            "character 5: unknown built-in 'Message.Foo' (the emulator knows Message.ConversationId, "
            "Message.Message.body and Message.IsNewConversation)");
  EXPECT_EQ(parse_error("State.a.b"), "character 1: 'State.a.b': property access is not supported by the emulator");
  EXPECT_EQ(parse_error("State"), "character 1: 'State' is not a variable the flow can set (State.x, Flow.x, Task.x)");
  EXPECT_EQ(parse_error("1 + Flow."), "character 9: unexpected character '.'");
  EXPECT_EQ(parse_error("1 +"), "character 4: expected a value, not end of the expression");
  EXPECT_EQ(parse_error("(1"), "character 3: expected ')', not end of the expression");
  EXPECT_EQ(parse_error("1 2"), "character 3: unexpected number");
  EXPECT_EQ(parse_error(R"("abc)"), "character 1: a string without its closing quote");
  EXPECT_EQ(parse_error(R"("a\nb")"), "character 3: unknown escape \\n (the emulator takes \\\" and \\\\)");
  EXPECT_EQ(parse_error("State.a && State.b"), "character 9: '&&' is not an Architect operator: logical AND is 'and'");
  EXPECT_EQ(parse_error("State.a || State.b"), "character 9: '||' is not an Architect operator: logical OR is 'or'");
  EXPECT_EQ(parse_error("State.a = 1"), "character 9: '=' is not a comparison: use '=='");
  EXPECT_EQ(parse_error("not State.a"), "character 1: 'not' is not an Architect operator: logical NOT is '!'");
  EXPECT_EQ(parse_error("2 * 3"), "character 3: operator '*' is not supported by the emulator");
  EXPECT_EQ(parse_error("Append()"), "character 1: Append takes at least 1 argument, not 0");
  EXPECT_EQ(parse_error("If(true, 1)"), "character 1: If takes 3 arguments, not 2");
  EXPECT_EQ(parse_error("Trim(1, 2"), "character 10: expected ',' or ')', not end of the expression");
  EXPECT_EQ(parse_error("99999999999999999999"), "character 1: an integer out of range");
  EXPECT_EQ(parse_error("12abc"), "character 3: a number runs into a name");
  EXPECT_EQ(parse_error("1 $"), "character 3: unexpected character '$'");
  EXPECT_EQ(parse_error(""), "an empty expression");
  EXPECT_EQ(parse_error("  \n "), "an empty expression");
}

TEST(ArchyExpression, DeepTextsAreRefusedNotOverflowed) {
  EXPECT_EQ(parse_error(std::string(100, '(') + "1" + std::string(100, ')')),
            "character 65: the expression is nested too deeply");
  EXPECT_EQ(parse_error(std::string(100, '!') + "true"), "character 65: the expression is nested too deeply");
  std::string chain = "1";
  for (int i = 0; i < 1000; ++i) chain += "+1";
  EXPECT_EQ(parse_error(chain), "character 512: the expression is nested too deeply");
  chain = "1";
  for (int i = 0; i < 200; ++i) chain += "+1";
  EXPECT_EQ(eval(chain), Value(std::int64_t{201}));
}

TEST(ArchyExpression, RunTimeErrorsNameTheOperatorNotTheValue) {
  EXPECT_EQ(run_error("1 + State.never"), "'+' on NOT_SET (the right side)");
  EXPECT_EQ(run_error(R"(State.never + "a")"), "'+' on NOT_SET (the left side)");
  EXPECT_EQ(run_error("State.never < 1"), "'<' on NOT_SET (the left side)");
  EXPECT_EQ(run_error(R"(1 < "a")"), "'<' does not take Integer and String");
  EXPECT_EQ(run_error(R"(State.status == 1)"), "'==' does not take String and Integer");
  EXPECT_EQ(run_error("State.yes + 1"), "'+' does not take Boolean and Integer");
  EXPECT_EQ(run_error("!1"), "'!' takes a Boolean, not Integer");
  EXPECT_EQ(run_error("State.never and true"), "'and' takes a Boolean, not NOT_SET");
  EXPECT_EQ(run_error("If(State.never, 1, 2)"), "If's condition takes a Boolean, not NOT_SET");
  EXPECT_EQ(run_error("Trim(State.never)"), "Trim: argument 1 is NOT_SET, not a String");
  EXPECT_EQ(run_error("Append(\"a\", 1)"), "Append: argument 2 is Integer, not a String");
  EXPECT_EQ(run_error(R"(-"a")"), "'-' takes a number, not String");
  EXPECT_EQ(run_error("9223372036854775807 + 1"), "'+': the Integer overflows");
  EXPECT_EQ(run_error("-9223372036854775807 - 2"), "'-': the Integer overflows");
}

TEST(ArchyExpression, NamesAFlowCanSet) {
  EXPECT_TRUE(check_assignable("State.x").ok());
  EXPECT_TRUE(check_assignable("Flow.order_id2").ok());
  EXPECT_TRUE(check_assignable("Task.x").ok());
  EXPECT_EQ(check_assignable("Message.Message.body").error().message,
            "'Message.Message.body' is not a variable the flow can set (State.x, Flow.x, Task.x)");
  EXPECT_EQ(check_assignable("x").error().message, "'x' is not a variable the flow can set (State.x, Flow.x, Task.x)");
  EXPECT_EQ(check_assignable("State.a b").error().message, "'State.a b': a variable's name is letters, digits and _");
  EXPECT_EQ(check_assignable("State.").error().message, "'State.': a variable's name is letters, digits and _");
}

}  // namespace
}  // namespace tracechat::emulator::archy
