// The whole path on one machine, as `tracechat demo` and `tracechat load` run it: a
// collector, an "orders service" (an echo bridge) behind the trace bridge, and the
// platform emulator running the deployment kit's flow and Data Action (the very files
// `tracechat kit` writes for `terraform apply`), all sending their spans to the collector
// under their own service names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tracechat/bridge/bridge.h"
#include "tracechat/collector/collector.h"
#include "tracechat/emulator/emulator.h"
#include "tracechat/result.h"
#include "tracechat/trace/batch_span_processor.h"
#include "tracechat/trace/tracer.h"

namespace tracechat::cli {

// The Web Messaging deployments the stack's emulator serves: one without auto-start (the
// platform's default: the context goes with the first message) and one with (it goes on
// the Join).
inline constexpr const char* kStackDeployment = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d";
inline constexpr const char* kStackAutoStartDeployment = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e";

struct LocalStackOptions {
  std::filesystem::path work;  // databases (traces.sqlite, platform.sqlite) and the kit (kit/)
  // Generate the Data Action without its traceparent header: the failure tracechat exists to fix.
  bool without_trace_header = false;
  // The kit flow's Transfer to ACD after its first run (the demo). Without it the flow
  // keeps the conversation and runs, with its Data Action, for every guest message (load).
  bool transfer_to_acd = true;
  // The bot stands in for the agent of the flow's queue; its reply, "{body}" the guest's text.
  std::string bot_reply = "Order {body}: shipped yesterday.";
};

// A sender of spans to the stack's collector, under one service name, with its batch
// processor's counts.
struct SpanSender {
  std::unique_ptr<trace::TracerProvider> provider;
  std::shared_ptr<trace::BatchSpanProcessor> processor;
};

// The working folder of a run: `given` (created if needed), or a new folder in /tmp named
// after `prefix`. Empty on failure, which is reported on stderr.
std::filesystem::path prepare_work_dir(const std::string& given, const char* prefix);

// Spans of `service` to the OTLP/HTTP base URL `collector_url`, in batches.
SpanSender sender_for(const std::string& service, const std::string& collector_url);

// Everything, in start order (members are destroyed in reverse).
struct LocalStack {
  std::unique_ptr<collector::Collector> collector;
  SpanSender chat, bridge_spans, orders_spans;
  std::unique_ptr<bridge::Bridge> orders, bridge;
  std::unique_ptr<emulator::Emulator> platform;
  std::filesystem::path kit;       // the kit the emulator runs
  std::filesystem::path trace_db;  // the collector's store
  std::uint16_t orders_port = 0;

  // Where a guest connects: guest-chat as the guest `guest_id` (a UUID; a guest id names
  // one conversation, so each guest needs its own), Web Messaging on either deployment.
  std::string guest_chat_url(const std::string& guest_id) const;
  std::string web_messaging_url(bool auto_start) const;

  // The orders service goes away (connections refused: the bridge answers 502) and comes
  // back on its port: the fault a load run injects.
  void stop_orders();
  Result<void> start_orders();

  // Waits for the flows, then flushes every sender and the collector's store.
  void flush();

  // The CPU time each part has used so far, in seconds, by the threads it started (seen
  // appear in /proc/self/task as it started): where the CPU of a load run went. Threads a
  // part starts later, or that have ended, are not in its figure.
  std::vector<std::pair<std::string, double>> cpu_by_part() const;
  std::vector<std::pair<std::string, std::vector<int>>> part_threads;  // part → thread ids
};

Result<std::unique_ptr<LocalStack>> start_local_stack(const LocalStackOptions& options);

// The span names of the kit's Data Action and its flow's objects, as the stack deploys them.
inline constexpr const char* kStackActionName = "Order lookup";
inline constexpr const char* kStackCategory = "Tracing";
inline constexpr const char* kStackFlowName = "Order status";
inline constexpr const char* kStackQueue = "Orders";

}  // namespace tracechat::cli
