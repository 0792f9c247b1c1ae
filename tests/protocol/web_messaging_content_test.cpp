// Structured content (quick replies and button responses), the rate-limit body's numeric
// errorCode, and the deployment's config.json: the shapes of
// ../shared/reference/genesys-web-messaging.md.
#include <gtest/gtest.h>

#include "tracechat/protocol/deployment_config.h"
#include "tracechat/protocol/web_messaging.h"

using namespace tracechat::protocol::web_messaging;

TEST(WebMessagingContent, ReadsAndWritesABotsQuickReplies) {
  auto parsed = parse_server_message(R"({"type":"message","class":"StructuredMessage","code":200,"body":{
    "id":"m1","type":"Structured","text":"Did that help?","direction":"Outbound","originatingEntity":"Bot",
    "channel":{"time":"2026-12-04T10:00:00.000Z"},
    "content":[{"contentType":"QuickReply","quickReply":{"text":"Yes","payload":"yes","action":"Message"}},
               {"contentType":"QuickReply","quickReply":{"text":"No","payload":"no"}},
               {"contentType":"Attachment","attachment":{"url":"https://x"}}]}})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const auto& m = std::get<StructuredMessage>(parsed->body);
  ASSERT_EQ(m.content.size(), 3u);
  EXPECT_EQ(std::get<QuickReply>(m.content[0]), (QuickReply{"Yes", "yes", "Message"}));
  EXPECT_EQ(std::get<QuickReply>(m.content[1]).action, "Message") << "the action defaults as the SDKs model it";
  EXPECT_EQ(std::get<OtherContent>(m.content[2]).content_type, "Attachment") << "a type added later is kept by name";

  auto round = parse_server_message(serialize(*parsed));
  ASSERT_TRUE(round.ok()) << round.error().message;
  EXPECT_EQ(std::get<StructuredMessage>(round->body).content, m.content);
}

TEST(WebMessagingContent, ReadsTheGuestsButtonResponseAndRequiresItsFields) {
  auto r = parse_client_request(R"({"action":"onMessage","token":"t","tracingId":"x","message":{"type":"Structured",
    "content":[{"contentType":"ButtonResponse","buttonResponse":{"type":"QuickReply","text":"Yes","payload":"yes"}}]}})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const auto& m = std::get<OnMessage>(*r).message;
  ASSERT_EQ(m.content.size(), 1u);
  EXPECT_EQ(std::get<ButtonResponse>(m.content[0]), (ButtonResponse{"QuickReply", "Yes", "yes"}));
  EXPECT_FALSE(m.text);
  EXPECT_EQ(
      serialize(*r),
      R"({"action":"onMessage","token":"t","tracingId":"x","message":{"type":"Structured","content":)"
      R"([{"contentType":"ButtonResponse","buttonResponse":{"type":"QuickReply","text":"Yes","payload":"yes"}}]}})");
  EXPECT_TRUE(lint_client_request(serialize(*r)).empty()) << "content is a member the platform reads";

  const auto error = [](std::string_view text) {
    auto parsed = parse_client_request(text);
    return parsed.ok() ? std::string("accepted") : parsed.error().message;
  };
  EXPECT_EQ(error(R"({"action":"onMessage","token":"t","message":{"type":"Structured"}})"),
            "message.content: required for a Structured message without text");
  EXPECT_EQ(error(R"({"action":"onMessage","token":"t","message":{"type":"Structured","content":[
    {"contentType":"ButtonResponse","buttonResponse":{"type":"QuickReply","text":"Yes"}}]}})"),
            "message.content[0].buttonResponse.payload: required");
  EXPECT_EQ(error(R"({"action":"onMessage","token":"t","message":{"type":"Structured","content":[
    {"contentType":"ButtonResponse"}]}})"),
            "message.content[0].buttonResponse: required for contentType ButtonResponse");
  EXPECT_EQ(error(R"({"action":"onMessage","token":"t","message":{"type":"Structured","content":[7]}})"),
            "message.content[0]: expected object");
}

