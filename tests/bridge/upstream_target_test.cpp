// Where a request target lands under the upstream's base path.
#include "bridge/upstream_target.h"

#include <gtest/gtest.h>

namespace tracechat::bridge::detail {
namespace {

std::string under(const char* base, const char* target) {
  auto out = upstream_target(*net::Url::parse(base), target);
  return out ? *out : "error: " + out.error().message;
}

TEST(UpstreamTarget, AppendsTheCleanedPathToTheBase) {
  EXPECT_EQ(under("http://u/base", "/x"), "/base/x");
  EXPECT_EQ(under("http://u/base/", "/x/"), "/base/x/");
  EXPECT_EQ(under("http://u", "/x"), "/x");
  EXPECT_EQ(under("http://u/base", "/"), "/base/");
  EXPECT_EQ(under("http://u/base", "/a/./b/../c"), "/base/a/c");
  EXPECT_EQ(under("http://u/base", "/a/%2E/b/%2e%2E/c"), "/base/a/c");
  EXPECT_EQ(under("http://u/base", "/a/b/."), "/base/a/b/");
  EXPECT_EQ(under("http://u/base", "/a/b/.."), "/base/a/");
  EXPECT_EQ(under("http://u/base", "/a/.."), "/base/");
  EXPECT_EQ(under("http://u/base", "/a%20b/%41"), "/base/a%20b/%41");  // kept as received
  EXPECT_EQ(under("http://u/base", "/a..b/...c"), "/base/a..b/...c");  // not dot-segments
}

TEST(UpstreamTarget, JoinsTheQueries) {
  EXPECT_EQ(under("http://u/base", "/x?a=1&b=%20"), "/base/x?a=1&b=%20");
  EXPECT_EQ(under("http://u/base?key=k", "/x"), "/base/x?key=k");
  EXPECT_EQ(under("http://u/base?key=k", "/x?a=1"), "/base/x?key=k&a=1");
  EXPECT_EQ(under("http://u/base?key=k", "/x?"), "/base/x?key=k");
}

TEST(UpstreamTarget, TakesThePathOfAnAbsoluteFormTarget) {
  EXPECT_EQ(under("http://u/base", "http://evil.example/x?y"), "/base/x?y");
  EXPECT_EQ(under("http://u/base", "HTTPS://evil.example"), "/base/");
}

TEST(UpstreamTarget, RefusesWhatWouldLeaveTheBase) {
  for (const char* target :
       {"/..", "/../x", "/a/../../x", "/%2e%2e/x", "/.%2E/x", "/a/%2E%2E/%2e%2e/x", "http://evil.example/../x"}) {
    EXPECT_EQ(under("http://u/base", target).rfind("error: the path climbs above", 0), 0u) << target;
  }
  for (const char* target : {"/a%2fb", "/a%2F..%2F..%2Fx", "/a%5cb", "/a%00"}) {
    EXPECT_EQ(under("http://u/base", target), "error: a path segment holds an encoded '/', '\\' or NUL") << target;
  }
  for (const char* target : {"", "*", "x", "evil.example:443", "ftp://evil.example/x", "http:/x", "/a#frag",
                             "http://e/x#f", "/a\\b", "/a b", "mailto:x@y"}) {
    EXPECT_EQ(under("http://u/base", target).rfind("error: ", 0), 0u) << target;
  }
}

}  // namespace
}  // namespace tracechat::bridge::detail
