// The explorer's defence against DNS rebinding, on its own: which Host and Origin it
// answers, on a loopback address and on any other (which the tests do not bind).
#include "explorer/host_check.h"

#include <gtest/gtest.h>

namespace tracechat::testing {
namespace {

using explorer::HostCheck;

HostCheck make(std::string_view listen, std::vector<std::string> allowed = {}) {
  auto check = HostCheck::make(listen, allowed);
  EXPECT_TRUE(check) << check.error().message;
  return check ? *check : HostCheck{};
}

bool answered(const HostCheck& check, std::optional<std::string_view> host,
              std::optional<std::string_view> origin = std::nullopt) {
  return !check.refusal(host, origin).has_value();
}

TEST(HostCheck, OnLoopbackOnlyLoopbackNamesAndTheirOwnPages) {
  const auto check = make("127.0.0.1");
  EXPECT_TRUE(check.applies());
  for (const char* host : {"127.0.0.1:16690", "localhost:16690", "LocalHost", "[::1]:16690", "127.9.9.9"}) {
    EXPECT_TRUE(answered(check, host)) << host;
  }
  for (const char* host : {"attacker.example", "127.0.0.1.attacker.example", "127.1", "0x7f000001", "localhost.", "",
                           "[::1]evil", "localhost:x", "user@localhost", "traces.example.com:x@localhost"}) {
    EXPECT_FALSE(answered(check, host)) << host;
  }
  EXPECT_FALSE(answered(check, std::nullopt));  // no Host at all
  EXPECT_TRUE(answered(check, "127.0.0.1:16690", "http://127.0.0.1:16690"));
  EXPECT_TRUE(answered(check, "LOCALHOST:16690", "http://localhost:16690"));
  EXPECT_FALSE(answered(check, "127.0.0.1:16690", "http://127.0.0.1:8080"));  // another local site
  EXPECT_FALSE(answered(check, "localhost:16690", "https://attacker.example"));
  EXPECT_FALSE(answered(check, "localhost:16690", "null"));
}

TEST(HostCheck, AllowedNamesOnAnyAddress) {
  for (const char* listen : {"127.0.0.1", "0.0.0.0", "192.0.2.10", "::"}) {
    const auto check = make(listen, {"Traces.Example.com", "[fd00::1]"});
    EXPECT_TRUE(check.applies()) << listen;
    EXPECT_TRUE(answered(check, "traces.example.com")) << listen;
    EXPECT_TRUE(answered(check, "TRACES.example.COM:8443")) << listen;
    EXPECT_TRUE(answered(check, "[fd00::1]:8443")) << listen;
    EXPECT_TRUE(answered(check, "localhost:16690")) << listen;
    EXPECT_TRUE(answered(check, "traces.example.com:8443", "https://Traces.Example.com:8443")) << listen;
    EXPECT_FALSE(answered(check, "other.example.com")) << listen;
    EXPECT_FALSE(answered(check, "traces.example.com.attacker.example")) << listen;
    EXPECT_FALSE(answered(check, "traces.example.com", "https://attacker.example")) << listen;
    // A proxy that drops the port from Host while the browser's Origin has it: refused,
    // as docs/explorer.md says (pass the Host the browser sent).
    EXPECT_FALSE(answered(check, "traces.example.com", "https://traces.example.com:8443")) << listen;
  }
}

TEST(HostCheck, OffOnOtherAddressesWithoutAllowedNames) {
  for (const char* listen : {"0.0.0.0", "192.0.2.10", "::", "traces.example.com"}) {
    const auto check = make(listen);
    EXPECT_FALSE(check.applies()) << listen;
    EXPECT_TRUE(answered(check, "anything.example", "https://anything.example")) << listen;
  }
  EXPECT_TRUE(make("localhost").applies());
  EXPECT_TRUE(make("::1").applies());
}

TEST(HostCheck, AnAllowedNameMustBeAHostName) {
  for (const char* bad : {"", "https://traces.example.com", "traces.example.com:443", "traces.example.com/ui",
                          "user@traces.example.com", "two words"}) {
    const auto check = HostCheck::make("127.0.0.1", {bad});
    ASSERT_FALSE(check) << bad;
    EXPECT_NE(check.error().message.find("allowed host"), std::string::npos) << check.error().message;
  }
}

}  // namespace
}  // namespace tracechat::testing
