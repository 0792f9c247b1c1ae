// The UUIDs both dialects use: the form ids must have, and fresh version 4 tokens.
#include "tracechat/protocol/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace tracechat::protocol {
namespace {

TEST(Uuid, TheFormIsEightFourFourFourTwelveHex) {
  EXPECT_TRUE(is_uuid("5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f"));
  EXPECT_TRUE(is_uuid("5D6E0A54-7C34-4C2E-9B4B-0F1B2C3D4E5F"));
  EXPECT_FALSE(is_uuid("5d6e0a547c344c2e9b4b0f1b2c3d4e5f"));
  EXPECT_FALSE(is_uuid("5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5g"));
  EXPECT_FALSE(is_uuid("5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5"));
  EXPECT_FALSE(is_uuid(""));
}

TEST(Uuid, RandomOnesAreVersion4AndDoNotRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string u = random_uuid();
    ASSERT_TRUE(is_uuid(u)) << u;
    EXPECT_EQ(u[14], '4') << u;
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
    EXPECT_TRUE(seen.insert(u).second) << u;
  }
}

}  // namespace
}  // namespace tracechat::protocol
