#include "archy_expression.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>
#include <vector>

#include "common/terminal_text.h"
#include "tracechat/protocol/attribute_text.h"

namespace tracechat::emulator::archy {
namespace {

// Bounds that keep parsing, evaluating and destroying a tree off the edge of the stack
// whatever the text: nesting the parser recurses through, and the height of the tree a
// long chain of operators builds without recursing.
constexpr int kMaxNesting = 64;
constexpr int kMaxHeight = 256;

enum class Op {
  add,
  subtract,
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  logical_and,
  logical_or,
  logical_not,
  negate
};
enum class Function {
  append,
  to_string,
  to_display_string,
  if_then_else,
  is_set,
  is_not_set_or_empty,
  trim,
  contains,
  length
};

struct FunctionSpec {
  std::string_view name;
  Function function;
  std::size_t min_args, max_args;
};
constexpr std::size_t kAnyNumber = std::numeric_limits<std::size_t>::max();
constexpr FunctionSpec kFunctions[] = {
    {"Append", Function::append, 1, kAnyNumber},
    {"ToString", Function::to_string, 1, 1},
    {"ToDisplayString", Function::to_display_string, 1, 1},
    {"If", Function::if_then_else, 3, 3},
    {"IsSet", Function::is_set, 1, 1},
    {"IsNotSetOrEmpty", Function::is_not_set_or_empty, 1, 1},
    {"Trim", Function::trim, 1, 1},
    {"Contains", Function::contains, 2, 2},
    {"Length", Function::length, 1, 1},
};

std::string_view op_text(Op op) {
  switch (op) {
    case Op::add: return "+";
    case Op::subtract: return "-";
    case Op::equal: return "==";
    case Op::not_equal: return "!=";
    case Op::less: return "<";
    case Op::less_equal: return "<=";
    case Op::greater: return ">";
    case Op::greater_equal: return ">=";
    case Op::logical_and: return "and";
    case Op::logical_or: return "or";
    case Op::logical_not: return "!";
    case Op::negate: return "-";
  }
  return "?";
}

std::string_view function_name(Function f) {
  for (const auto& spec : kFunctions) {
    if (spec.function == f) return spec.name;
  }
  return "?";
}

// A piece of the flow's text in an error message, safe for the terminal it is printed on.
std::string shown(std::string_view text, std::size_t max = 80) { return common::terminal_safe(text.substr(0, max)); }

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// --- tokens ---------------------------------------------------------------------------

enum class Tok { end, string, integer, decimal, name, left_paren, right_paren, comma, op };

struct Token {
  Tok kind = Tok::end;
  std::string text;  // a name, an operator, or a string literal's value
  std::size_t at = 0;
  Value value;  // a number
};

Error error_at(std::size_t at, const std::string& what) {
  return Error{"character " + std::to_string(at + 1) + ": " + what};
}

// A string literal from its opening quote. Architect's escapes (help.mypurecloud.com,
// "Use string literals in expressions") are \" and \\; any other backslash is refused
// rather than guessed at.
Result<std::string> read_string(std::string_view text, std::size_t& i) {
  const std::size_t start = i++;
  std::string out;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '"') {
      ++i;
      return out;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) break;
      const char next = text[i + 1];
      if (next != '"' && next != '\\') {
        return error_at(i, std::string("unknown escape \\") + next + " (the emulator takes \\\" and \\\\)");
      }
      out.push_back(next);
      i += 2;
      continue;
    }
    out.push_back(c);
    ++i;
  }
  return error_at(start, "a string without its closing quote");
}

