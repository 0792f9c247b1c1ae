// A parser that turns the template into a tree once, and a renderer that walks it per
// execution. Values are looked up, never parsed again: that is what keeps inputs from
// becoming template code.
#include "tracechat/dataaction/velocity.h"

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

namespace tracechat::dataaction {
namespace json = boost::json;

namespace {

constexpr int kMaxDepth = 50;

enum class Helper { none, json_string, url, uri };

struct Reference {
  std::vector<std::string> path;
  bool quiet = false;
  std::string source;  // printed as it is when the value is missing and not quiet
  Helper helper = Helper::none;
  // The helper's argument: a reference, or a literal string.
  std::shared_ptr<Reference> argument;
  std::optional<std::string> literal;
};

struct Expr;
using ExprPtr = std::shared_ptr<Expr>;
struct Expr {
  enum class Op { value, reference, negate, logical_and, logical_or, eq, ne, lt, le, gt, ge };
  Op op = Op::value;
  json::value literal;
  Reference reference;
  ExprPtr left, right;
};

}  // namespace

struct VelocityTemplate::Node {
  struct Text {
    std::string text;
  };
  struct Ref {
    Reference reference;
  };
  struct If {
    std::vector<std::pair<ExprPtr, std::vector<Node>>> branches;  // #if and each #elseif
    std::vector<Node> otherwise;                                  // #else
  };
  std::variant<Text, Ref, If> item;
};

namespace {

using Node = VelocityTemplate::Node;

bool ident_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool ident_char(char c) { return ident_start(c) || (c >= '0' && c <= '9'); }

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<std::vector<Node>> run() {
    std::vector<Node> nodes;
    std::string end;
    if (auto r = parse_block(nodes, end, 0); !r) return r.error();
    if (!end.empty()) return fail(end_at_, "#" + end + " without #if");
    return nodes;
  }

