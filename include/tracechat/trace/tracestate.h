// The W3C Trace Context `tracestate` header (Level 2, https://www.w3.org/TR/trace-context-2/):
// an ordered list of at most 32 vendor entries `key=value`, the left-most written by the
// vendor that wrote `traceparent`.
//
// Parsing takes one field value; several `tracestate` field lines are first combined into
// one (trace/propagation.h does that for every reader). It accepts the spec's grammar
// exactly: Level 2 keys (a lowercase letter or digit, then up to 255 of lowercase letters,
// digits, '_', '-', '*', '/', '@'), the printable-ASCII value grammar, optional whitespace
// around members, empty members. A malformed member makes the whole list unusable, since a
// vendor must not propagate a tracestate it cannot parse. A key that comes again is not
// malformed: its left-most member is the most recent position and is kept, the later ones
// are dropped, so a duplicate never costs the other members. More than 32 members after
// that also makes the list unusable. A TraceState is immutable-by-value and cheap to copy
// (shared storage), so every span can carry one.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::trace {

class TraceState {
 public:
  static constexpr std::size_t kMaxMembers = 32;
  static constexpr std::size_t kMaxKeyChars = 256;
  static constexpr std::size_t kMaxValueChars = 256;
  // W3C: vendors SHOULD propagate at least 512 characters; longer headers are cut
  // by whole entries, entries over 128 characters first, then from the end.
  static constexpr std::size_t kDefaultMaxHeaderChars = 512;
  static constexpr std::size_t kLargeEntryChars = 128;

  struct Member {
    std::string key;
    std::string value;
    friend bool operator==(const Member&, const Member&) = default;
  };

  TraceState() = default;

  // One (combined) field value. When `dropped` is given, it receives one line for each
  // member left out of an accepted list (a later duplicate of a key), naming it.
  static Result<TraceState> parse(std::string_view header, std::vector<std::string>* dropped = nullptr);

  static bool valid_key(std::string_view key) noexcept;
  static bool valid_value(std::string_view value) noexcept;

  bool empty() const noexcept { return size() == 0; }
  std::size_t size() const noexcept { return members_ ? members_->size() : 0; }
  const std::vector<Member>& members() const noexcept;
  std::optional<std::string_view> get(std::string_view key) const;

  // A copy with `key` set to `value` and moved to the front (the W3C mutation
  // rule). When a new key would make 33 members, the last member is dropped.
  Result<TraceState> with(std::string_view key, std::string_view value) const;
  // A copy without `key` (unchanged if absent).
  TraceState without(std::string_view key) const;

  // The header value, applying the truncation rule when it would exceed max_chars:
  // whole entries go, those over 128 characters first, then from the end; either way
  // the right-most go first, since the left-most entry belongs to the traceparent's
  // vendor. Empty when nothing is left (a sender then sends no tracestate at all).
  std::string to_header(std::size_t max_chars = kDefaultMaxHeaderChars) const;

  friend bool operator==(const TraceState& a, const TraceState& b) { return a.members() == b.members(); }

 private:
  explicit TraceState(std::vector<Member> members);
  std::shared_ptr<const std::vector<Member>> members_;
};

}  // namespace tracechat::trace
