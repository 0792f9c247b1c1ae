// `tracechat chat <url>`: a guest chat in the terminal, with its trace context attached
// to the conversation. Spans go to an OTLP endpoint when one is given.
#include <unistd.h>

#include <cstdio>

#include "chat_modes.h"
#include "commands.h"
#include "telemetry.h"
#include "tracechat/client/chat_session.h"
#include "tracechat/conventions.h"
#include "tracechat/platform/settings.h"
#include "tracechat/trace/propagation.h"
#include "tracechat/version.h"

namespace tracechat::cli {
namespace {

struct ChatOptions {
  std::string url;
  std::string region;
  std::string deployment_id;
  std::string origin;
  std::string name = "Guest";
  std::string dialect = "auto";
  std::string ca_file;
  std::vector<std::string> attributes;
  bool per_message_context = false;
  bool record_message_text = false;
  std::string parent;
  std::vector<std::string> tracestate;  // header lines, in order
  std::string otlp_endpoint;
  std::string script;
  double reply_timeout_seconds = 10;
  bool plain = false;
  std::string token;
  std::string auto_start = "deployment";
  std::string deployment_config_url;
};

// The endpoint: the URL as given, or a Web Messaging deployment's URL in a region. The
// region comes as for every command that talks to an org (platform/settings.h): --region,
// else GENESYSCLOUD_API_REGION (a base URL: how a local emulator is named), else
// GENESYSCLOUD_REGION (a region name).
Result<std::string> chat_url(const ChatOptions& o) {
  if (!o.url.empty()) {
    if (!o.deployment_id.empty() || !o.region.empty()) {
      return Error{"give either the URL or --deployment-id (with --region), not both"};
    }
    return o.url;
  }
  if (o.deployment_id.empty()) {
    if (!o.region.empty()) return Error{"--region: needs --deployment-id"};
    return Error{"give the endpoint: a ws:// or wss:// URL, or --deployment-id ID with --region REGION"};
  }
  platform::SettingsFlags flags;
  flags.region = o.region;
  auto hosts = platform::resolve_hosts(flags, platform::process_environment());
  if (!hosts) return Error{hosts.error().message};
  auto url = platform::web_messaging_url(*hosts, o.deployment_id);
  if (!url) return Error{"--deployment-id: " + url.error().message};
  return *url;
}

int run(const ChatOptions& o) {
  auto url = chat_url(o);
  if (!url) {
    std::fprintf(stderr, "error: %s\n", url.error().message.c_str());
    return 2;
  }
  client::ChatSessionConfig config;
  config.url = *url;
  config.origin = o.origin;
  config.display_name = o.name;
  if (o.dialect == "guest-chat") config.dialect = client::Dialect::guest_chat;
  if (o.dialect == "web-messaging") config.dialect = client::Dialect::web_messaging;
  config.tls.ca_file = o.ca_file;
  config.trace.per_message_context = o.per_message_context;
  config.trace.record_message_text = o.record_message_text;
  config.web_messaging_token = o.token;
  config.web_messaging_auto_start = o.auto_start == "on"    ? client::AutoStart::on
                                    : o.auto_start == "off" ? client::AutoStart::off
                                                            : client::AutoStart::from_deployment;
  config.deployment_config_url = o.deployment_config_url;
  config.attributes.lint = true;  // a terminal user wants to hear about dropped fields
  for (const auto& a : o.attributes) {
    const auto eq = a.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "error: --attr %s: expected key=value\n", a.c_str());
      return 2;
    }
    config.attributes.initial[a.substr(0, eq)] = a.substr(eq + 1);
  }
  if (!o.parent.empty()) {
    // Read as the bridge reads a request's header lines (trace/propagation.h).
    std::vector<trace::FieldLine> lines{{conventions::kTraceparentHeader, o.parent}};
    for (const auto& v : o.tracestate) lines.push_back({conventions::kTracestateHeader, v});
    auto extracted = trace::extract_context(lines);
    if (!extracted.parent) {
      std::fprintf(stderr, "error: --parent: %s\n", extracted.traceparent_error.c_str());
      return 2;
    }
    for (const auto& note : extracted.tracestate_dropped) {
      std::fprintf(stderr, "note: --tracestate: %s\n", note.c_str());
    }
    if (!extracted.tracestate_error.empty()) {
      std::fprintf(stderr, "warning: --tracestate: %s (the chat continues without it)\n",
                   extracted.tracestate_error.c_str());
    }
    config.trace.parent = std::move(*extracted.parent);
  } else if (!o.tracestate.empty()) {
    std::fprintf(stderr, "error: --tracestate: needs --parent (a tracestate belongs to a traceparent)\n");
    return 2;
  }
  auto provider = otlp::make_tracer_provider("tracechat-chat", o.otlp_endpoint);
  if (!provider) {
    std::fprintf(stderr, "error: %s\n", provider.error().message.c_str());
    return 2;
  }
  config.trace.tracer = (*provider)->tracer(std::string(conventions::kClientScope), TRACECHAT_VERSION);

