// `tracechat context`: inspect and mint W3C trace context headers from the shell.
#include <cstdio>
#include <string>

#include "commands.h"
#include "tracechat/trace/id_generator.h"
#include "tracechat/trace/span_context.h"

namespace tracechat::cli {
namespace {

struct ContextArgs {
  std::string traceparent;
  std::string tracestate;
  bool sampled = true;
};

int run_parse(const ContextArgs& args) {
  auto parent = trace::parse_traceparent(args.traceparent);
  if (!parent) {
    std::fprintf(stderr, "error: %s\n", parent.error().message.c_str());
    return 1;
  }
  char version[3];
  trace::hex::encode(&parent->version, 1, version);
  std::printf("version:   %.2s\ntrace-id:  %s\nparent-id: %s\nsampled:   %s\nrandom:    %s\n", version,
              parent->trace_id.hex().c_str(), parent->parent_id.hex().c_str(), parent->flags.sampled() ? "yes" : "no",
              parent->flags.random() ? "yes" : "no");
  std::printf("normalized: %s\n",
              trace::format_traceparent(parent->trace_id, parent->parent_id, parent->flags).c_str());
  if (!args.tracestate.empty()) {
    auto state = trace::TraceState::parse(args.tracestate);
    if (!state) {
      // W3C: a bad tracestate does not invalidate the traceparent, but say so.
      std::fprintf(stderr, "warning: %s (it would be dropped)\n", state.error().message.c_str());
      return 2;
    }
    for (const auto& m : state->members()) std::printf("tracestate %s = %s\n", m.key.c_str(), m.value.c_str());
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
      "parse", "Validate a traceparent (and optional tracestate) and print its fields; exit 1 if invalid");
  parse->add_option("traceparent", args->traceparent, "traceparent header value")->required();
  parse->add_option("--tracestate", args->tracestate, "tracestate header value");
  parse->callback([args, &exit_code] { exit_code = run_parse(*args); });

  auto* create = context->add_subcommand("new", "Print a new random traceparent (version 00, random flag set)");
  create->add_flag("!--not-sampled", args->sampled, "clear the sampled flag");
  create->callback([args, &exit_code] { exit_code = run_new(*args); });
}

}  // namespace tracechat::cli
