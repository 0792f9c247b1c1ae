// Attribute changes once the session is up (docs/client.md, "Attributes: a budget, and
// only what changed"). On guest-chat a set-attributes request carries what differs from
// the server's confirmed state, one request at a time; when it is answered, whatever
// changed meanwhile goes next. Web Messaging has no request for attributes alone: there
// a change rides on the next message (SessionCore::send_front), and this class is idle.
//
// Not thread-safe, and it needs no lock of its own: SessionCore owns it and uses it only
// on the loop's thread. The attribute state it diffs and confirms is SessionShared's,
// reached through with_attributes, which takes SessionShared's mutex for the moment.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "attribute_state.h"
#include "dialect.h"
#include "session_shared.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::client {

class AttributeSync {
 public:
  bool in_flight() const { return correlation_.has_value(); }
  bool answers(const std::string& correlation) const { return correlation_ && *correlation_ == correlation; }

  // A set-attributes request for what differs now, or nullopt when nothing does. Its span
  // covers sending the request; the answer is reported by event.
  std::optional<Request> request(SessionShared& shared, const trace::Tracer& tracer, const trace::SpanContext& session);
  void sent(std::string correlation) { correlation_ = std::move(correlation); }
  // The answer. A value the server truncated is a warning.
  std::optional<Warning> accepted(SessionShared& shared, const Accepted& answer);
  Warning refused(const Refused& answer);
  void connection_lost() {
    correlation_.reset();
    sent_ = {};
  }

 private:
  std::optional<std::string> correlation_;  // the request in flight
  AttributeChanges sent_;                   // what it carries
};

// ---- shared with the context attachment, which sends attributes too -------------------
// The server took `sent`; guest-chat's answer says everything it holds now, which wins.
void confirm_answer(SessionShared& shared, const Accepted& answer, const AttributeChanges& sent);
Warning attributes_refused(const Refused& answer);
// For the span attribute chat.attributes.keys: the keys, never the values.
std::vector<std::string> keys_of(const AttributeChanges& changes);

}  // namespace tracechat::client
