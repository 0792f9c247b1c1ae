// The escapes the generators write a user's value with, each read back by the language's
// own reader: YAML by yaml-cpp, Velocity by the Data Action engine, shell words by sh.
// (HCL is read back by HashiCorp's parser and by Terraform in kit_hcl_test.cpp.)
#include "tracechat/generators/escaping.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>

#include "tracechat/dataaction/velocity.h"

namespace tracechat::generators {
namespace {

// Values that have broken someone's generator: quotes, template introducers, comment and
// directive starts, line breaks, backslashes, the closing of Velocity's unparsed content,
// and text beyond ASCII (U+0085 and U+2028 are line breaks to some readers).
const std::vector<std::string> kHostile = {
    "plain",
    "",
    "say \"hi\" \\ \\\\ \\n",
    "${var.secret} %{ if true }x%{ endif } $${ %%{ $$${ $",
    "$input.x ${input.x} $!{input.x} #if(true)yes#end #set($a = 1) ## c #* c *# \\$ \\#",
    "]]# #[[ ]]]# ]]]]##[[#",
    "line\nbreak\r\nX-Admin: true\tTab\x01\x7f",
    "\xc2\x85 NEL \xe2\x80\xa8 LS \xe2\x80\xa9 PS \xef\xbb\xbf BOM",
    "{{flow_name}} }} {{",
    "key: value # comment\n- item\n&anchor *alias !tag |\n> ' ` ~ %",
    "\xc3\xa9t\xc3\xa9 \xe2\x80\x94 \xe6\xb3\xa8\xe6\x96\x87 \xf0\x9f\x98\x80",
};

TEST(Escaping, Utf8AndControlCharacters) {
  EXPECT_TRUE(is_utf8("\xc3\xa9\xf0\x9f\x98\x80 ok"));
  EXPECT_FALSE(is_utf8("\xff"));
  EXPECT_FALSE(is_utf8("\xc3"));              // cut short
  EXPECT_FALSE(is_utf8("\xc0\xaf"));          // overlong /
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // a surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(first_control_character("one line"), -1);
  EXPECT_EQ(first_control_character("a\tb"), 0x09);
  EXPECT_EQ(first_control_character("a\x7f"), 0x7F);
  EXPECT_EQ(first_control_character("a\xc2\x85"), 0x85);
  EXPECT_EQ(first_control_character("\xc2\xa0 no-break space is text"), -1);
}

TEST(Escaping, HclStrings) {
  EXPECT_EQ(hcl_string("Traced request"), "\"Traced request\"");
  EXPECT_EQ(hcl_string("a\"b\\c\nd\re\tf"), R"("a\"b\\c\nd\re\tf")");
  EXPECT_EQ(hcl_string("${input.x} %{ if } $ % { }"), R"("$${input.x} %%{ if } $ % { }")");
  // A `$` before an escaped `${` stays a `$`: Terraform reads `$$${` as `$` then `${`.
  EXPECT_EQ(hcl_string("$${x} %%{y}"), R"("$$${x} %%%{y}")");
  EXPECT_EQ(hcl_string("\x01\x7f\xc2\x85\xe2\x80\xa8"), R"("\u0001\u007F\u0085\u2028")");
  EXPECT_EQ(hcl_string("\xc3\xa9 \xf0\x9f\x98\x80"), "\"\xc3\xa9 \xf0\x9f\x98\x80\"");
  for (const auto& value : kHostile) {
    const std::string s = hcl_string(value);
    EXPECT_EQ(s.find('\n'), std::string::npos) << value;
    // Every `${` and `%{` left in the text is escaped by a doubled introducer.
    for (std::size_t i = s.find("{"); i != std::string::npos; i = s.find('{', i + 1)) {
      if (i > 0 && (s[i - 1] == '$' || s[i - 1] == '%')) {
        EXPECT_TRUE(i >= 2 && s[i - 2] == s[i - 1]) << s;
      }
    }
  }
}

TEST(Escaping, YamlStringsReadBackAsThemselves) {
  EXPECT_EQ(yaml_string("otel_trace_id"), "\"otel_trace_id\"");
  EXPECT_EQ(yaml_string("a\"b\\c\n\x01\xc2\x85"), R"("a\"b\\c\n\u0001\u0085")");
  for (const auto& value : kHostile) {
    const std::string document = "key: " + yaml_string(value) + "\nnext: 1\n";
    const YAML::Node node = YAML::Load(document);
    ASSERT_TRUE(node.IsMap()) << document;
    EXPECT_EQ(node.size(), 2u) << document;
    EXPECT_EQ(node["key"].as<std::string>(), value) << document;
    EXPECT_EQ(std::count(document.begin(), document.end(), '\n'), 2) << document;
  }
}

TEST(Escaping, VelocityLiteralsRenderAsThemselves) {
  EXPECT_EQ(velocity_literal("Order lookup"), "Order lookup");
  EXPECT_EQ(velocity_literal("a \\ b"), "a \\ b");
  EXPECT_EQ(velocity_literal("Lookup #2"), "#[[Lookup #2]]#");
  EXPECT_EQ(velocity_literal("a]]#b"), "#[[a]]]]##[[#b]]#");
  const boost::json::object context{{"input", {{"x", "VALUE"}}}};
  for (const auto& value : kHostile) {
    auto t = dataaction::VelocityTemplate::parse(velocity_literal(value));
    ASSERT_TRUE(t.ok()) << value << ": " << t.error().message;
    EXPECT_EQ(t->render(context), value);
  }
}

std::string shell_printf(const std::string& word) {
  FILE* pipe = popen(("printf '%s' " + word).c_str(), "r");
  std::string out;
  char buffer[256];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  pclose(pipe);
  return out;
}

TEST(Escaping, ShellWordsReadBackAsThemselves) {
  EXPECT_EQ(shell_word("it's"), R"('it'\''s')");
  for (const auto& value : kHostile) {
    EXPECT_EQ(shell_printf(shell_word(value)), value);
  }
  EXPECT_EQ(shell_printf(shell_word("$(touch /nonexistent) `x` ; 'q' \"d\"")), "$(touch /nonexistent) `x` ; 'q' \"d\"");
}

}  // namespace
}  // namespace tracechat::generators