Result<Token> read_number(std::string_view text, std::size_t& i) {
  Token t;
  t.at = i;
  std::size_t end = i;
  while (end < text.size() && is_digit(text[end])) ++end;
  const bool decimal = end + 1 < text.size() && text[end] == '.' && is_digit(text[end + 1]);
  if (decimal) {
    ++end;
    while (end < text.size() && is_digit(text[end])) ++end;
  }
  const char* first = text.data() + i;
  const char* last = text.data() + end;
  if (decimal) {
    double d = 0;
    const auto [ptr, ec] = std::from_chars(first, last, d);
    if (ec != std::errc{} || ptr != last) return error_at(i, "a decimal out of range");
    t.kind = Tok::decimal;
    t.value = d;
  } else {
    std::int64_t n = 0;
    const auto [ptr, ec] = std::from_chars(first, last, n);
    if (ec != std::errc{} || ptr != last) return error_at(i, "an integer out of range");
    t.kind = Tok::integer;
    t.value = n;
  }
  if (end < text.size() && is_name_char(text[end])) return error_at(end, "a number runs into a name");
  i = end;
  return t;
}

// The operators Architect has that the emulator does not run, with what to use instead
// where Architect has it (help.mypurecloud.com, "Operator precedence in expressions").
std::optional<std::string> unsupported_operator(std::string_view rest) {
  if (rest.starts_with("&&")) return "'&&' is not an Architect operator: logical AND is 'and'";
  if (rest.starts_with("||")) return "'||' is not an Architect operator: logical OR is 'or'";
  if (rest.starts_with("=") && !rest.starts_with("==")) return "'=' is not a comparison: use '=='";
  static constexpr std::string_view kOthers = "*/%^&|~[]";
  if (!rest.empty() && kOthers.find(rest.front()) != std::string_view::npos) {
    return "operator '" + std::string(1, rest.front()) + "' is not supported by the emulator";
  }
  return std::nullopt;
}

Result<std::vector<Token>> tokenize(std::string_view text) {
  std::vector<Token> out;
  std::size_t i = 0;
  while (true) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    if (i >= text.size()) break;
    const char c = text[i];
    Token t;
    t.at = i;
    if (c == '"') {
      TRACECHAT_TRY(t.text, read_string(text, i));
      t.kind = Tok::string;
    } else if (is_digit(c)) {
      TRACECHAT_TRY(t, read_number(text, i));
    } else if (is_name_start(c)) {
      // A dotted name is one token: State.x, Message.Message.body.
      std::size_t end = i;
      while (true) {
        while (end < text.size() && is_name_char(text[end])) ++end;
        if (end + 1 < text.size() && text[end] == '.' && is_name_start(text[end + 1])) {
          ++end;
          continue;
        }
        break;
      }
      t.kind = Tok::name;
      t.text = std::string(text.substr(i, end - i));
      i = end;
    } else if (c == '(' || c == ')' || c == ',') {
      t.kind = c == '(' ? Tok::left_paren : c == ')' ? Tok::right_paren : Tok::comma;
      ++i;
    } else if (auto bad = unsupported_operator(text.substr(i))) {
      return error_at(i, *bad);
    } else {
      static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">="};
      const auto two = std::find_if(std::begin(kTwo), std::end(kTwo),
                                    [&](std::string_view op) { return text.substr(i).starts_with(op); });
      if (two != std::end(kTwo)) {
        t.text = std::string(*two);
      } else if (std::string_view("+-<>!").find(c) != std::string_view::npos) {
        t.text = std::string(1, c);
      } else {
        return error_at(i, "unexpected character '" + shown(text.substr(i, 1)) + "'");
      }
      t.kind = Tok::op;
      i += t.text.size();
    }
    out.push_back(std::move(t));
  }
  Token end;
  end.at = text.size();
  out.push_back(end);
  return out;
}

}  // namespace

// --- the tree -------------------------------------------------------------------------

struct Expression::Node {
  enum class Kind { literal, variable, unary, binary, call };
  Kind kind = Kind::literal;
  Value value;       // literal
  std::string name;  // variable
  Op op = Op::add;   // unary, binary
  Function function = Function::append;
  std::vector<std::unique_ptr<Node>> args;  // operands, arguments
  int height = 1;
};

