#include "tracechat/trace/attribute.h"

#include <algorithm>
#include <sstream>

namespace tracechat::trace {

Attributes::Attributes(std::initializer_list<Attribute> init) {
  for (const auto& a : init) set(a.key, a.value);
}

namespace {
// Buffers larger than this are released by clear() rather than kept for reuse.
constexpr std::size_t kMaxKeptStringCapacity = 256;

void release_if_large(std::string& s) {
  if (s.capacity() > kMaxKeptStringCapacity) std::string().swap(s);
}
}  // namespace

Attribute* Attributes::slot_for(std::string_view key, std::size_t count_limit) {
  for (std::size_t i = 0; i < size_; ++i) {
    if (slots_[i].key == key) return &slots_[i];
  }
  if (size_ >= count_limit) {
    ++dropped_;
    return nullptr;
  }
  if (size_ == slots_.size()) slots_.emplace_back();
  Attribute& slot = slots_[size_++];
  slot.key.assign(key);
  return &slot;
}

void Attributes::set(std::string_view key, AttributeValue value, std::size_t count_limit) {
  if (Attribute* slot = slot_for(key, count_limit)) slot->value = std::move(value);
}

void Attributes::set(std::string_view key, std::string_view value, std::size_t count_limit) {
  Attribute* slot = slot_for(key, count_limit);
  if (slot == nullptr) return;
  if (auto* existing = std::get_if<std::string>(&slot->value)) {
    existing->assign(value);
  } else {
    slot->value.emplace<std::string>(value);
  }
}

void Attributes::clear() noexcept {
  for (std::size_t i = 0; i < size_; ++i) {
    release_if_large(slots_[i].key);
    if (auto* s = std::get_if<std::string>(&slots_[i].value)) {
      release_if_large(*s);
    } else if (!std::holds_alternative<bool>(slots_[i].value)) {
      // Arrays and numbers: keep nothing but an empty string.
      slots_[i].value.emplace<std::string>();
    }
  }
  size_ = 0;
  dropped_ = 0;
}

bool operator==(const Attributes& a, const Attributes& b) {
  return a.dropped_ == b.dropped_ && std::equal(a.items().begin(), a.items().end(), b.items().begin(), b.items().end());
}

const AttributeValue* Attributes::find(std::string_view key) const {
  for (const auto& a : items()) {
    if (a.key == key) return &a.value;
  }
  return nullptr;
}

namespace {
struct Printer {
  std::ostringstream& out;
  void operator()(const std::string& s) const { out << '"' << s << '"'; }
  void operator()(bool b) const { out << (b ? "true" : "false"); }
  void operator()(std::int64_t i) const { out << i; }
  void operator()(double d) const { out << d; }
  template <typename T>
  void operator()(const std::vector<T>& values) const {
    out << '[';
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) out << ", ";
      (*this)(static_cast<T>(values[i]));
    }
    out << ']';
  }
};
}  // namespace

std::string to_string(const AttributeValue& value) {
  std::ostringstream out;
  std::visit(Printer{out}, value);
  return out.str();
}

}  // namespace tracechat::trace
