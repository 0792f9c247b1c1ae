#include "common/base64.h"

#include <gtest/gtest.h>

namespace tracechat::common {
namespace {

TEST(Base64, EncodesRfc4648Vectors) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foob"), "Zm9vYg==");
  EXPECT_EQ(base64_encode("fooba"), "Zm9vYmE=");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xfb\xff\0", 3)), "+/8A");
}

TEST(Base64, DecodesWithoutThePaddingAsBytes) {
  // EVP_DecodeBlock alone would give "f\0\0" for "Zg==": the padding is not data.
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8="), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("Zm9vYmE="), "fooba");
  EXPECT_EQ(base64_decode("+/8A"), std::string("\xfb\xff\0", 3));
}

TEST(Base64, RefusesWhatIsNotPaddedBase64) {
  for (const char* bad : {"Zg", "Zg=", "Zm9vY", "Zg==Zg==", "Z===", "====", "Zm=v", " Zg==", "Zg==\n",
                          "Zg ==", "Zm9v\r\n", "Zm-_", "Zm9v!"}) {
    EXPECT_FALSE(base64_decode(bad)) << bad;
  }
  EXPECT_FALSE(base64_decode(std::string("Zm9\0", 4)));
}

TEST(Base64, LongInputCrossesTheChunksIntact) {
  // Past the coder's chunk size (64 KiB of text), with every byte value, and lengths that
  // leave one and two bytes over.
  for (std::size_t size : {200000u, 200001u, 200002u}) {
    std::string bytes(size, '\0');
    for (std::size_t i = 0; i < size; ++i) bytes[i] = static_cast<char>((i * 7 + i / 256) & 0xFF);
    const auto text = base64_encode(bytes);
    EXPECT_EQ(text.size(), (size + 2) / 3 * 4);
    EXPECT_EQ(base64_decode(text), bytes) << size;
  }
}

}  // namespace
}  // namespace tracechat::common
