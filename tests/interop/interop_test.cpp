// Interoperability with the OpenTelemetry project's own code (Node.js, npm packages
// in tests/node): our protobuf bytes decoded by the official definitions, the JS SDK's
// exports decoded by our collector, and the HTML viewer clicked in a real browser.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/sample_spans.h"
#include "tracechat/collector/collector.h"
#include "tracechat/collector/span_store.h"
#include "tracechat/otlp/protobuf_encoding.h"
#include "tracechat/viewer/waterfall.h"

using namespace tracechat;
namespace fs = std::filesystem;
namespace json = boost::json;
using namespace std::chrono_literals;

namespace {

const fs::path kNodeDir = TRACECHAT_NODE_TESTS_DIR;

// Skips the test (with the reason) unless node and the npm packages are installed.
#define REQUIRE_NODE()                                                                                \
  do {                                                                                                \
    if (std::system("command -v node >/dev/null 2>&1") != 0) GTEST_SKIP() << "node is not installed"; \
    if (!fs::exists(kNodeDir / "node_modules")) {                                                     \
      GTEST_SKIP() << "npm packages missing: run `npm ci` in tests/node (scripts/test does)";         \
    }                                                                                                 \
  } while (false)

// Runs a command and returns its stdout; the exit status must be 0.
std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed");
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  EXPECT_EQ(status, 0) << command << "\n" << out;
  return out;
}

fs::path temp_dir() {
  const auto dir = fs::temp_directory_path() / ("tracechat-interop-" + std::to_string(getpid()) + "-" +
                                                ::testing::UnitTest::GetInstance()->current_test_info()->name());
  fs::create_directories(dir);
  return dir;
}

std::string attr(const json::value& span, std::string_view key, std::string_view type) {
  for (const auto& a : span.at("attributes").as_array()) {
    if (a.at("key").as_string() == key) return json::serialize(a.at("value").at(type));
  }
  return "<missing>";
}

}  // namespace

