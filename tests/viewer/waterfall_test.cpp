#include "tracechat/viewer/waterfall.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/sample_spans.h"

using namespace tracechat;
using namespace tracechat::trace;
namespace fs = std::filesystem;

namespace {
using test_support::tree_span;
std::vector<std::string> names(const viewer::Waterfall& w) {
  std::vector<std::string> out;
  for (const auto& r : w.rows) out.push_back(std::string(static_cast<std::size_t>(r.depth), '-') + r.span->name);
  return out;
}
}  // namespace

TEST(Waterfall, TreeByParentChildrenByStart) {
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(tree_span("second-child", "0000000000000003", "0000000000000001", 300, 400));
  spans.push_back(tree_span("root", "0000000000000001", nullptr, 100, 1000));
  spans.push_back(tree_span("first-child", "0000000000000002", "0000000000000001", 200, 250));
  spans.push_back(tree_span("grandchild", "0000000000000004", "0000000000000002", 210, 220));
  const auto w = viewer::build_waterfall(spans);
  EXPECT_EQ(names(w), (std::vector<std::string>{"root", "-first-child", "--grandchild", "-second-child"}));
  EXPECT_EQ(w.start_unix_nano, 100u);
  EXPECT_EQ(w.end_unix_nano, 1000u);
  EXPECT_EQ(w.orphans, 0u);
}

TEST(Waterfall, OrphansAreShownAndMarked) {
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(tree_span("root", "0000000000000001", nullptr, 100, 1000));
  spans.push_back(tree_span("lost", "0000000000000005", "00000000000000ff", 150, 160));
  spans.push_back(tree_span("lost-child", "0000000000000006", "0000000000000005", 151, 152));
  const auto w = viewer::build_waterfall(spans);
  EXPECT_EQ(names(w), (std::vector<std::string>{"root", "lost", "-lost-child"}));
  EXPECT_EQ(w.orphans, 1u);
  EXPECT_TRUE(w.rows[1].orphan);
  const auto text = viewer::render_waterfall_text(w, {});
  EXPECT_NE(text.find("(orphan: parent 00000000000000ff not in trace)"), std::string::npos) << text;
}

TEST(Waterfall, ParentCyclesDoNotLoopOrHide) {
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(tree_span("a", "0000000000000001", "0000000000000002", 100, 200));
  spans.push_back(tree_span("b", "0000000000000002", "0000000000000001", 110, 190));
  spans.push_back(tree_span("self", "0000000000000003", "0000000000000003", 120, 130));
  const auto w = viewer::build_waterfall(spans);
  EXPECT_EQ(w.rows.size(), 3u);
}

TEST(Waterfall, TextShowsServicesDurationsErrorsAndAttributes) {
  const auto spans = test_support::sample_spans();
  const auto w = viewer::build_waterfall(spans);
  EXPECT_EQ(w.errors, 1u);
  const auto text = viewer::render_waterfall_text(w, {});
  EXPECT_NE(text.find("chat.session"), std::string::npos);
  EXPECT_NE(text.find("└ dataaction lookupCustomer"), std::string::npos) << text;
  EXPECT_NE(text.find("chat-ui"), std::string::npos);
  EXPECT_NE(text.find("bridge"), std::string::npos);
  EXPECT_NE(text.find("3.500 s"), std::string::npos);
  EXPECT_NE(text.find("250.00 ms"), std::string::npos);
  EXPECT_NE(text.find("ERROR"), std::string::npos);
  EXPECT_NE(text.find("error: upstream returned 503"), std::string::npos);
  EXPECT_NE(text.find("http.response.status_code=503"), std::string::npos);
  // Control characters from span data never reach the terminal.
  EXPECT_EQ(text.find('\n' + std::string("</script>")), std::string::npos);
  EXPECT_EQ(text.find("\033"), std::string::npos);  // no colour unless asked
  viewer::TextOptions color;
  color.color = true;
  EXPECT_NE(viewer::render_waterfall_text(w, color).find("\033[1;31m"), std::string::npos);
}

