// HCL (Terraform) text laid out as `terraform fmt` lays it out — two-space indents, the
// `=` of consecutive one-line attributes aligned — so that a generated file passes
// `terraform fmt -check` and reads like one a person wrote. The writer only arranges what
// it is given: keys and expressions are HCL source already (escape strings with
// hcl_string).
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace tracechat::generators::detail {

class HclBody {
 public:
  // key = expression, on one line.
  HclBody& attribute(std::string key, std::string expression);
  // key = <open> ... <close> over several lines: `headers = {`, `x = jsonencode({` ... `})`.
  HclBody& attribute(std::string key, std::string open, HclBody body, std::string close);
  // A block: `resource "type" "name" {` ... `}`; `provider "x" {}` when the body is empty.
  HclBody& block(std::string header, HclBody body);
  // Comment lines, "# " before each line of `text`.
  HclBody& comment(const std::string& text);
  HclBody& blank();

  bool empty() const { return items_.empty(); }
  std::string render(int indent = 0) const;

 private:
  struct Item {
    enum class Kind { attribute, multiline, block, comment, blank } kind;
    std::string key, text, close;  // text: the expression, the opening, the header or the comment
    std::vector<Item> body;
  };
  std::vector<Item> items_;
};

// A JSON object as the items of an HCL object constructor ("key" = value, nested objects
// on their own lines, arrays of strings and numbers on one), for jsonencode({...}) and maps.
HclBody hcl_object(const boost::json::object& object);

}  // namespace tracechat::generators::detail
