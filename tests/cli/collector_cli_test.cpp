// `tracechat collector` and `tracechat traces` run as a user runs them: a real
// process, its stdout, its exit status, a signal to stop it.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>

#include "support/sample_spans.h"
#include "tracechat/otlp/http_exporter.h"

using namespace tracechat;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

const std::string kTracechat = TRACECHAT_CLI_PATH;

struct Output {
  int status;
  std::string text;
};

Output run(const std::string& args) {
  const std::string command = kTracechat + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// Starts `tracechat collector` and reads the URL from its first line of output.
class CollectorProcess {
 public:
  explicit CollectorProcess(const fs::path& db) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDOUT_FILENO);
      close(fds[0]);
      execl(kTracechat.c_str(), kTracechat.c_str(), "collector", "--listen", "127.0.0.1:0", "--db", db.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
    char line[512] = {};
    if (fgets(line, sizeof line, out_) != nullptr) first_line_ = line;
  }
  ~CollectorProcess() {
    if (pid_ > 0 && !stopped_) stop();
    if (out_) fclose(out_);
  }
  std::string url() const {
    const auto at = first_line_.find("http://");
    return first_line_.substr(at, first_line_.find("/v1/traces") - at);
  }
  const std::string& first_line() const { return first_line_; }
  // SIGTERM, then the exit status and the rest of its output.
  Output stop() {
    kill(pid_, SIGTERM);
    std::string rest;
    char buffer[512];
    while (fgets(buffer, sizeof buffer, out_) != nullptr) rest += buffer;
    int status = 0;
    waitpid(pid_, &status, 0);
    stopped_ = true;
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, rest};
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  std::string first_line_;
  bool stopped_ = false;
};

}  // namespace

TEST(CollectorCli, ReceiveStoreListShowHtml) {
  const auto dir = fs::temp_directory_path() / ("tracechat-cli-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const auto db = dir / "traces.sqlite";
  {
    CollectorProcess collector(db);
    ASSERT_NE(collector.first_line().find("tracechat collector: OTLP/HTTP on http://127.0.0.1:"), std::string::npos)
        << collector.first_line();
    otlp::OtlpHttpExporterOptions o;
    o.endpoint = *otlp::OtlpHttpExporterOptions::traces_url_from_base(collector.url());
    otlp::OtlpHttpExporter exporter(o);
    auto spans = test_support::sample_spans();
    ASSERT_EQ(exporter.export_spans(spans, 10s), trace::ExportResult::success);
    const auto stopped = collector.stop();
    EXPECT_EQ(stopped.status, 0);
    EXPECT_NE(stopped.text.find("2 spans stored"), std::string::npos) << stopped.text;
  }

  auto list = run("traces list --db " + db.string() + " --since all");
  EXPECT_EQ(list.status, 0);
  EXPECT_NE(list.text.find("4bf92f3577b34da6a3ce929d0e0e4736  chat.session"), std::string::npos) << list.text;
  EXPECT_NE(list.text.find("bridge,chat-ui"), std::string::npos) << list.text;
  EXPECT_NE(list.text.find("ERROR"), std::string::npos);

  auto json = run("traces list --json --db " + db.string() + " --since all");
  ASSERT_EQ(json.status, 0);
  const auto doc = boost::json::parse(json.text);
  EXPECT_EQ(doc.at(0).at("traceId"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(doc.at(0).at("spanCount"), 2);
  EXPECT_EQ(doc.at(0).at("error"), true);
  // The sample spans are from 2025: not in the last hour.
  EXPECT_NE(run("traces list --db " + db.string()).text.find("no traces since 1h"), std::string::npos);

  auto show = run("traces show 4bf92f3577b34da6a3ce929d0e0e4736 --db " + db.string());
  EXPECT_EQ(show.status, 0);
  EXPECT_NE(show.text.find("trace 4bf92f3577b34da6a3ce929d0e0e4736: 2 spans, 3.500 s, 1 error(s)"), std::string::npos)
      << show.text;
  EXPECT_NE(show.text.find("└ dataaction lookupCustomer"), std::string::npos);
  EXPECT_EQ(show.text.find("\033["), std::string::npos);  // not a terminal: no colour

  auto show_json = run("traces show 4BF92F3577B34DA6A3CE929D0E0E4736 --json --db " + db.string());
  EXPECT_EQ(show_json.status, 0);
  EXPECT_NE(show_json.text.find("\"resourceSpans\""), std::string::npos);

  const auto page = dir / "trace.html";
  auto html = run("traces html 4bf92f3577b34da6a3ce929d0e0e4736 -o " + page.string() + " --db " + db.string());
  EXPECT_EQ(html.status, 0);
  EXPECT_NE(html.text.find(page.string()), std::string::npos);
  EXPECT_GT(fs::file_size(page), 1000u);

  auto missing = run("traces show 11111111111111111111111111111111 --db " + db.string());
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.text.find("is not in"), std::string::npos);
  auto bad_id = run("traces show nothex --db " + db.string());
  EXPECT_EQ(bad_id.status, 1);
  EXPECT_NE(bad_id.text.find("is not a trace id"), std::string::npos);
  auto no_db = run("traces list --db " + (dir / "absent.sqlite").string());
  EXPECT_EQ(no_db.status, 1);
  EXPECT_NE(no_db.text.find("no span database"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "absent.sqlite"));  // looking does not create one
  fs::remove_all(dir);
}

TEST(CollectorCli, StartupErrorsExitNonZero) {
  auto busy = run("collector --listen 127.0.0.1:notaport");
  EXPECT_EQ(busy.status, 1);
  EXPECT_NE(busy.text.find("invalid port"), std::string::npos);
  auto help = run("collector --help");
  EXPECT_EQ(help.status, 0);
  EXPECT_NE(help.text.find("--forward"), std::string::npos);
  EXPECT_NE(help.text.find("127.0.0.1:4318"), std::string::npos);  // the default is shown
}
