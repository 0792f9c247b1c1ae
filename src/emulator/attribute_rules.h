// The platform's rules for custom attributes (guest-chat-v1 §3 set-attributes), shared by
// the guest-chat command, Web Messaging customAttributes and the REST PATCH: validate,
// truncate long values at a code-point boundary, and reject atomically what would exceed
// the conversation's budget.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tracechat/protocol/attribute_text.h"
#include "tracechat/protocol/guest_chat.h"
#include "tracechat/result.h"

namespace tracechat::emulator {

using Attributes = protocol::guest_chat::Attributes;
// In request order; nullopt deletes the key.
using AttributeChanges = std::vector<std::pair<std::string, std::optional<std::string>>>;

struct AttributeMerge {
  Attributes merged;                   // everything stored after the change
  std::vector<std::string> changed;    // keys whose stored value changed (or went away)
  std::vector<std::string> truncated;  // keys whose value was cut to the limit
};

struct AttributeRejection {
  int code = 400;  // 400 invalid-attributes | 413 attributes-too-large
  std::string error;
  std::string message;
};

using protocol::is_valid_attribute_key;

// Truncates to at most `max_code_points` code points, never inside a UTF-8 sequence.
// Returns true when something was cut.
bool truncate_code_points(std::string& value, std::size_t max_code_points);

// Sum of the UTF-8 bytes of every key and value.
std::size_t attributes_bytes(const Attributes& attributes);

Result<AttributeMerge, AttributeRejection> merge_attributes(const Attributes& current, const AttributeChanges& changes,
                                                            const protocol::guest_chat::Limits& limits);

}  // namespace tracechat::emulator
