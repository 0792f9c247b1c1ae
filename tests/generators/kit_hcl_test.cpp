// The kit's Terraform files read back by real HCL readers: HashiCorp's parser (through
// @cdktf/hcl2json, tests/node/kit_hcl.mjs, which also checks them resource by resource),
// and, when it is installed, Terraform itself (`terraform fmt -check`, and `terraform
// console` evaluating the variables and their validation). The Terraform action and the
// import JSON must describe the same request.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "common/base64.h"
#include "generators/kit_samples.h"
#include "tracechat/dataaction/velocity.h"
#include "tracechat/generators/escaping.h"
#include "tracechat/generators/kit.h"

namespace tracechat::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const fs::path kNodeDir = TRACECHAT_NODE_TESTS_DIR;

#define REQUIRE_HCL2JSON()                                                                            \
  do {                                                                                                \
    if (std::system("command -v node >/dev/null 2>&1") != 0) GTEST_SKIP() << "node is not installed"; \
    if (!fs::exists(kNodeDir / "node_modules" / "@cdktf" / "hcl2json")) {                             \
      GTEST_SKIP() << "npm packages missing: run `npm ci` in tests/node (scripts/test does)";         \
    }                                                                                                 \
  } while (false)

// Terraform is not a Debian package; where it is installed, it reads the files too.
#define REQUIRE_TERRAFORM()                                                                                     \
  do {                                                                                                          \
    if (std::system("command -v terraform >/dev/null 2>&1") != 0) GTEST_SKIP() << "terraform is not installed"; \
  } while (false)

struct Run {
  int status;
  std::string output;
};

// Runs a shell command; its stdout (and stderr when asked).
Run run(const std::string& command) {
  Run r{0, {}};
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return {-1, "popen failed"};
  char buffer[4096];
  std::size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.output.append(buffer, n);
  r.status = pclose(pipe);
  return r;
}

fs::path write_kit_dir(const generators::KitOptions& options, const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("tracechat-kit-hcl-" + std::to_string(getpid()) + "-" + name);
  fs::remove_all(dir);
  auto files = generators::generate_kit(options);
  EXPECT_TRUE(files.ok()) << (files.ok() ? "" : files.error().message);
  if (files.ok()) {
    EXPECT_TRUE(generators::write_kit(*files, dir, false).ok());
  }
  return dir;
}

json::object import_json(const fs::path& dir) {
  for (const auto& entry : fs::directory_iterator(dir / "data-actions")) {
    std::ifstream in(entry.path());
    return json::parse(std::string(std::istreambuf_iterator<char>(in), {})).as_object();
  }
  ADD_FAILURE() << "no import JSON in " << dir;
  return {};
}

