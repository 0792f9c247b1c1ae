// OAuth client credentials on the emulator: /oauth/token, bearer tokens on /api/v2/*, the
// generated client and its file, and the per-client rate limit.
#include "emulator/oauth.h"

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "emulator/form_encoding.h"
#include "emulator_fixture.h"

using namespace tracechat::testing;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace emulator = tracechat::emulator;

namespace {

const std::string kMissing = "/api/v2/conversations/00000000-0000-4000-8000-000000000000";

json::value body_of(const tracechat::net::HttpResponse& r) {
  boost::system::error_code ec;
  auto v = json::parse(r.body, ec);
  return ec ? json::value(nullptr) : v;
}

// Replaces the file with `text`, readable and writable by its owner only, as a
// credentials file must be.
void write_private_file(const std::filesystem::path& path, std::string_view text) {
  std::filesystem::remove(path);
  {
    std::ofstream out(path, std::ios::trunc);
    out << text;
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class OAuth : public EmulatorTest {
 protected:
  tracechat::net::HttpResponse with_bearer(const std::string& token, const std::string& path = kMissing) {
    return http_raw("GET", path, "", {{"Authorization", "Bearer " + token}});
  }
};

}  // namespace

TEST_F(OAuth, ClientCredentialsGetABearerTokenThatTheApiAccepts) {
  const auto client = start().oauth_client();
  auto r = request_token(client.client_id, client.client_secret);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Cache-Control").value_or(""), "no-store");
  auto v = body_of(r);
  EXPECT_EQ(v.at("token_type"), "bearer");
  EXPECT_EQ(v.at("expires_in"), 86400);
  const std::string token(v.at("access_token").as_string());
  EXPECT_GE(token.size(), 43u);
  EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
            std::string::npos);
  EXPECT_NE(body_of(request_token(client.client_id, client.client_secret)).at("access_token").as_string(), token);
  auto answer = with_bearer(token);
  EXPECT_EQ(answer.status, 404) << answer.body;  // past authentication: the conversation is unknown
  EXPECT_EQ(body_of(answer).at("code"), "not.found");
  // The scheme is case-insensitive.
  EXPECT_EQ(http_raw("GET", kMissing, "", {{"Authorization", "bearer " + token}}).status, 404);
}

TEST_F(OAuth, BadClientCredentialsAreInvalidClient) {
  const auto client = start().oauth_client();
  const auto expect_invalid_client = [](const tracechat::net::HttpResponse& r, const char* what) {
    EXPECT_EQ(r.status, 401) << what << ": " << r.body;
    auto v = body_of(r);
    ASSERT_TRUE(v.is_object()) << what;
    EXPECT_EQ(v.at("error"), "invalid_client") << what;
    EXPECT_TRUE(v.at("description").is_string()) << what;
    EXPECT_EQ(v.at("error_description"), v.at("description")) << what;
  };
  expect_invalid_client(request_token(client.client_id, client.client_secret + "x"), "wrong secret");
  expect_invalid_client(request_token(client.client_id, client.client_secret.substr(1)), "shorter secret");
  expect_invalid_client(request_token("someone-else", client.client_secret), "unknown client");
  const std::vector<tracechat::net::HttpHeader> form{{"Content-Type", "application/x-www-form-urlencoded"}};
  expect_invalid_client(http_raw("POST", "/oauth/token", "grant_type=client_credentials", form), "no Authorization");
  auto garbled = form;
  garbled.push_back({"Authorization", "Basic !!!not-base64"});
  expect_invalid_client(http_raw("POST", "/oauth/token", "grant_type=client_credentials", garbled), "bad Basic");
  auto no_colon = form;
  no_colon.push_back({"Authorization", "Basic " + base64_encode(client.client_id)});
  expect_invalid_client(http_raw("POST", "/oauth/token", "grant_type=client_credentials", no_colon), "no colon");
}

TEST_F(OAuth, OnlyTheClientCredentialsGrantIsSupportedAndTheFormIsDecoded) {
  const auto client = start().oauth_client();
  auto password = request_token(client.client_id, client.client_secret, "grant_type=password&username=a&password=b");
  EXPECT_EQ(password.status, 400);
  EXPECT_EQ(body_of(password).at("error"), "unsupported_grant_type");
  EXPECT_EQ(request_token(client.client_id, client.client_secret, "").status, 400);
  // Percent-escapes and other parameters are fine: the body is parsed as a form, not compared.
  EXPECT_EQ(request_token(client.client_id, client.client_secret, "scope=a+b&grant_type=client%5Fcredentials").status,
            200);
  EXPECT_EQ(request_token(client.client_id, client.client_secret, "grant_type=client_credentials%ZZ").status, 400);
  auto json_body = http_raw("POST", "/oauth/token", R"({"grant_type":"client_credentials"})",
                            {{"Authorization", "Basic " + base64_encode(client.client_id + ":" + client.client_secret)},
                             {"Content-Type", "application/json"}});
  EXPECT_EQ(json_body.status, 400);
  EXPECT_EQ(body_of(json_body).at("error"), "invalid_request");
  EXPECT_EQ(http_raw("GET", "/oauth/token").status, 405);
}

TEST_F(OAuth, ApiRequestsWithoutABearerTokenAreRefused) {
  for (const auto& path : {kMissing, std::string("/api/v2/analytics/conversations/details/jobs/availability"),
                           std::string("/api/v2/no/such/thing")}) {
    auto r = http_raw("GET", path);
    EXPECT_EQ(r.status, 401) << path;
    EXPECT_EQ(
        r.body,
        R"({"message":"No authentication bearer token specified in authorization header.","code":"authentication.required","status":401})")
        << path;
    // RFC 9110 §11.6.1: a 401 carries its challenge; RFC 6750 §3.1: no error code when no
    // token came at all.
    EXPECT_EQ(r.header("WWW-Authenticate").value_or("<none>"), "Bearer") << path;
  }
  const auto client = start().oauth_client();
  auto basic = http_raw("GET", kMissing, "",
                        {{"Authorization", "Basic " + base64_encode(client.client_id + ":" + client.client_secret)}});
  EXPECT_EQ(body_of(basic).at("code"), "authentication.required");
  // The chat endpoints stay open: guests have no tokens.
  EXPECT_EQ(http_raw("GET", "/healthz").status, 200);
  EXPECT_NE(open(guest_path()), nullptr);
}

TEST_F(OAuth, UnknownTokensAreBadCredentials) {
  start();
  for (const auto& token : {std::string("not-a-token"), token() + "x", std::string(43, 'A')}) {
    auto r = with_bearer(token);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(r.body, R"({"message":"Invalid login credentials.","code":"bad.credentials","status":401})");
    EXPECT_EQ(r.header("WWW-Authenticate").value_or("<none>"), R"(Bearer error="invalid_token")");
  }
}

class OAuthShortTokens : public OAuth {
  void configure(emulator::EmulatorOptions& o) override { o.config.oauth.token_lifetime = 1s; }
};

TEST_F(OAuthShortTokens, AnExpiredTokenIsRefused) {
  const auto client = start().oauth_client();
  auto issued = body_of(request_token(client.client_id, client.client_secret));
  EXPECT_EQ(issued.at("expires_in"), 1);
  const std::string token(issued.at("access_token").as_string());
  EXPECT_EQ(with_bearer(token).status, 404);
  std::this_thread::sleep_for(1100ms);
  auto expired = with_bearer(token);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(body_of(expired).at("code"), "bad.credentials");
  EXPECT_EQ(expired.header("WWW-Authenticate").value_or("<none>"), R"(Bearer error="invalid_token")");
}

TEST_F(OAuth, ARestartForgetsEveryTokenButKeepsTheGeneratedClient) {
  const auto before = start().oauth_client();
  const std::string old_token = token();
  EXPECT_EQ(with_bearer(old_token).status, 404);
  restart();
  EXPECT_EQ(body_of(with_bearer(old_token)).at("code"), "bad.credentials");
  EXPECT_EQ(emulator_->oauth_client(), before);
  EXPECT_EQ(request_token(before.client_id, before.client_secret).status, 200);
  EXPECT_EQ(http("GET", kMissing).status, 404);  // the fixture asked for a new token
}

TEST_F(OAuth, TheGeneratedClientIsKeptOwnerOnlyBesideTheDatabase) {
  // Even with a umask that would leave a new file world-readable.
  const mode_t saved = umask(0);
  auto& e = start();
  umask(saved);
  EXPECT_EQ(e.oauth_client_file(), dir_ / "platform.oauth-client.json");
  struct stat st {};
  ASSERT_EQ(stat(e.oauth_client_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto saved_file = json::parse(read_file(e.oauth_client_file()));
  EXPECT_EQ(saved_file.as_object().size(), 2u) << saved_file;
  EXPECT_EQ(saved_file.at("client_id").as_string(), e.oauth_client().client_id);
  EXPECT_EQ(saved_file.at("client_secret").as_string(), e.oauth_client().client_secret);
  EXPECT_GE(e.oauth_client().client_secret.size(), 43u);
}

TEST_F(OAuth, AnExistingClientFileIsUsedAndAMalformedOneStopsTheStart) {
  const auto file = dir_ / "platform.oauth-client.json";
  write_private_file(file, R"({"client_id": "saved-client", "client_secret": "saved-secret"})");
  EXPECT_EQ(start().oauth_client(), (emulator::OAuthClientCredentials{"saved-client", "saved-secret"}));
  EXPECT_EQ(request_token("saved-client", "saved-secret").status, 200);
  EXPECT_EQ(read_file(file), R"({"client_id": "saved-client", "client_secret": "saved-secret"})");  // untouched
  emulator_.reset();

  for (const char* bad : {"{oops", R"({"client_id": "x"})", R"({"client_id": "x", "client_secret": 1})",
                          R"({"client_id": "x", "client_secret": "y", "scope": "z"})", "[]"}) {
    write_private_file(file, bad);
    auto started = emulator::Emulator::start(options_);
    ASSERT_FALSE(started.ok()) << bad;
    EXPECT_NE(started.error().message.find(file.string()), std::string::npos) << started.error().message;
    EXPECT_NE(started.error().message.find("delete the file"), std::string::npos) << started.error().message;
  }
}

TEST_F(OAuth, AClientFileOthersCouldReadOrReplaceStopsTheStart) {
  const auto file = dir_ / "platform.oauth-client.json";
  const std::string good = R"({"client_id": "saved-client", "client_secret": "saved-secret"})";
  write_private_file(file, good);
  std::filesystem::permissions(file, std::filesystem::perms::group_read | std::filesystem::perms::others_read,
                               std::filesystem::perm_options::add);
  auto open_to_others = emulator::Emulator::start(options_);
  ASSERT_FALSE(open_to_others.ok());
  EXPECT_NE(open_to_others.error().message.find("chmod 600 " + file.string()), std::string::npos)
      << open_to_others.error().message;
  EXPECT_EQ(read_file(file), good);  // left as it was: the user decides

  // A link in the file's place, even to a file that is fine itself.
  std::filesystem::remove(file);
  const auto target = dir_ / "elsewhere.json";
  write_private_file(target, good);
  std::filesystem::create_symlink(target, file);
  auto linked = emulator::Emulator::start(options_);
  ASSERT_FALSE(linked.ok());
  EXPECT_NE(linked.error().message.find("symbolic link"), std::string::npos) << linked.error().message;
  EXPECT_NE(linked.error().message.find(file.string()), std::string::npos) << linked.error().message;
}

class OAuthConfiguredClients : public OAuth {
  void configure(emulator::EmulatorOptions& o) override {
    o.config.oauth.clients = {{"first", "first-secret"}, {"second", "second-secret"}};
    o.config.rest.requests_per_minute = 2;
  }
};

TEST_F(OAuthConfiguredClients, ConfiguredClientsNeedNoFile) {
  auto& e = start();
  EXPECT_TRUE(e.oauth_client_file().empty());
  EXPECT_FALSE(std::filesystem::exists(dir_ / "platform.oauth-client.json"));
  EXPECT_EQ(e.oauth_client(), (emulator::OAuthClientCredentials{"first", "first-secret"}));
  EXPECT_EQ(request_token("second", "second-secret").status, 200);
  EXPECT_EQ(request_token("second", "first-secret").status, 401);
}

TEST_F(OAuthConfiguredClients, EachClientHasItsOwnRateLimit) {
  start();
  const std::string first = token();
  EXPECT_EQ(with_bearer(first).status, 404);
  EXPECT_EQ(with_bearer(first).status, 404);
  auto limited = with_bearer(first);
  ASSERT_EQ(limited.status, 429) << limited.body;
  // 2 a minute: the next request is possible in 30 s (less the time these requests took).
  const std::string retry_after(limited.header("Retry-After").value_or(""));
  EXPECT_TRUE(retry_after == "30" || retry_after == "29") << retry_after;
  auto v = body_of(limited);
  EXPECT_EQ(v.at("code"), "too.many.requests.retry.after");
  EXPECT_EQ(v.at("status"), 429);
  EXPECT_EQ(v.at("message").as_string(),
            "Rate limit exceeded the maximum. Retry the request in [" + retry_after + "] seconds");
  // A token request is not an API call, and the other client has its own budget.
  auto second = body_of(request_token("second", "second-secret"));
  EXPECT_EQ(with_bearer(std::string(second.at("access_token").as_string())).status, 404);
}

TEST_F(OAuth, NeitherSecretsNorTokensAreLogged) {
  const auto log_path = dir_ / "emulator.log";
  std::FILE* log = std::fopen(log_path.c_str(), "w");
  ASSERT_NE(log, nullptr);
  options_.log = log;
  const auto client = start().oauth_client();
  const std::string token_value = token();
  http("GET", kMissing);
  request_token(client.client_id, client.client_secret + "x");
  with_bearer(token_value + "x");
  auto ws = open(guest_path());
  connect(*ws);
  ws.reset();
  emulator_.reset();
  std::fclose(log);
  const auto text = read_file(log_path);
  EXPECT_EQ(text.find(client.client_secret), std::string::npos);
  EXPECT_EQ(text.find(token_value), std::string::npos);
}

TEST(OAuthPieces, FormBodiesAreDecoded) {
  using emulator::parse_form;
  auto form = parse_form("a=1&b=x+y&c=%41%2b&&d&e=");
  ASSERT_TRUE(form);
  const std::vector<std::pair<std::string, std::string>> expected{
      {"a", "1"}, {"b", "x y"}, {"c", "A+"}, {"d", ""}, {"e", ""}};
  EXPECT_EQ(*form, expected);
  EXPECT_FALSE(parse_form("a=%4"));
  EXPECT_FALSE(parse_form("a=%zz"));
  EXPECT_FALSE(parse_form("a=%"));
  EXPECT_FALSE(parse_form("%g1=b"));
  // Only the escapes are checked: bytes a URL could not carry raw pass through, as in an
  // HTML form decoder; an empty name is a name.
  const std::vector<std::pair<std::string, std::string>> raw{{"n", "a b"}, {"u", "\xC3\xA9"}, {"", "x"}};
  EXPECT_EQ(parse_form("n=a b&u=\xC3\xA9&=x"), raw);
  EXPECT_EQ(emulator::query_of("/x?cursor=1&pageSize=2"), "cursor=1&pageSize=2");
  EXPECT_EQ(emulator::query_of("/x"), "");
}