// The definitions in otlp-transformer 0.57 predate Span.flags and Link.flags (field 16
// and 6), which protobufjs skips as unknown fields; our flags encoding is checked in
// the other direction, against the JS SDK's own encoder, below.
TEST(Interop, OfficialProtoDefinitionsDecodeOurProtobuf) {
  REQUIRE_NODE();
  const auto dir = temp_dir();
  const auto spans = test_support::sample_spans();
  std::ofstream(dir / "request.bin", std::ios::binary) << otlp::encode_traces_protobuf(spans);
  const auto out = run("cd " + kNodeDir.string() + " && node decode_protobuf.cjs " + (dir / "request.bin").string());
  const json::value doc = json::parse(out);
  const auto& rs = doc.at("resourceSpans").as_array();
  ASSERT_EQ(rs.size(), 2u);  // two resources
  const auto& client = rs[0].at("scopeSpans").at(0);
  EXPECT_EQ(client.at("scope").at("name"), "tracechat.client");
  EXPECT_EQ(client.at("scope").at("version"), "0.1.0");
  EXPECT_EQ(client.at("schemaUrl"), "https://opentelemetry.io/schemas/1.26.0");
  const auto& root = client.at("spans").at(0);
  EXPECT_EQ(root.at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(root.at("spanId"), "00f067aa0ba902b7");
  EXPECT_EQ(root.at("traceState"), "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
  EXPECT_EQ(root.at("name"), "chat.session");
  EXPECT_EQ(root.at("kind"), 3);
  EXPECT_EQ(root.at("startTimeUnixNano"), "1764000000000000000");
  EXPECT_EQ(root.at("endTimeUnixNano"), "1764000003500000000");
  EXPECT_EQ(root.at("droppedAttributesCount"), 3);
  EXPECT_EQ(root.at("droppedEventsCount"), 1);
  EXPECT_EQ(root.at("droppedLinksCount"), 2);
  EXPECT_EQ(attr(root, "str", "stringValue"), R"("välue \"quoted\" \n</script>")");
  EXPECT_EQ(attr(root, "bool", "boolValue"), "false");
  EXPECT_EQ(attr(root, "int", "intValue"), R"("0")");
  EXPECT_EQ(attr(root, "big", "intValue"), R"("-9223372036854775808")");
  EXPECT_EQ(attr(root, "double", "doubleValue"), "-1.25E-1");
  EXPECT_EQ(attr(root, "ints", "arrayValue"), R"({"values":[{"intValue":"1"},{"intValue":"-2"},{"intValue":"3"}]})");
  EXPECT_EQ(root.at("events").at(0).at("name"), "connected");
  EXPECT_EQ(root.at("events").at(0).at("timeUnixNano"), "1764000000100000000");
  EXPECT_EQ(root.at("links").at(0).at("traceId"), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(root.at("status").at("code"), 1);
  const auto& child = rs[1].at("scopeSpans").at(0).at("spans").at(0);
  EXPECT_EQ(child.at("parentSpanId"), "00f067aa0ba902b7");
  EXPECT_EQ(child.at("kind"), 2);
  EXPECT_EQ(child.at("status").at("code"), 2);
  EXPECT_EQ(child.at("status").at("message"), "upstream returned 503");
  EXPECT_EQ(rs[1].at("resource").at("attributes").at(0).at("value").at("stringValue"), "bridge");
  fs::remove_all(dir);
}

TEST(Interop, CollectorStoresWhatTheJsSdkExports) {
  REQUIRE_NODE();
  const auto dir = temp_dir();
  collector::CollectorOptions options;
  options.listen = "127.0.0.1:0";
  options.db = dir / "traces.sqlite";
  auto c = collector::Collector::start(options);
  ASSERT_TRUE(c.ok()) << c.error().message;
  for (const std::string encoding : {"proto", "json"}) {
    SCOPED_TRACE(encoding);
    const auto out = run("cd " + kNodeDir.string() + " && node js_sdk_export.mjs " + (*c)->url() + " " + encoding);
    const json::value ids = json::parse(out);
    ASSERT_TRUE((*c)->flush(10s));
    auto store = collector::SpanStore::open(options.db);
    ASSERT_TRUE(store.ok());
    auto spans = (*store)->load_trace(*trace::TraceId::from_hex(std::string(ids.at("traceId").as_string())));
    ASSERT_TRUE(spans.ok());
    ASSERT_EQ(spans->size(), 2u);
    const auto& root = *(*spans)[0];
    const auto& child = *(*spans)[1];
    EXPECT_EQ(root.name, "js.root");
    EXPECT_EQ(root.kind, trace::SpanKind::server);
    EXPECT_EQ(root.context.span_id.hex(), ids.at("rootSpanId").as_string());
    EXPECT_TRUE(root.context.flags.sampled());
    EXPECT_TRUE(root.has_parent_flags);  // SPAN_FLAGS_CONTEXT_HAS_IS_REMOTE from the JS encoder
    EXPECT_FALSE(root.parent_is_remote);
    EXPECT_EQ(std::get<std::string>(*root.attributes.find("http.request.method")), "POST");
    EXPECT_EQ(std::get<std::int64_t>(*root.attributes.find("retries")), 3);
    EXPECT_EQ(std::get<bool>(*root.attributes.find("ok")), true);
    EXPECT_EQ(std::get<double>(*root.attributes.find("ratio")), 0.5);
    EXPECT_EQ(std::get<std::vector<std::string>>(*root.attributes.find("tags")), (std::vector<std::string>{"a", "b"}));
    EXPECT_EQ(std::get<std::string>(*root.resource().attributes().find("service.name")), "js-sdk-" + encoding);
    EXPECT_EQ(root.scope().name, "interop-test");
    EXPECT_EQ(child.name, "js.child");
    EXPECT_EQ(child.kind, trace::SpanKind::client);
    EXPECT_EQ(child.parent_span_id, root.context.span_id);
    ASSERT_EQ(child.events.size(), 1u);
    EXPECT_EQ(child.events[0].name, "js.event");
    ASSERT_EQ(child.links.size(), 1u);
    EXPECT_EQ(child.links[0].context.span_id, root.context.span_id);
    EXPECT_EQ(child.status.code, trace::StatusCode::error);
    EXPECT_EQ(child.status.description, "js failure");
    EXPECT_GT(child.end_time_unix_nano, child.start_time_unix_nano - 1);
  }
  c->reset();
  fs::remove_all(dir);
}

TEST(Interop, ClickingASpanInChromiumShowsItsAttributesAndEvents) {
  REQUIRE_NODE();
  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "chromium is not installed";
  const auto dir = temp_dir();
  const auto spans = test_support::sample_spans();
  const auto page = dir / "trace.html";
  std::ofstream(page) << viewer::render_waterfall_html(viewer::build_waterfall(spans), spans[0]->context.trace_id);
  const auto out = run("cd " + kNodeDir.string() + " && node html_click.mjs " + page.string() + " 00f067aa0ba902b7 " +
                       (dir / "click.png").string());
  const json::value result = json::parse(out);
  EXPECT_EQ(result.at("rows"), 2);
  EXPECT_EQ(result.at("selected"), "00f067aa0ba902b7");
  const std::string details(result.at("details").as_string());
  EXPECT_NE(details.find("chat.session"), std::string::npos) << details;
  // The hostile attribute value is shown as text, not interpreted as markup.
  EXPECT_NE(details.find("välue \"quoted\""), std::string::npos) << details;
  EXPECT_NE(details.find("</script>"), std::string::npos) << details;
  EXPECT_NE(details.find("connected at +100.00 ms"), std::string::npos) << details;
  EXPECT_NE(details.find("attempt"), std::string::npos) << details;
  EXPECT_GT(fs::file_size(dir / "click.png"), 1000u);
  if (const char* keep = std::getenv("TRACECHAT_KEEP_SCREENSHOT")) {
    fs::copy_file(dir / "click.png", keep, fs::copy_options::overwrite_existing);
  }
  fs::remove_all(dir);
}
