#include "local_stack.h"

#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "tracechat/conventions.h"
#include "tracechat/generators/kit.h"
#include "tracechat/net/url.h"
#include "tracechat/otlp/http_exporter.h"
#include "tracechat/trace/resource.h"

namespace tracechat::cli {
namespace {

using namespace std::chrono_literals;

// The guest-chat organization the stack's guests belong to.
constexpr const char* kGuestChatOrg = "5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f";

}  // namespace

std::filesystem::path prepare_work_dir(const std::string& given, const char* prefix) {
  std::string dir = given;
  if (dir.empty()) {
    std::string pattern = std::string("/tmp/") + prefix + "-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::fprintf(stderr, "error: cannot make a working folder in /tmp\n");
      return {};
    }
    dir = pattern;
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "error: cannot use %s: %s\n", dir.c_str(), ec.message().c_str());
    return {};
  }
  return dir;
}

SpanSender sender_for(const std::string& service, const std::string& collector_url) {
  otlp::OtlpHttpExporterOptions exporter;
  exporter.endpoint = *otlp::OtlpHttpExporterOptions::traces_url_from_base(collector_url);
  trace::BatchSpanProcessorOptions batch;
  batch.schedule_delay = 200ms;
  trace::TracerProviderOptions options;
  options.resource = std::make_shared<trace::Resource>(
      trace::Resource::from_env(service).merged_with(trace::Resource(trace::Attributes{{"service.name", service}})));
  SpanSender out;
  out.processor =
      std::make_shared<trace::BatchSpanProcessor>(std::make_unique<otlp::OtlpHttpExporter>(std::move(exporter)), batch);
  options.processor = out.processor;
  out.provider = std::make_unique<trace::TracerProvider>(std::move(options));
  return out;
}

namespace {

// The kit, as `tracechat kit` writes it, with the bridge as the backend.
Result<std::filesystem::path> write_kit(const LocalStackOptions& o, const std::string& bridge_url) {
  generators::KitOptions options;
  options.url = bridge_url + "/orders/lookup";
  options.action_name = kStackActionName;
  options.category = kStackCategory;
  options.flow_name = kStackFlowName;
  options.message_inputs = {"orderId"};
  options.outputs = {"traceId"};
  options.queue = kStackQueue;
  options.transfer_to_acd = o.transfer_to_acd;
  TRACECHAT_TRY(auto files, generators::generate_kit(options));
  if (o.without_trace_header) {
    for (auto& file : files) {
      if (file.path.rfind("data-actions/", 0) != 0) continue;
      auto edited = boost::json::parse(file.content);
      edited.at("config").at("request").at("headers").as_object().erase(conventions::kTraceparentHeader);
      file.content = boost::json::serialize(edited);
    }
  }
  const auto kit = o.work / "kit";
  TRACECHAT_CHECK(generators::write_kit(files, kit, true));
  return kit;
}

Result<std::unique_ptr<bridge::Bridge>> start_orders_service(const std::string& listen, const trace::Tracer& tracer) {
  // The "orders service" answers itself (an echo bridge); the bridge in front of it is
  // what the Data Action calls.
  bridge::BridgeOptions options;
  options.listen = listen;
  options.tracer = tracer;
  auto orders = bridge::Bridge::start(options);
  if (!orders) return Error{"orders service: " + orders.error().message};
  return std::move(*orders);
}

std::set<int> thread_ids() {
  std::set<int> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    out.insert(std::atoi(entry.path().filename().c_str()));
  }
  return out;
}

