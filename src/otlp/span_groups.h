// Spans grouped the way OTLP nests them: by resource, then by instrumentation scope
// (one SpanOrigin per tracer). Shared by the JSON and protobuf encoders.
// Internal to the OTLP part.
#pragma once

#include <algorithm>
#include <memory>
#include <span>
#include <vector>

#include "tracechat/trace/span_data.h"

namespace tracechat::otlp::detail {

struct ScopeGroup {
  const trace::SpanOrigin* origin;  // may be null: empty scope
  std::vector<const trace::SpanData*> spans;
};

struct ResourceGroup {
  const trace::Resource* resource;
  std::vector<ScopeGroup> scopes;
};

// Batches hold few distinct resources and scopes, so a linear search beats a map.
inline std::vector<ResourceGroup> group_spans(std::span<const trace::SpanData* const> spans) {
  std::vector<ResourceGroup> groups;
  for (const trace::SpanData* span : spans) {
    if (span == nullptr) continue;
    const trace::Resource* resource = &span->resource();
    const trace::SpanOrigin* origin = span->origin.get();
    auto rg = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.resource == resource; });
    if (rg == groups.end()) rg = groups.insert(groups.end(), ResourceGroup{resource, {}});
    auto sg = std::find_if(rg->scopes.begin(), rg->scopes.end(), [&](const auto& g) { return g.origin == origin; });
    if (sg == rg->scopes.end()) sg = rg->scopes.insert(rg->scopes.end(), ScopeGroup{origin, {}});
    sg->spans.push_back(span);
  }
  return groups;
}

inline std::vector<const trace::SpanData*> borrow(std::span<const std::unique_ptr<trace::SpanData>> spans) {
  std::vector<const trace::SpanData*> out;
  out.reserve(spans.size());
  for (const auto& s : spans) out.push_back(s.get());
  return out;
}

// OTLP span flags: W3C trace flags in bits 0-7, and bits 8/9 (SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE,
// SPAN_FLAGS_CONTEXT_IS_REMOTE) saying whether the parent was remote.
inline constexpr std::uint32_t kContextHasIsRemote = 0x100;
inline constexpr std::uint32_t kContextIsRemote = 0x200;

inline std::uint32_t span_flags(trace::TraceFlags flags, bool has_parent_flags, bool remote) {
  std::uint32_t out = flags.bits();
  if (has_parent_flags) out |= kContextHasIsRemote | (remote ? kContextIsRemote : 0);
  return out;
}

}  // namespace tracechat::otlp::detail
