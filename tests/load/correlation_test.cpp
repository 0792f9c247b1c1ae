// The correlation check on traces written straight into a store: a message counts only
// when a Data Action (bridge SERVER) span is the child of its own chat.send_message span.
#include "tracechat/load/correlation.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/span_store_files.h"
#include "tracechat/conventions.h"

using namespace tracechat;
namespace fs = std::filesystem;

namespace {

// A store for one test, removed when it ends.
struct TempDb : test_support::TempSpanStore {
  TempDb() : TempSpanStore("correlation") {}
};

std::shared_ptr<const trace::SpanOrigin> origin(const std::string& service) {
  auto o = std::make_shared<trace::SpanOrigin>();
  o->resource = std::make_shared<const trace::Resource>(trace::Attributes{{"service.name", service}});
  return o;
}

class Correlation : public ::testing::Test {
 protected:
  // A span of the guest's trace `t`; its id from `n`.
  trace::SpanData& add(const std::string& t, int n, int parent, const std::string& name, trace::SpanKind kind,
                       const std::string& service) {
    auto s = std::make_unique<trace::SpanData>();
    s->context.trace_id = *trace::TraceId::from_hex(t);
    s->context.span_id = id(n);
    if (parent != 0) s->parent_span_id = id(parent);
    s->name = name;
    s->kind = kind;
    s->start_time_unix_nano = 1764000000000000000ULL + n * 1000000ULL;
    s->end_time_unix_nano = s->start_time_unix_nano + 2000000ULL;  // 2 ms
    s->origin = origin(service);
    spans_.push_back(std::move(s));
    return *spans_.back();
  }
  static trace::SpanId id(int n) {
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016x", n);
    return *trace::SpanId::from_hex(hex);
  }
  void send(const std::string& t, int n) {
    add(t, n, 1, std::string(conventions::kSendMessageSpan), trace::SpanKind::producer, "guest-chat-ui");
  }
  trace::SpanData& data_action(const std::string& t, int n, int parent) {
    return add(t, n, parent, "dataaction Order lookup", trace::SpanKind::server, "dataaction-bridge");
  }
  load::CorrelationReport check(const std::vector<load::GuestRecord>& guests) {
    auto store = collector::SpanStore::open(db_.path, collector::StoreAccess::write);
    EXPECT_TRUE(store.ok());
    EXPECT_TRUE((*store)->insert(spans_).ok());
    auto report = load::check_correlation(**store, guests);
    EXPECT_TRUE(report.ok());
    return *report;
  }

  TempDb db_;
  std::vector<std::unique_ptr<trace::SpanData>> spans_;
};

constexpr const char* kA = "4bf92f3577b34da6a3ce929d0e0e4736";
constexpr const char* kB = "5bf92f3577b34da6a3ce929d0e0e4737";

TEST_F(Correlation, EveryMessageWithItsDataActionUnderItsSendSpan) {
  add(kA, 1, 0, "chat.session", trace::SpanKind::internal, "guest-chat-ui");
  send(kA, 2);
  data_action(kA, 3, 2);
  send(kA, 4);
  data_action(kA, 5, 4).status.code = trace::StatusCode::error;  // failed, but in its place
  add(kA, 6, 5, "dataaction Order lookup upstream", trace::SpanKind::client, "dataaction-bridge");
  const auto r = check({{0, load::GuestKind::guest_chat, kA, 2, false}});
  EXPECT_EQ(r.messages, 2u);
  EXPECT_EQ(r.correlated, 2u);
  EXPECT_EQ(r.data_action_spans, 2u);
  EXPECT_EQ(r.data_action_errors, 1u);
  EXPECT_EQ(r.data_action.count(), 2u);
  EXPECT_EQ(r.data_action.max(), std::chrono::microseconds(2000));
  EXPECT_DOUBLE_EQ(r.share(), 1.0);
  EXPECT_TRUE(r.first_failures.empty());
}

TEST_F(Correlation, ADataActionElsewhereInTheTraceDoesNotCount) {
  add(kA, 1, 0, "chat.session", trace::SpanKind::internal, "guest-chat-ui");
  send(kA, 2);
  send(kA, 3);
  data_action(kA, 4, 2);
  data_action(kA, 5, 2);  // two calls under one message do not make up for the other's
  data_action(kA, 6, 1);  // under the session (a Join's flow run), not under a message
  const auto r = check({{7, load::GuestKind::web_messaging, kA, 2, false}});
  EXPECT_EQ(r.correlated, 1u);
  EXPECT_EQ(r.data_action_spans, 3u);
  EXPECT_DOUBLE_EQ(r.share(), 0.5);
  ASSERT_EQ(r.first_failures.size(), 1u);
  EXPECT_EQ(r.first_failures[0],
            std::string("web-messaging guest 7 (trace ") + kA +
                "): 1 of 2 acknowledged messages have no Data Action span under their chat.send_message span (2 "
                "send spans in the trace)");
}

TEST_F(Correlation, AMissingTraceIsCountedAndNamed) {
  add(kA, 1, 0, "chat.session", trace::SpanKind::internal, "guest-chat-ui");
  send(kA, 2);
  data_action(kA, 3, 2);
  const auto r = check({{0, load::GuestKind::guest_chat, kA, 1, false},
                        {1, load::GuestKind::guest_chat, kB, 3, false},
                        {2, load::GuestKind::guest_chat, "", 0, true}});  // sent nothing: nothing to check
  EXPECT_EQ(r.messages, 4u);
  EXPECT_EQ(r.correlated, 1u);
  EXPECT_EQ(r.traces_missing, 1u);
  ASSERT_EQ(r.first_failures.size(), 1u);
  EXPECT_EQ(r.first_failures[0], std::string("guest-chat guest 1 (trace ") + kB + "): the trace is not in the store");
}

}  // namespace
