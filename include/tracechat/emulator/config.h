// The emulator's configuration: which organizations and deployments it serves, the
// platform limits of both dialects, and the scripted agent. Read from a small JSON file
// (docs/emulator.md); with no file the emulator runs in open mode with the documented
// defaults.
#pragma once

#include <chrono>
#include <filesystem>
#include <set>
#include <string>

#include "tracechat/protocol/guest_chat.h"
#include "tracechat/protocol/uuid.h"
#include "tracechat/result.h"

namespace tracechat::emulator {

struct BotConfig {
  bool enabled = true;
  std::string name = "Tracechat Bot";
  std::chrono::milliseconds reply_delay{200};
  // "{body}" is replaced by the guest's message.
  std::string reply = "You said: {body}";
};

struct EmulatorConfig {
  // Empty: any id is accepted (open mode). Ids are compared lower-cased.
  std::set<std::string> organizations;
  std::set<std::string> deployments;
  // The limits advertised in `connected.limits`; Web Messaging uses the same values
  // (maxCustomDataBytes = maxAttributesBytes, onMessage rate = messagesPerSecond).
  protocol::guest_chat::Limits limits;
  BotConfig bot;
};

// Parses the JSON text of a config file; errors name the offending path.
Result<EmulatorConfig> parse_config(std::string_view json_text);
Result<EmulatorConfig> load_config(const std::filesystem::path& path);

// The UUID form both dialects require for organization, guest and deployment ids.
using protocol::is_uuid;
// Ids are compared lower-cased (UUIDs are case-insensitive).
std::string lowercase_id(std::string_view text);

}  // namespace tracechat::emulator
