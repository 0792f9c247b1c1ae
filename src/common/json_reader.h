// Typed access to the members of a JSON object, with errors that name the member's
// path ("message.channel.metadata.customAttributes.x: expected string"). The one way
// tracechat reads a JSON document it was given: the protocol codecs, the OTLP JSON
// decoder, Data Action definitions, flow files and the emulator's configuration and REST
// bodies all read through it, so every bad field is reported the same way. A reader made
// with a JsonPath instead of a string writes its paths out only when an error names one,
// for decoders of large documents (OTLP/JSON), which then build no strings for valid input.
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

// Where a value stands in a document, kept as a chain of links (member names and array
// indices) on the stack of the code that walks the document and written out as text
// ("a.b[2].c", as join_path writes it) only when an error names it, so that reading
// valid input builds no path strings. A link points to its parent: the parent (and the
// key's characters) must outlive it and stay where they are.
class JsonPath {
 public:
  JsonPath() = default;                                      // the document itself: ""
  explicit JsonPath(std::string_view text) : name_(text) {}  // a path already written out

  JsonPath member(std::string_view key) const { return JsonPath(this, key, kNotAnItem); }
  JsonPath item(std::size_t index) const { return JsonPath(this, {}, index); }

  std::string str() const {
    std::string out;
    append_to(out);
    return out;
  }
  // "<path>: <what>"
  Error error(std::string_view what) const {
    std::string message = str();
    message.append(": ").append(what);
    return Error{std::move(message)};
  }

 private:
  static constexpr std::size_t kNotAnItem = static_cast<std::size_t>(-1);
  JsonPath(const JsonPath* parent, std::string_view name, std::size_t index)
      : parent_(parent), name_(name), index_(index) {}

  void append_to(std::string& out) const {
    if (parent_ == nullptr) {
      out.append(name_);
    } else if (index_ == kNotAnItem) {
      parent_->append_to(out);
      if (!out.empty()) out.push_back('.');
      out.append(name_);
    } else {
      parent_->append_to(out);
      out.append("[").append(std::to_string(index_)).append("]");
    }
  }

  const JsonPath* parent_ = nullptr;  // null: name_ is the whole path
  std::string_view name_;
  std::size_t index_ = kNotAnItem;
};

// A value found in a document (an object's member or an array's item) with its path,
// for reading it raw and naming it in an error. `value()` is null when the member is
// absent. The path links to the reader (or path) it came from, which must outlive it.
class JsonMember {
 public:
  JsonMember(const json::value* value, const JsonPath& path) : value_(value), path_(path) {}

  const json::value* value() const { return value_; }
  // Present and not null (the readers' "given": absent and null both read as not given).
  bool given() const { return value_ != nullptr && !value_->is_null(); }
  const JsonPath& path() const { return path_; }
  Error error(std::string_view what) const { return path_.error(what); }

  // Null when not given.
  Result<const json::object*> optional_object() const {
    if (!given()) return static_cast<const json::object*>(nullptr);
    if (!value_->is_object()) return error("expected object");
    return &value_->get_object();
  }
  Result<const json::array*> optional_array() const {
    if (!given()) return static_cast<const json::array*>(nullptr);
    if (!value_->is_array()) return error("expected array");
    return &value_->get_array();
  }

 private:
  const json::value* value_;
  JsonPath path_;
};

class ObjectReader {
 public:
  ObjectReader(const json::object& object, std::string path) : object_(object), path_(std::move(path)), at_(path_) {}
  // A reader whose path is written out only when an error (or path()) asks for it; `at`
  // is copied, but what it links to must outlive the reader (see JsonPath).
  ObjectReader(const json::object& object, const JsonPath& at) : object_(object), at_(at), lazy_(true) {}
  ObjectReader(const ObjectReader& other)
      : object_(other.object_),
        path_(other.path_),
        at_(other.lazy_ ? other.at_ : JsonPath(path_)),
        lazy_(other.lazy_) {}

  const std::string& path() const {
    if (lazy_ && path_.empty()) path_ = at_.str();
    return path_;
  }
  std::string path_of(std::string_view key) const { return join_path(path(), key); }
  const json::value* find(std::string_view key) const {
    auto it = object_.find(key);
    return it == object_.end() ? nullptr : &it->value();
  }
  // The member `key`, or when there is none, `alternate` (another spelling of the same
  // field, such as the snake_case name protobuf's JSON mapping also accepts). Either
  // way the member's path names `key`. The member links to this reader: keep the reader
  // where it is while the member is in use.
  JsonMember member(std::string_view key, std::string_view alternate = {}) const {
    const json::value* v = find(key);
    if (v == nullptr && !alternate.empty()) v = find(alternate);
    return JsonMember(v, at_.member(key));
  }
  // "<path>: <what>", about the object itself.
  Error error(std::string_view what) const { return Error{path() + ": " + std::string(what)}; }
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
  mutable std::string path_;  // a lazy reader writes it out on first use
  JsonPath at_;               // this object's place; member paths link to it
  bool lazy_ = false;
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
