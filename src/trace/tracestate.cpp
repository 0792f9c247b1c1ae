#include "tracechat/trace/tracestate.h"

#include <algorithm>

#include "text.h"

namespace tracechat::trace {
namespace {

bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
// keychar = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
bool is_keychar(char c) {
  return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/' || c == '@';
}
// nblk-chr = %x21-2B / %x2D-3C / %x3E-7E  (printable, not ',' or '=')
bool is_nblk_chr(char c) { return c >= 0x21 && c <= 0x7e && c != ',' && c != '='; }

using detail::quoted;
using detail::trim_ows;

// What is wrong with a key that TraceState::valid_key refuses, in a user's words.
std::string key_problem(std::string_view key) {
  if (key.empty()) return "the key is empty";
  if (key.size() > TraceState::kMaxKeyChars) {
    return "key " + quoted(key) + " is " + std::to_string(key.size()) + " characters, at most 256";
  }
  if (!is_lcalpha(key[0]) && !is_digit(key[0])) {
    return "key " + quoted(key) + " must start with a lowercase letter or a digit";
  }
  const auto bad = std::find_if_not(key.begin() + 1, key.end(), is_keychar);
  return "key " + quoted(key) + " has " + quoted(std::string_view(&*bad, 1)) + " at position " +
         std::to_string(bad - key.begin() + 1) +
         "; after the first character a key has only lowercase letters, "
         "digits, '_', '-', '*', '/' and '@'";
}

}  // namespace

TraceState::TraceState(std::vector<Member> members)
    : members_(members.empty() ? nullptr : std::make_shared<const std::vector<Member>>(std::move(members))) {}

const std::vector<TraceState::Member>& TraceState::members() const noexcept {
  static const std::vector<Member> kNone;
  return members_ ? *members_ : kNone;
}

// key = ( lcalpha / DIGIT ) 0*255 ( keychar )
// Level 2's single rule: Level 1's tenant@system split (241 + 14 characters, a system
// starting with a letter) is gone, so "1abc", "foo@" and "a@b@c" are keys.
bool TraceState::valid_key(std::string_view key) noexcept {
  if (key.empty() || key.size() > kMaxKeyChars) return false;
  if (!is_lcalpha(key[0]) && !is_digit(key[0])) return false;
  return std::all_of(key.begin() + 1, key.end(), is_keychar);
}

// value = 0*255(chr) nblk-chr ; chr = %x20 / nblk-chr
bool TraceState::valid_value(std::string_view value) noexcept {
  if (value.empty() || value.size() > kMaxValueChars) return false;
  if (!is_nblk_chr(value.back())) return false;
  return std::all_of(value.begin(), value.end(), [](char c) { return c == ' ' || is_nblk_chr(c); });
}

// list = list-member 0*31( OWS "," OWS list-member ) ; list-member = key "=" value / OWS
Result<TraceState> TraceState::parse(std::string_view header, std::vector<std::string>* dropped) {
  std::vector<Member> members;
  std::size_t index = 0;
  while (true) {
    const auto comma = header.find(',');
    // Spaces and tabs around a member are not part of it; a value's own leading spaces
    // are, since the member is trimmed before it is split at '='.
    const std::string_view member = trim_ows(header.substr(0, comma));
    ++index;
    // Empty members are what combining several field lines (one of them empty) or a
    // sender's ", " habit leaves: allowed, and not counted as members.
    if (!member.empty()) {
      const auto eq = member.find('=');
      const std::string where = "invalid tracestate: list-member " + std::to_string(index) + " " + quoted(member);
      if (eq == std::string_view::npos) return Error{where + ": expected key=value"};
      const std::string_view key = member.substr(0, eq);
      const std::string_view value = member.substr(eq + 1);
      if (!valid_key(key)) return Error{where + ": " + key_problem(key)};
      if (!valid_value(value)) {
        return Error{where +
                     ": value must be 1-256 printable ASCII characters other than ',' and '=', "
                     "not ending in a space"};
      }
      const bool seen = std::any_of(members.begin(), members.end(), [&](const Member& m) { return m.key == key; });
      if (seen) {
        if (dropped != nullptr) {
          dropped->push_back("tracestate list-member " + std::to_string(index) + " " + quoted(member) +
                             " dropped: key " + quoted(key) + " came earlier, and only its left-most member is kept");
        }
      } else {
        // Counted after duplicates are dropped, so a repeated key cannot push the others out.
        if (members.size() == kMaxMembers) {
          return Error{"invalid tracestate: more than " + std::to_string(kMaxMembers) + " list-members"};
        }
        members.push_back(Member{std::string(key), std::string(value)});
      }
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return TraceState(std::move(members));
}

std::optional<std::string_view> TraceState::get(std::string_view key) const {
  for (const auto& m : members()) {
    if (m.key == key) return std::string_view(m.value);
  }
  return std::nullopt;
}

Result<TraceState> TraceState::with(std::string_view key, std::string_view value) const {
  if (!valid_key(key)) return Error{"invalid tracestate key " + quoted(key)};
  if (!valid_value(value)) return Error{"invalid tracestate value " + quoted(value) + " for key " + quoted(key)};
  std::vector<Member> updated;
  updated.reserve(size() + 1);
  updated.push_back(Member{std::string(key), std::string(value)});
  for (const auto& m : members()) {
    if (m.key != key) updated.push_back(m);
  }
  if (updated.size() > kMaxMembers) updated.pop_back();
  return TraceState(std::move(updated));
}

TraceState TraceState::without(std::string_view key) const {
  if (!get(key)) return *this;
  std::vector<Member> kept;
  for (const auto& m : members()) {
    if (m.key != key) kept.push_back(m);
  }
  return TraceState(std::move(kept));
}

std::string TraceState::to_header(std::size_t max_chars) const {
  const auto& all = members();
  const auto entry_chars = [](const Member& m) { return m.key.size() + 1 + m.value.size(); };
  std::size_t total = 0;
  for (const auto& m : all) total += entry_chars(m);
  if (!all.empty()) total += all.size() - 1;  // commas

  std::vector<bool> keep(all.size(), true);
  const auto drop = [&](std::size_t i) {
    keep[i] = false;
    total -= entry_chars(all[i]);
    // One comma fewer, unless this was the only entry left.
    if (total > 0) total -= 1;
  };
  // W3C: "Entries larger than 128 characters long SHOULD be removed first. Then entries
  // SHOULD be removed starting from the end of tracestate." Both passes start at the end,
  // so the left-most entry, the traceparent vendor's, is the last to go.
  for (std::size_t i = all.size(); i-- > 0 && total > max_chars;) {
    if (entry_chars(all[i]) > kLargeEntryChars) drop(i);
  }
  for (std::size_t i = all.size(); i-- > 0 && total > max_chars;) {
    if (keep[i]) drop(i);
  }

  std::string out;
  out.reserve(total);
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (!keep[i]) continue;
    if (!out.empty()) out.push_back(',');
    out.append(all[i].key).push_back('=');
    out.append(all[i].value);
  }
  return out;
}

}  // namespace tracechat::trace
