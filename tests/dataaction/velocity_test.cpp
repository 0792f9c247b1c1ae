// The Velocity subset of Data Action templates: references, helpers, #if, comments,
// escapes, syntax errors, and inputs that try to become template code or break JSON.
#include "tracechat/dataaction/velocity.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace tracechat::dataaction {
namespace {

namespace json = boost::json;

std::string render(std::string_view source, const json::object& context) {
  auto t = VelocityTemplate::parse(source);
  if (!t) return "PARSE ERROR: " + t.error().message;
  return t->render(context);
}

std::string error_of(std::string_view source) {
  auto t = VelocityTemplate::parse(source);
  return t ? std::string("(parsed)") : t.error().message;
}

const json::object kContext = json::parse(R"({
  "input": {"otel_trace_id": "4bf92f3577b34da6a3ce929d0e0e4736", "otel_span_id": "00f067aa0ba902b7",
            "orderId": "A 1/2", "count": 3, "vip": true, "empty": "", "nested": {"k": "v"}},
  "status": "shipped"})")
                                  .as_object();

TEST(Velocity, ReferencesInEveryForm) {
  EXPECT_EQ(render("00-${input.otel_trace_id}-${input.otel_span_id}-01", kContext),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(render("00-$input.otel_trace_id-$input.otel_span_id-01", kContext),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(render("n=$input.count v=$input.vip o=$input.nested.", kContext), "n=3 v=true o={\"k\":\"v\"}.");
  // Missing: the reference itself, or nothing when quiet.
  EXPECT_EQ(render("[${input.missing}][$input.missing][$!{input.missing}][$!input.missing]", kContext),
            "[${input.missing}][$input.missing][][]");
  EXPECT_EQ(render("$ 5 and $. and a#b and #endpoint", kContext), "$ 5 and $. and a#b and #endpoint");
  EXPECT_EQ(render(R"(\$input.count \#if)", kContext), "$input.count #if");
}

TEST(Velocity, Helpers) {
  EXPECT_EQ(render("/orders/$esc.url(${input.orderId})", kContext), "/orders/A+1%2F2");
  EXPECT_EQ(render("/orders/$esc.uriEncode($input.orderId)", kContext), "/orders/A%201%2F2");
  EXPECT_EQ(render(R"x({"s":"$esc.jsonString("say \"hi\"")"})x", kContext), R"({"s":"say \"hi\""})");
  EXPECT_EQ(render("${esc.jsonString($input.missing)}|$!esc.jsonString($input.missing)", kContext),
            "${esc.jsonString($input.missing)}|");
  EXPECT_EQ(escape_json_string("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001");
}

TEST(Velocity, Conditions) {
  const char* t = "#if($input.count > 2 && $input.vip)big#elseif($input.count == 1)one#{else}other#end";
  EXPECT_EQ(render(t, kContext), "big");
  json::object small = kContext;
  small["input"].as_object()["count"] = 1;
  EXPECT_EQ(render(t, small), "one");
  small["input"].as_object()["count"] = 0;
  EXPECT_EQ(render(t, small), "other");
  EXPECT_EQ(render("#if($input.empty)x#else-#end#if(!$input.missing)y#end#if($status == \"shipped\")z#end", kContext),
            "-yz");
  EXPECT_EQ(render("#if(($input.count >= 3) || false)a#end#if($input.missing != null)b#end", kContext), "a");
  EXPECT_EQ(render("## a comment\nx#* block\ncomment *#y", kContext), "\nxy");
}

// Velocity's unparsed content: what a generator uses to put a user's text (an action's
// name) into a template so that it prints as itself.
TEST(Velocity, UnparsedContentIsText) {
  EXPECT_EQ(render("a#[[$input.count #if(true)x#end ## no comment \\$]]#b", kContext),
            "a$input.count #if(true)x#end ## no comment \\$b");
  EXPECT_EQ(render("#[[]]##[[#]]#$input.count", kContext), "#3");
  // The first ]]# ends it.
  EXPECT_EQ(render("#[[x]]]]##[[#y]]#", kContext), "x]]#y");
  EXPECT_EQ(error_of("ok\n #[[ never closed ]]"), "line 2, column 2: #[[ without ]]#");
}

TEST(Velocity, SyntaxErrorsNameTheLineAndColumn) {
  EXPECT_EQ(error_of("a\n#else"), "line 2, column 1: #else without #if");
  EXPECT_EQ(error_of("#if($input.x)never closed"), "line 1, column 1: #if without #end");
  EXPECT_EQ(error_of("x ${input.x"), "line 1, column 3: ${ without }");
  EXPECT_EQ(error_of("#set($a = 1)"), "line 1, column 1: #set is not supported in Data Action templates");
  EXPECT_EQ(error_of("$esc.base64($input.x)"), "line 1, column 1: unknown helper $esc.base64");
  EXPECT_EQ(error_of("$input.x.toUpperCase()"),
            "line 1, column 1: method calls are not supported except $esc.jsonString, $esc.url and $esc.uriEncode");
  EXPECT_EQ(error_of("#if($input.x ==)a#end"),
            "line 1, column 16: expected a reference, a string, a number, true, false or null");
  EXPECT_EQ(error_of("#if($input.x = 1)a#end"), "line 1, column 14: expected ) to close the condition");
  EXPECT_EQ(error_of("#* open"), "line 1, column 1: #* comment without *#");
  std::string deep;
  for (int i = 0; i < 60; ++i) deep += "#if(true)";
  EXPECT_NE(error_of(deep).find("nested deeper than 50"), std::string::npos);
}

TEST(Velocity, InputsNeverBecomeTemplateCode) {
  json::object hostile = kContext;
  hostile["input"].as_object()["orderId"] = R"x(${input.otel_trace_id}#if(true)X#end$esc.url("a"))x";
  EXPECT_EQ(render("id=$input.orderId", hostile), R"x(id=${input.otel_trace_id}#if(true)X#end$esc.url("a"))x");
  // With $esc.jsonString the body stays valid JSON whatever the input holds.
  hostile["input"].as_object()["orderId"] = "\"}, \"admin\": true, \"x\": {\"\r\n";
  const std::string body = render(R"x({"orderId": "$esc.jsonString($input.orderId)"})x", hostile);
  boost::system::error_code ec;
  const auto parsed = json::parse(body, ec);
  ASSERT_FALSE(ec) << body;
  EXPECT_EQ(parsed.as_object().size(), 1u);
  EXPECT_EQ(parsed.at("orderId"), "\"}, \"admin\": true, \"x\": {\"\r\n");
}

}  // namespace
}  // namespace tracechat::dataaction
