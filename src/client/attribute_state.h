// The client's view of a conversation's attributes: what the session wants there
// (desired) and what the server has confirmed. Only the difference is ever sent, and a
// change is checked against the server's limits before it is accepted, so the server
// never has to truncate or refuse what the client sends.
#pragma once

#include <boost/container/flat_map.hpp>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::client {

struct AttributeLimits {
  std::size_t max_value_chars = 256;  // code points
  std::size_t max_bytes = 2048;       // UTF-8 bytes of every key and value
  std::size_t max_count = 50;
};

// In order; nullopt deletes the key.
using AttributeChanges = std::vector<std::pair<std::string, std::optional<std::string>>>;

class AttributeState {
 public:
  // Applies `changes` to the desired state if every key is valid and the result fits
  // `limits`; otherwise changes nothing and names the first key at fault.
  Result<void> apply(const std::map<std::string, std::optional<std::string>>& changes, const AttributeLimits& limits);
  // Whether `value` would be stored unshortened under `limits` (the context keys must be).
  static bool fits_value(const std::string& value, const AttributeLimits& limits);

  // What differs between the desired state and the server's, in key order.
  AttributeChanges diff() const;
  // The server has taken `sent`.
  void confirm(const AttributeChanges& sent);
  // The server's complete state (guest-chat answers it). A key it truncated is taken as
  // stored, so it is not sent again and again.
  void confirm_all(const std::map<std::string, std::string>& stored, const std::vector<std::string>& truncated);
  // The server refused `sent` for good: the desired state goes back to what it holds, so
  // they are not sent again with every request.
  void abandon(const AttributeChanges& sent);
  // A new conversation: the server holds nothing yet.
  void forget_server();

  // A key's desired value, as the server should hold it; nullopt: deleted, or never set.
  std::optional<std::string> desired_value(const std::string& key) const;

  // What the session wants of a key. A value the server has confirmed is not kept twice
  // (as_confirmed: it is the confirmed one): a load run holds thousands of sessions,
  // each with the trace context's values here.
  struct Wanted {
    std::optional<std::string> value;  // nullopt (and not as_confirmed): delete the key
    bool as_confirmed = false;
  };
  // Sorted vectors rather than trees: a conversation holds a handful of attributes, and
  // a node each (with its allocation) cost a load run's idle session some 400 bytes.
  using Desired = boost::container::flat_map<std::string, Wanted>;
  using Confirmed = boost::container::flat_map<std::string, std::string>;
  const Desired& desired() const { return desired_; }
  const Confirmed& confirmed() const { return confirmed_; }

 private:
  std::optional<std::string> value_of(const std::string& key, const Wanted& wanted) const;
  // Marks `wanted` as the confirmed value when it is equal to it.
  void settle(const std::string& key, Wanted& wanted) const;
  // Every as_confirmed entry gets its value back (before the confirmed state changes).
  void unsettle_all();

  // Invariant: an entry as_confirmed names a key confirmed_ holds.
  Desired desired_;
  Confirmed confirmed_;
};

}  // namespace tracechat::client