// A thread's user + system CPU seconds (fields 14 and 15 of its stat, counted after the
// name, which may itself hold spaces and parentheses); 0 once it has ended.
double thread_cpu_seconds(int tid) {
  std::ifstream in("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto name_end = stat.rfind(')');
  if (name_end == std::string::npos) return 0;
  std::istringstream fields(stat.substr(name_end + 1));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
    if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Runs `start`, then files the threads that appeared meanwhile under `part`.
template <typename Start>
auto with_threads_of(LocalStack& stack, const char* part, Start&& start) {
  const auto before = thread_ids();
  auto result = start();
  std::vector<int> started;
  for (int tid : thread_ids()) {
    if (!before.contains(tid)) started.push_back(tid);
  }
  stack.part_threads.emplace_back(part, std::move(started));
  return result;
}

}  // namespace

std::string LocalStack::guest_chat_url(const std::string& guest_id) const {
  return platform->ws_url() + "/v1/" + kGuestChatOrg + "/guest/" + guest_id + "/connect";
}

std::string LocalStack::web_messaging_url(bool auto_start) const {
  return platform->ws_url() + "/v1?deploymentId=" + (auto_start ? kStackAutoStartDeployment : kStackDeployment);
}

void LocalStack::stop_orders() {
  if (orders) orders->stop();
  orders.reset();
}

Result<void> LocalStack::start_orders() {
  if (orders) return {};
  TRACECHAT_TRY(orders, with_threads_of(*this, "orders service", [&] {
                  return start_orders_service("127.0.0.1:" + std::to_string(orders_port),
                                              orders_spans.provider->tracer("orders-service"));
                }));
  return {};
}

void LocalStack::flush() {
  platform->wait_for_flows();
  for (auto* s : {&chat, &bridge_spans, &orders_spans}) s->provider->force_flush(10s);
  collector->flush(10s);
}

std::vector<std::pair<std::string, double>> LocalStack::cpu_by_part() const {
  std::vector<std::pair<std::string, double>> out;  // in start order; a part started again adds to its figure
  for (const auto& entry : part_threads) {
    const std::string& part = entry.first;  // (a structured binding cannot be captured in C++20)
    double seconds = 0;
    for (int tid : entry.second) seconds += thread_cpu_seconds(tid);
    auto it = std::find_if(out.begin(), out.end(), [&](const auto& p) { return p.first == part; });
    if (it == out.end()) {
      out.emplace_back(part, seconds);
    } else {
      it->second += seconds;
    }
  }
  return out;
}

Result<std::unique_ptr<LocalStack>> start_local_stack(const LocalStackOptions& o) {
  auto s = std::make_unique<LocalStack>();
  collector::CollectorOptions collector_options;
  collector_options.listen = "127.0.0.1:0";
  collector_options.db = s->trace_db = o.work / "traces.sqlite";
  auto collector = with_threads_of(*s, "collector", [&] { return collector::Collector::start(collector_options); });
  if (!collector) return Error{"collector: " + collector.error().message};
  s->collector = std::move(*collector);
  s->chat = with_threads_of(*s, "guest span export", [&] { return sender_for("guest-chat-ui", s->collector->url()); });
  s->bridge_spans =
      with_threads_of(*s, "bridge span export", [&] { return sender_for("dataaction-bridge", s->collector->url()); });
  s->orders_spans = with_threads_of(*s, "orders service span export",
                                    [&] { return sender_for("orders-service", s->collector->url()); });

  TRACECHAT_TRY(s->orders, with_threads_of(*s, "orders service", [&] {
                  return start_orders_service("127.0.0.1:0", s->orders_spans.provider->tracer("orders-service"));
                }));
  const auto orders_url = *net::Url::parse(s->orders->url());
  s->orders_port = orders_url.port;
  bridge::BridgeOptions bridge_options;
  bridge_options.listen = "127.0.0.1:0";
  bridge_options.upstream = orders_url;
  bridge_options.tracer = s->bridge_spans.provider->tracer(std::string(conventions::kBridgeScope));
  auto bridge = with_threads_of(*s, "bridge", [&] { return bridge::Bridge::start(bridge_options); });
  if (!bridge) return Error{"bridge: " + bridge.error().message};
  s->bridge = std::move(*bridge);

  TRACECHAT_TRY(s->kit, write_kit(o, s->bridge->url()));
  emulator::EmulatorOptions emulator_options;
  emulator_options.listen = "127.0.0.1:0";
  emulator_options.db = o.work / "platform.sqlite";
  emulator_options.log = nullptr;
  // The bot stands in for the agent of the flow's queue: it answers once the flow has
  // transferred the conversation.
  emulator_options.config.bot.name = "Orders agent (bot)";
  emulator_options.config.bot.reply = o.bot_reply;
  emulator_options.config.deployments = {kStackDeployment, kStackAutoStartDeployment};
  emulator_options.config.deployment_settings[kStackDeployment] = emulator::DeploymentSettings{.auto_start = false};
  emulator_options.config.deployment_settings[kStackAutoStartDeployment] =
      emulator::DeploymentSettings{.auto_start = true};
  // Room for a load run's flows: each Data Action call holds a flow worker until the bridge
  // and the orders service answered, and at 1,400 messages a second 4 workers and 1,024
  // waiting runs were not enough (runs dropped).
  emulator_options.flow_threads = 16;
  emulator_options.flow_queue = 16384;
  emulator_options.data_actions_dir = s->kit / "data-actions";
  emulator_options.flows_dir = s->kit / "flows";
  // What the genesyscloud_flow resource fills in from the kit's variables.
  emulator_options.flow_substitutions = {{"flow_name", kStackFlowName},
                                         {"data_action_category", kStackCategory},
                                         {"data_action_name", kStackActionName},
                                         {"queue_name", kStackQueue}};
  auto platform = with_threads_of(*s, "emulator", [&] { return emulator::Emulator::start(emulator_options); });
  if (!platform) return Error{"emulator: " + platform.error().message};
  s->platform = std::move(*platform);
  return s;
}

}  // namespace tracechat::cli
