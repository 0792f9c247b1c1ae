#include "tracechat/emulator/config.h"

#include <fstream>
#include <sstream>

#include "common/json_reader.h"

namespace tracechat::emulator {
namespace json = boost::json;
using common::ObjectReader;

namespace {

Result<std::set<std::string>> read_uuid_set(const ObjectReader& r, std::string_view key) {
  TRACECHAT_TRY(const json::array* array, r.optional_array(key));
  std::set<std::string> out;
  if (array == nullptr) return out;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const auto& v = (*array)[i];
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
  TRACECHAT_CHECK(check_known(r, {"maxAttributeValueChars", "maxAttributesBytes", "maxAttributes", "maxMessageChars",
                                  "maxFrameBytes", "messagesPerSecond", "messageBurst", "idleTimeoutSeconds"}));
  for (const auto& [key, field] : protocol::guest_chat::kIntegerLimits) {
    TRACECHAT_TRY(const auto v, r.optional_int(key));
    if (!v) continue;
    if (*v < 1) return Error{r.path_of(key) + ": must be at least 1"};
    limits.*field = *v;
  }
  if (limits.max_frame_bytes < 256) return Error{r.path_of("maxFrameBytes") + ": must be at least 256"};
  if (limits.max_frame_bytes > 64 * 1024 * 1024) return Error{r.path_of("maxFrameBytes") + ": at most 67108864"};
  TRACECHAT_TRY(const auto rate, r.optional_number("messagesPerSecond"));
  if (rate) {
    if (!(*rate > 0) || *rate > 1e6) return Error{r.path_of("messagesPerSecond") + ": must be in (0, 1000000]"};
    limits.messages_per_second = *rate;
  }
  return {};
}

Result<void> read_bot(const ObjectReader& r, BotConfig& bot) {
  TRACECHAT_CHECK(check_known(r, {"enabled", "name", "replyDelayMs", "reply"}));
  TRACECHAT_TRY(const auto enabled, r.optional_bool("enabled"));
  bot.enabled = enabled.value_or(bot.enabled);
  TRACECHAT_TRY(const auto name, r.optional_string("name"));
  bot.name = name.value_or(bot.name);
  TRACECHAT_TRY(const auto delay, r.optional_int("replyDelayMs"));
  if (delay) {
    if (*delay < 0 || *delay > 600000) return Error{r.path_of("replyDelayMs") + ": must be 0 to 600000"};
    bot.reply_delay = std::chrono::milliseconds(*delay);
  }
  TRACECHAT_TRY(const auto reply, r.optional_string("reply"));
  bot.reply = reply.value_or(bot.reply);
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
  TRACECHAT_CHECK(check_known(r, {"organizations", "deployments", "limits", "bot"}));
  EmulatorConfig config;
  TRACECHAT_TRY(config.organizations, read_uuid_set(r, "organizations"));
  TRACECHAT_TRY(config.deployments, read_uuid_set(r, "deployments"));
  TRACECHAT_TRY(const json::object* limits, r.optional_object("limits"));
  if (limits != nullptr) TRACECHAT_CHECK(read_limits(ObjectReader(*limits, "limits"), config.limits));
  TRACECHAT_TRY(const json::object* bot, r.optional_object("bot"));
  if (bot != nullptr) TRACECHAT_CHECK(read_bot(ObjectReader(*bot, "bot"), config.bot));
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
