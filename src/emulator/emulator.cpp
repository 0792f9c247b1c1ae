#include "tracechat/emulator/emulator.h"

#include <algorithm>
#include <boost/url/parse.hpp>
#include <thread>

#include "allowed_origins.h"
#include "connection_log.h"
#include "conversation_store.h"
#include "deployment_config_endpoint.h"
#include "flow_engine.h"
#include "guest_chat_connection.h"
#include "oauth_client_file.h"
#include "platform.h"
#include "rest_api.h"
#include "tracechat/net/event_loop.h"
#include "tracechat/net/http_server.h"
#include "tracechat/net/url.h"
#include "web_messaging_connection.h"
#include "web_messaging_sessions.h"

namespace tracechat::emulator {

using namespace std::chrono_literals;

namespace {

net::HttpResponse refuse(int status, std::string message) { return net::text_response(status, message + "\n"); }

// Which dialect an upgrade's path asks for, for the log line of a refusal.
std::string_view dialect_of(std::string_view path) {
  if (path == "/v1" || path == "/v1/") return kWebMessaging;
  if (path.starts_with("/v1/") && path.ends_with("/connect")) return kGuestChat;
  return "-";
}

}  // namespace

struct Emulator::Impl {
  EmulatorOptions options;
  EventLog log;
  std::unique_ptr<ConversationStore> store;
  // The bot's delayed replies, off the WebSocket threads.
  net::EventLoop timers;
  std::unique_ptr<Platform> platform;
  std::unique_ptr<WebMessagingSessions> sessions;
  std::unique_ptr<FlowEngine> flows;  // when data actions or flows are configured
  std::vector<OAuthClientCredentials> oauth_clients;
  std::filesystem::path oauth_client_file;  // the generated client's; empty when configured
  std::unique_ptr<RestApi> rest;
  std::unique_ptr<net::HttpServer> server;
  std::size_t restored = 0;
  bool tls = false;

  // Open connections, for the shutdown notice.
  std::mutex connections_mutex;
  std::vector<std::weak_ptr<GuestChatConnection>> guest_chat_connections;
  std::vector<std::weak_ptr<WebMessagingConnection>> web_messaging_connections;
  std::size_t registrations = 0;

  explicit Impl(EmulatorOptions o) : options(std::move(o)), log(options.log, options.log != nullptr) {}

  template <typename T>
  void remember(std::vector<std::weak_ptr<T>>& list, const std::shared_ptr<T>& connection) {
    std::lock_guard lock(connections_mutex);
    // Prune now and then so the list tracks open connections, not every connection ever.
    if (++registrations % 1024 == 0) {
      std::erase_if(guest_chat_connections, [](const auto& w) { return w.expired(); });
      std::erase_if(web_messaging_connections, [](const auto& w) { return w.expired(); });
    }
    list.push_back(connection);
  }

  net::WebSocketOptions socket_options() const {
    const auto& limits = options.config.limits;
    net::WebSocketOptions o;
    // Frames up to 4x the limit are read and answered with 413; larger ones close 1009.
    o.max_message_bytes = static_cast<std::size_t>(limits.max_frame_bytes) * 4;
    o.idle_timeout = std::chrono::seconds(limits.idle_timeout_seconds);
    return o;
  }

  bool organization_allowed(const std::string& id) const {
    return options.config.organizations.empty() || options.config.organizations.contains(id);
  }
  bool deployment_allowed(const std::string& id) const {
    return options.config.deployments.empty() || options.config.deployments.contains(id);
  }

  // A refused upgrade, answered before the upgrade and logged with its reason. The log
  // line names the remote address, the deployment and the origin; never a session
  // token or any other query value.
  net::HttpResponse refuse_upgrade(const net::HttpRequest& request, std::string_view path, int status,
                                   std::string reason, const std::optional<std::string>& deployment) {
    log.write("warn", {{"event", "upgrade-refused"},
                       {"dialect", dialect_of(path)},
                       {"status", std::to_string(status)},
                       {"reason", reason},
                       {"remote", request.remote_address},
                       {"deployment", deployment ? std::string_view(*deployment) : std::string_view("-")},
                       {"origin", request.header("Origin").value_or("-")}});
    return refuse(status, std::move(reason));
  }

