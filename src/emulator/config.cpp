#include "tracechat/emulator/config.h"

#include <fstream>
#include <sstream>

#include "common/json_reader.h"

namespace tracechat::emulator {
using common::ObjectReader;

namespace {

Result<std::set<std::string>> read_uuid_set(const ObjectReader& r, std::string_view key) {
  auto array = r.optional_array(key);
  if (!array) return array.error();
  std::set<std::string> out;
  if (*array == nullptr) return out;
  for (std::size_t i = 0; i < (*array)->size(); ++i) {
    const auto& v = (**array)[i];
    const std::string path = r.path_of(key) + "[" + std::to_string(i) + "]";
    if (!v.is_string()) return Error{path + ": expected string"};
    if (!is_uuid(v.get_string())) return Error{path + ": expected a UUID"};
    out.insert(lowercase_id(v.get_string()));
  }
  return out;
}

Result<void> check_known(const ObjectReader& r, std::initializer_list<std::string_view> known) {
  const auto unknown = r.unknown_members(known);
  if (!unknown.empty()) return Error{unknown.front() + ": unknown setting"};
  return {};
}

Result<void> read_limits(const ObjectReader& r, protocol::guest_chat::Limits& limits) {
  if (auto known = check_known(r, {"maxAttributeValueChars", "maxAttributesBytes", "maxAttributes", "maxMessageChars",
                                   "maxFrameBytes", "messagesPerSecond", "messageBurst", "idleTimeoutSeconds"});
      !known) {
    return known.error();
  }
  for (auto [key, target] :
       {std::pair{"maxAttributeValueChars", &limits.max_attribute_value_chars},
        std::pair{"maxAttributesBytes", &limits.max_attributes_bytes},
        std::pair{"maxAttributes", &limits.max_attributes}, std::pair{"maxMessageChars", &limits.max_message_chars},
        std::pair{"maxFrameBytes", &limits.max_frame_bytes}, std::pair{"messageBurst", &limits.message_burst},
        std::pair{"idleTimeoutSeconds", &limits.idle_timeout_seconds}}) {
    auto v = r.optional_int(key);
    if (!v) return v.error();
    if (!*v) continue;
    if (**v < 1) return Error{r.path_of(key) + ": must be at least 1"};
    *target = **v;
  }
  if (limits.max_frame_bytes < 256) return Error{r.path_of("maxFrameBytes") + ": must be at least 256"};
  if (limits.max_frame_bytes > 64 * 1024 * 1024) return Error{r.path_of("maxFrameBytes") + ": at most 67108864"};
  auto rate = r.optional_number("messagesPerSecond");
  if (!rate) return rate.error();
  if (*rate) {
    if (!(**rate > 0) || **rate > 1e6) return Error{r.path_of("messagesPerSecond") + ": must be in (0, 1000000]"};
    limits.messages_per_second = **rate;
  }
  return {};
}

Result<void> read_bot(const ObjectReader& r, BotConfig& bot) {
  if (auto known = check_known(r, {"enabled", "name", "replyDelayMs", "reply"}); !known) return known.error();
  auto enabled = r.optional_bool("enabled");
  if (!enabled) return enabled.error();
  bot.enabled = enabled->value_or(bot.enabled);
  auto name = r.optional_string("name");
  if (!name) return name.error();
  bot.name = name->value_or(bot.name);
  auto delay = r.optional_int("replyDelayMs");
  if (!delay) return delay.error();
  if (*delay) {
    if (**delay < 0 || **delay > 600000) return Error{r.path_of("replyDelayMs") + ": must be 0 to 600000"};
    bot.reply_delay = std::chrono::milliseconds(**delay);
  }
  auto reply = r.optional_string("reply");
  if (!reply) return reply.error();
  bot.reply = reply->value_or(bot.reply);
  return {};
}

}  // namespace

std::string lowercase_id(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Result<EmulatorConfig> parse_config(std::string_view json_text) {
  auto parsed = common::parse_object(json_text, 20, "the configuration");
  if (!parsed) return Error{parsed.error().message};
  const ObjectReader r(parsed->object(), "");
  if (auto known = check_known(r, {"organizations", "deployments", "limits", "bot"}); !known) return known.error();
  EmulatorConfig config;
  auto orgs = read_uuid_set(r, "organizations");
  if (!orgs) return orgs.error();
  config.organizations = std::move(*orgs);
  auto deployments = read_uuid_set(r, "deployments");
  if (!deployments) return deployments.error();
  config.deployments = std::move(*deployments);
  auto limits = r.optional_object("limits");
  if (!limits) return limits.error();
  if (*limits != nullptr) {
    if (auto ok = read_limits(ObjectReader(**limits, "limits"), config.limits); !ok) return ok.error();
  }
  auto bot = r.optional_object("bot");
  if (!bot) return bot.error();
  if (*bot != nullptr) {
    if (auto ok = read_bot(ObjectReader(**bot, "bot"), config.bot); !ok) return ok.error();
  }
  return config;
}

Result<EmulatorConfig> load_config(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read config file '" + path.string() + "'"};
  std::ostringstream text;
  text << in.rdbuf();
  auto config = parse_config(text.str());
  if (!config) return Error{path.string() + ": " + config.error().message};
  return config;
}

}  // namespace tracechat::emulator
