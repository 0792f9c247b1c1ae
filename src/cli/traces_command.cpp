// `tracechat traces list|show|html`: read traces from the collector's database.
#include <unistd.h>

#include <boost/json.hpp>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "commands.h"
#include "common/terminal_text.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/otlp/json_encoding.h"
#include "tracechat/trace/span.h"
#include "tracechat/viewer/waterfall.h"

namespace tracechat::cli {
namespace {

struct TracesArgs {
  std::string db = "traces.sqlite";
  std::string since = "1h";
  std::size_t limit = 50;
  bool json = false;
  std::string trace_id;
  std::string output = "trace.html";
};

bool use_color() {
  const char* term = std::getenv("TERM");
  return isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr && term != nullptr && std::string(term) != "dumb";
}

// "30s", "10m", "2h", "7d" or "all".
Result<std::uint64_t> parse_since(std::string_view text) {
  if (text == "all") return std::uint64_t{0};
  std::uint64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  std::uint64_t seconds_per_unit = 0;
  if (unit == "s") seconds_per_unit = 1;
  if (unit == "m") seconds_per_unit = 60;
  if (unit == "h") seconds_per_unit = 3600;
  if (unit == "d") seconds_per_unit = 86400;
  if (ec != std::errc() || seconds_per_unit == 0) {
    return Error{"--since '" + std::string(text) + "': expected a number with s, m, h or d (e.g. 10m), or all"};
  }
  const std::uint64_t now = trace::now_unix_nano();
  const std::uint64_t back = n * seconds_per_unit * 1'000'000'000ULL;
  return back >= now ? 0 : now - back;
}

Result<std::unique_ptr<collector::SpanStore>> open_existing(const std::string& db) {
  if (!std::filesystem::exists(db)) {
    return Error{"no span database at '" + db + "' (start `tracechat collector --db " + db + "` or pass --db)"};
  }
  return collector::SpanStore::open(db);
}

Result<trace::TraceId> parse_trace_id(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto id = trace::TraceId::from_hex(text);
  if (!id || !id->valid()) return Error{"'" + text + "' is not a trace id (32 hex digits, not all zero)"};
  return *id;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  return 1;
}

int run_list(const TracesArgs& args) {
  auto since = parse_since(args.since);
  if (!since) return fail(since.error().message);
  auto store = open_existing(args.db);
  if (!store) return fail(store.error().message);
  auto traces = (*store)->list_traces(*since, args.limit);
  if (!traces) return fail(traces.error().message);
  if (args.json) {
    boost::json::array out;
    for (const auto& t : *traces) {
      boost::json::array services;
      for (const auto& s : t.services) services.emplace_back(s);
      out.push_back(boost::json::object{{"traceId", t.trace_id.hex()},
                                        {"rootSpan", t.root_name},
                                        {"spanCount", t.span_count},
                                        {"services", std::move(services)},
                                        {"startTimeUnixNano", std::to_string(t.start_unix_nano)},
                                        {"durationNano", std::to_string(t.end_unix_nano - t.start_unix_nano)},
                                        {"error", t.has_error}});
    }
    std::printf("%s\n", boost::json::serialize(out).c_str());
    return 0;
  }
  if (traces->empty()) {
    std::printf("no traces since %s in %s\n", args.since.c_str(), args.db.c_str());
    return 0;
  }
  const bool color = use_color();
  std::printf("%-32s  %-28s  %6s  %-10s  %s\n", "trace id", "root span", "spans", "duration", "services");
  for (const auto& t : *traces) {
    std::string services;
    for (const auto& s : t.services) services += (services.empty() ? "" : ",") + common::terminal_safe(s);
    std::printf("%s%s  %-28.28s  %6llu  %-10s  %s%s%s\n", color && t.has_error ? "\033[31m" : "",
                t.trace_id.hex().c_str(), common::terminal_safe(t.root_name).c_str(),
                static_cast<unsigned long long>(t.span_count),
                viewer::format_duration(t.end_unix_nano - t.start_unix_nano).c_str(), services.c_str(),
                t.has_error ? "  ERROR" : "", color && t.has_error ? "\033[0m" : "");
  }
  return 0;
}

Result<std::vector<std::unique_ptr<trace::SpanData>>> load(const TracesArgs& args, trace::TraceId& id) {
  auto parsed = parse_trace_id(args.trace_id);
  if (!parsed) return parsed.error();
  id = *parsed;
  auto store = open_existing(args.db);
  if (!store) return store.error();
  auto spans = (*store)->load_trace(id);
  if (!spans) return spans.error();
  if (spans->empty()) return Error{"trace " + id.hex() + " is not in " + args.db};
  return spans;
}

int run_show(const TracesArgs& args) {
  trace::TraceId id;
  auto spans = load(args, id);
  if (!spans) return fail(spans.error().message);
  if (args.json) {
    std::printf("%s\n", otlp::encode_traces_json(*spans).c_str());
    return 0;
  }
  const auto waterfall = viewer::build_waterfall(*spans);
  viewer::TextOptions options;
  options.color = use_color();
  std::printf("trace %s: %zu spans, %s%s%s\n", id.hex().c_str(), spans->size(),
              viewer::format_duration(waterfall.end_unix_nano - waterfall.start_unix_nano).c_str(),
              waterfall.errors ? (", " + std::to_string(waterfall.errors) + " error(s)").c_str() : "",
              waterfall.orphans ? (", " + std::to_string(waterfall.orphans) + " orphan(s)").c_str() : "");
  std::fputs(viewer::render_waterfall_text(waterfall, options).c_str(), stdout);
  return 0;
}

int run_html(const TracesArgs& args) {
  trace::TraceId id;
  auto spans = load(args, id);
  if (!spans) return fail(spans.error().message);
  const auto waterfall = viewer::build_waterfall(*spans);
  std::ofstream out(args.output, std::ios::binary | std::ios::trunc);
  out << viewer::render_waterfall_html(waterfall, id);
  out.close();
  if (!out) return fail("cannot write '" + args.output + "'");
  std::printf("%s\n", std::filesystem::absolute(args.output).c_str());
  return 0;
}

}  // namespace

void add_traces_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TracesArgs>();
  auto* traces = app.add_subcommand("traces", "List and show traces stored by `tracechat collector`");
  traces->require_subcommand(1);
  traces->add_option("--db", args->db, "SQLite database written by the collector")->capture_default_str();

