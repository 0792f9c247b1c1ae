#include "common/random_token.h"

#include <gtest/gtest.h>

#include <set>

namespace tracechat::common {
namespace {

TEST(RandomToken, FortyThreeUrlSafeCharactersNeverTheSameTwice) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const auto token = random_token();
    EXPECT_EQ(token.size(), 43u);
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos)
        << token;
    seen.insert(token);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace tracechat::common
