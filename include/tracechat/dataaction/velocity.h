// The subset of Apache Velocity that Genesys Cloud documents for Data Actions
// (request URL, headers, request body and success templates):
//
//   references   $input.x   ${input.x}   quiet $!input.x  $!{input.x}
//                (a missing value prints the reference itself, or nothing when quiet)
//   helpers      $esc.jsonString(ref)  $esc.url(ref) (alias $esc.urlFormEncode)  $esc.uriEncode(ref)
//                with a reference or a quoted string as the argument
//   directives   #if(cond) #elseif(cond) #else #end  (also #{if}... forms)
//   conditions   references, "strings", numbers, true/false/null, ! && || == != < <= > >= ( )
//   comments     ## to the end of the line, #* ... *#;   \$ and \# print $ and #
//   text         #[[ ... ]]# prints what is between as it is (Velocity's unparsed content)
//
// Rendering is one pass: a value that contains `${`, `#` or quotes is printed as it is,
// never evaluated, so an input can never become template code. render() leaves escaping
// to the template ($esc, as in Genesys); render_json() also makes sure a value stays data.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "tracechat/result.h"

namespace boost::json {
class object;
}

namespace tracechat::dataaction {

class VelocityTemplate {
 public:
  // Syntax errors name the line and column: "line 2, column 7: #else without #if".
  static Result<VelocityTemplate> parse(std::string_view source);

  // `context` holds the top-level names (input, esc is built in, translation map
  // results, rawResult...). Values print as their JSON text, strings without quotes.
  std::string render(const boost::json::object& context) const;

  // For a JSON body: a value printed inside a JSON string literal of the template is
  // escaped for it (a $esc.jsonString value is taken as already escaped); a value printed
  // outside one must be a complete JSON value (a number, `true`, a JSON text such as
  // rawRequest) or rendering fails naming the reference. So no input can close a string
  // or add a field, whether or not the template author remembered $esc.jsonString.
  Result<std::string> render_json(const boost::json::object& context) const;

  // The literal text the template starts with, up to its first reference or directive:
  // what every rendering begins with, whatever the inputs. (A URL's scheme and host
  // must lie in it, so that no input can choose where a request goes.)
  std::string leading_text() const;

  VelocityTemplate(VelocityTemplate&&) noexcept;
  VelocityTemplate& operator=(VelocityTemplate&&) noexcept;
  ~VelocityTemplate();

  struct Node;

 private:
  explicit VelocityTemplate(std::unique_ptr<Node> root);
  std::unique_ptr<Node> root_;
};

// The helpers, for callers that escape outside a template.
std::string escape_json_string(std::string_view text);
std::string url_form_encode(std::string_view text);  // space → +
std::string uri_encode(std::string_view text);       // space → %20

}  // namespace tracechat::dataaction
