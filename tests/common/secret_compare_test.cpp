#include "common/secret_compare.h"

#include <gtest/gtest.h>

namespace tracechat::common {
namespace {

TEST(SecretCompare, EqualOnlyWhenEveryByteAndTheLengthAgree) {
  EXPECT_TRUE(secrets_equal("secret", "secret"));
  EXPECT_TRUE(secrets_equal("", ""));
  EXPECT_FALSE(secrets_equal("secret", "secreT"));
  EXPECT_FALSE(secrets_equal("secret", "secret2"));
  EXPECT_FALSE(secrets_equal("secret", "secre"));
  EXPECT_FALSE(secrets_equal("", "x"));
  EXPECT_FALSE(secrets_equal(std::string("a\0b", 3), "a"));  // not a C string comparison
}

TEST(SecretCompare, AKeptDigestMatchesTheSecretItWasMadeOf) {
  const auto digest = secret_digest("user:password");
  EXPECT_TRUE(secret_matches(digest, "user:password"));
  EXPECT_FALSE(secret_matches(digest, "user:passwore"));
  EXPECT_NE(secret_digest("a"), secret_digest("b"));
}

}  // namespace
}  // namespace tracechat::common