TEST(WebMessagingContent, TooManyRequestsCarriesANumericErrorCode) {
  const ServerMessage limited{"response", 429, "t1", TooManyRequests{error_code::kRateLimited, "slow down", 2}};
  EXPECT_EQ(serialize(limited), R"({"type":"response","class":"TooManyRequestsErrorMessage","code":429,"body":)"
                                R"({"errorCode":4029,"errorMessage":"slow down","retryAfter":2},"tracingId":"t1"})");
  const auto code_of = [](std::string_view error_code) {
    auto parsed = parse_server_message(
        std::string(R"({"type":"response","class":"TooManyRequestsErrorMessage","code":429,"body":{"errorCode":)") +
        std::string(error_code) + R"(,"retryAfter":1}})");
    return parsed.ok() ? std::to_string(std::get<TooManyRequests>(parsed->body).error_code) : parsed.error().message;
  };
  EXPECT_EQ(code_of("4029"), "4029");
  EXPECT_EQ(code_of(R"("4029")"), "4029") << "a numeric string, as an older emulator wrote it, still reads";
  EXPECT_EQ(code_of(R"("slow")"), "body.errorCode: expected a number");
  EXPECT_EQ(code_of("-1"), "body.errorCode: out of range");
}

TEST(DeploymentConfig, ReadsAutoStartStatusAndTheMessagingEndpoint) {
  auto config = parse_deployment_config(R"({"id":"5f0e2b8a-1111-4222-8333-944445555666","version":"3",
    "languages":["en-us"],"defaultLanguage":"en-us","apiEndpoint":"https://api.usw2.pure.cloud","status":"Active",
    "messenger":{"enabled":true,"apps":{"conversations":{"messagingEndpoint":"wss://webmessaging.usw2.pure.cloud",
    "showAgentTypingIndicator":true,"autoStart":{"enabled":true}}},"fileUpload":{"modes":[]}},
    "journeyEvents":{"enabled":false},"somethingNew":{"x":1}})");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->id, "5f0e2b8a-1111-4222-8333-944445555666");
  EXPECT_EQ(config->status, "Active");
  EXPECT_EQ(config->messaging_endpoint, "wss://webmessaging.usw2.pure.cloud");
  EXPECT_TRUE(config->auto_start);

  auto round = parse_deployment_config(serialize(*config));
  ASSERT_TRUE(round.ok()) << round.error().message;
  EXPECT_EQ(round->id, config->id);
  EXPECT_EQ(round->messaging_endpoint, config->messaging_endpoint);
  EXPECT_EQ(round->api_endpoint, config->api_endpoint);
  EXPECT_TRUE(round->auto_start);
}

TEST(DeploymentConfig, AutoStartIsOffUnlessTheDocumentSaysOn) {
  auto bare = parse_deployment_config(R"({"id":"d","status":"Inactive"})");
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(bare->auto_start) << "the platform's default";
  EXPECT_EQ(bare->status, "Inactive");
  auto no_auto_start = parse_deployment_config(R"({"messenger":{"apps":{"conversations":{}}}})");
  ASSERT_TRUE(no_auto_start.ok());
  EXPECT_FALSE(no_auto_start->auto_start);

  EXPECT_EQ(parse_deployment_config(R"({"messenger":{"apps":{"conversations":{"autoStart":{"enabled":"yes"}}}}})")
                .error()
                .message,
            "messenger.apps.conversations.autoStart.enabled: expected boolean");
  EXPECT_EQ(parse_deployment_config(R"({"messenger":[]})").error().message, "messenger: expected object");
  EXPECT_FALSE(parse_deployment_config("not json").ok());
  EXPECT_EQ(deployment_config_path("abc"), "/webdeployments/v1/deployments/abc/config.json");
}
