// The trace core through the ABI: traceparent text and span contexts, and spans that a
// UI starts in its session's trace, so its own work (a render, a lookup) joins the trace.
#include <cstring>

#include "capi.h"
#include "tracechat/trace/traceparent.h"

using namespace tracechat;
using namespace tracechat::capi;

namespace {

tc_span_context to_c(const trace::SpanContext& context) {
  tc_span_context out{};
  std::memcpy(out.trace_id, context.trace_id.bytes().data(), sizeof out.trace_id);
  std::memcpy(out.span_id, context.span_id.bytes().data(), sizeof out.span_id);
  out.trace_flags = context.flags.bits();
  out.remote = context.remote ? 1 : 0;
  return out;
}

trace::SpanContext from_c(const tc_span_context& context) {
  trace::SpanContext out;
  std::memcpy(out.trace_id.mutable_bytes().data(), context.trace_id, sizeof context.trace_id);
  std::memcpy(out.span_id.mutable_bytes().data(), context.span_id, sizeof context.span_id);
  out.flags = trace::TraceFlags(context.trace_flags);
  out.remote = context.remote != 0;
  return out;
}

template <typename Body>
tc_status with_span(const tc_span* span, Body&& body) {
  return guarded([&]() -> tc_status {
    const auto s = spans().find(span);
    if (!s) return invalid_handle("tc_span");
    std::lock_guard lock(s->mutex);
    return body(*s);
  });
}

}  // namespace

extern "C" {

tc_status tc_traceparent_parse(const char* text, size_t text_length, tc_span_context* out) {
  return guarded([&]() -> tc_status {
    tc_status status;
    const auto value = text_argument(text, text_length, "text", status);
    if (!value) return status;
    if (out == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "out: NULL");
    auto parsed = trace::parse_traceparent(*value);
    if (!parsed) return fail(TC_ERR_INVALID_ARGUMENT, "traceparent: " + parsed.error().message);
    trace::SpanContext context;
    context.trace_id = parsed->trace_id;
    context.span_id = parsed->parent_id;
    context.flags = parsed->flags;
    context.remote = true;
    *out = to_c(context);
    return TC_OK;
  });
}

tc_status tc_traceparent_format(const tc_span_context* context, char* buf, size_t capacity, size_t* length) {
  return guarded([&]() -> tc_status {
    if (context == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "context: NULL");
    const auto c = from_c(*context);
    if (!c.valid()) return fail(TC_ERR_INVALID_ARGUMENT, "context: an all-zero trace or span id");
    return copy_out(c.traceparent(), buf, capacity, length);
  });
}

tc_status tc_session_context(const tc_session* session, tc_span_context* out) {
  return with_session(session, [&](tc_session&, client::ChatSession& chat) -> tc_status {
    if (out == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "out: NULL");
    *out = to_c(chat.context());
    return TC_OK;
  });
}

tc_status tc_span_start(tc_session* session, const char* name, size_t name_length, const tc_span_context* parent,
                        tc_span** out) {
  return with_session(session, [&](tc_session& s, client::ChatSession& chat) -> tc_status {
    tc_status status;
    const auto span_name = text_argument(name, name_length, "name", status);
    if (!span_name) return status;
    if (out == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "out: NULL");
    const trace::SpanContext parent_context = parent != nullptr ? from_c(*parent) : chat.context();
    if (!parent_context.valid()) return fail(TC_ERR_INVALID_ARGUMENT, "parent: an all-zero trace or span id");
    auto span = std::make_shared<tc_span>();
    span->provider = s.provider;
    span->span = s.tracer.start_child(*span_name, parent_context);
    *out = spans().add(std::move(span));
    return TC_OK;
  });
}

tc_status tc_span_set_attribute(tc_span* span, const char* key, size_t key_length, const char* value,
                                size_t value_length) {
  return with_span(span, [&](tc_span& s) -> tc_status {
    tc_status status;
    const auto k = text_argument(key, key_length, "key", status);
    if (!k) return status;
    const auto v = text_argument(value, value_length, "value", status);
    if (!v) return status;
    s.span.set_attribute(*k, *v);
    return TC_OK;
  });
}

tc_status tc_span_set_error(tc_span* span, const char* description, size_t description_length) {
  return with_span(span, [&](tc_span& s) -> tc_status {
    tc_status status;
    const auto d = text_argument(description, description_length, "description", status);
    if (!d) return status;
    s.span.set_status(trace::StatusCode::error, *d);
    return TC_OK;
  });
}

tc_status tc_span_get_context(const tc_span* span, tc_span_context* out) {
  return with_span(span, [&](tc_span& s) -> tc_status {
    if (out == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "out: NULL");
    *out = to_c(s.span.context());
    return TC_OK;
  });
}

tc_status tc_span_end(tc_span* span) {
  return guarded([&]() -> tc_status {
    const auto s = spans().remove(span);
    if (!s) return invalid_handle("tc_span");
    std::lock_guard lock(s->mutex);
    s->span.end();
    return TC_OK;
  });
}

}  // extern "C"
