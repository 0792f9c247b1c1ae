// Typed access to the members of a JSON object, with errors that name the member's
// path ("message.channel.metadata.customAttributes.x: expected string"). The one way
// tracechat reads a JSON document it was given: the protocol codecs, the OTLP JSON
// decoder, Data Action definitions, flow files and the emulator's configuration and REST
// bodies all read through it, so every bad field is reported the same way.
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::common {

namespace json = boost::json;

inline std::string join_path(std::string_view parent, std::string_view key) {
  return parent.empty() ? std::string(key) : std::string(parent) + "." + std::string(key);
}

class ObjectReader {
 public:
  ObjectReader(const json::object& object, std::string path) : object_(object), path_(std::move(path)) {}

  const std::string& path() const { return path_; }
  std::string path_of(std::string_view key) const { return join_path(path_, key); }
  const json::value* find(std::string_view key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &it->value();
  }
  Error wrong_type(std::string_view key, std::string_view expected) const {
    return Error{path_of(key) + ": expected " + std::string(expected)};
  }

  // Absent and null both read as "not given".
  Result<std::optional<std::string>> optional_string(std::string_view key) const {
    const auto* v = find(key);
    if (v == nullptr || v->is_null()) return std::optional<std::string>();
    if (!v->is_string()) return wrong_type(key, "string");
    return std::optional<std::string>(std::string(v->get_string()));
  }
  Result<std::string> required_string(std::string_view key) const {
    auto v = optional_string(key);
    if (!v) return v.error();
    if (!*v) return Error{path_of(key) + ": required"};
    return std::move(**v);
  }
  Result<std::optional<bool>> optional_bool(std::string_view key) const {
    const auto* v = find(key);
    if (v == nullptr || v->is_null()) return std::optional<bool>();
    if (!v->is_bool()) return wrong_type(key, "boolean");
    return std::optional<bool>(v->get_bool());
  }
  Result<std::optional<std::int64_t>> optional_int(std::string_view key) const {
    const auto* v = find(key);
    if (v == nullptr || v->is_null()) return std::optional<std::int64_t>();
    if (v->is_int64()) return std::optional<std::int64_t>(v->get_int64());
    if (v->is_uint64() && v->get_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
      return std::optional<std::int64_t>(static_cast<std::int64_t>(v->get_uint64()));
    }
    return wrong_type(key, "integer");
  }
  Result<std::optional<double>> optional_number(std::string_view key) const {
    const auto* v = find(key);
    if (v == nullptr || v->is_null()) return std::optional<double>();
    if (!v->is_number()) return wrong_type(key, "number");
    // JSON has no NaN or infinity, but the parser can still produce them: 1e400 is
    // infinite and 0e330 comes out as NaN. Neither is a number any field can use.
    const double d = v->to_number<double>();
    if (!std::isfinite(d)) return Error{path_of(key) + ": number out of range"};
    return std::optional<double>(d);
  }
  Result<const json::object*> optional_object(std::string_view key) const {
    const auto* v = find(key);
    if (v == nullptr || v->is_null()) return static_cast<const json::object*>(nullptr);
    if (!v->is_object()) return wrong_type(key, "object");
    return &v->get_object();
  }
  Result<const json::array*> optional_array(std::string_view key) const {
    const auto* v = find(key);
    if (v == nullptr || v->is_null()) return static_cast<const json::array*>(nullptr);
    if (!v->is_array()) return wrong_type(key, "array");
    return &v->get_array();
  }
  // An object whose values are all strings.
  Result<std::map<std::string, std::string>> optional_string_map(std::string_view key) const {
    auto o = optional_object(key);
    if (!o) return o.error();
    std::map<std::string, std::string> out;
    if (*o == nullptr) return out;
    for (const auto& [k, v] : **o) {
      if (!v.is_string()) return Error{join_path(path_of(key), k) + ": expected string"};
      out.emplace(std::string(k), std::string(v.get_string()));
    }
    return out;
  }

  // An array whose items are all strings.
  Result<std::vector<std::string>> optional_string_array(std::string_view key) const {
    auto a = optional_array(key);
    if (!a) return a.error();
    std::vector<std::string> out;
    if (*a == nullptr) return out;
    for (std::size_t i = 0; i < (*a)->size(); ++i) {
      if (!(**a)[i].is_string()) return Error{path_of(key) + "[" + std::to_string(i) + "]: expected string"};
      out.emplace_back((**a)[i].get_string());
    }
    return out;
  }

  // Members not in `known`, in document order (for lint).
  std::vector<std::string> unknown_members(std::initializer_list<std::string_view> known) const {
    std::vector<std::string> out;
    for (const auto& [k, v] : object_) {
      if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end()) out.push_back(path_of(k));
    }
    return out;
  }

 private:
  const json::object& object_;
  std::string path_;
};

// Parses text into a JSON object with a nesting limit; the error says which rule failed.
// `what` names the document in the not-an-object message ("a frame", "the configuration").
struct ParsedObject {
  json::value value;
  const json::object& object() const { return value.get_object(); }
};

enum class JsonProblem { syntax, too_deep, not_object };

struct JsonFailure {
  JsonProblem problem;
  std::string message;
};

inline Result<ParsedObject, JsonFailure> parse_object(std::string_view text, int max_depth, std::string_view what) {
  json::parse_options options;
  options.max_depth = static_cast<std::size_t>(max_depth);
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, json::storage_ptr(), options);
  if (ec == json::error::too_deep) {
    return JsonFailure{JsonProblem::too_deep, "JSON nested deeper than " + std::to_string(max_depth) + " levels"};
  }
  if (ec) return JsonFailure{JsonProblem::syntax, "invalid JSON: " + ec.message()};
  if (!v.is_object()) return JsonFailure{JsonProblem::not_object, std::string(what) + " must be a JSON object"};
  return ParsedObject{std::move(v)};
}

}  // namespace tracechat::common
