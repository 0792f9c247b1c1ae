#include "attribute_state.h"

#include "tracechat/protocol/attribute_text.h"

namespace tracechat::client {

bool AttributeState::fits_value(const std::string& value, const AttributeLimits& limits) {
  return protocol::count_code_points(value) <= limits.max_value_chars;
}

std::optional<std::string> AttributeState::desired_value(const std::string& key) const {
  const auto it = desired_.find(key);
  if (it == desired_.end()) return std::nullopt;
  return value_of(it->first, it->second);
}

std::optional<std::string> AttributeState::value_of(const std::string& key, const Wanted& wanted) const {
  if (!wanted.as_confirmed) return wanted.value;
  return confirmed_.at(key);
}

Result<void> AttributeState::apply(const std::map<std::string, std::optional<std::string>>& changes,
                                   const AttributeLimits& limits) {
  // The state the server would hold: what it has, with everything desired and then the
  // changes applied.
  std::map<std::string, std::string> projected(confirmed_.begin(), confirmed_.end());
  const auto put = [&](const std::string& key, const std::optional<std::string>& value) {
    if (value) {
      projected[key] = *value;
    } else {
      projected.erase(key);
    }
  };
  for (const auto& [key, wanted] : desired_) {
    if (!wanted.as_confirmed) put(key, wanted.value);
  }
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
  for (const auto& [key, value] : changes) {
    auto& wanted = desired_[key];
    wanted = Wanted{value, false};
    settle(key, wanted);
  }
  desired_.shrink_to_fit();
  return {};
}

void AttributeState::settle(const std::string& key, Wanted& wanted) const {
  if (wanted.as_confirmed || !wanted.value) return;
  if (const auto it = confirmed_.find(key); it != confirmed_.end() && it->second == *wanted.value) {
    wanted = Wanted{std::nullopt, true};
  }
}

void AttributeState::unsettle_all() {
  for (auto& [key, wanted] : desired_) {
    if (wanted.as_confirmed) wanted = Wanted{confirmed_.at(key), false};
  }
}

AttributeChanges AttributeState::diff() const {
  AttributeChanges out;
  for (const auto& [key, wanted] : desired_) {
    if (wanted.as_confirmed) continue;
    const auto it = confirmed_.find(key);
    if (wanted.value) {
      if (it == confirmed_.end() || it->second != *wanted.value) out.emplace_back(key, wanted.value);
    } else if (it != confirmed_.end()) {
      out.emplace_back(key, std::nullopt);
    }
  }
  return out;
}

void AttributeState::confirm(const AttributeChanges& sent) {
  for (const auto& [key, value] : sent) {
    const auto it = desired_.find(key);
    // A value desired as the server's old one keeps that value.
    if (it != desired_.end() && it->second.as_confirmed) it->second = Wanted{confirmed_.at(key), false};
    if (value) {
      confirmed_[key] = *value;
      if (it != desired_.end()) settle(key, it->second);
    } else {
      confirmed_.erase(key);
      // A deletion the server has made needs no more remembering.
      if (it != desired_.end() && !it->second.value) desired_.erase(it);
    }
  }
  confirmed_.shrink_to_fit();
}

void AttributeState::abandon(const AttributeChanges& sent) {
  for (const auto& [key, value] : sent) {
    if (confirmed_.contains(key)) {
      desired_[key] = Wanted{std::nullopt, true};
    } else {
      desired_.erase(key);
    }
  }
}

void AttributeState::confirm_all(const std::map<std::string, std::string>& stored,
                                 const std::vector<std::string>& truncated) {
  // What was desired as the server's value stays desired as it was, whatever the server
  // holds now: this session sends it again if someone else changed it.
  unsettle_all();
  confirmed_.clear();
  confirmed_.insert(boost::container::ordered_unique_range, stored.begin(), stored.end());
  confirmed_.shrink_to_fit();
  for (const auto& key : truncated) {
    if (auto it = stored.find(key); it != stored.end()) desired_[key] = Wanted{it->second, false};
  }
  for (auto it = desired_.begin(); it != desired_.end();) {
    it = (!it->second.value && !confirmed_.contains(it->first)) ? desired_.erase(it) : std::next(it);
  }
  for (auto& [key, wanted] : desired_) settle(key, wanted);
}

void AttributeState::forget_server() {
  unsettle_all();
  confirmed_.clear();
}

}  // namespace tracechat::client
