// Explorer: the server behind `tracechat ui` (and `tracechat collector --ui`). It reads a
// span store — never writes it — and serves one page (viewer/explorer_page.h) and the
// JSON API the page reads:
//   GET /, /trace/{id}, /conversation/{id}   the page (the same document for each route)
//   GET /api/traces?…                        newest traces first, searched and paged
//   GET /api/traces/{id}                     one trace's document (spans, critical path, chat)
//   GET /api/conversations/{id}              the traces that carry a conversation id
//   WS  /api/live                            {"type":"changed"} whenever new spans are indexed
// A bad query is a 400 with {"error": "..."}; an unknown trace or conversation a 404.
// docs/explorer.md has the shapes. With a Platform API client, a trace's conversation
// also shows the conversation's participants and their attributes.
//
// Security: it binds 127.0.0.1 unless told otherwise, and then answers only requests
// whose Host is a loopback name, so that a web page the user visits cannot reach it by
// pointing its own domain at 127.0.0.1 (DNS rebinding). The page's Content-Security-Policy
// lets it load nothing from anywhere else.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tracechat/platform/settings.h"
#include "tracechat/result.h"

namespace tracechat::explorer {

// Not Jaeger's 16686, nor OTLP's 4317/4318.
inline constexpr std::uint16_t kDefaultPort = 16690;

struct ExplorerOptions {
  std::string listen = "127.0.0.1:16690";  // port 0: any free port
  std::filesystem::path db = "traces.sqlite";
  // Host names the explorer is reached by besides the loopback ones (a reverse proxy's,
  // a machine's): with any, requests for other names are refused on every address, as
  // they are on loopback without any. Names, not host:port; compared without case.
  std::vector<std::string> allowed_hosts;
  // The Platform API (a real org or the emulator) for participants and attributes; none:
  // the page shows what the trace holds.
  std::optional<platform::PlatformSettings> platform;
  std::string platform_ca_file;
  // How often the store is looked at for new spans, for the live list.
  std::chrono::milliseconds live_poll{500};
  std::size_t max_live_clients = 256;
};

struct ExplorerStats {
  std::uint64_t api_requests = 0;
  std::uint64_t bad_requests = 0;  // answered 400
  std::uint64_t live_clients = 0;  // open now
  std::uint64_t live_updates = 0;  // "changed" notices sent
};

class Explorer {
 public:
  // Opens the store for reading (it must exist) and starts serving.
  static Result<std::unique_ptr<Explorer>> start(ExplorerOptions options);
  // What start checks of the options alone (the listening address, the allowed hosts),
  // for a caller that wants to know before it starts anything else.
  static Result<void> check(const ExplorerOptions& options);
  ~Explorer();  // stops
  Explorer(const Explorer&) = delete;
  Explorer& operator=(const Explorer&) = delete;

  std::uint16_t port() const;
  std::string url() const;  // http://host:port
  // False on a non-loopback address with no allowed hosts: any Host is answered.
  bool checks_host() const;
  ExplorerStats stats() const;
  void stop();

 private:
  struct Impl;
  explicit Explorer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The explorer's link to a trace or a conversation, from its base URL ("http://h:p", a
// trailing slash allowed): what `find` and `demo` print. The id is percent-encoded.
std::string trace_link(std::string_view base_url, std::string_view trace_id);
std::string conversation_link(std::string_view base_url, std::string_view conversation_id);
// The base URL `find` and `demo` link to: the option's value, else $TRACECHAT_UI_URL; empty: none.
inline constexpr const char* kUiUrlVariable = "TRACECHAT_UI_URL";
std::string ui_base_url(const std::string& option);

}  // namespace tracechat::explorer
