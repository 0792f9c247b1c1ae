// An OTLP ArrayValue as a tracechat attribute value. Shared by the JSON and protobuf
// decoders. Internal to the OTLP part.
#pragma once

#include <algorithm>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "tracechat/trace/attribute.h"

namespace tracechat::otlp::detail {

// Arrays become typed vectors when homogeneous (an empty array is one of strings);
// anything else (mixed types, nested arrays) becomes strings, each item that is not a
// string written out by `text`. Attribute arrays in the OpenTelemetry API are
// homogeneous and tracechat stores nothing richer.
template <typename Text>
trace::AttributeValue array_attribute(std::vector<trace::AttributeValue> items, Text&& text) {
  using trace::AttributeValue;
  const auto all = [&](auto tag) {
    return std::all_of(items.begin(), items.end(),
                       [](const AttributeValue& v) { return std::holds_alternative<decltype(tag)>(v); });
  };
  const auto typed = [&](auto tag) {
    std::vector<decltype(tag)> out;
    out.reserve(items.size());
    for (auto& v : items) out.push_back(std::get<decltype(tag)>(std::move(v)));
    return AttributeValue(std::move(out));
  };
  if (items.empty() || all(std::string{})) return typed(std::string{});
  if (all(bool{})) return typed(bool{});
  if (all(std::int64_t{})) return typed(std::int64_t{});
  if (all(double{})) return typed(double{});
  std::vector<std::string> out;
  out.reserve(items.size());
  for (auto& v : items) {
    out.push_back(std::holds_alternative<std::string>(v) ? std::get<std::string>(std::move(v)) : text(v));
  }
  return AttributeValue(std::move(out));
}

}  // namespace tracechat::otlp::detail
