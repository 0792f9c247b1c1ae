// `tracechat demo`: the whole path in one process, with nothing to set up. A collector,
// the platform emulator running the deployment kit's flow and Data Action (the very files
// `tracechat kit` writes for `terraform apply`), the trace bridge in front of an "orders
// service", and three guest sessions that send three messages each. Then the proof: each
// chat's trace holds its messages and the backend spans of the Data Action call its
// flow made, or the demo says what is missing and exits 1.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "commands.h"
#include "local_stack.h"
#include "stored_conversation.h"
#include "tracechat/client/chat_session.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/conventions.h"
#include "tracechat/explorer/explorer.h"
#include "tracechat/platform/conversation_lookup.h"
#include "tracechat/version.h"
#include "tracechat/viewer/waterfall.h"

namespace tracechat::cli {
namespace {

using namespace std::chrono_literals;

struct ChatRun {
  std::string dialect;
  std::string trace_id;
  std::string failure;  // empty when the chat went as planned
};

// One guest session: three messages, each answered (the first by the flow, which then
// transfers the conversation to a queue; the emulator's bot stands in for the agent).
// `dialect` labels it in the output and the HTML file's name (for Web Messaging, with the
// deployment's auto-start). With `flow_answers_join` (auto-start) the flow runs at the
// Join and answers before the guest writes: that answer is awaited first, so each later
// one pairs with its message.
ChatRun chat(const std::string& dialect, const std::string& url, const trace::Tracer& tracer,
             bool flow_answers_join = false) {
  ChatRun run{dialect, {}, {}};
  client::ChatSessionConfig config;
  config.url = url;
  config.display_name = "Demo guest (" + dialect + ")";
  config.trace.tracer = tracer;
  config.trace.per_message_context = true;  // each Data Action call continues from its message
  config.trace.record_message_text = true;  // the demo's own lines: shown in the explorer
  config.attributes.initial = {{"demo", "tracechat"}};
  config.web_messaging_messages_per_second = 4;
  auto session = client::ChatSession::open(config);
  if (!session) return {dialect, {}, session.error().message};
  auto& s = **session;
  run.trace_id = s.info().trace_id;
  std::printf("\n== %s chat, trace %s\n", dialect.c_str(), run.trace_id.c_str());
  const auto is_answer = [](const client::SessionEvent& e) {
    const auto* m = std::get_if<client::MessageReceived>(&e);
    return m != nullptr && !m->own;
  };
  bool answered = false;  // an answer went by while waiting for something else
  const auto wait_for = [&](const std::function<bool(const client::SessionEvent&)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto event = s.poll_event(100ms);
      if (!event) continue;
      std::printf("  %s\n", client::describe(*event).c_str());
      if (done(*event)) return true;
      answered = answered || is_answer(*event);
      if (s.state() == client::SessionState::failed) return false;
    }
    return false;
  };
  const auto is_active = [](const client::SessionEvent& e) {
    const auto* c = std::get_if<client::StateChanged>(&e);
    return c != nullptr && c->to == client::SessionState::active;
  };
  if (!wait_for(is_active)) return {dialect, run.trace_id, "the session did not become active: " + s.info().failure};
  // With auto-start the flow may answer the Join before the session reports itself
  // active (its attributes confirmed): that answer counts.
  if (flow_answers_join && !answered && !wait_for(is_answer)) {
    return {dialect, run.trace_id, "no answer from the flow at the Join"};
  }
  for (const char* order : {"A-1001", "B-2002", "C-3003"}) {
    if (auto sent = s.send(order); !sent) return {dialect, run.trace_id, sent.error().message};
    if (!wait_for(is_answer)) return {dialect, run.trace_id, std::string("no answer to ") + order};
  }
  s.close();
  wait_for([](const client::SessionEvent& e) {
    const auto* c = std::get_if<client::StateChanged>(&e);
    return c != nullptr && (c->to == client::SessionState::closed || c->to == client::SessionState::failed);
  });
  return run;
}

// Counts of the spans one chat's trace must hold.
struct TraceCounts {
  std::size_t sessions = 0, sends = 0, bridge_server = 0, bridge_upstream = 0, orders_server = 0;
};

TraceCounts count_spans(const std::vector<std::unique_ptr<trace::SpanData>>& spans) {
  TraceCounts c;
  for (const auto& s : spans) {
    const std::string service = viewer::service_name(*s);
    c.sessions += s->name == conventions::kSessionSpan;
    c.sends += s->name == conventions::kSendMessageSpan;
    c.bridge_server += service == "dataaction-bridge" && s->kind == trace::SpanKind::server;
    c.bridge_upstream += service == "dataaction-bridge" && s->kind == trace::SpanKind::client;
    c.orders_server += service == "orders-service" && s->kind == trace::SpanKind::server;
  }
  return c;
}

// What a support engineer does, with the code of `tracechat find`: from the trace to its
// conversation (the trace store answers: the Data Action spans carry the conversation id),
// then back from the conversation to its trace through the Platform API, logged in with
// the emulator's OAuth client as a real org's client would be. True when both agree.
bool find_conversation(collector::SpanStore& store, platform::PlatformClient& api, const std::string& trace_id,
                       std::string& problem) {
  platform::LookupSources sources;
  sources.trace_store = stored_conversation_reader(store);
  sources.platform = &api;
  std::string not_found;
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  auto by_trace = platform::find_by_trace_id(sources, trace_id, {now - 3600000, now, {}}, not_found);
  if (!by_trace || !*by_trace) {
    problem = "trace -> conversation: " + (by_trace ? not_found : by_trace.error().message);
    return false;
  }
  const auto& conversation = (*by_trace)->conversation_id;
  std::printf("conversation of this trace: %s (%s)\n", conversation.c_str(), (*by_trace)->found_by.c_str());
  auto back = platform::find_by_conversation_id(sources, conversation, not_found);
  if (!back || !*back) {
    problem = "conversation -> trace: " + (back ? not_found : back.error().message);
    return false;
  }
  std::printf("and back, its trace: %s (%s)\n", (*back)->trace_id.c_str(), (*back)->found_by.c_str());
  if ((*back)->trace_id != trace_id) {
    problem = "conversation " + conversation + " names trace " + (*back)->trace_id;
    return false;
  }
  return true;
}

// Checks one chat's trace, prints it (and writes its HTML view); what is wrong goes to
// `missing`. Returns how many Data Action (bridge SERVER) spans the trace holds.
Result<std::size_t> check_chat(const ChatRun& run, const std::filesystem::path& work, collector::SpanStore& store,
                               platform::PlatformClient& api, const std::string& ui_url,
                               std::vector<std::string>& missing) {
  const auto trace_id = *trace::TraceId::from_hex(run.trace_id);
  TRACECHAT_TRY(const auto spans, store.load_trace(trace_id));
  const TraceCounts c = count_spans(spans);
  const auto want = [&](std::size_t got, std::size_t expected, const std::string& what) {
    if (got != expected) {
      missing.push_back(run.dialect + " trace " + run.trace_id + ": " + std::to_string(got) + " " + what +
                        ", expected " + std::to_string(expected));
    }
  };
  want(c.sessions, 1, std::string(conventions::kSessionSpan) + " spans");
  want(c.sends, 3, std::string(conventions::kSendMessageSpan) + " spans");
  // The flow runs once, when the conversation starts, then transfers it to a queue.
  want(c.bridge_server, 1, "Data Action spans (dataaction-bridge SERVER)");
  want(c.bridge_upstream, 1, "bridge upstream spans (CLIENT)");
  want(c.orders_server, 1, "orders-service spans");

  const auto waterfall = viewer::build_waterfall(spans);
  std::printf("\n== the %s chat's trace %s: %zu spans\n", run.dialect.c_str(), run.trace_id.c_str(), spans.size());
  viewer::TextOptions text;
  text.color = isatty(STDOUT_FILENO) != 0;
  std::fputs(viewer::render_waterfall_text(waterfall, text).c_str(), stdout);
  const auto html = work / ("trace-" + run.dialect + ".html");
  std::ofstream(html) << viewer::render_waterfall_html(waterfall, trace_id);
  std::printf("HTML view: %s\n", html.c_str());
  if (!ui_url.empty()) std::printf("explorer:  %s\n", explorer::trace_link(ui_url, run.trace_id).c_str());
  if (std::string problem; !find_conversation(store, api, run.trace_id, problem)) {
    missing.push_back(run.dialect + ": " + problem);
  }
  return c.bridge_server;
}

// The verdict: 0 when every Data Action call the bridge saw is in a chat's trace.
int report(const std::vector<std::string>& missing, std::uint64_t bridged_requests) {
  if (!missing.empty()) {
    std::printf("\ncorrelation INCOMPLETE:\n");
    for (const auto& m : missing) std::printf("  - %s\n", m.c_str());
    return 1;
  }
  std::printf(
      "\ncorrelation complete: every chat's trace holds its messages, and all %llu Data Action calls\n"
      "(bridge SERVER span, its upstream CLIENT span, the orders service's SERVER span).\n",
      static_cast<unsigned long long>(bridged_requests));
  return 0;
}

int run_demo(std::string dir, bool without_trace_header, const std::string& ui_url) {
  const auto work = prepare_work_dir(dir, "tracechat-demo");
  if (work.empty()) return 1;
  std::printf(
      "tracechat demo: collector, platform emulator, trace bridge and three guest chats in one process;\n"
      "files in %s\n",
      work.c_str());
  LocalStackOptions options;
  options.work = work;
  options.without_trace_header = without_trace_header;
  auto stack = start_local_stack(options);
  if (!stack) return std::fprintf(stderr, "error: %s\n", stack.error().message.c_str()), 1;
  LocalStack& s = **stack;

  const auto tracer = s.chat.provider->tracer(std::string(conventions::kClientScope), TRACECHAT_VERSION);
  std::vector<ChatRun> runs;
  runs.push_back(chat("guest-chat", s.guest_chat_url("0f0e0d0c-0b0a-4908-8706-050403020100"), tracer));
  runs.push_back(chat("web-messaging", s.web_messaging_url(false), tracer));
  runs.push_back(chat("web-messaging-auto-start", s.web_messaging_url(true), tracer, true));

  // Everything to the collector, and stored.
  s.flush();

  auto store = collector::SpanStore::open(work / "traces.sqlite");
  if (!store) return std::fprintf(stderr, "error: %s\n", store.error().message.c_str()), 1;
  // The emulator's generated OAuth client, as `tracechat find --credentials` would read it.
  const auto client = s.platform->oauth_client();
  platform::PlatformClient api(platform::PlatformSettings{*platform::hosts_for_base_url(s.platform->http_url()),
                                                          {client.client_id, client.client_secret}});
  std::vector<std::string> missing;
  std::size_t backend_spans_in_chats = 0;
  for (const auto& run : runs) {
    if (!run.failure.empty()) {
      missing.push_back(run.dialect + " chat: " + run.failure);
      continue;
    }
    auto found = check_chat(run, work, **store, api, ui_url, missing);
    if (!found) return std::fprintf(stderr, "error: %s\n", found.error().message.c_str()), 1;
    backend_spans_in_chats += *found;
  }
  // Every Data Action call the bridge saw must be in a chat's trace.
  const auto bridged = s.bridge->stats();
  if (bridged.requests != backend_spans_in_chats) {
    missing.push_back(std::to_string(bridged.requests) + " Data Action calls reached the bridge but " +
                      std::to_string(backend_spans_in_chats) + " of their spans are in the chats' traces");
  }
  if (bridged.new_traces > 0) {
    missing.push_back(std::to_string(bridged.new_traces) + " Data Action calls arrived without a usable traceparent");
  }
  s.platform->stop();
  std::printf("\nin the browser, beside their conversations: tracechat ui --db %s\n", (work / "traces.sqlite").c_str());
  return report(missing, bridged.requests);
}

}  // namespace

