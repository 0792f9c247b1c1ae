#include "tracechat/trace/traceparent.h"

#include <gtest/gtest.h>

#include "tracechat/trace/span_context.h"

using namespace tracechat::trace;

namespace {
constexpr const char* kSampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
constexpr const char* kNotSampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00";

void expect_invalid(std::string_view header, std::string_view reason) {
  const auto parsed = parse_traceparent(header);
  ASSERT_FALSE(parsed.ok()) << "accepted: " << header;
  EXPECT_NE(parsed.error().message.find(reason), std::string::npos)
      << "message '" << parsed.error().message << "' should mention '" << reason << "'";
}
}  // namespace

// The two examples of the spec's "Examples of HTTP traceparent Headers".
TEST(TraceParent, SpecExampleSampled) {
  const auto p = parse_traceparent(kSampled);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->version, 0);
  EXPECT_EQ(p->trace_id.hex(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(p->parent_id.hex(), "00f067aa0ba902b7");
  EXPECT_TRUE(p->flags.sampled());
  EXPECT_FALSE(p->flags.random());
}

TEST(TraceParent, SpecExampleNotSampled) {
  const auto p = parse_traceparent(kNotSampled);
  ASSERT_TRUE(p.ok());
  EXPECT_FALSE(p->flags.sampled());
}

// The examples used in the spec's tracestate section and mutation walk-through.
TEST(TraceParent, SpecRelationshipExamples) {
  for (const char* h : {"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
                        "00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01",
                        "00-0af7651916cd43dd8448eb211c80319c-b9c7c989f97918e1-01"}) {
    const auto p = parse_traceparent(h);
    ASSERT_TRUE(p.ok()) << h;
    EXPECT_EQ(format_traceparent(p->trace_id, p->parent_id, p->flags), h);
  }
}

TEST(TraceParent, RandomFlagLevel2) {
  const auto p = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->flags.sampled());
  EXPECT_TRUE(p->flags.random());
  const auto q = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02");
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->flags.sampled());
  EXPECT_TRUE(q->flags.random());
}

TEST(TraceParent, UnknownFlagsAreParsedButNeverSent) {
  // "09" = sampled + an undefined bit: the sampled bit must be read by masking.
  const auto p = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-09");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->flags.sampled());
  EXPECT_EQ(p->flags.bits(), 0x09);
  EXPECT_EQ(format_traceparent(p->trace_id, p->parent_id, p->flags),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  const auto all = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-ff");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(format_traceparent(all->trace_id, all->parent_id, all->flags),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
}

TEST(TraceParent, SurroundingOptionalWhitespaceIsNotPartOfTheValue) {
  EXPECT_TRUE(parse_traceparent(std::string(" \t") + kSampled + " ").ok());
}

TEST(TraceParent, Version00IsExactly55Characters) {
  expect_invalid(std::string(kSampled) + "-", "exactly 55");
  expect_invalid(std::string(kSampled) + "-extra", "exactly 55");
  expect_invalid(std::string(kSampled).substr(0, 54), "exactly 55");
  expect_invalid("", "version");
  expect_invalid("00", "version");
}

TEST(TraceParent, VersionFfIsForbidden) {
  expect_invalid("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version ff");
}

TEST(TraceParent, VersionMustBeTwoLowercaseHexDigits) {
  expect_invalid("0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version");
  expect_invalid("0x-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version");
  expect_invalid("AA-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version");
  expect_invalid("000-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version");
}

TEST(TraceParent, HigherVersionsParseByForwardCompatibility) {
  // Exactly 55 characters.
  auto p = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->version, 0xcc);
  EXPECT_TRUE(p->flags.sampled());
  // Further fields after a dash are ignored.
  p = parse_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-the-future-will-be-like");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->parent_id.hex(), "00f067aa0ba902b7");
  // And a version 00 header is what we would send on.
  EXPECT_EQ(format_traceparent(p->trace_id, p->parent_id, p->flags), kSampled);
  // The flags must be followed by a dash or the end.
  expect_invalid("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.what-the-future-will-be-like",
                 "followed by '-'");
  // Shorter than 55: not parsed.
  expect_invalid("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0", "shorter than 55");
  // The shared fields are still checked.
  expect_invalid("cc-4bf92f3577b34da6a3ce929d0e0e473-000f067aa0ba902b7-01", "trace-id");
  expect_invalid("cc-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace-id is all zeros");
}

TEST(TraceParent, TraceIdRules) {
  expect_invalid("00-00000000000000000000000000000000-00f067aa0ba902b7-01", "trace-id is all zeros");
  expect_invalid("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", "trace-id");
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01", "trace-id");
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e47.6-00f067aa0ba902b7-01", "trace-id");
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e47360-0f067aa0ba902b7-01", "'-' after trace-id");
}

TEST(TraceParent, ParentIdRules) {
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "parent-id is all zeros");
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e4736-00F067AA0BA902B7-01", "parent-id");
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-701", "parent-id");
}

TEST(TraceParent, FlagsRules) {
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-0x", "trace-flags");
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-AB", "trace-flags");
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7_01", "'-' after parent-id");
}

TEST(TraceParent, DelimitersMustBeDashes) {
  expect_invalid("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "version");
  expect_invalid("00-4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7-01", "'-' after trace-id");
}

TEST(TraceParent, ErrorQuotesTheHeaderBounded) {
  const std::string huge(10000, 'a');
  const auto p = parse_traceparent(huge);
  ASSERT_FALSE(p.ok());
  EXPECT_LT(p.error().message.size(), 200u);
}

TEST(TraceParent, FormatWritesVersion00) {
  const auto t = *TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736");
  const auto s = *SpanId::from_hex("00f067aa0ba902b7");
  EXPECT_EQ(format_traceparent(t, s, TraceFlags(TraceFlags::kSampled)), kSampled);
  EXPECT_EQ(format_traceparent(t, s, TraceFlags()), kNotSampled);
  char buffer[kTraceParentSize];
  format_traceparent(t, s, TraceFlags(3), buffer);
  EXPECT_EQ(std::string_view(buffer, kTraceParentSize), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-03");
}

TEST(SpanContext, FromHeaders) {
  auto c = SpanContext::from_headers(kSampled, "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->remote);
  EXPECT_TRUE(c->valid());
  EXPECT_TRUE(c->sampled());
  EXPECT_EQ(c->trace_state.size(), 2u);
  EXPECT_EQ(c->traceparent(), kSampled);

  // A bad tracestate must not affect traceparent: it is dropped.
  c = SpanContext::from_headers(kSampled, "Invalid Key=1");
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->trace_state.empty());

  EXPECT_FALSE(SpanContext::from_headers("00-00000000000000000000000000000000-00f067aa0ba902b7-01").ok());
}
