// {{key}} placeholders in a flow file, filled in before the file is read, as the
// Terraform provider's genesyscloud_flow resource does with its `substitutions` before
// Archy sees the file: plain text replacement, anywhere in the text (so a placeholder
// may stand where YAML would not take a bare `{{`, as an unquoted mapping key).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::emulator {

using FlowSubstitutions = std::map<std::string, std::string>;

struct SubstitutedText {
  std::string text;
  // Where a value went in: the 1-based line of `text` and the key. A YAML error on such
  // a line may be the value's doing, and its message says so.
  std::vector<std::pair<int, std::string>> substituted;
};

// A key a substitution may have: not empty, no braces, no line break.
Result<void> check_substitution_key(std::string_view key);

// Replaces every {{key}} with a value. A placeholder left without one (a {{name}} whose
// name is letters, digits, '_', '.' or '-', on a line that is not a comment) is an error
// naming `file`, the line and the key: the file would reach the platform with it.
Result<SubstitutedText> substitute(std::string_view text, const FlowSubstitutions& substitutions,
                                   std::string_view file);

}  // namespace tracechat::emulator