// kit_hcl.mjs's reading of main.tf and variables.tf.
json::object read_hcl(const fs::path& dir) {
  const auto r =
      run("cd " + kNodeDir.string() + " && node kit_hcl.mjs " + generators::shell_word(dir.string()) + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.output;
  if (r.status != 0) return {};
  return json::parse(r.output).as_object();
}

// The Terraform resource and the import JSON, part by part.
void expect_same_request(const json::object& hcl, const json::object& imported) {
  const auto& tf = hcl.at("action").as_object();
  const auto& config = imported.at("config").as_object();
  const auto& request = config.at("request").as_object();
  const auto& response = config.at("response").as_object();
  EXPECT_EQ(tf.at("request_type"), request.at("requestType"));
  EXPECT_EQ(tf.at("request_url_template"), request.at("requestUrlTemplate"));
  EXPECT_EQ(tf.at("request_template"),
            request.contains("requestTemplate") ? request.at("requestTemplate") : json::value(nullptr));
  EXPECT_EQ(tf.at("headers"), request.at("headers"));
  EXPECT_EQ(tf.at("contract_input"), imported.at("contract").at("input").at("inputSchema"));
  EXPECT_EQ(tf.at("contract_output"), imported.at("contract").at("output").at("successSchema"));
  EXPECT_EQ(tf.at("translation_map"), response.at("translationMap"));
  EXPECT_EQ(tf.at("translation_map_defaults"), response.at("translationMapDefaults"));
  EXPECT_EQ(tf.at("success_template"), response.at("successTemplate"));
  // main.tf takes these from variables whose defaults are the kit's.
  const auto& variables = hcl.at("variables");
  EXPECT_EQ(variables.at("timeout").at("default"), config.at("timeoutSeconds"));
  EXPECT_EQ(variables.at("data_action_name").at("default"), imported.at("name"));
}

void expect_defaults(const json::object& hcl, const generators::KitOptions& o) {
  const auto& variables = hcl.at("variables");
  EXPECT_EQ(variables.at("data_action_name").at("default"), o.action_name.c_str());
  EXPECT_EQ(variables.at("data_action_category").at("default"), o.category.c_str());
  EXPECT_EQ(variables.at("flow_name").at("default"), o.flow_name.c_str());
  if (o.queue) {
    EXPECT_EQ(variables.at("queue_name").at("default"), o.queue->c_str());
  } else {
    EXPECT_EQ(variables.at("queue_name").at("has_default"), false) << "the queue must exist: no default";
  }
  EXPECT_EQ(variables.at("timeout").at("default"), o.timeout_seconds);
  EXPECT_EQ(variables.at("messenger_deployment").at("default"), false);
  EXPECT_EQ(hcl.at("action").at("request_url_template"), o.url.c_str());
}

TEST(KitHcl, TheDefaultKitParsesAndItsActionIsTheImportJson) {
  REQUIRE_HCL2JSON();
  const auto o = default_kit_options();
  const auto dir = write_kit_dir(o, "default");
  const auto hcl = read_hcl(dir);
  ASSERT_FALSE(hcl.empty());
  expect_same_request(hcl, import_json(dir));
  expect_defaults(hcl, o);
  EXPECT_EQ(hcl.at("action").at("headers").at("x-tracechat-action"), "Traced request");
  fs::remove_all(dir);
}

TEST(KitHcl, HostileValuesReadBackExactly) {
  REQUIRE_HCL2JSON();
  const auto o = adversarial_kit_options();
  const auto dir = write_kit_dir(o, "hostile");
  const auto hcl = read_hcl(dir);
  ASSERT_FALSE(hcl.empty());
  expect_same_request(hcl, import_json(dir));
  expect_defaults(hcl, o);
  // The header's template, as Terraform will send it, renders as the name.
  auto header =
      dataaction::VelocityTemplate::parse(hcl.at("action").at("headers").at("x-tracechat-action").as_string());
  ASSERT_TRUE(header.ok()) << header.error().message;
  EXPECT_EQ(header->render(json::object{{"input", {{"orderId", "A-1"}}}}), o.action_name);
  fs::remove_all(dir);
}

// ---- Terraform itself, offline: no provider is needed to format or to read variables.

std::string terraform(const fs::path& dir, const std::string& args) {
  return "(cd " + generators::shell_word(dir.string()) +
         " && CHECKPOINT_DISABLE=1 TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1 terraform " + args + ")";
}

TEST(KitHcl, TerraformFmtFindsNothingToChange) {
  REQUIRE_TERRAFORM();
  const auto dir = write_kit_dir(adversarial_kit_options(), "fmt");
  const auto r = run(terraform(dir, "fmt -check -diff -no-color .") + " 2>&1");
  EXPECT_EQ(r.status, 0) << r.output;
  fs::remove_all(dir);
}

// variables.tf alone (main.tf would need the provider installed), evaluated by
// `terraform console`: base64 keeps the values' bytes out of Terraform's own quoting.
Run console(const fs::path& dir, const std::string& vars) {
  fs::create_directories(dir / "console");
  fs::copy_file(dir / "variables.tf", dir / "console" / "variables.tf", fs::copy_options::overwrite_existing);
  const std::string expression =
      "base64encode(jsonencode([var.data_action_name, var.data_action_category, var.flow_name, var.queue_name, "
      "var.timeout]))";
  return run("echo " + generators::shell_word(expression) + " | " +
             terraform(dir / "console", "console -var bridge_username=u -var bridge_password=p " + vars) + " 2>&1");
}

TEST(KitHcl, TerraformReadsTheDefaultsAsGiven) {
  REQUIRE_TERRAFORM();
  const auto o = adversarial_kit_options();
  const auto dir = write_kit_dir(o, "console");
  const auto r = console(dir, "");
  ASSERT_EQ(r.status, 0) << r.output;
  ASSERT_EQ(r.output.find("Invalid value for variable"), std::string::npos) << r.output;
  // The answer is the last line, a quoted string.
  std::string last;
  std::istringstream lines(r.output);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() >= 2 && line.front() == '"' && line.back() == '"') last = line.substr(1, line.size() - 2);
  }
  const auto decoded = common::base64_decode(last);
  ASSERT_TRUE(decoded) << r.output;
  EXPECT_EQ(json::parse(*decoded), (json::array{o.action_name.c_str(), o.category.c_str(), o.flow_name.c_str(),
                                                o.queue->c_str(), o.timeout_seconds}));
  fs::remove_all(dir);
}

// What check_kit refuses, the variables refuse too: a value given at apply time goes into
// the flow's YAML as raw text just the same.
TEST(KitHcl, TerraformRefusesVariablesThatWouldBreakTheFlow) {
  REQUIRE_TERRAFORM();
  const auto dir = write_kit_dir(default_kit_options(), "validation");
  for (const std::string variable : {"data_action_name", "data_action_category", "flow_name", "queue_name"}) {
    for (const std::string value :
         {"say \"hi\"", "back\\slash", "{{flow_name}}", "a }} b", "", "two\nlines", "tab\there", "c1 \xc2\x85"}) {
      // The queue has no default; a later -var wins over an earlier one.
      const auto r = console(dir, "-var queue_name=Q -var " + generators::shell_word(variable + "=" + value));
      EXPECT_NE(r.output.find("Invalid value for variable"), std::string::npos) << r.output;
      EXPECT_NE(r.output.find("The flow's YAML gets " + variable + " as it is"), std::string::npos)
          << variable << "=" << value << ":\n"
          << r.output;
    }
    const auto allowed =
        console(dir, "-var queue_name=Q -var " + generators::shell_word(variable + "=ok ${x} %{y} #z $ ' \xc3\xa9"));
    EXPECT_EQ(allowed.output.find("Invalid value for variable"), std::string::npos) << allowed.output;
  }
  const auto colon = console(dir, "-var queue_name=Q -var bridge_username=a:b");
  EXPECT_NE(colon.output.find("bridge_username must not be empty"), std::string::npos) << colon.output;
  const auto slow = console(dir, "-var queue_name=Q -var timeout=61");
  EXPECT_NE(slow.output.find("whole number of seconds from 1 to 60"), std::string::npos) << slow.output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace tracechat::testing
