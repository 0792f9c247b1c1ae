// The shared JSON object reader: every error names the path of the bad field, absent and
// null both read as "not given", and a lazily written path comes out the same as an
// eagerly written one.
#include "common/json_reader.h"

#include <gtest/gtest.h>

#include <utility>

namespace tracechat::common {
namespace {

namespace json = boost::json;

json::object object_of(std::string_view text) { return json::parse(text).as_object(); }

TEST(JsonReader, ReadsEachTypeAndNamesThePathOfABadField) {
  const auto doc =
      object_of(R"({"s":"x","b":true,"i":7,"big":18446744073709551615,"d":1.5,"n":null,"m":{"k":"v"},"a":["p","q"]})");
  const ObjectReader r(doc, "frame");
  EXPECT_EQ(**r.optional_string("s"), "x");
  EXPECT_EQ(*r.required_string("s"), "x");
  EXPECT_EQ(**r.optional_bool("b"), true);
  EXPECT_EQ(**r.optional_int("i"), 7);
  EXPECT_EQ(**r.optional_number("d"), 1.5);
  EXPECT_EQ(**r.optional_number("i"), 7.0) << "an integer is a number";
  EXPECT_EQ((*r.optional_string_map("m")).at("k"), "v");
  EXPECT_EQ(*r.optional_string_array("a"), (std::vector<std::string>{"p", "q"}));

  // Absent and null: not given.
  EXPECT_FALSE(r.optional_string("missing")->has_value());
  EXPECT_FALSE(r.optional_string("n")->has_value());
  EXPECT_EQ(*r.optional_object("n"), nullptr);
  EXPECT_TRUE(r.optional_string_map("n")->empty());
  EXPECT_EQ(r.required_string("n").error().message, "frame.n: required");

  EXPECT_EQ(r.optional_string("i").error().message, "frame.i: expected string");
  EXPECT_EQ(r.optional_bool("s").error().message, "frame.s: expected boolean");
  EXPECT_EQ(r.optional_int("d").error().message, "frame.d: expected integer");
  EXPECT_EQ(r.optional_int("big").error().message, "frame.big: expected integer") << "beyond int64";
  EXPECT_EQ(r.optional_object("a").error().message, "frame.a: expected object");
  EXPECT_EQ(r.optional_array("m").error().message, "frame.m: expected array");
}

TEST(JsonReader, NamesTheBadItemOfAMapOrAnArray) {
  const auto doc = object_of(R"({"m":{"ok":"v","bad":1},"a":["p",2]})");
  const ObjectReader r(doc, "");
  EXPECT_EQ(r.optional_string_map("m").error().message, "m.bad: expected string");
  EXPECT_EQ(r.optional_string_array("a").error().message, "a[1]: expected string");
}

TEST(JsonReader, ANumberOutOfRangeIsAnError) {
  // JSON has no infinity, but the parser turns 1e400 into one.
  const auto doc = object_of(R"({"huge":1e400})");
  EXPECT_EQ(ObjectReader(doc, "").optional_number("huge").error().message, "huge: number out of range");
}

TEST(JsonReader, ListsUnknownMembersInDocumentOrder) {
  const auto doc = object_of(R"({"b":1,"known":2,"a":3})");
  EXPECT_EQ(ObjectReader(doc, "cfg").unknown_members({"known"}), (std::vector<std::string>{"cfg.b", "cfg.a"}));
}

TEST(JsonReader, AnAlternateSpellingIsFoundAndReportedUnderTheMainName) {
  const auto doc = object_of(R"({"trace_id":5,"traceId2":"x"})");
  // Each link lives on the stack while the ones below it are in use, as a decoder walking
  // the document keeps them.
  const JsonPath root;
  const JsonPath resource_spans = root.member("resourceSpans");
  const JsonPath third = resource_spans.item(2);
  const JsonPath spans = third.member("spans");
  const JsonPath first = spans.item(0);
  const ObjectReader r(doc, first);
  const JsonMember m = r.member("traceId", "trace_id");
  ASSERT_TRUE(m.given());
  EXPECT_EQ(m.value()->as_int64(), 5);
  EXPECT_EQ(m.error("expected string").message, "resourceSpans[2].spans[0].traceId: expected string");
  EXPECT_FALSE(r.member("absent").given());
  EXPECT_EQ(r.path(), "resourceSpans[2].spans[0]");
  EXPECT_EQ(r.path_of("name"), "resourceSpans[2].spans[0].name");
}

TEST(JsonReader, ACopiedReaderKeepsItsOwnPath) {
  const auto doc = object_of(R"({"x":1})");
  auto make = [&] { return ObjectReader(doc, std::string("outer.inner")); };
  std::vector<ObjectReader> readers;
  readers.push_back(make());
  readers.push_back(make());  // the vector moves (copies) the first one
  for (const auto& r : readers) {
    EXPECT_EQ(r.member("x").error("bad").message, "outer.inner.x: bad");
    EXPECT_EQ(r.optional_string("x").error().message, "outer.inner.x: expected string");
  }
}

TEST(JsonReader, ParseObjectSaysWhichRuleFailed) {
  auto syntax = parse_object("{", 8, "a frame");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.error().problem, JsonProblem::syntax);
  EXPECT_EQ(syntax.error().message.rfind("invalid JSON: ", 0), 0u);

  auto deep = parse_object(R"({"a":{"b":{"c":{}}}})", 2, "a frame");
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.error().problem, JsonProblem::too_deep);
  EXPECT_EQ(deep.error().message, "JSON nested deeper than 2 levels");

  auto array = parse_object("[1]", 8, "the configuration");
  ASSERT_FALSE(array.ok());
  EXPECT_EQ(array.error().problem, JsonProblem::not_object);
  EXPECT_EQ(array.error().message, "the configuration must be a JSON object");

  auto ok = parse_object(R"({"k":"v"})", 8, "a frame");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(**ObjectReader(ok->object(), "").optional_string("k"), "v");
}

}  // namespace
}  // namespace tracechat::common
