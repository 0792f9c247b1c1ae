#include "common/basic_authorization.h"

#include <gtest/gtest.h>

#include "common/base64.h"

namespace tracechat::common {
namespace {

using Pair = std::pair<std::string, std::string>;

TEST(BasicAuthorization, TheUserEndsAtTheFirstColon) {
  EXPECT_EQ(parse_basic_authorization("Basic " + base64_encode("id:sec:ret")), (Pair{"id", "sec:ret"}));
  EXPECT_EQ(parse_basic_authorization("Basic " + base64_encode("id:")), (Pair{"id", ""}));
  EXPECT_EQ(parse_basic_authorization("Basic " + base64_encode(":x")), (Pair{"", "x"}));
  // RFC 7617's own example.
  EXPECT_EQ(parse_basic_authorization("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="), (Pair{"Aladdin", "open sesame"}));
}

TEST(BasicAuthorization, TheSchemeIsCaseInsensitiveAndSpacesAroundTheCredentialsAreTolerated) {
  const std::string credentials = base64_encode("id:x");
  for (const std::string& header : {"basic " + credentials, "BASIC " + credentials, "bAsIc " + credentials,
                                    "Basic   " + credentials, "Basic " + credentials + " \t"}) {
    EXPECT_EQ(parse_basic_authorization(header), (Pair{"id", "x"})) << header;
  }
}

TEST(BasicAuthorization, AnythingElseIsRefused) {
  const std::string credentials = base64_encode("id:x");
  for (const std::string& header :
       {std::string("Basic"), std::string("Basic "), "Bearer " + credentials, "Basicx " + credentials,
        "Basic\t" + credentials, "Basic" + credentials, " Basic " + credentials, "Basic " + base64_encode("no-colon"),
        std::string("Basic !!!not-base64"), std::string("Basic aWQ6eA"),  // unpadded
        "Basic " + credentials + " extra", "Digest " + credentials}) {
    EXPECT_FALSE(parse_basic_authorization(header)) << header;
  }
  const std::string long_user(kMaxBasicCredentialsChars, 'u');
  EXPECT_FALSE(parse_basic_authorization("Basic " + base64_encode(long_user + ":x")));
}

}  // namespace
}  // namespace tracechat::common
