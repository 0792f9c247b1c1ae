// The collector's indexers (index_traces_protobuf, index_traces_json) must judge every
// input as the decoders do: both fail with the same message, or both succeed with the
// same accepted spans (what index_traces notes of the decoded ones) and rejections.
#pragma once

#include <gtest/gtest.h>

#include "tracechat/otlp/decoding.h"

namespace tracechat::test_support {

inline void expect_same_judgement(const Result<otlp::DecodedTraces>& decoded, const Result<otlp::TraceIndex>& indexed) {
  ASSERT_EQ(decoded.ok(), indexed.ok()) << (decoded.ok() ? indexed.error().message : decoded.error().message);
  if (!decoded.ok()) {
    EXPECT_EQ(decoded.error().message, indexed.error().message);
    return;
  }
  EXPECT_EQ(decoded->rejected_spans, indexed->rejected_spans);
  EXPECT_EQ(decoded->rejection_reason, indexed->rejection_reason);
  const auto expected = otlp::index_traces(*decoded);
  ASSERT_EQ(expected.spans.size(), indexed->spans.size());
  for (std::size_t i = 0; i < expected.spans.size(); ++i) {
    const auto& a = expected.spans[i];
    const auto& b = indexed->spans[i];
    EXPECT_EQ(a.trace_id, b.trace_id) << i;
    EXPECT_EQ(a.span_id, b.span_id) << i;
    EXPECT_EQ(a.has_parent, b.has_parent) << i;
    EXPECT_EQ(a.name, b.name) << i;
    EXPECT_EQ(a.start_unix_nano, b.start_unix_nano) << i;
    EXPECT_EQ(a.end_unix_nano, b.end_unix_nano) << i;
    EXPECT_EQ(a.error, b.error) << i;
    EXPECT_EQ(a.service, b.service) << i;
  }
}

}  // namespace tracechat::test_support
