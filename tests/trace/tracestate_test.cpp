#include "tracechat/trace/tracestate.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace tracechat::trace;

namespace {
TraceState parse_ok(std::string_view header) {
  auto s = TraceState::parse(header);
  EXPECT_TRUE(s.ok()) << header << ": " << (s.ok() ? "" : s.error().message);
  return s.ok() ? *s : TraceState();
}
void expect_invalid(std::string_view header, std::string_view reason) {
  const auto s = TraceState::parse(header);
  ASSERT_FALSE(s.ok()) << "accepted: " << header;
  EXPECT_NE(s.error().message.find(reason), std::string::npos) << s.error().message;
}
std::string members(int n, int first = 0) {
  std::string out;
  for (int i = first; i < first + n; ++i) {
    if (!out.empty()) out += ",";
    out.append("k").append(std::to_string(i)).append("=v").append(std::to_string(i));
  }
  return out;
}
}  // namespace

// Every example of the spec's tracestate sections.
TEST(TraceState, SpecExamples) {
  EXPECT_EQ(parse_ok("congo=t61rcWkgMzE").to_header(), "congo=t61rcWkgMzE");
  EXPECT_EQ(parse_ok("rojo=00f067aa0ba902b7").to_header(), "rojo=00f067aa0ba902b7");
  const auto two = parse_ok("rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two.members()[0].key, "rojo");
  EXPECT_EQ(*two.get("congo"), "t61rcWkgMzE");
  EXPECT_EQ(parse_ok("vendorname1=opaqueValue1,vendorname2=opaqueValue2").size(), 2u);
  EXPECT_EQ(parse_ok("congo=ucfJifl5GOE,rojo=00f067aa0ba902b7").size(), 2u);
  // The re-entry example: a list that repeats a key keeps the key's left-most member, the
  // most recent position, and loses nothing else.
  EXPECT_EQ(parse_ok("congo=congosFirstPosition,rojo=rojosFirstPosition,congo=congosSecondPosition").to_header(),
            "congo=congosFirstPosition,rojo=rojosFirstPosition");
  EXPECT_EQ(parse_ok("congo=congosSecondPosition,rojo=rojosFirstPosition").size(), 2u);
}

// The spec's mutation walk-through: each hop adds or updates its own entry on the left.
TEST(TraceState, SpecMutationWalkThrough) {
  auto congo = parse_ok("congo=t61rcWkgMzE");
  auto at_rojo = congo.with("rojo", "00f067aa0ba902b7");
  ASSERT_TRUE(at_rojo.ok());
  EXPECT_EQ(at_rojo->to_header(), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  auto back_at_congo = at_rojo->with("congo", "ucfJifl5GOE");
  ASSERT_TRUE(back_at_congo.ok());
  EXPECT_EQ(back_at_congo->to_header(), "congo=ucfJifl5GOE,rojo=00f067aa0ba902b7");
}

TEST(TraceState, EmptyAndWhitespaceMembersAreTolerated) {
  EXPECT_TRUE(parse_ok("").empty());
  EXPECT_TRUE(parse_ok(" ").empty());
  EXPECT_TRUE(parse_ok(",").empty());
  EXPECT_TRUE(parse_ok(" , \t ,").empty());
  const auto s = parse_ok(" foo=1 ,\t, bar=2\t,");
  EXPECT_EQ(s.to_header(), "foo=1,bar=2");
}

TEST(TraceState, ValueSpacing) {
  // Leading spaces belong to the value; trailing ones are optional whitespace.
  const auto s = parse_ok("foo= leading,bar=trailing   ");
  EXPECT_EQ(*s.get("foo"), " leading");
  EXPECT_EQ(*s.get("bar"), "trailing");
  EXPECT_EQ(*parse_ok("foo=a b c").get("foo"), "a b c");
}

// Level 2: key = ( lcalpha / DIGIT ) 0*255 ( keychar ), keychar = lcalpha / DIGIT / "_" /
// "-" / "*" / "/" / "@". Level 1's tenant@system split is gone.
TEST(TraceState, KeyGrammar) {
  for (const char* key : {"a", "0", "foo", "foo123", "1abc", "foo_bar", "foo-bar", "foo*bar", "foo/bar", "foo@",
                          "tenant@system", "1tenant@vendor", "t@s", "a@b@c", "tenant@1system", "t_-*/@s_-*/"}) {
    EXPECT_TRUE(TraceState::valid_key(key)) << key;
  }
  for (const char* key : {"", "Foo", "fOo", "_foo", "-foo", "*foo", "/foo", "@system", "foo bar", "foo.bar", "foo=bar",
                          "tenant@System", "foo\tbar", "\xc3\xa9"}) {
    EXPECT_FALSE(TraceState::valid_key(key)) << key;
  }
  // Up to 256 characters, '@' anywhere after the first.
  EXPECT_TRUE(TraceState::valid_key(std::string(256, 'a')));
  EXPECT_FALSE(TraceState::valid_key(std::string(257, 'a')));
  EXPECT_TRUE(TraceState::valid_key(std::string(245, 't') + "@vend"));
  EXPECT_TRUE(TraceState::valid_key(std::string(242, 't') + "@s"));
  EXPECT_TRUE(TraceState::valid_key("t@" + std::string(15, 's')));
  EXPECT_FALSE(TraceState::valid_key(std::string(200, 't') + "@" + std::string(56, 's')));
}

TEST(TraceState, ValueGrammar) {
  for (const char* value : {"v", "!", "~", "a b", "t61rcWkgMzE", "x+y/z", "\"quoted\""}) {
    EXPECT_TRUE(TraceState::valid_value(value)) << value;
  }
  for (const char* value : {"", " ", "a ", "a,b", "a=b", "tab\there", "new\nline", "\x7f"}) {
    EXPECT_FALSE(TraceState::valid_value(value)) << value;
  }
  EXPECT_TRUE(TraceState::valid_value(std::string(256, 'v')));
  EXPECT_FALSE(TraceState::valid_value(std::string(257, 'v')));
}

TEST(TraceState, InvalidMembersInvalidateTheHeader) {
  expect_invalid("foo=1,Bar=2", "key 'Bar'");
  expect_invalid("foo=1,bar", "expected key=value");
  expect_invalid("foo=1,=2", "list-member 2 '=2': the key is empty");
  expect_invalid("foo.bar=1", "key 'foo.bar' has '.' at position 4");
  expect_invalid(std::string(257, 'k') + "=1", "is 257 characters, at most 256");
  expect_invalid("foo=", "value");
  expect_invalid("foo=1,bar=a\tb", "value");
  expect_invalid("foo =1", "key 'foo '");
  expect_invalid("foo=1,@bar=2", "must start with a lowercase letter or a digit");
  // The error names the member's position.
  expect_invalid("a=1,,b=2,C=3", "list-member 4");
}

// A duplicate costs only itself: the left-most member of the key is kept, each later
// one is dropped and named.
TEST(TraceState, LaterDuplicatesAreDroppedAndNamed) {
  std::vector<std::string> dropped;
  auto s = TraceState::parse("foo=1,bar=2,foo=3, foo=1", &dropped);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->to_header(), "foo=1,bar=2");
  ASSERT_EQ(dropped.size(), 2u);
  EXPECT_EQ(dropped[0],
            "tracestate list-member 3 'foo=3' dropped: key 'foo' came earlier, and only its left-most member is kept");
  EXPECT_NE(dropped[1].find("list-member 4 'foo=1'"), std::string::npos) << dropped[1];
  // A duplicate is dropped before it is checked against the limit of 32.
  EXPECT_EQ(parse_ok(members(32) + ",k0=again").size(), 32u);
  // But a malformed member still makes the list unusable, wherever it is.
  expect_invalid("foo=1,foo=2,Bad=3", "list-member 3");
}

TEST(TraceState, AtMost32Members) {
  EXPECT_EQ(parse_ok(members(32)).size(), 32u);
  // Empty members do not count towards the limit.
  EXPECT_EQ(parse_ok(members(32) + ",,,").size(), 32u);
  expect_invalid(members(33), "more than 32");
}

TEST(TraceState, UpdatedKeyMovesToFront) {
  auto s = parse_ok("a=1,b=2,c=3");
  auto updated = s.with("c", "30");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->to_header(), "c=30,a=1,b=2");
  auto added = s.with("d", "4");
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->to_header(), "d=4,a=1,b=2,c=3");
  EXPECT_EQ(s.to_header(), "a=1,b=2,c=3");  // the original is unchanged
  EXPECT_FALSE(s.with("Bad", "1").ok());
  EXPECT_FALSE(s.with("ok", "bad,value").ok());
  EXPECT_EQ(s.without("b").to_header(), "a=1,c=3");
  EXPECT_EQ(s.without("zzz").to_header(), "a=1,b=2,c=3");
}

