#include "tracechat/trace/resource.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "tracechat/trace/env.h"

using namespace tracechat::trace;

namespace {
// Sets environment variables for one test and restores the previous state.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = getenv(name)) old_ = old;
    if (value) {
      setenv(name, value, 1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      setenv(name_, old_->c_str(), 1);
    } else {
      unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

std::string string_attr(const Resource& r, std::string_view key) {
  const auto* v = r.attributes().find(key);
  return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : "<missing>";
}

struct CapturedDiagnostics {
  CapturedDiagnostics() {
    set_diagnostic_handler([this](std::string_view m) { messages.emplace_back(m); });
  }
  ~CapturedDiagnostics() { set_diagnostic_handler(nullptr); }
  std::vector<std::string> messages;
};
}  // namespace

TEST(Resource, Defaults) {
  ScopedEnv a("OTEL_SERVICE_NAME", nullptr);
  ScopedEnv b("OTEL_RESOURCE_ATTRIBUTES", nullptr);
  const auto r = Resource::from_env();
  EXPECT_EQ(string_attr(r, "service.name"), "unknown_service:trace_tests");
  EXPECT_EQ(string_attr(r, "telemetry.sdk.name"), "tracechat");
  EXPECT_EQ(string_attr(r, "telemetry.sdk.language"), "cpp");
  EXPECT_EQ(string_attr(Resource::from_env("chat-ui"), "service.name"), "chat-ui");
}

TEST(Resource, ResourceAttributesAndServiceNameFromEnv) {
  ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES", "service.name=from-attrs, deployment.environment=dev,team=a%2Cb%3Dc");
  ScopedEnv b("OTEL_SERVICE_NAME", nullptr);
  auto r = Resource::from_env("default-name");
  EXPECT_EQ(string_attr(r, "service.name"), "from-attrs");
  EXPECT_EQ(string_attr(r, "deployment.environment"), "dev");
  EXPECT_EQ(string_attr(r, "team"), "a,b=c");
  {
    ScopedEnv c("OTEL_SERVICE_NAME", "svc");
    r = Resource::from_env("default-name");
    EXPECT_EQ(string_attr(r, "service.name"), "svc");  // OTEL_SERVICE_NAME wins
  }
}

TEST(Resource, MalformedResourceAttributesAreIgnoredAsAWhole) {
  CapturedDiagnostics diagnostics;
  ScopedEnv a("OTEL_RESOURCE_ATTRIBUTES", "good=1,bad");
  ScopedEnv b("OTEL_SERVICE_NAME", nullptr);
  const auto r = Resource::from_env("x");
  EXPECT_EQ(r.attributes().find("good"), nullptr);
  ASSERT_EQ(diagnostics.messages.size(), 1u);
  EXPECT_NE(diagnostics.messages[0].find("'bad' is not key=value"), std::string::npos);
}

TEST(Resource, ParseAttributeList) {
  EXPECT_TRUE(Resource::parse_attribute_list("").ok());
  EXPECT_TRUE(Resource::parse_attribute_list(",,").ok());
  EXPECT_FALSE(Resource::parse_attribute_list("=x").ok());
  EXPECT_FALSE(Resource::parse_attribute_list("k=%zz").ok());
  EXPECT_FALSE(Resource::parse_attribute_list("k=%4").ok());
  EXPECT_FALSE(Resource::parse_attribute_list("k=%").ok());
  const auto ok = Resource::parse_attribute_list("k=%41");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(std::get<std::string>(*ok->find("k")), "A");
}

TEST(Resource, MergePrefersOther) {
  const Resource a(Attributes{{"x", std::string("1")}, {"y", std::string("2")}});
  const Resource b(Attributes{{"y", std::string("3")}});
  const auto merged = a.merged_with(b);
  EXPECT_EQ(string_attr(merged, "x"), "1");
  EXPECT_EQ(string_attr(merged, "y"), "3");
}

TEST(Env, UnsignedWithFallback) {
  CapturedDiagnostics diagnostics;
  ScopedEnv a("TRACECHAT_TEST_UINT", "42");
  EXPECT_EQ(env_uint("TRACECHAT_TEST_UINT", 7), 42u);
  ScopedEnv b("TRACECHAT_TEST_UINT", "-1");
  EXPECT_EQ(env_uint("TRACECHAT_TEST_UINT", 7), 7u);
  ScopedEnv c("TRACECHAT_TEST_UINT", "12abc");
  EXPECT_EQ(env_uint("TRACECHAT_TEST_UINT", 7), 7u);
  EXPECT_EQ(diagnostics.messages.size(), 2u);
  ScopedEnv d("TRACECHAT_TEST_UINT", nullptr);
  EXPECT_EQ(env_uint("TRACECHAT_TEST_UINT", 7), 7u);
}
