#include "tracechat/explorer/explorer.h"

#include <boost/json.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/rfc/pchars.hpp>
#include <boost/url/url_view.hpp>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

#include "common/utf8.h"
#include "host_check.h"
#include "live_updates.h"
#include "store_pool.h"
#include "trace_query_params.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/net/http_server.h"
#include "tracechat/platform/platform_client.h"
#include "tracechat/viewer/explorer_page.h"
#include "tracechat/viewer/waterfall.h"

namespace tracechat::explorer {
namespace json = boost::json;

namespace {

// Nothing but what the page itself carries runs or loads, and it connects only home.
constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// How long a conversation's participants are reused before the platform is asked again.
constexpr auto kPlatformCacheFor = std::chrono::seconds(30);
constexpr std::size_t kPlatformCacheEntries = 1000;

// Stored text and request text as JSON may hold it: invalid UTF-8 replaced.
json::string text(std::string_view bytes) { return json::string(common::valid_utf8_or_replaced(bytes)); }

net::HttpResponse error_response(int status, std::string_view message) {
  auto response = net::json_response(status, json::serialize(json::object{{"error", text(message)}}));
  response.set_header("Cache-Control", "no-store");
  return response;
}

net::HttpResponse api_response(const json::value& body) {
  auto response = net::json_response(200, json::serialize(body));
  response.set_header("Cache-Control", "no-store");
  return response;
}

json::object trace_row(const collector::TraceSummary& t) {
  json::array services;
  for (const auto& service : t.services) services.emplace_back(text(service));
  const std::uint64_t duration = t.end_unix_nano >= t.start_unix_nano ? t.end_unix_nano - t.start_unix_nano : 0;
  return json::object{{"traceId", t.trace_id.hex()},
                      {"rootName", text(t.root_name)},
                      {"startUnixMs", static_cast<double>(t.start_unix_nano / 1000) / 1000.0},
                      {"durationMs", static_cast<double>(duration) / 1e6},
                      {"duration", viewer::format_duration(duration)},
                      {"spanCount", t.span_count},
                      {"services", std::move(services)},
                      {"error", t.has_error},
                      {"conversationId", text(t.conversation_id)}};
}

}  // namespace

struct Explorer::Impl {
  ExplorerOptions options;
  std::unique_ptr<StorePool> stores;
  std::unique_ptr<platform::PlatformClient> platform;
  std::mutex platform_mutex;  // the client: one call at a time
  std::mutex cache_mutex;     // the answers: never held during a call
  std::unordered_map<std::string, std::pair<std::chrono::steady_clock::time_point, json::value>> platform_cache;
  HostCheck host_check;
  std::unique_ptr<LiveUpdates> live;
  std::unique_ptr<net::HttpServer> server;
  std::atomic<std::uint64_t> api_requests{0};
  std::atomic<std::uint64_t> bad_requests{0};

  net::HttpResponse bad(std::string_view message) {
    ++bad_requests;
    return error_response(400, message);
  }

  std::optional<net::HttpResponse> refused(const net::HttpRequest& request) const {
    const auto reason = host_check.refusal(request.header("Host"), request.header("Origin"));
    if (!reason) return std::nullopt;
    return error_response(403, *reason);
  }

  net::HttpResponse handle(net::HttpRequest& request) {
    if (auto refusal = refused(request)) return *refusal;
    auto url = boost::urls::parse_origin_form(request.target);
    if (!url) return error_response(400, "not a valid request target");
    std::vector<std::string> segments;
    for (const auto& segment : url->segments()) segments.push_back(segment);
    const bool api = !segments.empty() && segments[0] == "api";
    if (request.method != "GET" && request.method != "HEAD") {
      auto response = error_response(405, "only GET is answered");
      response.set_header("Allow", "GET, HEAD");
      return response;
    }
    if (!api) {
      const bool page = segments.empty() || (segments.size() == 1 && segments[0].empty()) ||
                        (segments.size() == 2 && (segments[0] == "trace" || segments[0] == "conversation"));
      if (!page) return net::text_response(404, "not found: the explorer is at /\n");
      auto response = net::HttpResponse{200, {}, viewer::explorer_page()};
      response.set_header("Content-Type", "text/html; charset=utf-8");
      response.set_header("Content-Security-Policy", kPagePolicy);
      response.set_header("X-Content-Type-Options", "nosniff");
      response.set_header("Referrer-Policy", "no-referrer");
      response.set_header("Cache-Control", "no-store");
      return response;
    }
    ++api_requests;
    if (segments.size() == 2 && segments[1] == "traces") return list(request.target);
    if (segments.size() == 2 && segments[1] == "attributes") return attributes();
    if (segments.size() == 3 && segments[1] == "traces") return trace(segments[2]);
    if (segments.size() == 3 && segments[1] == "conversations") return conversation(segments[2]);
    return error_response(404, "no such API: " + std::string(url->path().substr(0, 100)));
  }

