// The W3C Trace Context `tracestate` header: an ordered list of at most 32 vendor
// entries `key=value`.
//
// Parsing accepts the spec's grammar exactly (simple keys and `tenant@system` keys,
// the printable-ASCII value grammar, optional whitespace around members, empty
// members) and rejects the whole header for any invalid member, a duplicate key or
// more than 32 members, since a vendor must not propagate a tracestate it cannot
// parse. A TraceState is immutable-by-value and cheap to copy (shared storage), so
// every span can carry one.
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

  // Several `tracestate` header fields are combined by joining them with ','
  // before parsing (RFC 9110 field order).
  static Result<TraceState> parse(std::string_view header);

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

  // The header value, applying the truncation rule when it would exceed max_chars.
  std::string to_header(std::size_t max_chars = kDefaultMaxHeaderChars) const;

  friend bool operator==(const TraceState& a, const TraceState& b) { return a.members() == b.members(); }

 private:
  explicit TraceState(std::vector<Member> members);
  std::shared_ptr<const std::vector<Member>> members_;
};

}  // namespace tracechat::trace