TEST(TraceState, AddingToAFullListDropsTheLastMember) {
  const auto full = parse_ok(members(32));
  auto added = full.with("new", "1");
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(added->size(), 32u);
  EXPECT_EQ(added->members().front().key, "new");
  EXPECT_FALSE(added->get("k31"));
  // Updating an existing key of a full list loses nothing.
  auto updated = full.with("k31", "x");
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->size(), 32u);
  EXPECT_TRUE(updated->get("k30"));
}

// Large entries go from the end too: the left-most belongs to the traceparent's vendor.
TEST(TraceState, TruncationRemovesTheRightMostLargeEntryFirst) {
  const std::string big1 = "big1=" + std::string(130, 'x');
  const std::string big2 = "big2=" + std::string(130, 'y');
  const auto s = parse_ok(big1 + ",a=1," + big2);
  EXPECT_EQ(s.to_header(200), big1 + ",a=1");
}

TEST(TraceState, TruncationRemovesLargeEntriesFirstThenFromTheEnd) {
  // 4 entries of ~130 chars: the two over 128 go first even though they are not last.
  const std::string big1 = "big1=" + std::string(130, 'x');
  const std::string big2 = "big2=" + std::string(130, 'y');
  const std::string small = "s=" + std::string(100, 'z');
  const std::string header = big1 + "," + small + "," + big2 + "," + small.substr(0, 1) + "2" + small.substr(1);
  const auto s = parse_ok(header);
  ASSERT_EQ(s.size(), 4u);
  // Fits into 512: nothing removed.
  EXPECT_EQ(s.to_header(), header);
  // Force truncation with a smaller limit: large entries removed, order kept.
  const std::string truncated = s.to_header(250);
  EXPECT_EQ(truncated, small + "," + "s2=" + std::string(100, 'z'));
  // Then from the end.
  EXPECT_EQ(s.to_header(110), small);
  EXPECT_EQ(s.to_header(10), "");
}

TEST(TraceState, TruncationAt512Characters) {
  // 32 members of 20 characters: 32*20 + 31 commas = 671 > 512.
  std::string header;
  for (int i = 0; i < 32; ++i) {
    if (i) header += ",";
    char key[8];
    std::snprintf(key, sizeof key, "k%02d", i);
    header += std::string(key) + "=" + std::string(16, 'v');
  }
  const auto s = parse_ok(header);
  const std::string out = s.to_header();
  EXPECT_LE(out.size(), 512u);
  // Whole entries removed from the end: 24 entries take 24*20+23 = 503.
  EXPECT_EQ(out, header.substr(0, 503));
  EXPECT_EQ(parse_ok(out).size(), 24u);
}

TEST(TraceState, CopiesShareStorage) {
  const auto s = parse_ok("a=1,b=2");
  const TraceState copy = s;  // NOLINT: the point is the copy
  EXPECT_EQ(copy, s);
  EXPECT_EQ(&copy.members(), &s.members());
}
