// The REST endpoints: conversations, participant attributes, the analytics details query,
// message details.
#include "emulator/rest_api.h"

#include <tuple>

#include "emulator_fixture.h"

using namespace tracechat::testing;
namespace json = boost::json;

namespace {

std::string str(const json::value& v, const char* key) {
  if (!v.is_object() || !v.as_object().contains(key) || !v.at(key).is_string()) return "<missing>";
  return std::string(v.at(key).as_string());
}

const char* kQueryPath = "/api/v2/analytics/conversations/details/query";

class RestApi : public EmulatorTest {
 protected:
  // A conversation with otel_trace_id set through guest-chat; returns its `connected` reply.
  json::value conversation_with_trace(RawWsClient& ws, const std::string& trace_id) {
    auto connected = connect(ws);
    ws.send_json({{"command", "set-attributes"}, {"requestId", "a"}, {"attributes", {{"otel_trace_id", trace_id}}}});
    ws.read_until_type("attributes-updated");
    return connected;
  }
};

}  // namespace

TEST_F(RestApi, GetConversationShowsParticipantsAndAttributes) {
  auto ws = open(guest_path());
  auto connected = conversation_with_trace(*ws, "4bf92f3577b34da6a3ce929d0e0e4736");
  auto c = http_json("GET", "/api/v2/conversations/" + str(connected, "conversationId"));
  EXPECT_EQ(str(c, "id"), str(connected, "conversationId"));
  ASSERT_EQ(c.at("participants").as_array().size(), 2u);
  const auto& customer = c.at("participants").at(0);
  EXPECT_EQ(str(customer, "id"), str(connected, "memberId"));
  EXPECT_EQ(str(customer, "purpose"), "customer");
  EXPECT_EQ(str(customer, "name"), "Ada");
  EXPECT_EQ(str(customer.at("attributes"), "otel_trace_id"), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(str(c.at("participants").at(1), "purpose"), "agent");
  auto missing = http_json("GET", "/api/v2/conversations/00000000-0000-4000-8000-000000000000", "", 404);
  EXPECT_EQ(missing.at("status"), 404);
  EXPECT_EQ(str(missing, "code"), "not.found");
  EXPECT_EQ(http("DELETE", "/api/v2/conversations/" + str(connected, "conversationId")).status, 405);
}

TEST_F(RestApi, PatchAttributesAppliesTheSameRulesAndNotifiesTheGuest) {
  auto ws = open(guest_path());
  auto connected = connect(*ws);
  const std::string base = "/api/v2/conversations/" + str(connected, "conversationId") + "/participants/";
  auto ok = http_json("PATCH", base + str(connected, "memberId") + "/attributes",
                      R"({"attributes":{"order":"A-1","long":")" + std::string(300, 'z') + "\"}}");
  EXPECT_EQ(str(ok.at("attributes"), "order"), "A-1");
  EXPECT_EQ(str(ok.at("attributes"), "long").size(), 256u);
  EXPECT_EQ(json::serialize(ok.at("truncated")), R"(["long"])");
  auto event = ws->read_until_type("attributes-updated");
  EXPECT_EQ(str(event.at("attributes"), "order"), "A-1");

  EXPECT_EQ(
      http("PATCH", base + str(connected, "memberId") + "/attributes", R"({"attributes":{"bad key":"x"}})").status,
      400);
  EXPECT_EQ(http("PATCH", base + str(connected, "memberId") + "/attributes", R"({"attributes":{"n":1}})").status, 400);
  EXPECT_EQ(http("PATCH", base + str(connected, "memberId") + "/attributes", "not json").status, 400);
  std::string big = R"({"attributes":{)";
  for (int i = 0; i < 9; ++i)
    big += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":\"" + std::string(250, 'x') + "\"";
  big += "}}";
  EXPECT_EQ(http("PATCH", base + str(connected, "memberId") + "/attributes", big).status, 413);
  EXPECT_EQ(http("PATCH", base + "00000000-0000-4000-8000-000000000000/attributes", R"({"attributes":{}})").status,
            404);
  auto after = http_json("GET", "/api/v2/conversations/" + str(connected, "conversationId"));
  EXPECT_EQ(after.at("participants").at(0).at("attributes").as_object().size(), 2u);
}

