// The guest's messages on their way out (docs/client.md, "Sending"): a queue with one
// message in flight at a time, so that order holds through retries; paced by a token
// bucket at the server's rate; a 429 waited out and the same message resent; and the
// server's copies of own messages recognised by traceparent, because after a reconnect
// the replay may show a message whose acknowledgement was lost with the connection, or
// show one a second time.
//
// Not thread-safe, and it needs no lock: SessionCore owns it and uses it only on the
// loop's thread. SessionCore decides when sending is possible at all (the session's
// state, the connection, the attach request), renders and sends the request and arms the
// timers; this class keeps what is queued and says what may go next.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <utility>

#include "attribute_state.h"
#include "common/token_bucket.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::client {

// One message: the text, its producer span (chat.send_message, started when the caller
// sends, so queueing and rate-limit waits are inside it) and the traceparent that travels
// with the request.
struct Outgoing {
  std::uint64_t client_id = 0;
  std::string text;
  std::optional<std::string> payload;  // a quick reply's answer: the button's payload
  trace::Span span;
  std::string traceparent;
  int attempts = 0;
  AttributeChanges carried;  // Web Messaging: attributes sent along with it
};

Outgoing start_outgoing(const trace::Tracer& tracer, const trace::SpanContext& session,
                        std::string_view messaging_system, std::uint64_t client_id, std::string text,
                        std::optional<std::string> payload = std::nullopt, bool record_text = false);

class OutgoingQueue {
 public:
  using Clock = std::chrono::steady_clock;

  bool empty() const { return queue_.empty(); }
  std::size_t size() const { return queue_.size(); }
  void push(Outgoing message) { queue_.push_back(std::move(message)); }

  // The server's rate (from each handshake). The bucket runs 10% under it: the server
  // refills its bucket by the time a message arrives, the client by the time it leaves,
  // and the slack absorbs the difference in transit times, which would otherwise now and
  // then cost a 429. An unchanged rate keeps the bucket, and with it the tokens spent.
  void set_rate(double messages_per_second, double burst);
  // A token for something advisory (typing): true if one was there and is now taken.
  bool take_spare_token(Clock::time_point now = Clock::now());

  // ---- the front message -------------------------------------------------------------
  // Nothing goes while the front is in flight or waits out a 429.
  bool busy() const { return in_flight_.has_value() || waiting_retry_; }
  // Nor while the pacing timer runs.
  bool pacing() const { return pacing_; }
  // Takes a token for the front: zero when it may go now; otherwise how long until a
  // token is there, and the queue is pacing until pacing_over().
  std::chrono::milliseconds take_token(Clock::time_point now = Clock::now());
  void pacing_over() { pacing_ = false; }
  // The front, counting one more attempt at sending it. Not on an empty queue.
  Outgoing& next_attempt();
  // Its request went out under `correlation`.
  void sent(std::string correlation) { in_flight_ = std::move(correlation); }
  bool in_flight(const std::string& correlation) const { return in_flight_ && *in_flight_ == correlation; }
  // A 429 for the front: it goes again after the wait, when the caller says retry_due().
  void rate_limited() {
    in_flight_.reset();
    waiting_retry_ = true;
  }
  void retry_due() { waiting_retry_ = false; }
  // The server refused the attributes the front carried (Web Messaging): it goes again
  // without them. Returns what it carried.
  bool front_carries() const { return !queue_.empty() && !queue_.front().carried.empty(); }
  AttributeChanges resend_without_attributes() {
    in_flight_.reset();
    return queue_.empty() ? AttributeChanges{} : std::exchange(queue_.front().carried, {});
  }
  // The connection is gone: the front's request is unanswered. It is resent, unless the
  // replay shows the server has it (recognise_own).
  void connection_lost() {
    in_flight_.reset();
    waiting_retry_ = false;
  }

  // ---- endings: each ends the message's span and takes it off the queue ---------------
  // The server took the front. It is remembered by traceparent, so that its copy in the
  // conversation is named. nullopt: the queue was empty.
  std::optional<Outgoing> delivered(const std::string& message_id);
  std::optional<Outgoing> refused(const std::string& error);
  // Gives up every message, in order, telling `failed` about each after its span ended.
  void fail_all(const std::string& why, const std::function<void(const Outgoing&)>& failed);

  // ---- own messages as the server shows them ------------------------------------------
  struct OwnCopy {
    bool repeated = false;                   // shown before: the second copy of a message sent twice
    std::optional<std::uint64_t> client_id;  // whose copy it is, when it is one of ours
    bool is_front = false;                   // the front, whose acknowledgement was lost: it is delivered
  };
  // Looks up the copy by its key (the traceparent, else the request's correlation).
  OwnCopy recognise_own(const std::string& key);

 private:
  // How many delivered and shown own messages are remembered to recognise copies.
  static constexpr std::size_t kRemembered = 512;

  Outgoing pop_front();

  // Lists, not deques: an empty std::deque allocates 600 bytes, and a load run holds
  // thousands of sessions with nothing queued.
  std::list<Outgoing> queue_;
  std::optional<std::string> in_flight_;  // the front's request, while unanswered
  bool waiting_retry_ = false;
  bool pacing_ = false;
  std::optional<TokenBucket> bucket_;     // from the first handshake on
  std::pair<double, double> rate_{0, 0};  // the server's rate the bucket was made for
  // The own messages delivered (traceparent, client id) and the keys of the copies shown.
  std::list<std::pair<std::string, std::uint64_t>> delivered_;
  std::list<std::string> shown_own_;
};

}  // namespace tracechat::client
