#include "hcl_writer.h"

#include <algorithm>

#include "tracechat/generators/escaping.h"

namespace tracechat::generators::detail {
namespace json = boost::json;

HclBody& HclBody::attribute(std::string key, std::string expression) {
  items_.push_back({Item::Kind::attribute, std::move(key), std::move(expression), {}, {}});
  return *this;
}

HclBody& HclBody::attribute(std::string key, std::string open, HclBody body, std::string close) {
  items_.push_back({Item::Kind::multiline, std::move(key), std::move(open), std::move(close), std::move(body.items_)});
  return *this;
}

HclBody& HclBody::block(std::string header, HclBody body) {
  items_.push_back({Item::Kind::block, {}, std::move(header), {}, std::move(body.items_)});
  return *this;
}

HclBody& HclBody::comment(const std::string& text) {
  items_.push_back({Item::Kind::comment, {}, text, {}, {}});
  return *this;
}

HclBody& HclBody::blank() {
  items_.push_back({Item::Kind::blank, {}, {}, {}, {}});
  return *this;
}

std::string HclBody::render(int indent) const {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  std::string out;
  // terraform fmt aligns the `=` of a run of one-line attributes on consecutive lines;
  // anything else (a block, a comment, an attribute over several lines) ends the run.
  std::size_t run_width = 0;
  for (std::size_t i = 0; i < items_.size(); ++i) {
    const Item& item = items_[i];
    switch (item.kind) {
      case Item::Kind::attribute: {
        if (i == 0 || items_[i - 1].kind != Item::Kind::attribute) {
          run_width = 0;
          for (std::size_t j = i; j < items_.size() && items_[j].kind == Item::Kind::attribute; ++j) {
            run_width = std::max(run_width, items_[j].key.size());
          }
        }
        out += pad + item.key + std::string(run_width - item.key.size(), ' ') + " = " + item.text + "\n";
        break;
      }
      case Item::Kind::multiline: {
        HclBody body;
        body.items_ = item.body;
        out += pad + item.key + " = " + item.text + "\n" + body.render(indent + 1) + pad + item.close + "\n";
        break;
      }
      case Item::Kind::block: {
        if (item.body.empty()) {
          out += pad + item.text + " {}\n";
          break;
        }
        HclBody body;
        body.items_ = item.body;
        out += pad + item.text + " {\n" + body.render(indent + 1) + pad + "}\n";
        break;
      }
      case Item::Kind::comment: {
        std::size_t start = 0;
        while (start <= item.text.size()) {
          const std::size_t end = std::min(item.text.find('\n', start), item.text.size());
          const std::string line = item.text.substr(start, end - start);
          out += pad + (line.empty() ? "#" : "# " + line) + "\n";
          start = end + 1;
        }
        break;
      }
      case Item::Kind::blank: out += "\n"; break;
    }
  }
  return out;
}

HclBody hcl_object(const json::object& object) {
  HclBody body;
  for (const auto& [key, value] : object) {
    const std::string k = hcl_string(key);
    if (value.is_object() && !value.as_object().empty()) {
      body.attribute(k, "{", hcl_object(value.as_object()), "}");
    } else if (value.is_object()) {
      body.attribute(k, "{}");
    } else if (value.is_string()) {
      body.attribute(k, hcl_string(value.as_string()));
    } else if (value.is_array()) {
      std::string list;
      for (const auto& element : value.as_array()) {
        list += (list.empty() ? "" : ", ") +
                (element.is_string() ? hcl_string(element.as_string()) : json::serialize(element));
      }
      body.attribute(k, "[" + list + "]");
    } else {
      body.attribute(k, json::serialize(value));  // numbers, true, false, null: the same in HCL
    }
  }
  return body;
}

}  // namespace tracechat::generators::detail
