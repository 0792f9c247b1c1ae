// Recycling of SpanData objects. Spans are created on application threads and
// destroyed on the export thread; with plain new/delete the two threads fight over
// the allocator's arena lock (measured: it doubled the cost of a span). Instead the
// export thread clears finished spans and parks them here, and start_span takes
// them back, keeping their string and vector capacity. Internal to the trace core.
#pragma once

#include <memory>

#include "tracechat/trace/span_data.h"

namespace tracechat::trace::detail {

// A cleared SpanData (except `origin`, which the caller sets): recycled when one is
// parked, else new.
std::unique_ptr<SpanData> acquire_span_data();
// Clears and parks `span`, or deletes it when the pool is full or the span grew
// unusually large (so the pool never pins much memory).
void recycle_span_data(SpanData* span) noexcept;

}  // namespace tracechat::trace::detail