  auto* list = traces->add_subcommand("list", "Traces with their root span, span count, services, duration, errors");
  list->add_option("--since", args->since, "only traces active in this window (30s, 10m, 2h, 7d, all)")
      ->capture_default_str();
  list->add_option("--limit", args->limit, "at most this many traces, newest first")->capture_default_str();
  list->add_flag("--json", args->json, "print JSON instead of a table");
  list->add_option("--db", args->db, "SQLite database written by the collector");
  list->callback([args, &exit_code] { exit_code = run_list(*args); });

  auto* show = traces->add_subcommand("show", "Print one trace as a waterfall");
  show->add_option("trace-id", args->trace_id, "32 hex digits")->required();
  show->add_flag("--json", args->json, "print the spans as OTLP/JSON instead");
  show->add_option("--db", args->db, "SQLite database written by the collector");
  show->callback([args, &exit_code] { exit_code = run_show(*args); });

  auto* html = traces->add_subcommand("html", "Write one trace as a self-contained HTML page");
  html->add_option("trace-id", args->trace_id, "32 hex digits")->required();
  html->add_option("-o,--output", args->output, "HTML file to write")->capture_default_str();
  html->add_option("--db", args->db, "SQLite database written by the collector");
  html->callback([args, &exit_code] { exit_code = run_html(*args); });
}

}  // namespace tracechat::cli
