#include "tracechat/trace/tracestate.h"

#include <algorithm>

#include "text.h"

namespace tracechat::trace {
namespace {

bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_keychar(char c) { return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/'; }
// nblk-chr = %x21-2B / %x2D-3C / %x3E-7E  (printable, not ',' or '=')
bool is_nblk_chr(char c) { return c >= 0x21 && c <= 0x7e && c != ',' && c != '='; }

// first-char-ok, then up to max_tail keychars
bool valid_key_part(std::string_view s, bool digit_may_lead, std::size_t max_tail) {
  if (s.empty() || s.size() > 1 + max_tail) return false;
  if (!(is_lcalpha(s[0]) || (digit_may_lead && is_digit(s[0])))) return false;
  return std::all_of(s.begin() + 1, s.end(), is_keychar);
}

using detail::quoted;
using detail::trim_ows;

}  // namespace

TraceState::TraceState(std::vector<Member> members)
    : members_(members.empty() ? nullptr : std::make_shared<const std::vector<Member>>(std::move(members))) {}

const std::vector<TraceState::Member>& TraceState::members() const noexcept {
  static const std::vector<Member> kNone;
  return members_ ? *members_ : kNone;
}

// key              = simple-key / multi-tenant-key
// simple-key       = lcalpha 0*255( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
// multi-tenant-key = tenant-id "@" system-id
// tenant-id        = ( lcalpha / DIGIT ) 0*240( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
// system-id        = lcalpha 0*13( lcalpha / DIGIT / "_" / "-"/ "*" / "/" )
bool TraceState::valid_key(std::string_view key) noexcept {
  const auto at = key.find('@');
  if (at == std::string_view::npos) return valid_key_part(key, false, 255);
  return valid_key_part(key.substr(0, at), true, 240) && valid_key_part(key.substr(at + 1), false, 13);
}

// value = 0*255(chr) nblk-chr ; chr = %x20 / nblk-chr
bool TraceState::valid_value(std::string_view value) noexcept {
  if (value.empty() || value.size() > 256) return false;
  if (!is_nblk_chr(value.back())) return false;
  return std::all_of(value.begin(), value.end(), [](char c) { return c == ' ' || is_nblk_chr(c); });
}

Result<TraceState> TraceState::parse(std::string_view header) {
  std::vector<Member> members;
  std::size_t index = 0;
  while (true) {
    const auto comma = header.find(',');
    const std::string_view member = trim_ows(header.substr(0, comma));
    ++index;
    if (!member.empty()) {
      const auto eq = member.find('=');
      const std::string where = "invalid tracestate: list-member " + std::to_string(index) + " " + quoted(member);
      if (eq == std::string_view::npos) return Error{where + ": expected key=value"};
      const std::string_view key = member.substr(0, eq);
      const std::string_view value = member.substr(eq + 1);
      if (!valid_key(key)) {
        return Error{where + ": key " + quoted(key) +
                     " must be lowercase letters, digits, '_', '-', '*', '/' (optionally tenant@system), "
                     "starting with a letter"};
      }
      if (!valid_value(value)) {
        return Error{where +
                     ": value must be 1-256 printable ASCII characters other than ',' and '=', "
                     "not ending in a space"};
      }
      for (const auto& m : members) {
        if (m.key == key) return Error{where + ": duplicate key " + quoted(key)};
      }
      if (members.size() == kMaxMembers) {
        return Error{"invalid tracestate: more than " + std::to_string(kMaxMembers) + " list-members"};
      }
      members.push_back(Member{std::string(key), std::string(value)});
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
  // Entries larger than 128 characters go first, then entries from the end.
  for (std::size_t i = 0; i < all.size() && total > max_chars; ++i) {
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
