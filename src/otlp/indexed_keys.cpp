#include "tracechat/otlp/indexed_keys.h"

#include <algorithm>

namespace tracechat::otlp {

IndexedKeys::IndexedKeys() {
  for (const auto key : kIndexedSpanAttributes) keys_[size_++] = std::string(key);
}

Result<void> IndexedKeys::add(std::string_view key) {
  if (slot(key) >= 0) return {};
  if (key.empty()) return Error{"an indexed attribute needs a key"};
  if (key.size() > kMaxIndexedKeyBytes) {
    return Error{"indexed attribute '" + std::string(key.substr(0, 40)) + "...': longer than " +
                 std::to_string(kMaxIndexedKeyBytes) + " bytes"};
  }
  // A search names it as attr=KEY=VALUE, split at the first '='.
  const bool unusable = std::any_of(key.begin(), key.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return c == '=' || byte < 0x20 || byte == 0x7f;
  });
  if (unusable)
    return Error{"indexed attribute '" + std::string(key) + "': a key has no '=' and no control characters"};
  if (size_ == kMaxIndexedSpanAttributes) {
    return Error{"cannot index '" + std::string(key) + "': a store indexes at most " +
                 std::to_string(kMaxIndexedSpanAttributes) + " attributes (" + list() + ")"};
  }
  keys_[size_++] = std::string(key);
  return {};
}

std::string IndexedKeys::list(std::size_t from) const {
  std::string out;
  for (std::size_t i = from; i < size_; ++i) out += (i == from ? "" : ", ") + keys_[i];
  return out;
}

const IndexedKeys& default_indexed_keys() {
  static const IndexedKeys keys;
  return keys;
}

}  // namespace tracechat::otlp