  Result<collector::TracePage> search(const collector::TraceQuery& query) {
    TRACECHAT_TRY(const auto store, stores->acquire());
    return store->search_traces(query);
  }

  net::HttpResponse list(const std::string& target) {
    auto query = parse_trace_query(target);
    if (!query) return bad(query.error().message);
    auto store = stores->acquire();
    if (!store) return error_response(500, store.error().message);
    // An attribute the store does not index is the query's fault; the store's keys are
    // its own (the collector's --index-attribute), so they are checked here.
    for (const auto& attribute : query->attributes) {
      const auto indexed = (*store)->indexes_attribute(attribute.first);
      if (!indexed) return error_response(500, indexed.error().message);
      if (!*indexed) {
        return bad("attr '" + attribute.first.substr(0, 80) +
                   "': the store indexes only these attributes: " + (*store)->indexed_keys().list());
      }
    }
    const auto page = (*store)->search_traces(*query);
    // The query was checked: what fails now is the store (or its age: one from before the
    // search index, which the message explains).
    if (!page) return error_response(500, page.error().message);
    json::array rows;
    for (const auto& t : page->traces) rows.push_back(trace_row(t));
    return api_response(json::object{{"traces", std::move(rows)},
                                     {"next", page->next ? json::value(format_cursor(*page->next)) : nullptr}});
  }

  // The attribute keys the store indexes: what `attr` may name.
  net::HttpResponse attributes() {
    auto store = stores->acquire();
    if (!store) return error_response(500, store.error().message);
    if (auto refreshed = (*store)->refresh_indexed_keys(); !refreshed) {
      return error_response(500, refreshed.error().message);
    }
    json::array keys;
    const auto& indexed = (*store)->indexed_keys();
    for (std::size_t i = 0; i < indexed.size(); ++i) keys.push_back(text(indexed.key(i)));
    return api_response(json::object{{"attributes", std::move(keys)}});
  }

  Result<std::vector<std::unique_ptr<trace::SpanData>>> load_trace(const trace::TraceId& id) {
    TRACECHAT_TRY(const auto store, stores->acquire());
    return store->load_trace(id);
  }

  net::HttpResponse trace(const std::string& id_text) {
    const auto id = trace::TraceId::from_hex(id_text);
    if (!id || !id->valid()) return bad("'" + id_text.substr(0, 80) + "' is not a trace id (32 hexadecimal digits)");
    auto spans = load_trace(*id);
    if (!spans) return error_response(500, spans.error().message);
    if (spans->empty()) return error_response(404, "no spans of trace " + id->hex() + " in the store");
    const auto waterfall = viewer::build_waterfall(*spans);
    std::string document = viewer::trace_document_json(waterfall, *id);
    if (platform) {
      json::value parsed = json::parse(document);
      auto* conversation = parsed.as_object()["conversation"].if_object();
      if (conversation != nullptr && (*conversation)["id"].is_string()) {
        (*conversation)["platform"] = participants(std::string((*conversation)["id"].as_string()));
        document = json::serialize(parsed);
      }
    }
    auto response = net::json_response(200, std::move(document));
    response.set_header("Cache-Control", "no-store");
    return response;
  }

  net::HttpResponse conversation(const std::string& id) {
    if (id.empty() || id.size() > 256) return bad("a conversation id is 1 to 256 characters");
    collector::TraceQuery query;
    query.conversation_id = id;
    query.limit = 20;
    const auto page = search(query);
    if (!page) return error_response(500, page.error().message);
    if (page->traces.empty())
      return error_response(404, "no trace in the store carries conversation " + id.substr(0, 80));
    json::array rows;
    for (const auto& t : page->traces) rows.push_back(trace_row(t));
    return api_response(
        json::object{{"conversationId", text(id)}, {"traces", std::move(rows)}, {"more", page->next.has_value()}});
  }

