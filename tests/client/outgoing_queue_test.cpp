// The client's send queue without a server: one message in flight, the 429 retry, pacing
// under the server's rate, recognising its own messages in a replay. Times are passed in,
// never waited for.
#include <gtest/gtest.h>

#include <vector>

#include "client/outgoing.h"

namespace tracechat::client {
namespace {

class OutgoingQueueTest : public ::testing::Test {
 protected:
  // Ids without recording: every message gets its own traceparent.
  trace::TracerProvider provider_{trace::TracerProviderOptions{}};
  trace::Tracer tracer_ = provider_.tracer("outgoing-test");
  trace::Span session_ = tracer_.start_span("session");
  std::uint64_t next_id_ = 0;

  Outgoing message() { return start_outgoing(tracer_, session_.context(), "guest_chat", ++next_id_, "hello"); }
};

TEST_F(OutgoingQueueTest, KeepsOneMessageInFlightAndResendsItAfterA429) {
  OutgoingQueue queue;
  queue.push(message());
  queue.push(message());
  EXPECT_FALSE(queue.busy());
  EXPECT_EQ(queue.next_attempt().attempts, 1);
  queue.sent("r1");
  EXPECT_TRUE(queue.busy());
  EXPECT_TRUE(queue.in_flight("r1"));
  queue.rate_limited();
  EXPECT_FALSE(queue.in_flight("r1"));
  EXPECT_TRUE(queue.busy()) << "nothing goes while the 429 is waited out";
  queue.retry_due();
  EXPECT_FALSE(queue.busy());
  Outgoing& again = queue.next_attempt();
  EXPECT_EQ(again.client_id, 1u) << "the same message, not the next";
  EXPECT_EQ(again.attempts, 2);
  queue.sent("r2");
  auto delivered = queue.delivered("m1");
  ASSERT_TRUE(delivered.has_value());
  EXPECT_EQ(delivered->client_id, 1u);
  EXPECT_FALSE(queue.busy());
  EXPECT_EQ(queue.size(), 1u);
  queue.sent("r3");
  queue.connection_lost();
  EXPECT_FALSE(queue.busy()) << "an unanswered request is resent once the session is back";
  EXPECT_EQ(queue.refused("400 too-long")->client_id, 2u);
  EXPECT_FALSE(queue.delivered("m2").has_value()) << "an empty queue has nothing to deliver";
}

TEST_F(OutgoingQueueTest, PacesTenPercentUnderTheServersRate) {
  OutgoingQueue queue;
  EXPECT_TRUE(queue.take_spare_token()) << "no rate before the first handshake";
  const auto now = OutgoingQueue::Clock::now();
  queue.set_rate(1.1, 1);  // one message per second for the client
  EXPECT_EQ(queue.take_token(now).count(), 0);
  EXPECT_FALSE(queue.pacing());
  EXPECT_EQ(queue.take_token(now).count(), 1000);
  EXPECT_TRUE(queue.pacing());
  queue.pacing_over();
  EXPECT_FALSE(queue.pacing());
  EXPECT_FALSE(queue.take_spare_token(now)) << "typing is skipped when the bucket is empty";
  queue.set_rate(1.1, 1);
  EXPECT_EQ(queue.take_token(now).count(), 1000) << "an unchanged rate keeps the tokens spent";
  queue.set_rate(2.2, 1);
  EXPECT_EQ(queue.take_token(now).count(), 0) << "a new rate starts a new bucket";
}

TEST_F(OutgoingQueueTest, RecognisesTheServersCopiesOfOwnMessagesByTraceparent) {
  OutgoingQueue queue;
  queue.push(message());
  const std::string first = queue.next_attempt().traceparent;
  queue.sent("r1");
  ASSERT_TRUE(queue.delivered("m1").has_value());
  auto copy = queue.recognise_own(first);
  EXPECT_FALSE(copy.repeated);
  EXPECT_EQ(copy.client_id, 1u);
  EXPECT_FALSE(copy.is_front);
  EXPECT_TRUE(queue.recognise_own(first).repeated) << "a second copy is dropped";

  // The acknowledgement was lost with the connection; the replay shows the message.
  queue.push(message());
  const std::string second = queue.next_attempt().traceparent;
  queue.sent("r2");
  queue.connection_lost();
  copy = queue.recognise_own(second);
  EXPECT_TRUE(copy.is_front);
  EXPECT_EQ(copy.client_id, 2u);

  EXPECT_FALSE(queue.recognise_own("00-unknown").client_id.has_value());
}

TEST_F(OutgoingQueueTest, GivingUpFailsEveryMessageInOrder) {
  OutgoingQueue queue;
  for (int i = 0; i < 3; ++i) queue.push(message());
  queue.next_attempt();
  queue.sent("r1");
  std::vector<std::uint64_t> failed;
  queue.fail_all("the session failed", [&](const Outgoing& m) { failed.push_back(m.client_id); });
  EXPECT_EQ(failed, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_TRUE(queue.empty());
  EXPECT_FALSE(queue.busy());
}

}  // namespace
}  // namespace tracechat::client
