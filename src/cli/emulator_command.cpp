// `tracechat emulator`: the local contact-center platform, both chat dialects and REST.
#include <sys/resource.h>

#include <cstdio>

#include "commands.h"
#include "common/terminal_text.h"
#include "signals.h"
#include "tracechat/emulator/emulator.h"

namespace tracechat::cli {

namespace {

// Every WebSocket is a file descriptor: lift the soft limit to the hard one so thousands
// of guests can connect without the operator having to know about ulimit.
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

void add_emulator_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<emulator::EmulatorOptions>();
  auto config_path = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  auto substitutions = std::make_shared<std::vector<std::string>>();
  auto* cmd = app.add_subcommand(
      "emulator",
      "Run a local contact-center platform: guest-chat at /v1/{organizationId}/guest/{guestId}/connect,\n"
      "Web Messaging at /v1?deploymentId=..., OAuth at /oauth/token, REST under /api/v2/; state kept in SQLite");
  cmd->add_option("--listen", options->listen, "address to listen on (host:port; loopback by default)")
      ->capture_default_str();
  cmd->add_option("--db", options->db, "SQLite database for conversations (created if missing)")->capture_default_str();
  cmd->add_option("--config", *config_path,
                  "JSON file: allowed organizations and deployments, limits, the bot, OAuth clients,\n"
                  "the REST rate limit, analytics (docs/emulator.md);\n"
                  "without one any organization and deployment id is accepted")
      ->check(CLI::ExistingFile);
  cmd->add_option("--threads", options->threads, "I/O threads")->capture_default_str()->check(CLI::Range(1, 64));
  cmd->add_option("--tls-cert", options->tls_cert_file, "PEM certificate: serve wss:// and https://");
  cmd->add_option("--tls-key", options->tls_key_file, "PEM private key for --tls-cert");
  cmd->add_option("--data-actions", options->data_actions_dir,
                  "folder of Data Actions (*.json, Genesys's export format) that flows call")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--flows", options->flows_dir,
                  "folder of flows run per conversation: *.json in the emulator's format, *.yaml / *.yml\n"
                  "Archy inbound message flows (docs/emulator.md)")
      ->check(CLI::ExistingDirectory);
  cmd->add_option("--flow-threads", options->flow_threads,
                  "flow runs at once (a Data Action call holds one while it waits for its backend)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  cmd->add_option("--flow-queue", options->flow_queue, "flow runs waiting beyond those; more are dropped and counted")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--flow-substitution", *substitutions,
                  "KEY=VALUE: fills {{KEY}} in the Archy flow files, as genesyscloud_flow's substitutions do\n"
                  "(repeatable)")
      ->type_name("KEY=VALUE");
  cmd->add_flag("--quiet", *quiet, "no per-connection and per-error log lines on stderr");
  cmd->callback([options, config_path, quiet, substitutions, &exit_code] {
    if (options->tls_cert_file.empty() != options->tls_key_file.empty()) {
      std::fprintf(stderr, "error: --tls-cert and --tls-key go together\n");
      exit_code = 2;
      return;
    }
    for (const auto& s : *substitutions) {
      const auto eq = s.find('=');
      const std::string key = s.substr(0, eq);
      std::string problem;
      if (eq == std::string::npos || eq == 0) {
        problem = "expected KEY=VALUE";
      } else if (key.find_first_of("{}\r\n") != std::string::npos) {
        problem = "KEY is the name inside {{...}}, without braces";
      } else if (options->flow_substitutions.contains(key)) {
        problem = "KEY given twice";
      }
      if (!problem.empty()) {
        std::fprintf(stderr, "error: --flow-substitution %s: %s\n", common::terminal_safe(s).c_str(), problem.c_str());
        exit_code = 2;
        return;
      }
      options->flow_substitutions[key] = s.substr(eq + 1);
    }
    if (!config_path->empty()) {
      auto config = emulator::load_config(*config_path);
      if (!config) {
        std::fprintf(stderr, "error: %s\n", config.error().message.c_str());
        exit_code = 2;
        return;
      }
      options->config = std::move(*config);
    }
    if (*quiet) options->log = nullptr;
    raise_open_file_limit();
    auto emulator = emulator::Emulator::start(*options);
    if (!emulator) {
      std::fprintf(stderr, "error: %s\n", emulator.error().message.c_str());
      exit_code = 1;
      return;
    }
    const auto& e = **emulator;
    std::printf(
        "tracechat emulator: listening on %s (%s mode), %zu conversations restored from %s\n"
        "  guest-chat:    %s/v1/{organizationId}/guest/{guestId}/connect\n"
        "  web messaging: %s/v1?deploymentId={deploymentId}\n"
        "  OAuth:         %s/oauth/token (client credentials)\n"
        "  REST:          %s/api/v2/... (Authorization: Bearer <token>)\n",
        e.http_url().c_str(),
        options->config.organizations.empty() && options->config.deployments.empty() ? "open" : "restricted",
        e.restored_conversations(), options->db.c_str(), e.ws_url().c_str(), e.ws_url().c_str(), e.http_url().c_str(),
        e.http_url().c_str());
    // The path, never the secret: whoever may read the file (0600) may use the client.
    if (!e.oauth_client_file().empty()) {
      std::printf("  OAuth client:  %s (client_id %s; the secret is in the file)\n", e.oauth_client_file().c_str(),
                  e.oauth_client().client_id.c_str());
    } else {
      std::printf("  OAuth clients: from the configuration\n");
    }
    std::fflush(stdout);
    wait_for_termination_signal();
    (*emulator)->stop();
    const auto s = (*emulator)->stats();
    std::printf("tracechat emulator: stopped; %zu conversations (%zu active), %llu error replies, %llu store errors\n",
                s.conversations, s.active_conversations, static_cast<unsigned long long>(s.errors),
                static_cast<unsigned long long>(s.store_write_errors));
  });
}

}  // namespace tracechat::cli
