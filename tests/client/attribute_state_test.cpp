// The client's attribute bookkeeping (diff, confirm, budget) and endpoint resolution,
// without a server.
#include "client/attribute_state.h"

#include <gtest/gtest.h>

#include "client/endpoint.h"

namespace tracechat::client {
namespace {

TEST(AttributeState, SendsOnlyWhatDiffersFromTheServer) {
  AttributeState s;
  const AttributeLimits limits;
  ASSERT_TRUE(s.apply({{"a", "1"}, {"b", "2"}}, limits).ok());
  EXPECT_EQ(s.diff(), (AttributeChanges{{"a", "1"}, {"b", "2"}}));
  s.confirm(s.diff());
  EXPECT_TRUE(s.diff().empty());
  ASSERT_TRUE(s.apply({{"a", "1"}}, limits).ok());
  EXPECT_TRUE(s.diff().empty()) << "an unchanged value is not resent";
  ASSERT_TRUE(s.apply({{"a", "9"}, {"b", std::nullopt}}, limits).ok());
  EXPECT_EQ(s.diff(), (AttributeChanges{{"a", "9"}, {"b", std::nullopt}}));
  s.confirm(s.diff());
  EXPECT_TRUE(s.diff().empty());
  EXPECT_FALSE(s.desired().contains("b")) << "a confirmed deletion is forgotten";
  // A new conversation holds nothing: everything desired goes again.
  s.forget_server();
  EXPECT_EQ(s.diff(), (AttributeChanges{{"a", "9"}}));
}

TEST(AttributeState, TakesTheServersWordForWhatItStoredAndTruncated) {
  AttributeState s;
  ASSERT_TRUE(s.apply({{"long", "abcdef"}}, AttributeLimits{}).ok());
  s.confirm_all({{"long", "abc"}, {"flow_set", "x"}}, {"long"});
  EXPECT_TRUE(s.diff().empty()) << "a truncated value must not be resent forever";
  EXPECT_EQ(s.confirmed().at("flow_set"), "x");
}

TEST(AttributeState, ReassertsWhatItWantsWhenSomeoneElseChangesIt) {
  AttributeState s;
  ASSERT_TRUE(s.apply({{"traceparent", "00-a"}, {"mine", "1"}}, AttributeLimits{}).ok());
  s.confirm(s.diff());
  EXPECT_TRUE(s.diff().empty());
  EXPECT_EQ(s.desired_value("traceparent"), "00-a") << "desired as the server holds it";
  // A flow overwrites one and removes the other: the session still wants its values.
  s.confirm_all({{"traceparent", "00-b"}, {"flow_set", "x"}}, {});
  EXPECT_EQ(s.diff(), (AttributeChanges{{"mine", "1"}, {"traceparent", "00-a"}}));
  EXPECT_EQ(s.desired_value("traceparent"), "00-a");
  s.confirm(s.diff());
  EXPECT_TRUE(s.diff().empty());
  // Confirmed values the session had asked for, then a server-side copy that agrees.
  s.confirm_all({{"traceparent", "00-a"}, {"mine", "1"}}, {});
  EXPECT_TRUE(s.diff().empty());
  // A refused change goes back to what the server holds.
  ASSERT_TRUE(s.apply({{"mine", "2"}}, AttributeLimits{}).ok());
  const auto refused = s.diff();
  s.abandon(refused);
  EXPECT_TRUE(s.diff().empty());
  EXPECT_EQ(s.desired_value("mine"), "1");
}

TEST(AttributeState, RefusesWholeChangeSetsThatBreakALimitNamingTheKey) {
  AttributeState s;
  const AttributeLimits limits{10, 40, 3};
  EXPECT_EQ(s.apply({{"ok", "1"}, {"9bad", "x"}}, limits).error().message,
            "attribute '9bad': the key must match ^[A-Za-z_][A-Za-z0-9_.-]{0,63}$");
  EXPECT_EQ(s.apply({{"v", "héllo wörld"}}, limits).error().message,
            "attribute 'v': the value is 11 characters; the server keeps 10");
  EXPECT_TRUE(s.apply({{"v", "héllo wörl"}}, limits).ok()) << "code points, not bytes";
  EXPECT_EQ(s.apply({{"a", "1"}, {"b", "2"}, {"c", "3"}}, limits).error().message,
            "attribute 'c': the conversation would hold 4 attributes; the server allows 3");
  // v + héllo wörl is 13 bytes; a and b add 11 each: 35 fits, a third long value does not.
  EXPECT_EQ(s.apply({{"a", "0123456789"}, {"b", "0123456789"}}, AttributeLimits{10, 30, 5}).error().message,
            "attribute 'b': the conversation's attributes would take 35 bytes; the server allows 30");
  EXPECT_EQ(s.desired().size(), 1u) << "refused sets change nothing";
}

TEST(Endpoint, TellsTheDialectFromTheUrl) {
  auto gc = resolve_endpoint(
      "wss://chat.example.com/v1/5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f/guest/"
      "0f0e0d0c-0b0a-4908-8706-050403020100/connect",
      Dialect::automatic);
  ASSERT_TRUE(gc.ok()) << gc.error().message;
  EXPECT_EQ(gc->dialect, Dialect::guest_chat);
  EXPECT_EQ(gc->url.scheme, "wss");
  auto wm = resolve_endpoint("https://webmessaging.example.com/v1?deploymentId=a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
                             Dialect::automatic);
  ASSERT_TRUE(wm.ok()) << wm.error().message;
  EXPECT_EQ(wm->dialect, Dialect::web_messaging);
  EXPECT_EQ(wm->url.scheme, "wss");
  EXPECT_EQ(wm->deployment_id, "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
  EXPECT_EQ(resolve_endpoint("ws://x/v1?deploymentId=nope", Dialect::automatic).error().message,
            "url: deploymentId 'nope' is not a UUID");
  // An explicit dialect serves a server with other paths.
  auto custom = resolve_endpoint("ws://x/custom/path", Dialect::guest_chat);
  ASSERT_TRUE(custom.ok());
  EXPECT_EQ(custom->dialect, Dialect::guest_chat);
}

}  // namespace
}  // namespace tracechat::client