  std::variant<net::WebSocketAccept, net::HttpResponse> upgrade(const net::HttpRequest& request) {
    auto target = boost::urls::parse_origin_form(request.target);
    if (!target) return refuse_upgrade(request, "-", 400, "malformed request target", std::nullopt);
    const std::string path(target->path());
    std::optional<std::string> deployment;
    for (const auto& param : target->params()) {
      if (param.key == "deploymentId") deployment = std::string(param.value);
    }
    if (deployment && !is_uuid(*deployment)) {
      return refuse_upgrade(request, path, 400, "deploymentId must be a UUID", deployment->substr(0, 64));
    }
    if (deployment) *deployment = lowercase_id(*deployment);

    if (path == "/v1" || path == "/v1/") {
      if (!deployment)
        return refuse_upgrade(request, path, 400, "Web Messaging needs ?deploymentId=<uuid>", deployment);
      const auto settings = deployment_settings(options.config, *deployment);
      if (!settings) return refuse_upgrade(request, path, 404, "unknown deployment", deployment);
      if (!settings->active && options.config.web_messaging.refuse_inactive_deployments) {
        return refuse_upgrade(request, path, 404, "deployment is inactive", deployment);
      }
      if (!origin_allowed(options.config, *deployment, request.header("Origin"))) {
        return refuse_upgrade(request, path, 403, "origin not allowed for this deployment", deployment);
      }
      auto connection = std::make_shared<WebMessagingConnection>(*platform, *sessions, log, *deployment);
      remember(web_messaging_connections, connection);
      return net::WebSocketAccept{connection, socket_options()};
    }
    // /v1/{organizationId}/guest/{guestId}/connect
    constexpr std::string_view kPrefix = "/v1/";
    if (path.starts_with(kPrefix) && path.ends_with("/connect")) {
      const std::string_view middle = std::string_view(path).substr(kPrefix.size(), path.size() - kPrefix.size() - 8);
      const auto guest_at = middle.find("/guest/");
      if (guest_at == std::string_view::npos) return refuse_upgrade(request, path, 404, "no such endpoint", deployment);
      const std::string organization(middle.substr(0, guest_at));
      const std::string guest(middle.substr(guest_at + 7));
      if (!is_uuid(organization))
        return refuse_upgrade(request, path, 400, "organizationId must be a UUID", deployment);
      if (!is_uuid(guest)) return refuse_upgrade(request, path, 400, "guestId must be a UUID", deployment);
      if (!organization_allowed(lowercase_id(organization))) {
        return refuse_upgrade(request, path, 404, "unknown organization", deployment);
      }
      if (deployment && !deployment_allowed(*deployment)) {
        return refuse_upgrade(request, path, 404, "unknown deployment", deployment);
      }
      auto connection = std::make_shared<GuestChatConnection>(*platform, log, lowercase_id(organization),
                                                              lowercase_id(guest), deployment.value_or(""));
      remember(guest_chat_connections, connection);
      return net::WebSocketAccept{connection, socket_options()};
    }
    return refuse_upgrade(request, path, 404, "no such endpoint", deployment);
  }