 private:
  Error fail(std::size_t at, const std::string& message) const {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < at && i < s_.size(); ++i) {
      if (s_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return Error{"line " + std::to_string(line) + ", column " + std::to_string(column) + ": " + message};
  }

  bool starts(std::string_view what) const { return s_.substr(i_, what.size()) == what; }

  // A directive keyword at i_ (after '#', in either form): if, elseif, else, end.
  std::optional<std::string> directive() const {
    std::size_t j = i_ + 1;
    const bool braced = j < s_.size() && s_[j] == '{';
    if (braced) ++j;
    for (const char* word : {"elseif", "else", "end", "if", "set", "foreach", "macro", "parse", "include", "stop",
                             "break", "define", "evaluate"}) {
      const std::string_view w(word);
      if (s_.substr(j, w.size()) != w) continue;
      const std::size_t after = j + w.size();
      if (braced) {
        if (after < s_.size() && s_[after] == '}') return std::string(word);
        continue;
      }
      if (after < s_.size() && ident_char(s_[after])) continue;  // #endpoint is text
      return std::string(word);
    }
    return std::nullopt;
  }
  // Moves past "#word" or "#{word}".
  void skip_directive(const std::string& word) {
    i_ += 1;
    if (s_[i_] == '{') {
      i_ += word.size() + 2;
    } else {
      i_ += word.size();
    }
  }

  // Parses nodes until #elseif/#else/#end (returned in `end`) or the end of the input.
  Result<void> parse_block(std::vector<Node>& out, std::string& end, int depth) {
    std::string text;
    const auto flush = [&] {
      if (!text.empty()) out.push_back(Node{Node::Text{std::move(text)}});
      text.clear();
    };
    while (i_ < s_.size()) {
      const char c = s_[i_];
      if (c == '\\' && i_ + 1 < s_.size() && (s_[i_ + 1] == '$' || s_[i_ + 1] == '#')) {
        text.push_back(s_[i_ + 1]);
        i_ += 2;
      } else if (starts("#[[")) {
        // Unparsed content: everything up to the first ]]# is text, whatever it holds.
        const auto close = s_.find("]]#", i_ + 3);
        if (close == std::string_view::npos) return fail(i_, "#[[ without ]]#");
        text.append(s_.substr(i_ + 3, close - i_ - 3));
        i_ = close + 3;
      } else if (starts("##")) {
        while (i_ < s_.size() && s_[i_] != '\n') ++i_;
      } else if (starts("#*")) {
        const auto close = s_.find("*#", i_ + 2);
        if (close == std::string_view::npos) return fail(i_, "#* comment without *#");
        i_ = close + 2;
      } else if (c == '#' && directive()) {
        const std::string word = *directive();
        if (word == "elseif" || word == "else" || word == "end") {
          flush();
          end = word;
          end_at_ = i_;
          skip_directive(word);
          return {};
        }
        if (word != "if") return fail(i_, "#" + word + " is not supported in Data Action templates");
        flush();
        if (depth >= kMaxDepth) return fail(i_, "#if nested deeper than 50");
        auto node = parse_if(depth);
        if (!node) return node.error();
        out.push_back(std::move(*node));
      } else if (c == '$') {
        auto ref = parse_reference();
        if (!ref) return ref.error();
        if (*ref) {
          flush();
          out.push_back(Node{Node::Ref{std::move(**ref)}});
        } else {
          text.push_back('$');
          ++i_;
        }
      } else {
        text.push_back(c);
        ++i_;
      }
    }
    flush();
    return {};
  }

  Result<Node> parse_if(int depth) {
    const std::size_t start = i_;
    skip_directive("if");
    Node::If node;
    std::string word = "if";
    while (true) {
      ExprPtr condition;
      if (word == "if" || word == "elseif") {
        auto c = parse_condition();
        if (!c) return c.error();
        condition = *c;
      }
      std::vector<Node> body;
      std::string end;
      if (auto r = parse_block(body, end, depth + 1); !r) return r.error();
      if (end.empty()) return fail(start, "#if without #end");
      if (word == "else") {
        if (end != "end") return fail(end_at_, "#" + end + " after #else");
        node.otherwise = std::move(body);
        break;
      }
      node.branches.emplace_back(condition, std::move(body));
      if (end == "end") break;
      word = end;
    }
    return Node{std::move(node)};
  }

  // $name.name, ${name.name}, $!..., and $esc.helper(argument). nullopt: a plain '$'.
  Result<std::optional<Reference>> parse_reference() {
    const std::size_t start = i_;
    std::size_t j = i_ + 1;
    Reference ref;
    if (j < s_.size() && s_[j] == '!') {
      ref.quiet = true;
      ++j;
    }
    const bool formal = j < s_.size() && s_[j] == '{';
    if (formal) ++j;
    if (j >= s_.size() || !ident_start(s_[j])) return std::optional<Reference>();
    while (true) {
      const std::size_t from = j;
      while (j < s_.size() && ident_char(s_[j])) ++j;
      ref.path.emplace_back(s_.substr(from, j - from));
      if (j + 1 < s_.size() && s_[j] == '.' && ident_start(s_[j + 1])) {
        ++j;
        continue;
      }
      break;
    }
    if (j < s_.size() && s_[j] == '(') {
      if (ref.path.size() != 2 || ref.path[0] != "esc") {
        return fail(start, "method calls are not supported except $esc.jsonString, $esc.url and $esc.uriEncode");
      }
      const auto& name = ref.path[1];
      ref.helper = name == "jsonString"                         ? Helper::json_string
                   : (name == "url" || name == "urlFormEncode") ? Helper::url
                   : name == "uriEncode"                        ? Helper::uri
                                                                : Helper::none;
      if (ref.helper == Helper::none) return fail(start, "unknown helper $esc." + name);
      i_ = j + 1;
      skip_spaces();
      if (i_ < s_.size() && (s_[i_] == '"' || s_[i_] == '\'')) {
        auto literal = parse_string();
        if (!literal) return literal.error();
        ref.literal = std::move(*literal);
      } else if (i_ < s_.size() && s_[i_] == '$') {
        auto argument = parse_reference();
        if (!argument) return argument.error();
        if (!*argument || (*argument)->helper != Helper::none)
          return fail(i_, "the helper's argument must be a reference or a string");
        ref.argument = std::make_shared<Reference>(std::move(**argument));
      } else {
        return fail(i_, "the helper's argument must be a reference or a string");
      }
      skip_spaces();
      if (i_ >= s_.size() || s_[i_] != ')') return fail(i_, "expected ) after the helper's argument");
      j = i_ + 1;
    }
    if (formal) {
      if (j >= s_.size() || s_[j] != '}') return fail(start, "${ without }");
      ++j;
    }
    ref.source = std::string(s_.substr(start, j - start));
    i_ = j;
    return std::optional<Reference>(std::move(ref));
  }

  Result<std::string> parse_string() {
    const char quote = s_[i_];
    const std::size_t start = i_;
    std::string out;
    for (++i_; i_ < s_.size(); ++i_) {
      if (s_[i_] == quote) {
        ++i_;
        return out;
      }
      if (s_[i_] == '\\' && i_ + 1 < s_.size() && s_[i_ + 1] == quote) ++i_;
      out.push_back(s_[i_]);
    }
    return fail(start, "unterminated string");
  }

  void skip_spaces() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  // ( condition ) right after #if / #elseif.
  Result<ExprPtr> parse_condition() {
    skip_spaces();
    if (i_ >= s_.size() || s_[i_] != '(') return fail(i_, "expected ( after #if");
    ++i_;
    auto e = parse_or(0);
    if (!e) return e.error();
    skip_spaces();
    if (i_ >= s_.size() || s_[i_] != ')') return fail(i_, "expected ) to close the condition");
    ++i_;
    return *e;
  }

  static ExprPtr binary(Expr::Op op, ExprPtr l, ExprPtr r) {
    auto e = std::make_shared<Expr>();
    e->op = op;
    e->left = std::move(l);
    e->right = std::move(r);
    return e;
  }

  bool take(std::string_view op) {
    skip_spaces();
    if (!starts(op)) return false;
    i_ += op.size();
    return true;
  }

  Result<ExprPtr> parse_or(int depth) {
    auto l = parse_and(depth);
    if (!l) return l;
    while (take("||")) {
      auto r = parse_and(depth);
      if (!r) return r;
      l = binary(Expr::Op::logical_or, *l, *r);
    }
    return l;
  }
  Result<ExprPtr> parse_and(int depth) {
    auto l = parse_compare(depth);
    if (!l) return l;
    while (take("&&")) {
      auto r = parse_compare(depth);
      if (!r) return r;
      l = binary(Expr::Op::logical_and, *l, *r);
    }
    return l;
  }
  Result<ExprPtr> parse_compare(int depth) {
    auto l = parse_unary(depth);
    if (!l) return l;
    static const std::pair<std::string_view, Expr::Op> kOps[] = {{"==", Expr::Op::eq}, {"!=", Expr::Op::ne},
                                                                 {"<=", Expr::Op::le}, {">=", Expr::Op::ge},
                                                                 {"<", Expr::Op::lt},  {">", Expr::Op::gt}};
    for (const auto& [text, op] : kOps) {
      if (take(text)) {
        auto r = parse_unary(depth);
        if (!r) return r;
        return binary(op, *l, *r);
      }
    }
    return l;
  }
  Result<ExprPtr> parse_unary(int depth) {
    if (depth >= kMaxDepth) return fail(i_, "condition nested deeper than 50");
    skip_spaces();
    if (i_ >= s_.size()) return fail(i_, "the condition ends early");
    if (s_[i_] == '!' && !starts("!=")) {
      ++i_;
      auto inner = parse_unary(depth + 1);
      if (!inner) return inner;
      auto e = std::make_shared<Expr>();
      e->op = Expr::Op::negate;
      e->left = *inner;
      return e;
    }
    if (s_[i_] == '(') {
      ++i_;
      auto inner = parse_or(depth + 1);
      if (!inner) return inner;
      if (!take(")")) return fail(i_, "expected )");
      return inner;
    }
    auto e = std::make_shared<Expr>();
    if (s_[i_] == '$') {
      auto ref = parse_reference();
      if (!ref) return ref.error();
      if (!*ref) return fail(i_, "expected a reference after $");
      e->op = Expr::Op::reference;
      e->reference = std::move(**ref);
      return e;
    }
    if (s_[i_] == '"' || s_[i_] == '\'') {
      auto text = parse_string();
      if (!text) return text.error();
      e->literal = json::string(*text);
      return e;
    }
    for (const auto& [word, value] :
         {std::pair<std::string_view, json::value>{"true", true}, {"false", false}, {"null", nullptr}}) {
      if (starts(word) && (i_ + word.size() >= s_.size() || !ident_char(s_[i_ + word.size()]))) {
        i_ += word.size();
        e->literal = value;
        return e;
      }
    }
    const std::size_t from = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    while (i_ < s_.size() && ((s_[i_] >= '0' && s_[i_] <= '9') || s_[i_] == '.')) ++i_;
    if (i_ > from) {
      boost::system::error_code ec;
      auto number = json::parse(s_.substr(from, i_ - from), ec);
      if (!ec && number.is_number()) {
        e->literal = number;
        return e;
      }
    }
    return fail(from, "expected a reference, a string, a number, true, false or null");
  }

  std::string_view s_;
  std::size_t i_ = 0;
  std::size_t end_at_ = 0;
};

// ---- rendering ------------------------------------------------------------------------

const json::value* lookup(const json::object& context, const std::vector<std::string>& path) {
  const json::value* v = context.if_contains(path[0]);
  for (std::size_t k = 1; v != nullptr && k < path.size(); ++k) {
    v = v->is_object() ? v->as_object().if_contains(path[k]) : nullptr;
  }
  return v != nullptr && !v->is_null() ? v : nullptr;
}

std::string text_of(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  return json::serialize(v);
}

bool truthy(const json::value* v) {
  if (v == nullptr || v->is_null()) return false;
  if (v->is_bool()) return v->as_bool();
  if (v->is_string()) return !v->as_string().empty();
  if (v->is_array()) return !v->as_array().empty();
  if (v->is_object()) return !v->as_object().empty();
  return v->to_number<double>() != 0;
}

json::value evaluate(const Expr& e, const json::object& context) {
  switch (e.op) {
    case Expr::Op::value: return e.literal;
    case Expr::Op::reference: {
      const json::value* v = lookup(context, e.reference.path);
      return v != nullptr ? *v : json::value(nullptr);
    }
    case Expr::Op::negate: {
      const auto v = evaluate(*e.left, context);
      return !truthy(&v);
    }
    case Expr::Op::logical_and: {
      const auto l = evaluate(*e.left, context);
      if (!truthy(&l)) return false;
      const auto r = evaluate(*e.right, context);
      return truthy(&r);
    }
    case Expr::Op::logical_or: {
      const auto l = evaluate(*e.left, context);
      if (truthy(&l)) return true;
      const auto r = evaluate(*e.right, context);
      return truthy(&r);
    }
    default: break;
  }
  const auto l = evaluate(*e.left, context);
  const auto r = evaluate(*e.right, context);
  int order = 0;  // <0, 0, >0
  bool comparable = true;
  if (l.is_null() || r.is_null()) {
    comparable = l.is_null() && r.is_null();
  } else if (l.is_number() && r.is_number()) {
    const double a = l.to_number<double>(), b = r.to_number<double>();
    order = a < b ? -1 : (a > b ? 1 : 0);
  } else {
    order = text_of(l).compare(text_of(r));
  }
  switch (e.op) {
    case Expr::Op::eq: return comparable && order == 0;
    case Expr::Op::ne: return !(comparable && order == 0);
    case Expr::Op::lt: return comparable && !l.is_null() && order < 0;
    case Expr::Op::le: return comparable && order <= 0;
    case Expr::Op::gt: return comparable && !l.is_null() && order > 0;
    case Expr::Op::ge: return comparable && order >= 0;
    default: return false;
  }
}

// Where rendered text goes. In JSON mode it follows the JSON lexer state of what has been
// written, so that a value lands as data: inside a string literal it is escaped, outside
// it must be one complete JSON value by itself — an input can never add a field.
struct Sink {
  std::string out;
  bool json_mode = false;
  bool in_string = false;
  bool escaped = false;
  std::optional<std::string> error;

