// `tracechat bridge`: the HTTP endpoint a Data Action calls; continues the chat's trace.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "commands.h"
#include "signals.h"
#include "telemetry.h"
#include "tracechat/bridge/bridge.h"
#include "tracechat/conventions.h"
#include "tracechat/version.h"

namespace tracechat::cli {

namespace {

constexpr const char* kBasicAuthVariable = "TRACECHAT_BRIDGE_BASIC_AUTH";

// The caller credentials: from the file, else from the environment, else none. Never
// from the command line, where every user of the machine can read them.
Result<std::optional<bridge::BasicCredentials>> caller_credentials(const std::string& file) {
  std::string text;
  std::string source;
  if (!file.empty()) {
    std::ifstream in(file);
    std::ostringstream content;
    content << in.rdbuf();
    if (!in) return Error{"--basic-auth-file: cannot read " + file};
    text = content.str();
    source = "--basic-auth-file " + file;
  } else if (const char* env = std::getenv(kBasicAuthVariable); env != nullptr && *env != '\0') {
    text = env;
    source = kBasicAuthVariable;
  } else {
    return std::optional<bridge::BasicCredentials>{};
  }
  auto parsed = bridge::BasicCredentials::parse(text);
  if (!parsed) return Error{source + ": " + parsed.error().message};  // the message never holds the secret
  return std::optional<bridge::BasicCredentials>{std::move(*parsed)};
}

std::string upstream_shown(bool echo, const std::optional<net::Url>& upstream) {
  if (echo || !upstream) return "echo mode";
  return "forwarding to " + upstream->without_query() +
         (upstream->target.find('?') != std::string::npos ? "?<query hidden>" : "");
}

bool loopback(const std::string& listen) {
  auto address = net::parse_listen_address(listen);
  return address && (address->first.rfind("127.", 0) == 0 || address->first == "::1" || address->first == "localhost");
}

struct BridgeCommandOptions {
  std::string listen = "127.0.0.1:9090";
  std::string upstream;
  bool echo = false;
  std::string traceparent_field;
  std::string ca_file;
  double timeout_seconds = 10;
  unsigned threads = 2;
  std::string otlp_endpoint;
  std::string tls_cert;
  std::string tls_key;
  std::string basic_auth_file;
};

void add_options(CLI::App& cmd, BridgeCommandOptions& o) {
  cmd.add_option("--listen", o.listen, "address to listen on (host:port; loopback by default)")->capture_default_str();
  auto* upstream = cmd.add_option("--upstream", o.upstream,
                                  "base URL to forward to (http:// or https://): the request's path goes under its "
                                  "path,\nthe request's query after its own (which is never printed)");
  auto* echo = cmd.add_flag("--echo", o.echo, "answer every request with what the bridge saw, as JSON");
  upstream->excludes(echo);
  auto* cert = cmd.add_option("--tls-cert", o.tls_cert, "PEM certificate chain: serve HTTPS (TLS 1.2 or later)")
                   ->check(CLI::ExistingFile);
  auto* key = cmd.add_option("--tls-key", o.tls_key, "PEM private key of --tls-cert")->check(CLI::ExistingFile);
  cert->needs(key);
  key->needs(cert);
  cmd.add_option("--basic-auth-file", o.basic_auth_file,
                 "file holding user:password; callers without them get 401 (also: the environment\n"
                 "variable " +
                     std::string(kBasicAuthVariable) + "=user:password)")
      ->check(CLI::ExistingFile);
  cmd.add_option("--traceparent-field", o.traceparent_field,
                 "read traceparent from this JSON body field when the header is absent");
  cmd.add_option("--ca-file", o.ca_file, "PEM file of an extra CA to trust for an https:// upstream")
      ->check(CLI::ExistingFile);
  cmd.add_option("--timeout", o.timeout_seconds, "seconds to wait for the upstream")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--threads", o.threads, "request threads")->check(CLI::Range(1, 64))->capture_default_str();
  cmd.add_option("--otlp-endpoint", o.otlp_endpoint, kOtlpEndpointHelp);
}

// The bridge's options from the command line; an error here is a usage error (exit 2).
Result<bridge::BridgeOptions> bridge_options(const BridgeCommandOptions& o) {
  if (o.upstream.empty() && !o.echo) return Error{"give --upstream URL or --echo"};
  bridge::BridgeOptions options;
  options.listen = o.listen;
  if (!o.upstream.empty()) {
    auto url = net::Url::parse(o.upstream);
    if (!url) return Error{"--upstream: " + url.error().message};
    options.upstream = *url;
  }
  TRACECHAT_TRY(options.caller_credentials, caller_credentials(o.basic_auth_file));
  options.tls_cert_file = o.tls_cert;
  options.tls_key_file = o.tls_key;
  options.upstream_tls.ca_file = o.ca_file;
  options.upstream_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(o.timeout_seconds * 1000));
  options.traceparent_field = o.traceparent_field;
  options.threads = o.threads;
  return options;
}

void print_banner(const BridgeCommandOptions& o, const bridge::Bridge& started, bool has_credentials,
                  const std::optional<net::Url>& upstream_url) {
  // The upstream's query may hold a key: it is forwarded, never printed.
  const std::string destination = upstream_shown(o.echo, upstream_url);
  std::printf("tracechat bridge: listening on %s, %s, %s\n", started.url().c_str(), destination.c_str(),
              has_credentials ? "Basic authentication required" : "no caller authentication");
  if (!loopback(o.listen)) {
    if (o.tls_cert.empty()) {
      std::fprintf(stderr,
                   "warning: listening beyond loopback without TLS: requests and %s cross the network in clear\n",
                   has_credentials ? "the caller's credentials" : "their headers");
    }
    if (!has_credentials) {
      std::fprintf(stderr, "warning: listening beyond loopback with no caller authentication (--basic-auth-file)\n");
    }
  }
  std::fflush(stdout);
}

void print_stats(const bridge::BridgeStats& stats) {
  std::printf(
      "tracechat bridge: stopped; %llu requests (%llu continued a trace, %llu started one), %llu upstream errors, "
      "%llu unauthorized, %llu refused, %llu conversation ids ignored\n",
      static_cast<unsigned long long>(stats.requests), static_cast<unsigned long long>(stats.continued),
      static_cast<unsigned long long>(stats.new_traces), static_cast<unsigned long long>(stats.upstream_errors),
      static_cast<unsigned long long>(stats.unauthorized), static_cast<unsigned long long>(stats.refused),
      static_cast<unsigned long long>(stats.conversation_ids_ignored));
}

// Runs until SIGINT or SIGTERM; the exit status.
int run_bridge(const BridgeCommandOptions& o) {
  auto options = bridge_options(o);
  if (!options) return std::fprintf(stderr, "error: %s\n", options.error().message.c_str()), 2;
  auto provider = otlp::make_tracer_provider("tracechat-bridge", o.otlp_endpoint);
  if (!provider) return std::fprintf(stderr, "error: %s\n", provider.error().message.c_str()), 2;
  options->tracer = (*provider)->tracer(std::string(conventions::kBridgeScope), TRACECHAT_VERSION);
  const bool has_credentials = options->caller_credentials.has_value();
  const std::optional<net::Url> upstream_url = options->upstream;
  auto started = bridge::Bridge::start(std::move(*options));
  if (!started) return std::fprintf(stderr, "error: %s\n", started.error().message.c_str()), 1;
  print_banner(o, **started, has_credentials, upstream_url);
  wait_for_termination_signal();
  (*started)->stop();
  print_stats((*started)->stats());
  (*provider)->shutdown(std::chrono::seconds(5));
  return 0;
}

}  // namespace

void add_bridge_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<BridgeCommandOptions>();
  auto* cmd = app.add_subcommand(
      "bridge",
      "The endpoint a Data Action calls: continues the trace from the request's traceparent,\n"
      "records a SERVER span `dataaction <name>` (name from the x-tracechat-action header, else the path)\n"
      "and forwards to --upstream with a child context injected, or answers itself with --echo");
  add_options(*cmd, *o);
  cmd->callback([o, &exit_code] { exit_code = run_bridge(*o); });
}

}  // namespace tracechat::cli
