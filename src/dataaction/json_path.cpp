#include "json_path.h"

namespace tracechat::dataaction {
namespace json = boost::json;

Result<JsonPath> JsonPath::parse(std::string_view text) {
  JsonPath path;
  path.text_ = std::string(text);
  if (text.empty() || text[0] != '$') return Error{"'" + path.text_ + "': a JSONPath starts with $"};
  std::size_t i = 1;
  const auto fail = [&](const std::string& what) {
    return Error{"'" + path.text_ + "' at " + std::to_string(i) + ": " + what};
  };
  while (i < text.size()) {
    Step step;
    if (text[i] == '.') {
      ++i;
      if (i < text.size() && text[i] == '*') {
        step.kind = Step::Kind::all;
        ++i;
      } else {
        const std::size_t from = i;
        while (i < text.size() && text[i] != '.' && text[i] != '[') ++i;
        if (i == from) return fail("expected a name after .");
        step.key = std::string(text.substr(from, i - from));
      }
    } else if (text[i] == '[') {
      ++i;
      if (i < text.size() && (text[i] == '\'' || text[i] == '"')) {
        const char quote = text[i++];
        const std::size_t close = text.find(quote, i);
        if (close == std::string_view::npos) return fail("unterminated name");
        step.key = std::string(text.substr(i, close - i));
        i = close + 1;
      } else if (i < text.size() && text[i] == '*') {
        step.kind = Step::Kind::all;
        ++i;
      } else {
        const std::size_t from = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
        if (i == from || i - from > 9) return fail("expected an index, a quoted name or *");
        step.kind = Step::Kind::index;
        step.index = std::stoul(std::string(text.substr(from, i - from)));
      }
      if (i >= text.size() || text[i] != ']') return fail("expected ]");
      ++i;
    } else {
      return fail("expected . or [");
    }
    path.collects_ = path.collects_ || step.kind == Step::Kind::all;
    path.steps_.push_back(std::move(step));
  }
  return path;
}

json::value JsonPath::find(const json::value& root) const {
  std::vector<const json::value*> current{&root};
  for (const auto& step : steps_) {
    std::vector<const json::value*> next;
    for (const auto* v : current) {
      if (step.kind == Step::Kind::key) {
        if (v->is_object()) {
          if (const auto* found = v->as_object().if_contains(step.key)) next.push_back(found);
        }
      } else if (step.kind == Step::Kind::index) {
        if (v->is_array() && step.index < v->as_array().size()) next.push_back(&v->as_array()[step.index]);
      } else if (v->is_array()) {
        for (const auto& item : v->as_array()) next.push_back(&item);
      } else if (v->is_object()) {
        for (const auto& [k, item] : v->as_object()) next.push_back(&item);
      }
    }
    current = std::move(next);
  }
  if (collects_) {
    json::array all;
    for (const auto* v : current) all.push_back(*v);
    return all;
  }
  return current.empty() ? json::value(nullptr) : *current.front();
}

}  // namespace tracechat::dataaction
