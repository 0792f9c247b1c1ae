// `tracechat collector`: the embedded OTLP/HTTP receiver with SQLite storage.
#include <cstdio>

#include "commands.h"
#include "signals.h"
#include "tracechat/collector/collector.h"

namespace tracechat::cli {

void add_collector_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<collector::CollectorOptions>();
  auto forward = std::make_shared<std::string>();
  auto* cmd =
      app.add_subcommand("collector", "Receive OTLP/HTTP traces (protobuf or JSON, gzip) and store them in SQLite");
  cmd->add_option("--listen", options->listen, "address to listen on (host:port)")->capture_default_str();
  cmd->add_option("--db", options->db, "SQLite database for the spans")->capture_default_str();
  cmd->add_option("--forward", *forward,
                  "also forward every request to this OTLP/HTTP base URL (e.g. http://otel:4318)");
  cmd->add_option("--max-body-bytes", options->limits.max_body_bytes,
                  "largest request body accepted, after decompression (413 beyond)")
      ->capture_default_str();
  cmd->callback([options, forward, &exit_code] {
    if (!forward->empty()) options->forward = *forward;
    auto collector = collector::Collector::start(*options);
    if (!collector) {
      std::fprintf(stderr, "error: %s\n", collector.error().message.c_str());
      exit_code = 1;
      return;
    }
    std::printf("tracechat collector: OTLP/HTTP on %s/v1/traces, spans in %s%s%s\n", (*collector)->url().c_str(),
                options->db.c_str(), options->forward ? ", forwarding to " : "",
                options->forward ? options->forward->c_str() : "");
    std::fflush(stdout);
    wait_for_termination_signal();
    (*collector)->stop();
    const auto s = (*collector)->stats();
    std::printf("tracechat collector: stopped; %llu requests, %llu spans stored, %llu rejected, %llu busy responses\n",
                static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.spans_stored),
                static_cast<unsigned long long>(s.spans_rejected), static_cast<unsigned long long>(s.busy_responses));
  });
}

}  // namespace tracechat::cli
