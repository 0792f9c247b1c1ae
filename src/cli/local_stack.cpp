#include "local_stack.h"

#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>

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
  TRACECHAT_TRY(orders, start_orders_service("127.0.0.1:" + std::to_string(orders_port),
                                             orders_spans.provider->tracer("orders-service")));
  return {};
}

void LocalStack::flush() {
  platform->wait_for_flows();
  for (auto* s : {&chat, &bridge_spans, &orders_spans}) s->provider->force_flush(10s);
  collector->flush(10s);
}

Result<std::unique_ptr<LocalStack>> start_local_stack(const LocalStackOptions& o) {
  auto s = std::make_unique<LocalStack>();
  collector::CollectorOptions collector_options;
  collector_options.listen = "127.0.0.1:0";
  collector_options.db = s->trace_db = o.work / "traces.sqlite";
  auto collector = collector::Collector::start(collector_options);
  if (!collector) return Error{"collector: " + collector.error().message};
  s->collector = std::move(*collector);
  s->chat = sender_for("guest-chat-ui", s->collector->url());
  s->bridge_spans = sender_for("dataaction-bridge", s->collector->url());
  s->orders_spans = sender_for("orders-service", s->collector->url());

  TRACECHAT_TRY(s->orders, start_orders_service("127.0.0.1:0", s->orders_spans.provider->tracer("orders-service")));
  const auto orders_url = *net::Url::parse(s->orders->url());
  s->orders_port = orders_url.port;
  bridge::BridgeOptions bridge_options;
  bridge_options.listen = "127.0.0.1:0";
  bridge_options.upstream = orders_url;
  bridge_options.tracer = s->bridge_spans.provider->tracer(std::string(conventions::kBridgeScope));
  auto bridge = bridge::Bridge::start(bridge_options);
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
  emulator_options.data_actions_dir = s->kit / "data-actions";
  emulator_options.flows_dir = s->kit / "flows";
  // What the genesyscloud_flow resource fills in from the kit's variables.
  emulator_options.flow_substitutions = {{"flow_name", kStackFlowName},
                                         {"data_action_category", kStackCategory},
                                         {"data_action_name", kStackActionName},
                                         {"queue_name", kStackQueue}};
  auto platform = emulator::Emulator::start(emulator_options);
  if (!platform) return Error{"emulator: " + platform.error().message};
  s->platform = std::move(*platform);
  return s;
}

}  // namespace tracechat::cli
