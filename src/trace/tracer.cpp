#include "tracechat/trace/tracer.h"

#include "span_data_pool.h"
#include "tracechat/trace/env.h"

namespace tracechat::trace {

SpanLimits SpanLimits::from_env() {
  SpanLimits limits;
  limits.attribute_count =
      env_uint("OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", env_uint("OTEL_ATTRIBUTE_COUNT_LIMIT", limits.attribute_count));
  limits.event_count = env_uint("OTEL_SPAN_EVENT_COUNT_LIMIT", limits.event_count);
  limits.link_count = env_uint("OTEL_SPAN_LINK_COUNT_LIMIT", limits.link_count);
  return limits;
}

Span Tracer::start_span(std::string_view name, const StartSpanOptions& options) const {
  if (!context_) return Span();
  const TracerContext& tc = *context_;
  const SpanContext* parent = options.parent.valid() ? &options.parent : nullptr;

  TraceId trace_id;
  TraceFlags flags;
  if (parent != nullptr) {
    trace_id = parent->trace_id;
    // The random flag describes the trace id, so it travels with it.
    flags = TraceFlags(parent->flags.bits() & TraceFlags::kRandom);
  } else {
    trace_id = tc.ids->new_trace_id();
    flags = TraceFlags(tc.ids->trace_ids_are_random() ? TraceFlags::kRandom : 0);
  }
  const SamplingDecision decision = tc.sampler->should_sample({parent, trace_id, name, options.kind});
  flags = flags.with_sampled(decision == SamplingDecision::record_and_sample);

  SpanContext context;
  context.trace_id = trace_id;
  context.span_id = tc.ids->new_span_id();
  context.flags = flags;
  if (parent != nullptr) context.trace_state = parent->trace_state;

  if (decision == SamplingDecision::drop) return Span(std::move(context), nullptr, nullptr);

  auto data = detail::acquire_span_data();
  data->context = context;
  data->has_parent_flags = true;
  if (parent != nullptr) {
    data->parent_span_id = parent->span_id;
    data->parent_is_remote = parent->remote;
  }
  data->name.assign(name);
  data->kind = options.kind;
  data->start_time_unix_nano = options.start_time_unix_nano ? options.start_time_unix_nano : now_unix_nano();
  if (!options.attributes.empty()) {
    for (const auto& a : options.attributes.items()) data->attributes.set(a.key, a.value, tc.limits.attribute_count);
  }
  for (const auto& link : options.links) {
    if (!link.context.valid()) continue;
    if (data->links.size() >= tc.limits.link_count) {
      ++data->dropped_links;
      continue;
    }
    data->links.push_back(link);
  }
  if (data->origin != tc.origin) data->origin = tc.origin;  // a recycled span usually has it already
  if (tc.processor) tc.processor->on_start(*data);
  return Span(std::move(context), std::move(data), context_);
}

TracerProvider::TracerProvider(TracerProviderOptions options)
    : resource_(options.resource ? std::move(options.resource)
                                 : std::make_shared<const Resource>(Resource::from_env())),
      sampler_(options.sampler ? std::move(options.sampler) : sampler_from_env()),
      processor_(std::move(options.processor)),
      ids_(options.id_generator ? options.id_generator : &default_id_generator()),
      limits_(options.limits ? *options.limits : SpanLimits::from_env()) {}

TracerProvider::~TracerProvider() { shutdown(); }

Tracer TracerProvider::tracer(std::string name, std::string version, std::string schema_url) {
  auto origin = std::make_shared<SpanOrigin>();
  origin->resource = resource_;
  origin->scope = InstrumentationScope{std::move(name), std::move(version), std::move(schema_url)};
  auto context = std::make_shared<TracerContext>();
  context->origin = std::move(origin);
  context->processor = processor_;
  context->sampler = sampler_;
  context->ids = ids_;
  context->limits = limits_;
  return Tracer(std::move(context));
}

bool TracerProvider::force_flush(std::chrono::milliseconds timeout) {
  return processor_ ? processor_->force_flush(timeout) : true;
}

bool TracerProvider::shutdown(std::chrono::milliseconds timeout) {
  return processor_ ? processor_->shutdown(timeout) : true;
}

}  // namespace tracechat::trace