namespace {

using Node = std::unique_ptr<Expression::Node>;

Result<Node> make(Expression::Node::Kind kind, std::size_t at, std::vector<Node> args) {
  auto n = std::make_unique<Expression::Node>();
  n->kind = kind;
  for (const auto& a : args) n->height = std::max(n->height, a->height + 1);
  if (n->height > kMaxHeight) return error_at(at, "the expression is nested too deeply");
  n->args = std::move(args);
  return n;
}

Result<void> check_variable(const std::string& name, std::size_t at) {
  if (name == kConversationId || name == kMessageBody || name == kIsNewConversation) return {};
  const auto dot = name.find('.');
  const std::string scope = name.substr(0, dot == std::string::npos ? name.size() : dot);
  if (scope == "Message") {
    return error_at(at, "unknown built-in '" + shown(name) + "' (the emulator knows " + std::string(kConversationId) +
                            ", " + std::string(kMessageBody) + " and " + std::string(kIsNewConversation) + ")");
  }
  if (scope == "State" || scope == "Flow" || scope == "Task") {
    if (dot != std::string::npos && name.find('.', dot + 1) != std::string::npos) {
      return error_at(at, "'" + shown(name) + "': property access is not supported by the emulator");
    }
    // A bare scope (`State`) names no variable.
    if (auto ok = check_assignable(name); !ok) return error_at(at, ok.error().message);
    return {};
  }
  if (dot == std::string::npos && name == "not") {
    return error_at(at, "'not' is not an Architect operator: logical NOT is '!'");
  }
  return error_at(at, "unknown name '" + shown(name) + "' (a variable is State.x, Flow.x or Task.x, or one of " +
                          std::string(kConversationId) + ", " + std::string(kMessageBody) + ", " +
                          std::string(kIsNewConversation) + ")");
}

// Recursive descent over Architect's precedence, loosest first: or, and, == !=,
// < <= > >=, + -, unary ! -, then literals, names, calls and parentheses.
class Parser {
 public:
  explicit Parser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<Node> parse() {
    TRACECHAT_TRY(auto root, parse_or());
    if (peek().kind != Tok::end) return error_at(peek().at, "unexpected " + describe(peek()));
    return root;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  Token next() { return tokens_[pos_ == tokens_.size() - 1 ? pos_ : pos_++]; }
  bool at_op(std::string_view op) const { return peek().kind == Tok::op && peek().text == op; }
  bool at_name(std::string_view name) const { return peek().kind == Tok::name && peek().text == name; }

  static std::string describe(const Token& t) {
    switch (t.kind) {
      case Tok::end: return "end of the expression";
      case Tok::string: return "string";
      case Tok::integer:
      case Tok::decimal: return "number";
      case Tok::name: return "'" + shown(t.text) + "'";
      case Tok::left_paren: return "'('";
      case Tok::right_paren: return "')'";
      case Tok::comma: return "','";
      case Tok::op: return "'" + t.text + "'";
    }
    return "token";
  }

  Result<Node> binary(Op op, std::size_t at, Node left, Node right) {
    std::vector<Node> args;
    args.push_back(std::move(left));
    args.push_back(std::move(right));
    TRACECHAT_TRY(auto n, make(Expression::Node::Kind::binary, at, std::move(args)));
    n->op = op;
    return n;
  }

  Result<Node> parse_or() {
    TRACECHAT_TRY(auto left, parse_and());
    while (at_name("or")) {
      const auto at = next().at;
      TRACECHAT_TRY(auto right, parse_and());
      TRACECHAT_TRY(left, binary(Op::logical_or, at, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<Node> parse_and() {
    TRACECHAT_TRY(auto left, parse_equality());
    while (at_name("and")) {
      const auto at = next().at;
      TRACECHAT_TRY(auto right, parse_equality());
      TRACECHAT_TRY(left, binary(Op::logical_and, at, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<Node> parse_equality() {
    TRACECHAT_TRY(auto left, parse_comparison());
    while (at_op("==") || at_op("!=")) {
      const auto t = next();
      TRACECHAT_TRY(auto right, parse_comparison());
      TRACECHAT_TRY(left, binary(t.text == "==" ? Op::equal : Op::not_equal, t.at, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<Node> parse_comparison() {
    TRACECHAT_TRY(auto left, parse_additive());
    while (at_op("<") || at_op("<=") || at_op(">") || at_op(">=")) {
      const auto t = next();
      const Op op = t.text == "<"    ? Op::less
                    : t.text == "<=" ? Op::less_equal
                    : t.text == ">"  ? Op::greater
                                     : Op::greater_equal;
      TRACECHAT_TRY(auto right, parse_additive());
      TRACECHAT_TRY(left, binary(op, t.at, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<Node> parse_additive() {
    TRACECHAT_TRY(auto left, parse_unary());
    while (at_op("+") || at_op("-")) {
      const auto t = next();
      TRACECHAT_TRY(auto right, parse_unary());
      TRACECHAT_TRY(left, binary(t.text == "+" ? Op::add : Op::subtract, t.at, std::move(left), std::move(right)));
    }
    return left;
  }

  Result<Node> parse_unary() {
    if (!at_op("!") && !at_op("-")) return parse_primary();
    const auto t = next();
    if (++nesting_ > kMaxNesting) return error_at(t.at, "the expression is nested too deeply");
    TRACECHAT_TRY(auto operand, parse_unary());
    --nesting_;
    std::vector<Node> args;
    args.push_back(std::move(operand));
    TRACECHAT_TRY(auto n, make(Expression::Node::Kind::unary, t.at, std::move(args)));
    n->op = t.text == "!" ? Op::logical_not : Op::negate;
    return n;
  }

  Result<Node> literal(Value v, std::size_t at) {
    TRACECHAT_TRY(auto n, make(Expression::Node::Kind::literal, at, {}));
    n->value = std::move(v);
    return n;
  }

  Result<Node> parse_primary() {
    const Token t = next();
    switch (t.kind) {
      case Tok::string: return literal(t.text, t.at);
      case Tok::integer:
      case Tok::decimal: return literal(t.value, t.at);
      case Tok::left_paren: {
        if (++nesting_ > kMaxNesting) return error_at(t.at, "the expression is nested too deeply");
        TRACECHAT_TRY(auto inner, parse_or());
        --nesting_;
        if (peek().kind != Tok::right_paren) return error_at(peek().at, "expected ')', not " + describe(peek()));
        next();
        return inner;
      }
      case Tok::name: break;
      default: return error_at(t.at, "expected a value, not " + describe(t));
    }
    if (t.text == "true" || t.text == "false") return literal(t.text == "true", t.at);
    if (t.text == "NOT_SET") return literal(NotSet{}, t.at);
    if (peek().kind == Tok::left_paren) return parse_call(t);
    TRACECHAT_CHECK(check_variable(t.text, t.at));
    TRACECHAT_TRY(auto n, make(Expression::Node::Kind::variable, t.at, {}));
    n->name = t.text;
    return n;
  }

  Result<Node> parse_call(const Token& name) {
    const auto spec = std::find_if(std::begin(kFunctions), std::end(kFunctions),
                                   [&](const FunctionSpec& f) { return f.name == name.text; });
    if (spec == std::end(kFunctions)) {
      return error_at(name.at, "unknown function '" + shown(name.text) +
                                   "' (the emulator has Append, Contains, If, IsSet, " +
                                   "IsNotSetOrEmpty, Length, ToDisplayString, ToString, Trim)");
    }
    next();  // (
    if (++nesting_ > kMaxNesting) return error_at(name.at, "the expression is nested too deeply");
    std::vector<Node> args;
    if (peek().kind != Tok::right_paren) {
      while (true) {
        TRACECHAT_TRY(auto arg, parse_or());
        args.push_back(std::move(arg));
        if (peek().kind != Tok::comma) break;
        next();
      }
    }
    --nesting_;
    if (peek().kind != Tok::right_paren) return error_at(peek().at, "expected ',' or ')', not " + describe(peek()));
    next();
    if (args.size() < spec->min_args || args.size() > spec->max_args) {
      const std::string want = spec->min_args == spec->max_args ? std::to_string(spec->min_args)
                                                                : "at least " + std::to_string(spec->min_args);
      return error_at(name.at, name.text + " takes " + want + " argument" + (spec->min_args == 1 ? "" : "s") +
                                   ", not " + std::to_string(args.size()));
    }
    TRACECHAT_TRY(auto n, make(Expression::Node::Kind::call, name.at, std::move(args)));
    n->function = spec->function;
    return n;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int nesting_ = 0;
};

// --- evaluation -----------------------------------------------------------------------

bool is_set(const Value& v) { return !std::holds_alternative<NotSet>(v); }
bool is_number(const Value& v) { return std::holds_alternative<std::int64_t>(v) || std::holds_alternative<double>(v); }
double as_double(const Value& v) {
  return std::holds_alternative<std::int64_t>(v) ? static_cast<double>(std::get<std::int64_t>(v)) : std::get<double>(v);
}

Error mismatch(std::string_view op, const Value& a, const Value& b) {
  return Error{"'" + std::string(op) + "' does not take " + type_name(a) + " and " + type_name(b)};
}

Result<Value> add(const Value& a, const Value& b, Op op) {
  const std::string_view name = op_text(op);
  if (!is_set(a) || !is_set(b)) {
    return Error{"'" + std::string(name) + "' on NOT_SET (the " + (is_set(a) ? "right" : "left") + " side)"};
  }
  // A String on either side makes + a concatenation.
  if (op == Op::add && (std::holds_alternative<std::string>(a) || std::holds_alternative<std::string>(b))) {
    return Value(to_text(a) + to_text(b));
  }
  if (!is_number(a) || !is_number(b)) return mismatch(name, a, b);
  if (std::holds_alternative<std::int64_t>(a) && std::holds_alternative<std::int64_t>(b)) {
    std::int64_t out = 0;
    const bool overflow = op == Op::add
                              ? __builtin_add_overflow(std::get<std::int64_t>(a), std::get<std::int64_t>(b), &out)
                              : __builtin_sub_overflow(std::get<std::int64_t>(a), std::get<std::int64_t>(b), &out);
    if (overflow) return Error{"'" + std::string(name) + "': the Integer overflows"};
    return Value(out);
  }
  return Value(op == Op::add ? as_double(a) + as_double(b) : as_double(a) - as_double(b));
}

// ==, !=: NOT_SET equals only NOT_SET ("ToString(NOT_SET) == \"\"" is false, as
// help.mypurecloud.com, "Use NOT_SET in expressions", says); Integer and Decimal compare
// by value; other types do not compare with each other.
Result<bool> equal(const Value& a, const Value& b) {
  if (!is_set(a) || !is_set(b)) return !is_set(a) && !is_set(b);
  if (is_number(a) && is_number(b)) {
    if (std::holds_alternative<std::int64_t>(a) && std::holds_alternative<std::int64_t>(b)) {
      return std::get<std::int64_t>(a) == std::get<std::int64_t>(b);
    }
    return as_double(a) == as_double(b);
  }
  if (a.index() != b.index()) return mismatch("==", a, b);
  return a == b;
}

// <, <=, >, >= on set values: Strings by their bytes, numbers by value.
Result<bool> less(const Value& a, const Value& b, Op op) {
  if (std::holds_alternative<std::string>(a) && std::holds_alternative<std::string>(b)) {
    return std::get<std::string>(a) < std::get<std::string>(b);
  }
  if (!is_number(a) || !is_number(b)) return mismatch(op_text(op), a, b);
  if (std::holds_alternative<std::int64_t>(a) && std::holds_alternative<std::int64_t>(b)) {
    return std::get<std::int64_t>(a) < std::get<std::int64_t>(b);
  }
  return as_double(a) < as_double(b);
}

Result<Value> evaluate_node(const Expression::Node& n, const Variables& variables);

Result<bool> boolean_operand(const Expression::Node& n, const Variables& variables, std::string_view what) {
  TRACECHAT_TRY(const Value v, evaluate_node(n, variables));
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return Error{std::string(what) + " takes a Boolean, not " + type_name(v)};
}

Result<std::string> string_argument(const Value& v, Function f, std::size_t index) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return Error{std::string(function_name(f)) + ": argument " + std::to_string(index + 1) + " is " + type_name(v) +
               ", not a String"};
}

Result<Value> call(const Expression::Node& n, const Variables& variables) {
  if (n.function == Function::if_then_else) {
    // Only the branch taken is evaluated.
    TRACECHAT_TRY(const bool condition, boolean_operand(*n.args[0], variables, "If's condition"));
    return evaluate_node(*n.args[condition ? 1 : 2], variables);
  }
  std::vector<Value> args;
  args.reserve(n.args.size());
  for (const auto& a : n.args) {
    TRACECHAT_TRY(auto v, evaluate_node(*a, variables));
    args.push_back(std::move(v));
  }
  switch (n.function) {
    case Function::append: {
      // NOT_SET in, NOT_SET out: Architect's generated messages wrap each Append in
      // ToDisplayString so that a part with a NOT_SET variable drops out (the blueprints'
      // flows cited in docs/emulator.md), which only works if Append gives NOT_SET then.
      std::string out;
      bool all_set = true;
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (!is_set(args[i])) {
          all_set = false;
          continue;
        }
        TRACECHAT_TRY(const auto s, string_argument(args[i], n.function, i));
        out += s;
      }
      return all_set ? Value(std::move(out)) : Value(NotSet{});
    }
    case Function::to_string: return is_set(args[0]) ? Value(to_text(args[0])) : Value(NotSet{});
    case Function::to_display_string: return Value(to_text(args[0]));
    case Function::is_set: return Value(is_set(args[0]));
    case Function::is_not_set_or_empty: {
      const auto* s = std::get_if<std::string>(&args[0]);
      return Value(!is_set(args[0]) || (s != nullptr && s->empty()));
    }
    case Function::trim: {
      TRACECHAT_TRY(const auto s, string_argument(args[0], n.function, 0));
      constexpr std::string_view kSpace = " \t\r\n\f\v";
      const auto first = s.find_first_not_of(kSpace);
      if (first == std::string::npos) return Value(std::string());
      return Value(s.substr(first, s.find_last_not_of(kSpace) - first + 1));
    }
    case Function::contains: {
      TRACECHAT_TRY(const auto s, string_argument(args[0], n.function, 0));
      TRACECHAT_TRY(const auto part, string_argument(args[1], n.function, 1));
      return Value(s.find(part) != std::string::npos);
    }
    case Function::length: {
      TRACECHAT_TRY(const auto s, string_argument(args[0], n.function, 0));
      return Value(static_cast<std::int64_t>(protocol::count_code_points(s)));
    }
    case Function::if_then_else: break;
  }
  return Error{"unknown function"};
}

Result<Value> evaluate_node(const Expression::Node& n, const Variables& variables) {
  using Kind = Expression::Node::Kind;
  switch (n.kind) {
    case Kind::literal: return n.value;
    case Kind::variable: {
      const auto it = variables.find(n.name);
      return it != variables.end() ? it->second : Value(NotSet{});
    }
    case Kind::call: return call(n, variables);
    case Kind::unary: {
      if (n.op == Op::logical_not) {
        TRACECHAT_TRY(const bool b, boolean_operand(*n.args[0], variables, "'!'"));
        return Value(!b);
      }
      TRACECHAT_TRY(const Value v, evaluate_node(*n.args[0], variables));
      if (const auto* i = std::get_if<std::int64_t>(&v)) {
        if (*i == std::numeric_limits<std::int64_t>::min()) return Error{"'-': the Integer overflows"};
        return Value(-*i);
      }
      if (const auto* d = std::get_if<double>(&v)) return Value(-*d);
      return Error{"'-' takes a number, not " + std::string(type_name(v))};
    }
    case Kind::binary: break;
  }
  if (n.op == Op::logical_and || n.op == Op::logical_or) {
    // Short-circuit: the right side is evaluated only when it decides.
    const std::string what = "'" + std::string(op_text(n.op)) + "'";
    TRACECHAT_TRY(const bool left, boolean_operand(*n.args[0], variables, what));
    if (left == (n.op == Op::logical_or)) return Value(left);
    TRACECHAT_TRY(const bool right, boolean_operand(*n.args[1], variables, what));
    return Value(right);
  }
  TRACECHAT_TRY(const Value a, evaluate_node(*n.args[0], variables));
  TRACECHAT_TRY(const Value b, evaluate_node(*n.args[1], variables));
  const bool ordering = n.op == Op::less || n.op == Op::less_equal || n.op == Op::greater || n.op == Op::greater_equal;
  if (ordering && (!is_set(a) || !is_set(b))) {
    return Error{"'" + std::string(op_text(n.op)) + "' on NOT_SET (the " + (is_set(a) ? "right" : "left") + " side)"};
  }
  switch (n.op) {
    case Op::add:
    case Op::subtract: return add(a, b, n.op);
    case Op::equal:
    case Op::not_equal: {
      auto e = equal(a, b);
      if (!e) return mismatch(op_text(n.op), a, b);
      return Value(*e == (n.op == Op::equal));
    }
    case Op::less: {
      TRACECHAT_TRY(const bool r, less(a, b, n.op));
      return Value(r);
    }
    case Op::greater: {
      TRACECHAT_TRY(const bool r, less(b, a, n.op));
      return Value(r);
    }
    case Op::less_equal: {
      TRACECHAT_TRY(const bool r, less(b, a, n.op));
      return Value(!r);
    }
    case Op::greater_equal: {
      TRACECHAT_TRY(const bool r, less(a, b, n.op));
      return Value(!r);
    }
    default: break;
  }
  return Error{"unknown operator"};
}

}  // namespace

const char* type_name(const Value& value) {
  static constexpr const char* kNames[] = {"NOT_SET", "String", "Integer", "Decimal", "Boolean"};
  return kNames[value.index()];
}

std::string to_text(const Value& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return *s;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const auto* d = std::get_if<double>(&value)) {
    char buffer[64];
    const auto [end, ec] = std::to_chars(std::begin(buffer), std::end(buffer), *d);
    return ec == std::errc{} ? std::string(buffer, end) : std::string();
  }
  return "";
}

Result<void> check_assignable(std::string_view name) {
  const auto dot = name.find('.');
  const auto scope = name.substr(0, dot == std::string_view::npos ? 0 : dot);
  if (scope != "State" && scope != "Flow" && scope != "Task") {
    return Error{"'" + shown(name) + "' is not a variable the flow can set (State.x, Flow.x, Task.x)"};
  }
  const auto rest = name.substr(dot + 1);
  if (rest.empty() || !is_name_start(rest.front()) || !std::all_of(rest.begin(), rest.end(), is_name_char)) {
    return Error{"'" + shown(name) + "': a variable's name is letters, digits and _"};
  }
  return {};
}

Expression::Expression(std::shared_ptr<const Node> root) : root_(std::move(root)) {}

Result<Expression> Expression::parse(std::string_view text) {
  TRACECHAT_TRY(auto tokens, tokenize(text));
  if (tokens.size() == 1) return Error{"an empty expression"};
  Parser parser(std::move(tokens));
  TRACECHAT_TRY(auto root, parser.parse());
  return Expression(std::shared_ptr<const Node>(std::move(root)));
}

Expression::Expression() : Expression(literal(NotSet{})) {}

Expression Expression::literal(Value value) {
  auto n = std::make_shared<Node>();
  n->value = std::move(value);
  return Expression(std::move(n));
}

Result<Value> Expression::evaluate(const Variables& variables) const { return evaluate_node(*root_, variables); }

}  // namespace tracechat::emulator::archy
