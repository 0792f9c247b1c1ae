#include "emulator/attribute_rules.h"

#include <gtest/gtest.h>

#include "tracechat/emulator/config.h"

using namespace tracechat::emulator;

TEST(AttributeRules, KeysFollowThePattern) {
  EXPECT_TRUE(is_valid_attribute_key("otel_trace_id"));
  EXPECT_TRUE(is_valid_attribute_key("_a.b-c9"));
  EXPECT_TRUE(is_valid_attribute_key(std::string(64, 'k')));
  EXPECT_FALSE(is_valid_attribute_key(std::string(65, 'k')));
  EXPECT_FALSE(is_valid_attribute_key(""));
  EXPECT_FALSE(is_valid_attribute_key("9lives"));
  EXPECT_FALSE(is_valid_attribute_key("with space"));
  EXPECT_FALSE(is_valid_attribute_key("header\r\nX-Injected"));
}

TEST(AttributeRules, TruncationNeverSplitsACharacter) {
  std::string v = "ab\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a b € 😀 z
  EXPECT_TRUE(truncate_code_points(v, 4));
  EXPECT_EQ(v, "ab\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_TRUE(truncate_code_points(v, 3));
  EXPECT_EQ(v, "ab\xE2\x82\xAC");
  EXPECT_FALSE(truncate_code_points(v, 3));
}

TEST(AttributeRules, MergeIsAtomicAndReportsChanges) {
  tracechat::protocol::guest_chat::Limits limits;
  limits.max_attributes = 3;
  limits.max_attributes_bytes = 20;
  limits.max_attribute_value_chars = 5;
  Attributes current{{"a", "1"}};
  auto ok = merge_attributes(current, {{"b", "123456789"}, {"a", std::nullopt}}, limits);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->merged, (Attributes{{"b", "12345"}}));
  EXPECT_EQ(ok->truncated, std::vector<std::string>{"b"});
  EXPECT_EQ(ok->changed, (std::vector<std::string>{"b", "a"}));
  auto too_many = merge_attributes(current, {{"b", "1"}, {"c", "1"}, {"d", "1"}}, limits);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.error().code, 413);
  auto too_big = merge_attributes(current, {{"bbbbbbbbbbbbbbbbbbbb", "1"}}, limits);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().error, "attributes-too-large");
  auto bad = merge_attributes(current, {{"fine", "1"}, {"-bad", "1"}}, limits);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, 400);
  EXPECT_NE(bad.error().message.find("'-bad'"), std::string::npos);
}

TEST(EmulatorConfig, ParsesAndRejectsWithPaths) {
  auto config = parse_config(R"({"organizations":["5D6E0A54-7C34-4C2E-9B4B-0F1B2C3D4E5F"],
    "limits":{"messagesPerSecond":100,"messageBurst":200,"idleTimeoutSeconds":30},
    "bot":{"enabled":true,"name":"Ava","replyDelayMs":0,"reply":"ok: {body}"}})");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->organizations.contains("5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f"));
  EXPECT_EQ(config->limits.messages_per_second, 100);
  EXPECT_EQ(config->limits.message_burst, 200);
  EXPECT_EQ(config->bot.name, "Ava");
  EXPECT_EQ(parse_config(R"({"limits":{"maxFrameBytes":"big"}})").error().message,
            "limits.maxFrameBytes: expected integer");
  EXPECT_EQ(parse_config(R"({"limits":{"messagesPerSecond":0}})").error().message,
            "limits.messagesPerSecond: must be in (0, 1000000]");
  EXPECT_EQ(parse_config(R"({"organisations":[]})").error().message, "organisations: unknown setting");
  EXPECT_EQ(parse_config(R"({"organizations":["acme"]})").error().message, "organizations[0]: expected a UUID");
  EXPECT_EQ(parse_config(R"({"bot":{"replyDelayMs":-1}})").error().message, "bot.replyDelayMs: must be 0 to 600000");
  EXPECT_FALSE(parse_config("[]").ok());
  EXPECT_FALSE(load_config("/nonexistent/tracechat.json").ok());
}