  void text(std::string_view t) {
    out += t;
    if (!json_mode) return;
    for (const char c : t) {
      if (escaped) {
        escaped = false;
      } else if (in_string && c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = !in_string;
      }
    }
  }

  void value(std::string_view v, bool escaped_by_helper, const std::string& source) {
    if (!json_mode) {
      out += v;
    } else if (in_string) {
      out += escaped_by_helper ? std::string(v) : escape_json_string(v);
    } else {
      json::parse_options options;
      options.max_depth = kMaxDepth;
      boost::system::error_code ec;
      (void)json::parse(v, ec, {}, options);
      if (ec) {
        if (!error) {
          error = source + " is not a JSON value where the template puts it; quote it or use $esc.jsonString";
        }
        return;
      }
      out += v;
    }
  }
};

void render_reference(const Reference& ref, const json::object& context, Sink& sink) {
  const auto missing = [&] {
    if (!ref.quiet) sink.value(ref.source, false, ref.source);
  };
  if (ref.helper == Helper::none) {
    const json::value* v = lookup(context, ref.path);
    if (v == nullptr) return missing();
    sink.value(text_of(*v), false, ref.source);
    return;
  }
  std::string argument;
  if (ref.literal) {
    argument = *ref.literal;
  } else {
    const json::value* v = lookup(context, ref.argument->path);
    if (v == nullptr) return missing();
    argument = text_of(*v);
  }
  switch (ref.helper) {
    case Helper::json_string: sink.value(escape_json_string(argument), true, ref.source); break;
    case Helper::url: sink.value(url_form_encode(argument), true, ref.source); break;
    case Helper::uri: sink.value(uri_encode(argument), true, ref.source); break;
    case Helper::none: break;
  }
}

void render_nodes(const std::vector<Node>& nodes, const json::object& context, Sink& sink) {
  for (const auto& node : nodes) {
    if (const auto* t = std::get_if<Node::Text>(&node.item)) {
      sink.text(t->text);
    } else if (const auto* r = std::get_if<Node::Ref>(&node.item)) {
      render_reference(r->reference, context, sink);
    } else {
      const auto& branch = std::get<Node::If>(node.item);
      bool taken = false;
      for (const auto& [condition, body] : branch.branches) {
        const auto v = evaluate(*condition, context);
        if (truthy(&v)) {
          render_nodes(body, context, sink);
          taken = true;
          break;
        }
      }
      if (!taken) render_nodes(branch.otherwise, context, sink);
    }
  }
}

}  // namespace

Result<VelocityTemplate> VelocityTemplate::parse(std::string_view source) {
  Parser parser(source);
  auto nodes = parser.run();
  if (!nodes) return nodes.error();
  auto root = std::make_unique<Node>();
  Node::If wrapper;  // the root is an #if that is always taken
  auto always = std::make_shared<Expr>();
  always->literal = true;
  wrapper.branches.emplace_back(always, std::move(*nodes));
  root->item = std::move(wrapper);
  return VelocityTemplate(std::move(root));
}

std::string VelocityTemplate::render(const json::object& context) const {
  Sink sink;
  render_nodes(std::get<Node::If>(root_->item).branches[0].second, context, sink);
  return std::move(sink.out);
}

Result<std::string> VelocityTemplate::render_json(const json::object& context) const {
  Sink sink;
  sink.json_mode = true;
  render_nodes(std::get<Node::If>(root_->item).branches[0].second, context, sink);
  if (sink.error) return Error{*sink.error};
  return std::move(sink.out);
}

std::string VelocityTemplate::leading_text() const {
  std::string out;
  for (const auto& node : std::get<Node::If>(root_->item).branches[0].second) {
    const auto* text = std::get_if<Node::Text>(&node.item);
    if (text == nullptr) break;
    out += text->text;
  }
  return out;
}

VelocityTemplate::VelocityTemplate(std::unique_ptr<Node> root) : root_(std::move(root)) {}
VelocityTemplate::VelocityTemplate(VelocityTemplate&&) noexcept = default;
VelocityTemplate& VelocityTemplate::operator=(VelocityTemplate&&) noexcept = default;
VelocityTemplate::~VelocityTemplate() = default;

std::string escape_json_string(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        // DEL too, which JSON would allow raw: escaped, a value stays printable wherever it
        // goes, and a header ($esc.jsonString keeps a tracestate's '=' and ',') refuses DEL.
        if (u < 0x20 || u == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0xF]);
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

namespace {
std::string percent_encode(std::string_view text, bool form) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || (form ? c == '*' : c == '~');
    if (unreserved) {
      out.push_back(c);
    } else if (form && c == ' ') {
      out.push_back('+');
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xF]);
    }
  }
  return out;
}
}  // namespace

std::string url_form_encode(std::string_view text) { return percent_encode(text, true); }
std::string uri_encode(std::string_view text) { return percent_encode(text, false); }

}  // namespace tracechat::dataaction
