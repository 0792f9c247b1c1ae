// Emulator: a local stand-in for the contact-center platform. One port serves both chat
// dialects over WebSocket — guest-chat at /v1/{organizationId}/guest/{guestId}/connect and
// Web Messaging at /v1?deploymentId=... — OAuth's token endpoint at /oauth/token and the
// REST API under /api/v2/ (bearer tokens). State lives in SQLite and survives a restart;
// access tokens do not. See docs/emulator.md.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "tracechat/emulator/config.h"
#include "tracechat/result.h"

namespace tracechat::emulator {

struct EmulatorOptions {
  std::string listen = "127.0.0.1:8080";  // loopback unless told otherwise
  std::filesystem::path db = "platform.sqlite";
  EmulatorConfig config;
  unsigned threads = 2;
  std::FILE* log = stderr;  // nullptr: no log lines
  // HTTPS/WSS when both are set (PEM files).
  std::string tls_cert_file;
  std::string tls_key_file;
  // Data Actions (*.json in Genesys's export format) and flows (*.json in the emulator's
  // format, *.yaml / *.yml in Archy's: docs/emulator.md) run per conversation; empty: none.
  std::filesystem::path data_actions_dir;
  std::filesystem::path flows_dir;
  // {{key}} -> value in the Archy flow files, filled in before they are read, as the
  // genesyscloud_flow resource's `substitutions` are.
  std::map<std::string, std::string> flow_substitutions;
  // The flows' capacity: runs at once (each Data Action call holds a worker while it waits
  // for the backend) and runs waiting beyond them (more are dropped, and counted). The
  // platform documents no such figures; these are the emulator's, to be sized for a run.
  unsigned flow_threads = 4;
  std::size_t flow_queue = 1024;
};

struct FlowStats {
  std::uint64_t runs = 0;     // flow runs started
  std::uint64_t dropped = 0;  // runs that did not fit the engine's queue
  std::uint64_t action_calls = 0, action_failures = 0;
  std::uint64_t transfers = 0;    // the Archy flow's Transfer to ACD (the conversation stays queued)
  std::uint64_t flow_errors = 0;  // Archy runs ended by an error (the flow's error handling disconnected)
  std::uint64_t waiting = 0;      // now: Archy runs waiting for their conversation's run in progress
};

struct EmulatorStats {
  std::size_t conversations = 0;
  std::size_t active_conversations = 0;
  std::uint64_t errors = 0;  // error replies sent
  std::uint64_t store_write_errors = 0;
};

class Emulator {
 public:
  static Result<std::unique_ptr<Emulator>> start(EmulatorOptions options);
  ~Emulator();  // stops
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  std::uint16_t port() const;
  std::string http_url() const;  // http(s)://host:port
  std::string ws_url() const;    // ws(s)://host:port
  std::size_t restored_conversations() const;
  // The OAuth client to ask /oauth/token for a token with: the first configured client,
  // or the generated one.
  OAuthClientCredentials oauth_client() const;
  // Where the generated client's credentials are kept (beside the database); empty when
  // the configuration lists clients.
  std::filesystem::path oauth_client_file() const;
  EmulatorStats stats() const;
  // Every open connection gets a final server-shutdown notice and is closed; then the
  // port closes and everything stored is flushed to disk.
  void stop();
  // Blocks until no flow run is queued or running.
  void wait_for_flows();
  FlowStats flow_stats() const;
  // The queue the Archy flow's Transfer to ACD named for the conversation while it is
  // open; nullopt when it did not transfer it (or has ended: the flow forgets it then).
  std::optional<std::string> flow_queue(const std::string& conversation_id) const;

 private:
  struct Impl;
  explicit Emulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::emulator
