#include "span_data_pool.h"

#include "mpmc_ring.h"

namespace tracechat::trace::detail {
namespace {

// Twice the default queue: enough to cover a full queue plus a batch in flight.
constexpr std::size_t kPoolCapacity = 4096;

// Objects that grew beyond these are freed rather than parked.
constexpr std::size_t kMaxPooledName = 256;
constexpr std::size_t kMaxPooledAttributes = 32;
constexpr std::size_t kMaxPooledEvents = 16;
constexpr std::size_t kMaxPooledLinks = 8;

MpmcRing<SpanData>& pool() {
  // Never destroyed: the export thread of a static provider may still recycle into
  // it during static destruction. Parked objects stay reachable, so leak checkers
  // do not report them.
  static auto* ring = new MpmcRing<SpanData>(kPoolCapacity);
  return *ring;
}

void clear(SpanData& s) noexcept {
  s.context = SpanContext{};
  s.parent_span_id = SpanId{};
  s.parent_is_remote = false;
  s.has_parent_flags = false;
  s.name.clear();
  s.kind = SpanKind::internal;
  s.start_time_unix_nano = 0;
  s.end_time_unix_nano = 0;
  s.attributes.clear();
  s.events.clear();
  s.dropped_events = 0;
  s.links.clear();
  s.dropped_links = 0;
  s.status.code = StatusCode::unset;
  s.status.description.clear();
  // `origin` stays: start_span replaces it only when the tracer differs. Resetting it
  // here, on the export thread, made every span's refcount line bounce between the
  // two threads (the costliest instruction of the span path). A parked span keeps
  // the small SpanOrigin of the tracer that last used it alive.
}

bool worth_keeping(const SpanData& s) noexcept {
  return s.name.capacity() <= kMaxPooledName && s.attributes.capacity() <= kMaxPooledAttributes &&
         s.events.capacity() <= kMaxPooledEvents && s.links.capacity() <= kMaxPooledLinks;
}

}  // namespace

std::unique_ptr<SpanData> acquire_span_data() {
  if (SpanData* recycled = pool().try_pop()) return std::unique_ptr<SpanData>(recycled);
  return std::make_unique<SpanData>();
}

void recycle_span_data(SpanData* span) noexcept {
  if (span == nullptr) return;
  if (!worth_keeping(*span)) {
    delete span;
    return;
  }
  clear(*span);
  if (!pool().try_push(span)) delete span;
}

}  // namespace tracechat::trace::detail
