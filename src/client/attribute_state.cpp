#include "attribute_state.h"

#include "tracechat/protocol/attribute_text.h"

namespace tracechat::client {

bool AttributeState::fits_value(const std::string& value, const AttributeLimits& limits) {
  return protocol::count_code_points(value) <= limits.max_value_chars;
}

Result<void> AttributeState::apply(const std::map<std::string, std::optional<std::string>>& changes,
                                   const AttributeLimits& limits) {
  // The state the server would hold: what it has, with everything desired and then the
  // changes applied.
  std::map<std::string, std::string> projected = confirmed_;
  const auto put = [&](const std::string& key, const std::optional<std::string>& value) {
    if (value) {
      projected[key] = *value;
    } else {
      projected.erase(key);
    }
  };
  for (const auto& [key, value] : desired_) put(key, value);
  for (const auto& [key, value] : changes) {
    if (!protocol::is_valid_attribute_key(key)) {
      return Error{"attribute '" + key + "': the key must match " + std::string(protocol::kAttributeKeyPattern)};
    }
    if (value && !fits_value(*value, limits)) {
      return Error{"attribute '" + key + "': the value is " + std::to_string(protocol::count_code_points(*value)) +
                   " characters; the server keeps " + std::to_string(limits.max_value_chars)};
    }
    put(key, value);
    if (projected.size() > limits.max_count) {
      return Error{"attribute '" + key + "': the conversation would hold " + std::to_string(projected.size()) +
                   " attributes; the server allows " + std::to_string(limits.max_count)};
    }
  }
  std::size_t bytes = 0;
  for (const auto& [k, v] : projected) bytes += k.size() + v.size();
  if (bytes > limits.max_bytes) {
    // Name the largest key being set: the one most worth shortening.
    std::string culprit;
    std::size_t largest = 0;
    for (const auto& [key, value] : changes) {
      const std::size_t size = key.size() + (value ? value->size() : 0);
      if (value && size >= largest) culprit = key, largest = size;
    }
    return Error{"attribute '" + culprit + "': the conversation's attributes would take " + std::to_string(bytes) +
                 " bytes; the server allows " + std::to_string(limits.max_bytes)};
  }
  for (const auto& [key, value] : changes) desired_[key] = value;
  return {};
}

AttributeChanges AttributeState::diff() const {
  AttributeChanges out;
  for (const auto& [key, value] : desired_) {
    const auto it = confirmed_.find(key);
    if (value) {
      if (it == confirmed_.end() || it->second != *value) out.emplace_back(key, value);
    } else if (it != confirmed_.end()) {
      out.emplace_back(key, std::nullopt);
    }
  }
  return out;
}

void AttributeState::confirm(const AttributeChanges& sent) {
  for (const auto& [key, value] : sent) {
    if (value) {
      confirmed_[key] = *value;
    } else {
      confirmed_.erase(key);
      // A deletion the server has made needs no more remembering.
      if (auto it = desired_.find(key); it != desired_.end() && !it->second) desired_.erase(it);
    }
  }
}

void AttributeState::abandon(const AttributeChanges& sent) {
  for (const auto& [key, value] : sent) {
    if (auto held = confirmed_.find(key); held != confirmed_.end()) {
      desired_[key] = held->second;
    } else {
      desired_.erase(key);
    }
  }
}

void AttributeState::confirm_all(const std::map<std::string, std::string>& stored,
                                 const std::vector<std::string>& truncated) {
  confirmed_ = stored;
  for (const auto& key : truncated) {
    if (auto it = stored.find(key); it != stored.end()) desired_[key] = it->second;
  }
  for (auto it = desired_.begin(); it != desired_.end();) {
    it = (!it->second && !confirmed_.contains(it->first)) ? desired_.erase(it) : std::next(it);
  }
}

}  // namespace tracechat::client
