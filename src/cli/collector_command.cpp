// `tracechat collector`: the embedded OTLP/HTTP receiver with SQLite storage.
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "commands.h"
#include "common/terminal_text.h"
#include "signals.h"
#include "tracechat/collector/collector.h"
#include "tracechat/explorer/explorer.h"

namespace tracechat::cli {
namespace {

constexpr std::uint64_t kDefaultMaxSize = 1ull << 30;

std::string describe_retention(const collector::RetentionLimits& limits) {
  if (!limits.max_age && !limits.max_bytes) return "everything (no --max-age or --max-size)";
  std::string out;
  if (limits.max_bytes) {
    const double bytes = static_cast<double>(*limits.max_bytes);
    char size[32];
    if (bytes >= 1024.0 * 1024 * 1024) {
      std::snprintf(size, sizeof size, "%.3g GiB", bytes / (1024.0 * 1024 * 1024));
    } else {
      std::snprintf(size, sizeof size, "%.3g MiB", bytes / (1024.0 * 1024));
    }
    out += std::string("at most ") + size;
  }
  if (limits.max_age) {
    if (!out.empty()) out += " and only ";
    const auto seconds = static_cast<std::uint64_t>(limits.max_age->count());
    std::string age;
    for (const auto& [unit, length] : {std::pair{"d", 86400ull}, {"h", 3600ull}, {"m", 60ull}, {"s", 1ull}}) {
      if (seconds % length == 0) {
        age = std::to_string(seconds / length) + unit;
        break;
      }
    }
    out += "traces that ended in the last " + age;
  }
  return out + " (oldest traces removed first; checked every minute)";
}

}  // namespace

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
  auto max_age = std::make_shared<std::uint64_t>(0);
  auto max_size = std::make_shared<std::uint64_t>(kDefaultMaxSize);
  cmd->add_option("--max-age", *max_age,
                  "remove traces whose last span ended longer ago than this (e.g. 7d, 12h, 90m); "
                  "default: no age limit")
      ->transform(
          CLI::AsNumberWithUnit(std::map<std::string, std::uint64_t>{{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}},
                                CLI::AsNumberWithUnit::UNIT_REQUIRED, "DURATION")
              .description(""))
      ->type_name("DURATION");
  cmd->add_option("--max-size", *max_size,
                  "keep the store (database and request log) under this size by removing the oldest traces "
                  "(e.g. 500MB, 2GiB; 0: no limit)")
      ->transform(CLI::AsSizeValue(true).description(""))
      ->type_name("SIZE")
      ->default_str("1GiB");
  cmd->add_option("--index-attribute", options->indexed_attributes,
                  "also index this span attribute, so that the explorer finds traces by its value\n"
                  "(attr=KEY=VALUE); repeatable. The store keeps it: later runs index it too, and\n"
                  "traces indexed before it was added are not found by it")
      ->type_name("KEY");
  auto ui = std::make_shared<std::string>();
  cmd->add_option("--ui", *ui,
                  "also serve the explorer on this address (host:port, e.g. 127.0.0.1:16690), as\n"
                  "`tracechat ui --db` with the same store would");
  auto ui_allowed_hosts = std::make_shared<std::vector<std::string>>();
  cmd->add_option("--ui-allowed-host", *ui_allowed_hosts,
                  "for --ui: a host name the explorer is reached by besides localhost, as\n"
                  "`tracechat ui --allowed-host`; repeatable")
      ->type_name("NAME");
  cmd->callback([options, forward, max_age, max_size, ui, ui_allowed_hosts, &exit_code] {
    if (ui->empty() && !ui_allowed_hosts->empty()) {
      std::fprintf(stderr, "error: --ui-allowed-host needs --ui\n");
      exit_code = 2;
      return;
    }
    if (!forward->empty()) options->forward = *forward;
    if (*max_age > 0) options->retention.max_age = std::chrono::seconds(*max_age);
    if (*max_size > 0) options->retention.max_bytes = *max_size;
    explorer::ExplorerOptions explorer_options;
    explorer_options.listen = *ui;
    explorer_options.db = options->db;
    explorer_options.allowed_hosts = *ui_allowed_hosts;
    // Before the collector, which may add indexed keys to the store for good.
    if (!ui->empty()) {
      if (auto checked = explorer::Explorer::check(explorer_options); !checked) {
        std::fprintf(stderr, "error: --ui: %s\n", common::terminal_safe(checked.error().message).c_str());
        exit_code = 2;
        return;
      }
    }
    auto collector = collector::Collector::start(*options);
    if (!collector) {
      std::fprintf(stderr, "error: %s\n", common::terminal_safe(collector.error().message).c_str());
      exit_code = 1;
      return;
    }
    std::printf("tracechat collector: OTLP/HTTP on %s/v1/traces, spans in %s%s%s\n", (*collector)->url().c_str(),
                options->db.c_str(), options->forward ? ", forwarding to " : "",
                options->forward ? options->forward->c_str() : "");
    std::printf("tracechat collector: keeping %s\n", describe_retention(options->retention).c_str());
    const auto& keys = (*collector)->indexed_keys();
    if (keys.size() > otlp::kIndexedSpanAttributes.size()) {
      std::printf("tracechat collector: also indexing the span attributes %s\n",
                  common::terminal_safe(keys.list(otlp::kIndexedSpanAttributes.size())).c_str());
    }
    std::unique_ptr<explorer::Explorer> explorer;
    if (!ui->empty()) {
      auto started = explorer::Explorer::start(explorer_options);
      if (!started) {
        std::fprintf(stderr, "error: --ui: %s\n", common::terminal_safe(started.error().message).c_str());
        exit_code = 1;
        return;
      }
      explorer = std::move(*started);
      std::printf("tracechat collector: explorer on %s/\n", explorer->url().c_str());
      if (!explorer->checks_host()) {
        std::printf(
            "tracechat collector: warning: the explorer is not on a loopback address and has no\n"
            "--ui-allowed-host, so any Host name is answered and anyone who reaches it can read every trace\n");
      }
    }
    std::fflush(stdout);
    wait_for_termination_signal();
    if (explorer) explorer->stop();
    (*collector)->stop();
    const auto s = (*collector)->stats();
    std::printf("tracechat collector: stopped; %llu requests, %llu spans stored, %llu rejected, %llu busy responses\n",
                static_cast<unsigned long long>(s.requests), static_cast<unsigned long long>(s.spans_stored),
                static_cast<unsigned long long>(s.spans_rejected), static_cast<unsigned long long>(s.busy_responses));
  });
}

}  // namespace tracechat::cli
