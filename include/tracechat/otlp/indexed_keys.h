// The span attributes a trace store indexes, so that a trace can be found by
// `key=value`: five that tracechat's own spans carry (kIndexedSpanAttributes, always
// slots 0-4) and up to eleven more that a collector is told to index
// (`tracechat collector --index-attribute`). Only keys named so: an index of every key
// would let any sender grow the store without bound. A key's slot is its place here and
// the term kind a store keeps its values under, so a store keeps its keys in their order
// (SpanStore::index_attributes).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::otlp {

inline constexpr std::array<std::string_view, 5> kIndexedSpanAttributes = {
    "chat.conversation.id", "chat.session.id", "dataaction.name", "http.response.status_code", "error.type"};
inline constexpr std::size_t kConversationIdAttribute = 0;  // its slot
static_assert(kIndexedSpanAttributes[kConversationIdAttribute] == "chat.conversation.id");
inline constexpr std::size_t kMaxIndexedSpanAttributes = 16;
// A key longer than this is refused: keys are names, not data.
inline constexpr std::size_t kMaxIndexedKeyBytes = 128;

class IndexedKeys {
 public:
  IndexedKeys();  // kIndexedSpanAttributes

  // Adds a key at the next slot (one already here: nothing changes). An empty or long key,
  // one with '=' or a control character (no search could name it), or one past
  // kMaxIndexedSpanAttributes, is an error that says so.
  Result<void> add(std::string_view key);

  // The slot of `key`, or -1.
  int slot(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < size_; ++i) {
      if (keys_[i] == key) return static_cast<int>(i);
    }
    return -1;
  }
  std::size_t size() const noexcept { return size_; }
  std::string_view key(std::size_t slot) const noexcept { return keys_[slot]; }
  // "a, b, c" from slot `from` on, for messages.
  std::string list(std::size_t from = 0) const;

  friend bool operator==(const IndexedKeys& a, const IndexedKeys& b) noexcept {
    return a.size_ == b.size_ && a.keys_ == b.keys_;
  }

 private:
  std::array<std::string, kMaxIndexedSpanAttributes> keys_;
  std::size_t size_ = 0;
};

// The built-in keys alone: what the indexers note when not told otherwise.
const IndexedKeys& default_indexed_keys();

}  // namespace tracechat::otlp