  // The conversation as the platform has it: its participants, and the attributes of
  // its customer (where the chat client writes the trace context). Kept a short while,
  // so a page being looked at does not call the API on every refresh.
  json::value participants(const std::string& conversation_id) {
    const auto cached = [&]() -> std::optional<json::value> {
      std::lock_guard lock(cache_mutex);
      const auto found = platform_cache.find(conversation_id);
      if (found == platform_cache.end() ||
          std::chrono::steady_clock::now() - found->second.first >= kPlatformCacheFor) {
        return std::nullopt;
      }
      return found->second.second;
    };
    if (auto answer = cached()) return *answer;
    // A slow platform holds up the pages that wait for it, not every other request.
    std::lock_guard call_lock(platform_mutex);
    if (auto answer = cached()) return *answer;  // another page asked meanwhile
    json::object out;
    auto conversation = platform->get_conversation(conversation_id);
    if (!conversation) {
      out["error"] = conversation.error().message;
    } else {
      json::array people;
      json::array attributes;
      for (const auto& p : conversation->participants) {
        people.push_back(json::object{{"id", p.id}, {"purpose", p.purpose}, {"name", p.name}});
        if (p.purpose == "customer" && attributes.empty()) {
          for (const auto& [key, value] : p.attributes) attributes.push_back(json::array{key, value});
        }
      }
      out["participants"] = std::move(people);
      out["attributes"] = std::move(attributes);
      out["startTime"] = conversation->start_time;
      out["endTime"] = conversation->end_time;
    }
    std::lock_guard lock(cache_mutex);
    if (platform_cache.size() >= kPlatformCacheEntries) platform_cache.clear();
    platform_cache[conversation_id] = {std::chrono::steady_clock::now(), out};
    return out;
  }
};

Explorer::Explorer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Explorer::~Explorer() { stop(); }

Result<void> Explorer::check(const ExplorerOptions& options) {
  TRACECHAT_TRY(const auto address, net::parse_listen_address(options.listen));
  TRACECHAT_CHECK(HostCheck::make(address.first, options.allowed_hosts));
  return {};
}

Result<std::unique_ptr<Explorer>> Explorer::start(ExplorerOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  if (!std::filesystem::exists(impl->options.db)) {
    return Error{"no span database at '" + impl->options.db.string() + "' (start `tracechat collector --db " +
                 impl->options.db.string() + "` first, or pass --db)"};
  }
  TRACECHAT_TRY(impl->stores, StorePool::open(impl->options.db));
  TRACECHAT_TRY(const auto address, net::parse_listen_address(impl->options.listen));
  TRACECHAT_TRY(impl->host_check, HostCheck::make(address.first, impl->options.allowed_hosts));
  if (impl->options.platform) {
    platform::PlatformClientOptions client_options;
    client_options.tls.ca_file = impl->options.platform_ca_file;
    // A page waits on it: fail soon and let the page say why.
    client_options.retry.max_attempts = 2;
    client_options.retry.max_retry_after = std::chrono::seconds(5);
    impl->platform = std::make_unique<platform::PlatformClient>(*impl->options.platform, client_options);
  }
  Impl* self = impl.get();
  impl->live = std::make_unique<LiveUpdates>(
      [self]() -> std::optional<std::string> {
        const auto store = self->stores->acquire();
        if (!store) return std::nullopt;
        const auto position = (*store)->indexed_position();
        if (!position) return std::nullopt;
        // New spans move the indexed position; retention removes the oldest traces.
        const auto oldest = (*store)->oldest_start();
        if (!oldest) return std::nullopt;
        return std::to_string(position->segment) + ":" + std::to_string(position->offset) + ":" +
               std::to_string(*oldest);
      },
      impl->options.live_poll, impl->options.max_live_clients);
  net::HttpServerOptions server_options;
  server_options.address = address.first;
  server_options.port = address.second;
  server_options.body_limit = 64 * 1024;  // it answers GETs
  // A platform lookup holds its thread for up to a few seconds: others keep serving.
  server_options.threads = 4;
  impl->server = std::make_unique<net::HttpServer>(
      server_options, [self](net::HttpRequest& request) { return self->handle(request); },
      [self](const net::HttpRequest& request) -> std::variant<net::WebSocketAccept, net::HttpResponse> {
        if (auto refusal = self->refused(request)) return *refusal;
        if (request.path() != "/api/live") return error_response(404, "the live feed is at /api/live");
        return self->live->accept();
      });
  TRACECHAT_CHECK(impl->server->start());
  return std::unique_ptr<Explorer>(new Explorer(std::move(impl)));
}

std::uint16_t Explorer::port() const { return impl_->server->port(); }
bool Explorer::checks_host() const { return impl_->host_check.applies(); }
std::string Explorer::url() const { return impl_->server->url(); }

ExplorerStats Explorer::stats() const {
  const LiveUpdates* live = impl_->live.get();  // gone after stop()
  return ExplorerStats{impl_->api_requests.load(), impl_->bad_requests.load(), live ? live->clients() : 0,
                       live ? live->notices() : 0};
}

void Explorer::stop() {
  if (impl_->server) impl_->server->stop();
  impl_->live.reset();
}

namespace {
std::string link(std::string_view base_url, std::string_view kind, std::string_view id) {
  std::string out(base_url);
  while (!out.empty() && out.back() == '/') out.pop_back();
  return out + "/" + std::string(kind) + "/" + boost::urls::encode(id, boost::urls::pchars);
}
}  // namespace

std::string trace_link(std::string_view base_url, std::string_view trace_id) {
  return link(base_url, "trace", trace_id);
}
std::string conversation_link(std::string_view base_url, std::string_view conversation_id) {
  return link(base_url, "conversation", conversation_id);
}

std::string ui_base_url(const std::string& option) {
  if (!option.empty()) return option;
  const char* variable = std::getenv(kUiUrlVariable);
  return variable != nullptr ? variable : "";
}

}  // namespace tracechat::explorer
