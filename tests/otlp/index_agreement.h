// The collector's indexers (index_traces_protobuf, index_traces_json) must judge every
// input as the decoders do: both fail with the same message, or both succeed with the
// same accepted spans (what index_traces notes of the decoded ones) and rejections.
#pragma once

#include <gtest/gtest.h>

#include "tracechat/otlp/decoding.h"

namespace tracechat::test_support {

// What may differ in the indexed attributes (SpanSummary::attributes): nothing, or a
// value the decoder turned into text that index_traces cannot tell from a string (a
// bytesValue as base64, a kvlistValue as JSON), which the indexers leave unindexed.
enum class UntypedValues { absent, possible };

inline void expect_same_indexed_values(const otlp::SpanSummary& expected, const otlp::SpanSummary& indexed,
                                       UntypedValues untyped, std::size_t span, const otlp::IndexedKeys& keys) {
  for (std::size_t k = 0; k < keys.size(); ++k) {
    const auto& a = expected.attributes[k];
    const auto& b = indexed.attributes[k];
    if (untyped == UntypedValues::possible && a.has_value() && !b.has_value()) continue;
    EXPECT_EQ(a.has_value(), b.has_value()) << "span " << span << " " << keys.key(k);
    EXPECT_EQ(a.text(), b.text()) << "span " << span << " " << keys.key(k);
  }
  // The store reads every slot: those past the keys hold nothing.
  for (std::size_t k = keys.size(); k < otlp::kMaxIndexedSpanAttributes; ++k) {
    EXPECT_FALSE(indexed.attributes[k].has_value()) << "span " << span << " slot " << k;
  }
}

// `keys`: those the index was made with.
inline void expect_same_judgement(const Result<otlp::DecodedTraces>& decoded, const Result<otlp::TraceIndex>& indexed,
                                  UntypedValues untyped = UntypedValues::absent,
                                  const otlp::IndexedKeys& keys = otlp::default_indexed_keys()) {
  ASSERT_EQ(decoded.ok(), indexed.ok()) << (decoded.ok() ? indexed.error().message : decoded.error().message);
  if (!decoded.ok()) {
    EXPECT_EQ(decoded.error().message, indexed.error().message);
    return;
  }
  EXPECT_EQ(decoded->rejected_spans, indexed->rejected_spans);
  EXPECT_EQ(decoded->rejection_reason, indexed->rejection_reason);
  const auto expected = otlp::index_traces(*decoded, keys);
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
    expect_same_indexed_values(a, b, untyped, i, keys);
  }
}

}  // namespace tracechat::test_support