// C0 and C1 controls (the 8-bit CSI U+009B drives some terminals like ESC [) and bytes
// that are not UTF-8 are spelled out; printable Unicode is shown as it is.
TEST(Waterfall, EveryControlCharacterIsEscaped) {
  std::vector<std::unique_ptr<SpanData>> spans;
  spans.push_back(tree_span("a\x1b]0;owned\x07\x1b[2J\u009b31m\xff\x7f é", "0000000000000001", nullptr, 100, 200));
  spans.back()->attributes.set("k\u0085", std::string("v\r\n\x9b"));
  const auto text = viewer::render_waterfall_text(viewer::build_waterfall(spans), {});
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x07'), std::string::npos) << text;
  EXPECT_EQ(text.find('\x7f'), std::string::npos) << text;
  EXPECT_EQ(text.find("\u009b"), std::string::npos) << text;
  EXPECT_EQ(text.find("\u0085"), std::string::npos) << text;
  EXPECT_EQ(text.find('\r'), std::string::npos) << text;
  EXPECT_NE(text.find(R"(a\x1b]0;owned\x07\x1b[2J\u009b31m\xff\x7f é)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"(k\u0085="v\r\n\x9b")"), std::string::npos) << text;
}

TEST(Waterfall, DurationFormatting) {
  EXPECT_EQ(viewer::format_duration(850), "850 ns");
  EXPECT_EQ(viewer::format_duration(12'300), "12.3 us");
  EXPECT_EQ(viewer::format_duration(4'560'000), "4.56 ms");
  EXPECT_EQ(viewer::format_duration(1'234'000'000), "1.234 s");
  EXPECT_EQ(viewer::format_duration(123'000'000'000ULL), "2m03s");
}

TEST(WaterfallHtml, SelfContainedAndEscaped) {
  const auto spans = test_support::sample_spans();
  const auto html = viewer::render_waterfall_html(viewer::build_waterfall(spans), spans[0]->context.trace_id);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  // The attribute value "</script>" must not close the data block.
  EXPECT_EQ(html.find("</script>\""), std::string::npos);
  EXPECT_NE(html.find("\\u003c/script\\u003e"), std::string::npos);
  EXPECT_NE(html.find("dataaction lookupCustomer"), std::string::npos);
}

// Renders the page in headless Chromium: every span must be on the page after the
// script ran, and a screenshot must be produced.
TEST(WaterfallHtml, RendersInHeadlessChromium) {
  if (system("command -v chromium >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "chromium is not installed (Debian package 'chromium'); scripts/test installs it";
  }
  const auto spans = test_support::sample_spans();
  const auto dir = fs::temp_directory_path() / ("tracechat-html-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const auto page = dir / "trace.html";
  std::ofstream(page) << viewer::render_waterfall_html(viewer::build_waterfall(spans), spans[0]->context.trace_id);
  const std::string flags =
      "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking "
      "--disable-component-update --disable-sync --user-data-dir=" +
      (dir / "profile").string();
  const auto dom_file = dir / "dom.html";
  const auto png = dir / "trace.png";
  const std::string dump =
      "chromium " + flags + " --dump-dom file://" + page.string() + " > " + dom_file.string() + " 2>/dev/null";
  ASSERT_EQ(system(dump.c_str()), 0);
  const std::string shot = "chromium " + flags + " --window-size=1200,600 --screenshot=" + png.string() + " file://" +
                           page.string() + " >/dev/null 2>&1";
  ASSERT_EQ(system(shot.c_str()), 0);
  std::stringstream dom;
  dom << std::ifstream(dom_file).rdbuf();
  const std::string rendered = dom.str();
  for (const auto& s : spans) {
    // The rows are created by the page's script: look for them, not for the JSON.
    EXPECT_NE(rendered.find(">" + s->name + "</span>"), std::string::npos) << s->name;
    EXPECT_NE(rendered.find("data-span-id=\"" + s->context.span_id.hex() + "\""), std::string::npos);
  }
  EXPECT_NE(rendered.find(">4bf92f3577b34da6a3ce929d0e0e4736</span>"), std::string::npos);
  ASSERT_TRUE(fs::exists(png));
  EXPECT_GT(fs::file_size(png), 1000u);
  std::ifstream in(png, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  EXPECT_EQ(std::string(magic + 1, 3), "PNG");
  if (const char* keep = std::getenv("TRACECHAT_KEEP_SCREENSHOT"))
    fs::copy_file(png, keep, fs::copy_options::overwrite_existing);
  fs::remove_all(dir);
}
