// Typed span, event, link and resource attributes, as OpenTelemetry defines them:
// string, bool, int64, double, and homogeneous arrays of those.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace tracechat::trace {

using AttributeValue = std::variant<std::string, bool, std::int64_t, double, std::vector<std::string>,
                                    std::vector<bool>, std::vector<std::int64_t>, std::vector<double>>;

struct Attribute {
  std::string key;
  AttributeValue value;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// An ordered attribute set with OpenTelemetry semantics: setting a key again replaces
// its value; past the count limit new keys are dropped and counted.
//
// clear() keeps the slots (and their strings' buffers) for the next use, so a span
// object recycled by the batch processor sets its attributes without allocating.
class Attributes {
 public:
  static constexpr std::size_t kDefaultCountLimit = 128;

  Attributes() = default;
  Attributes(std::initializer_list<Attribute> init);

  void set(std::string_view key, AttributeValue value, std::size_t count_limit = kDefaultCountLimit);
  // Strings are copied into the slot's existing buffer. (Also keeps literal strings
  // from converting to bool.)
  void set(std::string_view key, std::string_view value, std::size_t count_limit = kDefaultCountLimit);
  void set(std::string_view key, const char* value, std::size_t count_limit = kDefaultCountLimit) {
    set(key, std::string_view(value), count_limit);
  }
  void set(std::string_view key, const std::string& value, std::size_t count_limit = kDefaultCountLimit) {
    set(key, std::string_view(value), count_limit);
  }
  // Every integer type is stored as int64 and bool stays bool (without these, bool
  // would promote to int and int would be ambiguous).
  template <typename T>
  requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) void set(std::string_view key, T value,
                                                                       std::size_t count_limit = kDefaultCountLimit) {
    set(key, AttributeValue(static_cast<std::int64_t>(value)), count_limit);
  }
  void set(std::string_view key, bool value, std::size_t count_limit = kDefaultCountLimit) {
    set(key, AttributeValue(value), count_limit);
  }
  void set(std::string_view key, double value, std::size_t count_limit = kDefaultCountLimit) {
    set(key, AttributeValue(value), count_limit);
  }

  const AttributeValue* find(std::string_view key) const;
  std::span<const Attribute> items() const noexcept { return {slots_.data(), size_}; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::uint32_t dropped() const noexcept { return dropped_; }
  // For decoders: the sender's count of attributes it dropped.
  void add_dropped(std::uint32_t n) noexcept { dropped_ += n; }
  // Slots allocated, used or kept for reuse.
  std::size_t capacity() const noexcept { return slots_.size(); }
  void clear() noexcept;

  friend bool operator==(const Attributes& a, const Attributes& b);

 private:
  // The slot for `key`: its existing one, a fresh one, or null when over the limit.
  Attribute* slot_for(std::string_view key, std::size_t count_limit);

  std::vector<Attribute> slots_;  // [0, size_) in use, the rest kept for reuse
  std::size_t size_ = 0;
  std::uint32_t dropped_ = 0;
};

// Human-readable form, for the CLI and test failure messages.
std::string to_string(const AttributeValue& value);

}  // namespace tracechat::trace
