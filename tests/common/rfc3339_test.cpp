#include "common/rfc3339.h"

#include <gtest/gtest.h>

namespace tracechat::common {
namespace {

TEST(Rfc3339, ParsesUtcWithAndWithoutFraction) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:01.5Z"), 1500);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-25T10:31:59.123Z"), 1795602719123);
  EXPECT_EQ(parse_rfc3339_ms("2026-11-25T10:31:59.123456Z"), 1795602719123);
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-25T10:31:59+01:00"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-13-25T10:31:59Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-25"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-25T10:31:59.Z"));
}

TEST(Rfc3339, RefusesWhatIsNotExactlyThatForm) {
  EXPECT_FALSE(parse_rfc3339_ms("2026-02-29T00:00:00Z"));  // not a leap year
  EXPECT_TRUE(parse_rfc3339_ms("2024-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-04-31T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-25T-1:31:59Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-25T10:-1:59Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-25 10:31:59Z"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-25T10:31:59Z "));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-25T10:31:59.1234567890123456789Z\x1b[2J"));
  EXPECT_FALSE(parse_rfc3339_ms("2026-11-25T10:31:59.1234567890Z"));  // 10 fraction digits
  EXPECT_EQ(parse_rfc3339_ms("2026-11-25T10:31:59.123456789Z"), 1795602719123);
  EXPECT_FALSE(parse_rfc3339_ms("+026-11-25T10:31:59Z"));
}

TEST(Rfc3339, FormatsAsThePlatformWritesAndReadsBack) {
  EXPECT_EQ(format_rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_rfc3339_ms(1795602719123), "2026-11-25T10:31:59.123Z");
  EXPECT_EQ(format_rfc3339_ms(951782400000), "2000-02-29T00:00:00.000Z");  // a leap day
  EXPECT_EQ(format_rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
  for (std::int64_t ms : {0LL, 1LL, 86399999LL, 1795602719123LL, 4102444800000LL, 253402300799999LL}) {
    EXPECT_EQ(parse_rfc3339_ms(format_rfc3339_ms(ms)), ms) << ms;
  }
}

}  // namespace
}  // namespace tracechat::common
