// JSONPath, the subset a Data Action's translationMap uses: $, .name, ['name'],
// [index] and [*]. A path with [*] collects its matches into an array.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::dataaction {

class JsonPath {
 public:
  static Result<JsonPath> parse(std::string_view text);
  // Null when nothing matches.
  boost::json::value find(const boost::json::value& root) const;
  const std::string& text() const { return text_; }

 private:
  struct Step {
    enum class Kind { key, index, all } kind = Kind::key;
    std::string key;
    std::size_t index = 0;
  };
  std::string text_;
  std::vector<Step> steps_;
  bool collects_ = false;
};

}  // namespace tracechat::dataaction
