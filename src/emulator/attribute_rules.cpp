#include "attribute_rules.h"

#include <algorithm>

#include "tracechat/protocol/attribute_text.h"

namespace tracechat::emulator {

bool truncate_code_points(std::string& value, std::size_t max_code_points) {
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    // Continuation bytes (10xxxxxx) belong to the code point before them.
    if ((static_cast<unsigned char>(value[i]) & 0xC0) == 0x80) continue;
    if (code_points == max_code_points) {
      value.resize(i);
      return true;
    }
    ++code_points;
  }
  return false;
}

std::size_t attributes_bytes(const Attributes& attributes) {
  std::size_t total = 0;
  for (const auto& [k, v] : attributes) total += k.size() + v.size();
  return total;
}

Result<AttributeMerge, AttributeRejection> merge_attributes(const Attributes& current, const AttributeChanges& changes,
                                                            const protocol::guest_chat::Limits& limits) {
  const auto max_count = static_cast<std::size_t>(limits.max_attributes);
  // Rule 1: shape.
  if (changes.size() > max_count) {
    return AttributeRejection{400, "invalid-attributes",
                              "attributes: at most " + std::to_string(max_count) + " entries per request"};
  }
  for (const auto& [key, value] : changes) {
    if (!is_valid_attribute_key(key)) {
      return AttributeRejection{
          400, "invalid-attributes",
          "attributes: invalid key '" + key.substr(0, 80) + "' (must match ^[A-Za-z_][A-Za-z0-9_.-]{0,63}$)"};
    }
  }
  // Rule 2: truncation; rule 3: the budget of the merged set.
  AttributeMerge out;
  out.merged = current;
  for (const auto& [key, value] : changes) {
    if (!value) {
      out.merged.erase(key);
      continue;
    }
    std::string v = *value;
    if (truncate_code_points(v, static_cast<std::size_t>(limits.max_attribute_value_chars)) &&
        std::find(out.truncated.begin(), out.truncated.end(), key) == out.truncated.end()) {
      out.truncated.push_back(key);
    }
    out.merged[key] = std::move(v);
  }
  const auto bytes = attributes_bytes(out.merged);
  if (bytes > static_cast<std::size_t>(limits.max_attributes_bytes) || out.merged.size() > max_count) {
    return AttributeRejection{413, "attributes-too-large",
                              "attributes would total " + std::to_string(out.merged.size()) + " keys and " +
                                  std::to_string(bytes) + " bytes; the limits are " + std::to_string(max_count) +
                                  " keys and " + std::to_string(limits.max_attributes_bytes) + " bytes"};
  }
  for (const auto& [key, value] : out.merged) {
    auto it = current.find(key);
    if (it == current.end() || it->second != value) out.changed.push_back(key);
  }
  for (const auto& [key, value] : current) {
    if (!out.merged.contains(key)) out.changed.push_back(key);
  }
  return out;
}

}  // namespace tracechat::emulator