void add_demo_command(CLI::App& app, int& exit_code) {
  auto dir = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand(
      "demo",
      "Run the whole path in one process: collector, platform emulator running the flow and Data\n"
      "Action of a deployment kit (as `tracechat kit` writes it), trace bridge, and three guest chats\n"
      "(guest-chat; Web Messaging with and without auto-start); print each chat's trace with the Data\n"
      "Action spans in it. Exit status 0 only if every Data Action span is in its chat's trace");
  cmd->add_option("--dir", *dir,
                  "working folder for the databases, the kit (kit/) and the HTML views\n"
                  "(default: a new folder in /tmp)");
  auto without = std::make_shared<bool>(false);
  cmd->add_flag("--without-trace-header", *without,
                "generate the Data Action without its traceparent header, to see a correlation fail");
  auto ui_url = std::make_shared<std::string>();
  cmd->add_option("--ui-url", *ui_url,
                  "where a `tracechat ui` on this demo's store runs (e.g. http://127.0.0.1:16690): print\n"
                  "each trace's link into it (default: $TRACECHAT_UI_URL)");
  cmd->callback(
      [dir, without, ui_url, &exit_code] { exit_code = run_demo(*dir, *without, explorer::ui_base_url(*ui_url)); });
}

}  // namespace tracechat::cli
