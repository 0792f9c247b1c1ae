// `tracechat context`: inspect and mint W3C trace context headers from the shell.
#include <cstdio>
#include <string>
#include <vector>

#include "commands.h"
#include "tracechat/conventions.h"
#include "tracechat/trace/id_generator.h"
#include "tracechat/trace/propagation.h"

namespace tracechat::cli {
namespace {

struct ContextArgs {
  // Each a header line's value, in order: as a request would carry them.
  std::vector<std::string> traceparent;
  std::vector<std::string> tracestate;
  bool sampled = true;
};

// The lines are read as the bridge reads a request's (trace/propagation.h), so what this
// prints is what a tracechat service would continue.
int run_parse(const ContextArgs& args) {
  std::vector<trace::FieldLine> lines;
  for (const auto& v : args.traceparent) lines.push_back({conventions::kTraceparentHeader, v});
  for (const auto& v : args.tracestate) lines.push_back({conventions::kTracestateHeader, v});
  const auto extracted = trace::extract_context(lines);
  if (!extracted.parent) {
    std::fprintf(stderr, "error: %s\n", extracted.traceparent_error.c_str());
    return 1;
  }
  const trace::SpanContext& parent = *extracted.parent;
  char version[3];
  trace::hex::encode(&extracted.version, 1, version);
  std::printf("version:   %.2s\ntrace-id:  %s\nparent-id: %s\nsampled:   %s\nrandom:    %s\n", version,
              parent.trace_id.hex().c_str(), parent.span_id.hex().c_str(), parent.flags.sampled() ? "yes" : "no",
              parent.flags.random() ? "yes" : "no");
  std::printf("normalized: %s\n", parent.traceparent().c_str());
  for (const auto& note : extracted.tracestate_dropped) std::fprintf(stderr, "note: %s\n", note.c_str());
  if (!extracted.tracestate_error.empty()) {
    // W3C: a bad tracestate does not invalidate the traceparent, but say so.
    std::fprintf(stderr, "warning: %s (it would be dropped)\n", extracted.tracestate_error.c_str());
    return 2;
  }
  for (const auto& m : parent.trace_state.members())
    std::printf("tracestate %s = %s\n", m.key.c_str(), m.value.c_str());
  // What goes on to the next hop: one line, cut to 512 characters by W3C's rule.
  if (const std::string header = parent.trace_state.to_header(); !header.empty()) {
    std::printf("normalized tracestate: %s\n", header.c_str());
  }
  return 0;
}

int run_new(const ContextArgs& args) {
  auto& ids = trace::default_id_generator();
  trace::TraceFlags flags(trace::TraceFlags::kRandom);
  flags = flags.with_sampled(args.sampled);
  std::printf("%s\n", trace::format_traceparent(ids.new_trace_id(), ids.new_span_id(), flags).c_str());
  return 0;
}

}  // namespace

void add_context_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ContextArgs>();
  auto* context = app.add_subcommand("context", "Parse or create W3C trace context headers");
  context->require_subcommand(1);

  auto* parse = context->add_subcommand(
      "parse",
      "Validate a traceparent (and optional tracestate) and print its fields; exit 1 if the traceparent is not\n"
      "usable, 2 if the tracestate would be dropped");
  parse
      ->add_option("traceparent", args->traceparent,
                   "traceparent header value; several are several header lines (RFC 9110 combines them into one\n"
                   "value, which is then not a traceparent)")
      ->required();
  parse
      ->add_option("--tracestate", args->tracestate,
                   "tracestate header value (repeatable: one per header line, combined in order)")
      ->allow_extra_args(false);
  parse->callback([args, &exit_code] { exit_code = run_parse(*args); });

  auto* create = context->add_subcommand("new", "Print a new random traceparent (version 00, random flag set)");
  create->add_flag("!--not-sampled", args->sampled, "clear the sampled flag");
  create->callback([args, &exit_code] { exit_code = run_new(*args); });
}

}  // namespace tracechat::cli