TEST_F(RestApi, DetailsQueryIgnoresAttributesButMatchesDimensionsAndPages) {
  auto a = open(guest_path());
  auto b = open(guest_path(kOtherGuest));
  auto first = conversation_with_trace(*a, "11111111111111111111111111111111");
  auto second = conversation_with_trace(*b, "22222222222222222222222222222222");
  const std::string everything = R"("interval":"2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z")";

  auto by_trace = http_json(
      "POST", kQueryPath,
      "{" + everything +
          R"(,"segmentFilters":[{"type":"or","predicates":[{"type":"property","propertyType":"string","property":"otel_trace_id","operator":"matches","value":"22222222222222222222222222222222"}]}]})");
  // As live tests report of the platform: a property predicate on a custom participant
  // attribute matches nothing in the synchronous query.
  EXPECT_EQ(by_trace.at("totalHits"), 0);
  EXPECT_FALSE(by_trace.as_object().contains("conversations"));

  auto by_id =
      http_json("POST", kQueryPath,
                "{" + everything +
                    R"(,"conversationFilters":[{"type":"and","predicates":[{"dimension":"conversationId","value":")" +
                    str(first, "conversationId") + "\"}]}]}");
  ASSERT_EQ(by_id.at("totalHits"), 1);
  const auto& hit = by_id.at("conversations").at(0);
  EXPECT_EQ(str(hit, "conversationId"), str(first, "conversationId"));
  EXPECT_EQ(str(hit.at("participants").at(0), "purpose"), "customer");
  // The platform's answer carries no attributes (the SDK's model is "...WithoutAttributes").
  for (const auto& p : hit.at("participants").as_array()) EXPECT_FALSE(p.as_object().contains("attributes")) << p;

  auto all = http_json("POST", kQueryPath, "{" + everything + "}");
  EXPECT_EQ(all.at("totalHits"), 2);
  auto page = http_json("POST", kQueryPath, "{" + everything + R"(,"paging":{"pageSize":1,"pageNumber":2}})");
  EXPECT_EQ(page.at("conversations").as_array().size(), 1u);
  // A page past the end is empty, and so is one whose offset would overflow 64 bits
  // ((2^62 + 1 - 1) * 100): it must not wrap around to page 1.
  for (const char* paging : {R"({"pageSize":1,"pageNumber":3})", R"({"pageSize":100,"pageNumber":4611686018427387905})",
                             R"({"pageSize":2,"pageNumber":9223372036854775807})"}) {
    auto beyond = http_json("POST", kQueryPath, "{" + everything + R"(,"paging":)" + paging + "}");
    EXPECT_EQ(beyond.at("totalHits"), 2) << paging;
    EXPECT_FALSE(beyond.as_object().contains("conversations")) << paging;
  }
  auto past = http_json("POST", kQueryPath, R"({"interval":"2001-01-01T00:00:00Z/2001-01-02T00:00:00Z"})");
  EXPECT_EQ(past.at("totalHits"), 0);
  EXPECT_FALSE(past.as_object().contains("conversations"));
}

class RestApiPropertiesMatch : public RestApi {
  void configure(tracechat::emulator::EmulatorOptions& o) override {
    o.config.analytics.property_predicates_match = true;
  }
};

TEST_F(RestApiPropertiesMatch, PropertyPredicatesMatchAttributesWhenConfiguredToButTheAnswerStillHasNone) {
  auto a = open(guest_path());
  auto b = open(guest_path(kOtherGuest));
  conversation_with_trace(*a, "11111111111111111111111111111111");
  auto second = conversation_with_trace(*b, "22222222222222222222222222222222");
  auto by_trace = http_json(
      "POST", kQueryPath,
      R"({"interval":"2000-01-01T00:00:00.000Z/2100-01-01T00:00:00.000Z","segmentFilters":[{"type":"or","predicates":[{"type":"property","property":"otel_trace_id","value":"22222222222222222222222222222222"}]}]})");
  ASSERT_EQ(by_trace.at("totalHits"), 1);
  const auto& hit = by_trace.at("conversations").at(0);
  EXPECT_EQ(str(hit, "conversationId"), str(second, "conversationId"));
  EXPECT_FALSE(hit.at("participants").at(0).as_object().contains("attributes"));
}

TEST_F(RestApi, DetailsQueryRejectsBadQueriesClearly) {
  const auto message = [&](const std::string& body) {
    auto r = http("POST", kQueryPath, body);
    EXPECT_EQ(r.status, 400) << body;
    return str(json::parse(r.body), "message");
  };
  EXPECT_EQ(message("{}"), "interval: required");
  EXPECT_NE(message(R"({"interval":"yesterday"})").find("interval"), std::string::npos);
  EXPECT_NE(message(R"({"interval":"2002-01-01T00:00:00Z/2001-01-01T00:00:00Z"})").find("interval"), std::string::npos);
  EXPECT_EQ(
      message(
          R"({"interval":"2001-01-01T00:00:00Z/2002-01-01T00:00:00Z","segmentFilters":[{"predicates":[{"dimension":"wrapUpCode","value":"x"}]}]})"),
      "segmentFilters[0].predicates[0].dimension: unsupported dimension 'wrapUpCode'");
  EXPECT_EQ(
      message(
          R"({"interval":"2001-01-01T00:00:00Z/2002-01-01T00:00:00Z","segmentFilters":[{"predicates":[{"type":"property","property":"k","value":"v","operator":"exists"}]}]})"),
      "segmentFilters[0].predicates[0].operator: only matches is supported");
  EXPECT_NE(message("nope").find("request body"), std::string::npos);
  EXPECT_EQ(http("GET", kQueryPath).status, 405);
}

TEST_F(RestApi, AWrongMethodIs405WithTheAllowedMethods) {
  auto ws = open(guest_path());
  auto connected = connect(*ws);
  const std::string conversation = "/api/v2/conversations/" + str(connected, "conversationId");
  const std::string jobs = "/api/v2/analytics/conversations/details/jobs";
  const std::string job = jobs + "/00000000-0000-4000-8000-000000000000";
  for (const auto& [method, path, allow] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"GET", kQueryPath, "POST"},
           {"DELETE", conversation, "GET"},
           {"GET", conversation + "/participants/" + str(connected, "memberId") + "/attributes", "PATCH"},
           {"POST", "/api/v2/conversations/messages/m-1/details", "GET"},
           {"GET", jobs, "POST"},
           {"POST", jobs + "/availability", "GET"},
           {"POST", job, "GET, DELETE"},
           {"DELETE", job + "/results", "GET"}}) {
    auto r = http(method, path);
    EXPECT_EQ(r.status, 405) << method << " " << path;
    EXPECT_EQ(r.header("Allow").value_or("<none>"), allow) << method << " " << path;
    EXPECT_EQ(str(json::parse(r.body), "code"), "method.not.allowed") << method << " " << path;
  }
  auto token = http_raw("GET", "/oauth/token");
  EXPECT_EQ(token.status, 405);
  EXPECT_EQ(token.header("Allow").value_or("<none>"), "POST");
}
