// `tracechat bridge`: the HTTP endpoint a Data Action calls; continues the chat's trace.
#include <cstdio>

#include "commands.h"
#include "signals.h"
#include "telemetry.h"
#include "tracechat/bridge/bridge.h"

namespace tracechat::cli {

void add_bridge_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::string listen = "127.0.0.1:9090";
    std::string upstream;
    bool echo = false;
    std::string traceparent_field;
    std::string ca_file;
    double timeout_seconds = 10;
    unsigned threads = 2;
    std::string otlp_endpoint;
  };
  auto o = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "bridge",
      "The endpoint a Data Action calls: continues the trace from the request's traceparent,\n"
      "records a SERVER span `dataaction <name>` (name from the x-tracechat-action header, else the path)\n"
      "and forwards to --upstream with a child context injected, or answers itself with --echo");
  cmd->add_option("--listen", o->listen, "address to listen on (host:port; loopback by default)")
      ->capture_default_str();
  auto* upstream = cmd->add_option("--upstream", o->upstream, "base URL to forward to (http:// or https://)");
  auto* echo = cmd->add_flag("--echo", o->echo, "answer every request with what the bridge saw, as JSON");
  upstream->excludes(echo);
  cmd->add_option("--traceparent-field", o->traceparent_field,
                  "read traceparent from this JSON body field when the header is absent");
  cmd->add_option("--ca-file", o->ca_file, "PEM file of an extra CA to trust for an https:// upstream")
      ->check(CLI::ExistingFile);
  cmd->add_option("--timeout", o->timeout_seconds, "seconds to wait for the upstream")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--threads", o->threads, "request threads")->check(CLI::Range(1, 64))->capture_default_str();
  cmd->add_option("--otlp-endpoint", o->otlp_endpoint, kOtlpEndpointHelp);
  cmd->callback([o, &exit_code] {
    if (o->upstream.empty() && !o->echo) {
      std::fprintf(stderr, "error: give --upstream URL or --echo\n");
      exit_code = 2;
      return;
    }
    bridge::BridgeOptions options;
    options.listen = o->listen;
    if (!o->upstream.empty()) {
      auto url = net::Url::parse(o->upstream);
      if (!url) {
        std::fprintf(stderr, "error: --upstream: %s\n", url.error().message.c_str());
        exit_code = 2;
        return;
      }
      options.upstream = *url;
    }
    options.upstream_tls.ca_file = o->ca_file;
    options.upstream_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o->timeout_seconds * 1000));
    options.traceparent_field = o->traceparent_field;
    options.threads = o->threads;
    auto provider = make_tracer_provider("tracechat-bridge", o->otlp_endpoint);
    if (!provider) {
      std::fprintf(stderr, "error: %s\n", provider.error().message.c_str());
      exit_code = 2;
      return;
    }
    options.tracer = (*provider)->tracer("tracechat.bridge", TRACECHAT_VERSION);
    auto started = bridge::Bridge::start(std::move(options));
    if (!started) {
      std::fprintf(stderr, "error: %s\n", started.error().message.c_str());
      exit_code = 1;
      return;
    }
    std::printf("tracechat bridge: listening on %s, %s\n", (*started)->url().c_str(),
                o->echo ? "echo mode" : ("forwarding to " + o->upstream).c_str());
    std::fflush(stdout);
    wait_for_termination_signal();
    (*started)->stop();
    const auto stats = (*started)->stats();
    std::printf(
        "tracechat bridge: stopped; %llu requests (%llu continued a trace, %llu started one), %llu upstream errors\n",
        static_cast<unsigned long long>(stats.requests), static_cast<unsigned long long>(stats.continued),
        static_cast<unsigned long long>(stats.new_traces), static_cast<unsigned long long>(stats.upstream_errors));
    (*provider)->shutdown(std::chrono::seconds(5));
  });
}

}  // namespace tracechat::cli
