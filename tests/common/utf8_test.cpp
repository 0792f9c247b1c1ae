#include "common/utf8.h"

#include <gtest/gtest.h>

using tracechat::common::utf8_sequence;
using tracechat::common::valid_utf8;

// RFC 3629's boundaries: the shortest form only, no surrogates, nothing past U+10FFFF.
TEST(Utf8, SequencesAtTheirBoundaries) {
  EXPECT_EQ(utf8_sequence(""), 0u);
  EXPECT_EQ(utf8_sequence("a"), 1u);
  EXPECT_EQ(utf8_sequence("\xc3\xa9"), 2u);          // é
  EXPECT_EQ(utf8_sequence("\xc1\xbf"), 0u);          // overlong 2-byte
  EXPECT_EQ(utf8_sequence("\xe0\x9f\xbf"), 0u);      // overlong 3-byte
  EXPECT_EQ(utf8_sequence("\xe0\xa0\x80"), 3u);      // U+0800
  EXPECT_EQ(utf8_sequence("\xed\x9f\xbf"), 3u);      // U+D7FF
  EXPECT_EQ(utf8_sequence("\xed\xa0\x80"), 0u);      // U+D800, a surrogate
  EXPECT_EQ(utf8_sequence("\xf0\x8f\xbf\xbf"), 0u);  // overlong 4-byte
  EXPECT_EQ(utf8_sequence("\xf4\x8f\xbf\xbf"), 4u);  // U+10FFFF
  EXPECT_EQ(utf8_sequence("\xf4\x90\x80\x80"), 0u);  // past U+10FFFF
  EXPECT_EQ(utf8_sequence("\xf5\x80\x80\x80"), 0u);
  EXPECT_EQ(utf8_sequence("\x80"), 0u);      // a stray continuation
  EXPECT_EQ(utf8_sequence("\xe2\x82"), 0u);  // cut short
}

TEST(Utf8, WholeTexts) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("caf\xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(valid_utf8("caf\xc3"));
  EXPECT_FALSE(valid_utf8("ok\xffok"));
}

TEST(Utf8, InvalidBytesAreReplacedOneByOne) {
  EXPECT_EQ(tracechat::common::valid_utf8_or_replaced("plain välue"), "plain välue");
  EXPECT_EQ(tracechat::common::valid_utf8_or_replaced("a\xff\xfe"
                                                      "b"),
            "a\xEF\xBF\xBD\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(tracechat::common::valid_utf8_or_replaced("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // cut short
  EXPECT_EQ(tracechat::common::valid_utf8_or_replaced("\xed\xa0\x80"),
            "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_TRUE(valid_utf8(tracechat::common::valid_utf8_or_replaced(std::string("\x80\xc0\x00z", 4))));
}