  auto session = client::ChatSession::open(std::move(config));
  if (!session) {
    std::fprintf(stderr, "error: %s\n", session.error().message.c_str());
    return 2;
  }
  int code = 0;
  if (!o.script.empty()) {
    code = run_script(**session, o.script,
                      std::chrono::milliseconds(static_cast<std::int64_t>(o.reply_timeout_seconds * 1000)));
  } else if (!o.plain && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO)) {
    code = run_screen(**session);
  } else {
    code = run_line_mode(**session);
  }
  session->reset();
  (*provider)->shutdown(std::chrono::seconds(5));  // export what the chat produced
  return code;
}

}  // namespace

void add_chat_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ChatOptions>();
  auto* cmd = app.add_subcommand(
      "chat",
      "Chat as a guest, with the trace context attached to the conversation.\n"
      "The endpoint is a URL, or a Web Messaging deployment: --deployment-id with --region\n"
      "(or GENESYSCLOUD_API_REGION, a base URL such as http://127.0.0.1:8080, else GENESYSCLOUD_REGION).\n"
      "Full-screen on a terminal, else one line per event; type a message, or /reply N (a bot's\n"
      "quick reply), /attr key=value, /state, /typing, /quit. Exit status 0 when the chat ended\n"
      "cleanly, 2 for bad arguments.");
  // Positional, as it always was, or --url: the same option.
  cmd->add_option("url,--url", o->url,
                  "ws:// or wss:// endpoint: .../v1/{organizationId}/guest/{guestId}/connect (guest-chat)\n"
                  "or .../v1?deploymentId={id} (Web Messaging); not with --deployment-id");
  cmd->add_option("--deployment-id", o->deployment_id,
                  "Web Messaging deployment (a UUID) to chat with, at\n"
                  "wss://webmessaging.<the region's domain>/v1?deploymentId=ID");
  // The names come from the region table, so the help cannot fall behind it.
  std::string regions, line;
  for (const auto& r : platform::known_regions()) {
    if (line.size() + r.name.size() > 80) {
      regions += line.substr(0, line.size() - 1) + "\n";  // without the trailing space
      line.clear();
    }
    line += std::string(r.name) + ", ";
  }
  regions += line.substr(0, line.size() - 2);
  cmd->add_option("--region", o->region,
                  "Genesys Cloud region of --deployment-id; without it GENESYSCLOUD_API_REGION (a base URL),\n"
                  "else GENESYSCLOUD_REGION. One of:\n" +
                      regions);
  cmd->add_option("--origin", o->origin,
                  "Origin header of the WebSocket upgrade, scheme://host[:port] (a deployment that restricts its\n"
                  "allowed domains refuses others with 403); default https://<the endpoint's host>");
  cmd->add_option("--name", o->name, "display name")->capture_default_str();
  cmd->add_option("--dialect", o->dialect, "wire protocol; auto tells it from the URL")
      ->check(CLI::IsMember({"auto", "guest-chat", "web-messaging"}))
      ->capture_default_str();
  cmd->add_option("--ca-file", o->ca_file, "PEM file of an extra CA to trust for wss:// (verification is always on)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--attr", o->attributes, "key=value attached with the trace context (repeatable)");
  cmd->add_flag("--per-message-context", o->per_message_context,
                "move the otel_span_id and traceparent attributes to each message's span before it is sent");
  cmd->add_flag("--record-message-text", o->record_message_text,
                "put each message's text on its span (chat.message.text) for `tracechat ui`'s transcript;\n"
                "off by default: a guest's words may be personal data (docs/explorer.md)");
  cmd->add_option("--parent", o->parent, "traceparent to continue (the chat.session span becomes its child)");
  cmd->add_option("--tracestate", o->tracestate,
                  "the parent's tracestate (repeatable: one per header line); attached as the tracestate attribute")
      ->allow_extra_args(false);
  cmd->add_option("--otlp-endpoint", o->otlp_endpoint, kOtlpEndpointHelp);
  cmd->add_option("--script", o->script,
                  "send each line of FILE (messages, or /commands; # comments) and wait for a reply to each;\n"
                  "exit status 1 if a reply does not come or a message is not delivered")
      ->check(CLI::ExistingFile);
  cmd->add_option("--reply-timeout", o->reply_timeout_seconds, "seconds to wait for each reply with --script")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--plain", o->plain, "line mode even on a terminal");
  cmd->add_option("--token", o->token, "Web Messaging session token to resume (a new one otherwise)");
  cmd->add_option("--auto-start", o->auto_start,
                  "Web Messaging: whether the deployment auto-starts conversations. With auto-start the trace\n"
                  "context rides on a Presence Join right after connecting; without, on the first message, so\n"
                  "no conversation starts until the guest types. 'deployment' reads it from the deployment's\n"
                  "config.json (at --deployment-config-url); if that cannot be read: off")
      ->check(CLI::IsMember({"deployment", "on", "off"}))
      ->capture_default_str();
  cmd->add_option("--deployment-config-url", o->deployment_config_url,
                  "Web Messaging: the deployment's config.json; default https://api-cdn.<domain>/webdeployments/\n"
                  "v1/deployments/<id>/config.json for a webmessaging.<domain> endpoint, else the same path\n"
                  "on the endpoint's own host (as the emulator serves it)");
  cmd->callback([o, &exit_code] { exit_code = run(*o); });
}

}  // namespace tracechat::cli