  net::HttpResponse handle(net::HttpRequest& request) {
    if (auto answer = rest->handle(request)) return std::move(*answer);
    if (auto answer = serve_deployment_config(options.config, request, tls)) return std::move(*answer);
    const auto path = request.path();
    if (path == "/healthz") return net::text_response(200, "ok\n");
    if (path.starts_with("/v1")) return refuse(426, "this endpoint takes WebSocket connections only");
    return refuse(404, "no such endpoint");
  }
};

Emulator::Emulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Emulator::~Emulator() { stop(); }

Result<std::unique_ptr<Emulator>> Emulator::start(EmulatorOptions options) {
  TRACECHAT_TRY(const auto address, net::parse_listen_address(options.listen));
  auto impl = std::make_unique<Impl>(std::move(options));
  TRACECHAT_TRY(impl->store, ConversationStore::open(impl->options.db));
  auto* raw = impl.get();
  impl->platform = std::make_unique<Platform>(impl->options.config, *impl->store,
                                              [raw](std::chrono::milliseconds delay, std::function<void()> task) {
                                                raw->timers.after(delay, std::move(task));
                                              });
  impl->restored = impl->platform->restore();
  impl->sessions = std::make_unique<WebMessagingSessions>(*impl->platform);
  impl->oauth_clients = impl->options.config.oauth.clients;
  if (impl->oauth_clients.empty()) {
    impl->oauth_client_file = oauth_client_file_for(impl->options.db);
    TRACECHAT_TRY(auto generated, load_or_create_oauth_client(impl->oauth_client_file));
    impl->oauth_clients.push_back(std::move(generated));
  }
  impl->rest = std::make_unique<RestApi>(*impl->platform, impl->oauth_clients);
  if (!impl->options.data_actions_dir.empty() || !impl->options.flows_dir.empty()) {
    TRACECHAT_TRY(impl->flows, FlowEngine::load(impl->options.data_actions_dir, impl->options.flows_dir,
                                                *impl->platform, impl->options.flow_substitutions, &impl->log,
                                                std::max(1u, impl->options.flow_threads),
                                                std::max<std::size_t>(1, impl->options.flow_queue)));
    impl->platform->set_observer(impl->flows.get());
  }

  net::HttpServerOptions http;
  http.address = address.first;
  http.port = address.second;
  http.threads = std::max(1u, impl->options.threads);
  http.body_limit = 1024 * 1024;
  http.tls_cert_file = impl->options.tls_cert_file;
  http.tls_key_file = impl->options.tls_key_file;
  // The accept back-off's two lines (out of descriptors, accepting again) go with the
  // emulator's log; without one (--quiet) to stderr still: they are rare and say why
  // connections wait.
  http.log = impl->options.log != nullptr ? impl->options.log : stderr;
  impl->tls = !http.tls_cert_file.empty();
  impl->server = std::make_unique<net::HttpServer>(
      http, [raw](net::HttpRequest& request) { return raw->handle(request); },
      [raw](const net::HttpRequest& request) { return raw->upgrade(request); });
  TRACECHAT_CHECK(impl->server->start());
  return std::unique_ptr<Emulator>(new Emulator(std::move(impl)));
}

std::uint16_t Emulator::port() const { return impl_->server->port(); }
std::string Emulator::http_url() const { return impl_->server->url(); }
std::string Emulator::ws_url() const {
  const std::string http = http_url();
  return (impl_->tls ? "wss" : "ws") + http.substr(http.find(':'));
}
std::size_t Emulator::restored_conversations() const { return impl_->restored; }
OAuthClientCredentials Emulator::oauth_client() const { return impl_->oauth_clients.front(); }
std::filesystem::path Emulator::oauth_client_file() const { return impl_->oauth_client_file; }

EmulatorStats Emulator::stats() const {
  EmulatorStats s;
  s.conversations = impl_->platform->conversations().size();
  s.active_conversations = impl_->platform->active_conversations();
  s.errors = impl_->log.errors();
  s.store_write_errors = impl_->store->write_errors();
  return s;
}

void Emulator::stop() {
  auto& i = *impl_;
  if (!i.server) return;
  std::vector<std::shared_ptr<GuestChatConnection>> guest_chat;
  std::vector<std::shared_ptr<WebMessagingConnection>> web_messaging;
  {
    std::lock_guard lock(i.connections_mutex);
    for (auto& w : i.guest_chat_connections) {
      if (auto c = w.lock()) guest_chat.push_back(std::move(c));
    }
    for (auto& w : i.web_messaging_connections) {
      if (auto c = w.lock()) web_messaging.push_back(std::move(c));
    }
  }
  for (auto& c : guest_chat) c->shut_down();
  for (auto& c : web_messaging) c->shut_down();
  const bool any = !guest_chat.empty() || !web_messaging.empty();
  guest_chat.clear();
  web_messaging.clear();
  // Give the notices a moment to leave; a peer that does not answer the close is cut.
  if (any) {
    const auto deadline = std::chrono::steady_clock::now() + 2s;
    const auto open = [](const auto& list) {
      return std::ranges::any_of(list, [](const auto& w) { return !w.expired(); });
    };
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(i.connections_mutex);
        if (!open(i.guest_chat_connections) && !open(i.web_messaging_connections)) break;
      }
      std::this_thread::sleep_for(10ms);
    }
  }
  i.timers.stop();
  i.server->stop();
  // Runs in progress finish (their Data Action calls are bounded by the timeout), before
  // the server is destroyed: what they send to a connection still open is queued on the
  // stopped server's io_context, never run. Destroyed first, a run's send could reach a
  // WebSocket session whose io_context was gone.
  i.flows.reset();
  i.server.reset();
  i.store->flush();
}

void Emulator::wait_for_flows() {
  if (impl_->flows) impl_->flows->wait_idle();
}

FlowStats Emulator::flow_stats() const { return impl_->flows ? impl_->flows->stats() : FlowStats{}; }

std::optional<std::string> Emulator::flow_queue(const std::string& conversation_id) const {
  return impl_->flows ? impl_->flows->queue_of(conversation_id) : std::nullopt;
}

}  // namespace tracechat::emulator
