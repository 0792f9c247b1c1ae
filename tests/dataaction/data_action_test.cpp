// Data Action execution against a local service: the request its templates build, the
// response mapped to the output, and every way it can fail — including inputs that try
// to add a header or break the JSON body.
#include "tracechat/dataaction/data_action.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <mutex>
#include <thread>

#include "dataaction/json_path.h"
#include "tracechat/generators/data_action_export.h"
#include "tracechat/net/http_server.h"

namespace tracechat::dataaction {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

// A web service that answers with `reply` and remembers the request.
class Service {
 public:
  Service() : server_({}, [this](net::HttpRequest& r) { return handle(r); }) { EXPECT_TRUE(server_.start().ok()); }
  std::string url() const { return server_.url(); }
  net::HttpRequest last() {
    std::lock_guard lock(mutex_);
    return last_;
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  int status = 200;
  std::string reply = R"({"order":{"status":"shipped","items":[{"sku":"a"},{"sku":"b"}]}})";
  std::chrono::milliseconds delay{0};

 private:
  net::HttpResponse handle(net::HttpRequest& r) {
    {
      std::lock_guard lock(mutex_);
      last_ = r;
      ++requests_;
    }
    std::this_thread::sleep_for(delay);
    return net::json_response(status, reply);
  }
  std::mutex mutex_;
  net::HttpRequest last_;
  int requests_ = 0;
  net::HttpServer server_;
};

std::string action_json(const std::string& base, const std::string& request_extra = "",
                        const std::string& response = R"x("translationMap": {"status": "$.order.status",
                          "skus": "$.order.items[*].sku", "eta": "$.order.eta"},
                          "translationMapDefaults": {"eta": "\"unknown\""},
                          "successTemplate": "{\"status\": ${status}, \"skus\": ${skus}, \"eta\": ${eta}}")x",
                        const std::string& config_extra = "") {
  return R"x({"name": "Order lookup", "contract": {
      "input": {"inputSchema": {"type": "object", "required": ["otel_trace_id"],
                "properties": {"otel_trace_id": {"type": "string"}, "otel_span_id": {"type": "string"},
                               "orderId": {"type": "string"}, "qty": {"type": "integer"}}}},
      "output": {"successSchema": {"type": "object", "properties": {"status": {"type": "string"}}}}},
    "config": {)x" +
         config_extra + R"x("request": {"requestUrlTemplate": ")x" + base +
         R"x(/orders/$esc.url(${input.orderId})", "requestType": "POST",
      "headers": {"traceparent": "00-${input.otel_trace_id}-${input.otel_span_id}-01",
                  "Content-Type": "application/json"})x" +
         request_extra + R"x(},
      "response": {)x" +
         response + R"x(}}})x";
}

const json::object kInputs = json::parse(R"({"otel_trace_id": "4bf92f3577b34da6a3ce929d0e0e4736",
    "otel_span_id": "00f067aa0ba902b7", "orderId": "A 1", "qty": 2})")
                                 .as_object();

TEST(JsonPath, TheTranslationMapSubset) {
  const auto doc = json::parse(R"({"a":{"b":[{"c":1},{"c":2}],"k y":true}})");
  const auto find = [&](const char* p) { return json::serialize(JsonPath::parse(p)->find(doc)); };
  EXPECT_EQ(find("$.a.b[1].c"), "2");
  EXPECT_EQ(find("$['a']['k y']"), "true");
  EXPECT_EQ(find("$.a.b[*].c"), "[1,2]");
  EXPECT_EQ(find("$.a.missing"), "null");
  EXPECT_EQ(find("$"), json::serialize(doc));
  EXPECT_FALSE(JsonPath::parse("a.b").ok());
  EXPECT_EQ(JsonPath::parse("$.a[").error().message, "'$.a[' at 4: expected an index, a quoted name or *");
}

TEST(DataAction, BuildsTheRequestFromItsTemplatesAndMapsTheResponse) {
  Service service;
  auto action = DataAction::parse(action_json(service.url()));
  ASSERT_TRUE(action.ok()) << action.error().message;
  const auto result = action->execute(kInputs);
  ASSERT_TRUE(result.success) << result.error_code << ": " << result.message;
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.output_json, R"({"status":"shipped","skus":["a","b"],"eta":"unknown"})");
  const auto seen = service.last();
  EXPECT_EQ(seen.target, "/orders/A+1");
  EXPECT_EQ(std::string(seen.header("traceparent").value_or("")),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  // The default body: the inputs as JSON.
  EXPECT_EQ(json::parse(seen.body), json::value(kInputs));
}

TEST(DataAction, TheGeneratedActionRunsAndCarriesTheContext) {
  Service service;
  service.reply = R"({"status":"ok"})";
  auto text = generators::export_data_action({"Notify", service.url() + "/notify", "POST", {}, {"status"}});
  ASSERT_TRUE(text.ok());
  auto action = DataAction::parse(*text);
  ASSERT_TRUE(action.ok()) << action.error().message;
  const auto result = action->execute(kInputs);
  ASSERT_TRUE(result.success) << result.message;
  EXPECT_EQ(result.output_json, R"({"status":"ok"})");
  EXPECT_EQ(std::string(service.last().header("traceparent").value_or("")),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(std::string(service.last().header("x-tracechat-action").value_or("")), "Notify");
}

// A header is a fixed entry of the action, so an optional input's header has no other way
// to be left out: one that renders to nothing is not sent (W3C: a tracestate header
// SHOULD not be sent empty). One that renders to something is sent as it is.
TEST(DataAction, AHeaderThatRendersEmptyIsNotSent) {
  Service service;
  auto definition = json::parse(action_json(service.url()));
  auto& headers = definition.at("config").at("request").at("headers").as_object();
  headers["tracestate"] = "$!esc.jsonString(${input.tracestate})";
  headers["X-Empty"] = "";
  headers["X-Kept"] = "k";
  auto action = DataAction::parse(json::serialize(definition));
  ASSERT_TRUE(action.ok()) << action.error().message;
  ASSERT_TRUE(action->execute(kInputs).success);
  auto seen = service.last();
  EXPECT_FALSE(seen.header("tracestate")) << "not sent empty";
  EXPECT_FALSE(seen.header("X-Empty"));
  EXPECT_EQ(std::string(seen.header("X-Kept").value_or("")), "k");

  auto with_state = kInputs;
  with_state["tracestate"] = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
  ASSERT_TRUE(action->execute(with_state).success);
  seen = service.last();
  EXPECT_EQ(std::string(seen.header("tracestate").value_or("")), "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
}

TEST(DataAction, InputsCannotInjectAHeaderOrBreakTheBody) {
  Service service;
  auto action =
      DataAction::parse(action_json(service.url(), R"x(, "requestTemplate": "{\"orderId\": \"${input.orderId}\"}")x"));
  ASSERT_TRUE(action.ok()) << action.error().message;
  auto hostile = kInputs;
  hostile["otel_span_id"] = "00f067aa0ba902b7\r\nX-Admin: true";
  auto r = action->execute(hostile);
  EXPECT_FALSE(r.success);
  EXPECT_EQ(r.error_code, "template");
  EXPECT_EQ(r.message, "header 'traceparent': the rendered value contains a control character");
  // Every control character but tab (RFC 9110 §5.5), not only CR and LF.
  for (const std::string& control : {std::string("\n"), std::string(1, '\0'), std::string("\x0b"), std::string("\x0c"),
                                     std::string("\x1b[2J"), std::string("\x7f")}) {
    hostile["otel_span_id"] = "00f067aa0ba902b7" + control;
    r = action->execute(hostile);
    EXPECT_EQ(r.error_code, "template") << int(control[0]);
    EXPECT_EQ(r.message, "header 'traceparent': the rendered value contains a control character") << int(control[0]);
  }
  EXPECT_EQ(service.requests(), 0) << "nothing reached the service";
  // A quote in a value inside a JSON string of the template is escaped, even without
  // $esc.jsonString: the value stays one string and adds no field.
  hostile = kInputs;
  hostile["orderId"] = R"x(A1", "admin": true, "x": ")x";
  r = action->execute(hostile);
  ASSERT_TRUE(r.success) << r.message;
  const auto body = json::parse(service.last().body).as_object();
  EXPECT_EQ(body.size(), 1u) << service.last().body;
  EXPECT_EQ(body.at("orderId"), R"x(A1", "admin": true, "x": ")x");
  // Outside a string, a value must be one JSON value by itself.
  auto bare = DataAction::parse(action_json(service.url(), R"x(, "requestTemplate": "{\"qty\": ${input.orderId}}")x"));
  ASSERT_TRUE(bare.ok()) << bare.error().message;
  hostile["orderId"] = "1, \"admin\": true";
  r = bare->execute(hostile);
  EXPECT_EQ(r.error_code, "template");
  EXPECT_EQ(r.message,
            "requestTemplate: ${input.orderId} is not a JSON value where the template puts it; quote it or use "
            "$esc.jsonString");
  hostile["orderId"] = "12";
  EXPECT_TRUE(bare->execute(hostile).success);
}

std::string action_with_url(const std::string& url_template) {
  return R"({"name": "u", "config": {"request": {"requestUrlTemplate": ")" + url_template +
         R"(", "requestType": "GET"}}})";
}

// Inputs (attributes a guest can set) may land in the path, query or fragment only:
// never in the scheme or host, never as an absolute-form target, never climbing.
TEST(DataAction, AnInputCannotChooseWhereTheRequestGoes) {
  Service service;
  service.reply = "{}";
  auto action = DataAction::parse(action_with_url(service.url() + "${input.x}"));
  ASSERT_TRUE(action.ok()) << action.error().message;
  const auto run = [&](const std::string& x) { return action->execute(json::object{{"x", x}}); };

  for (const char* hostile :
       {"http://evil.example/x", "@evil.example/x", ".evil.example/x", "0/x", ":1/x", "../../admin", "a&role=admin",
        "/a/../../admin", "/%2e%2e/admin", "/%2E./admin", "/./x", "/x y", "/x\x1b"}) {
    const auto r = run(hostile);
    EXPECT_FALSE(r.success) << hostile;
    EXPECT_EQ(r.error_code, "template") << hostile;
    EXPECT_EQ(r.message.rfind("requestUrlTemplate renders to a URL that is refused: ", 0), 0u) << hostile;
  }
  EXPECT_EQ(service.requests(), 0) << "nothing reached the service";

  ASSERT_TRUE(run("/orders/1?x=2#frag").success);
  EXPECT_EQ(service.last().target, "/orders/1?x=2");  // the fragment is never sent
  ASSERT_TRUE(run("?q=1").success);
  EXPECT_EQ(service.last().target, "/?q=1");
  ASSERT_TRUE(run("/a..b/...").success);  // dots that are not dot-segments
  EXPECT_EQ(service.last().target, "/a..b/...");
}

TEST(DataAction, TheUrlTemplateMustNameItsSchemeAndHostLiterally) {
  for (const char* url :
       {"${input.base}/x", "https://${input.host}/x", "http://", "#if($input.a)http://a/#end", "ftp://host/x"}) {
    auto parsed = DataAction::parse(action_with_url(url));
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.error().message,
              "config.request.requestUrlTemplate: must start with a literal http:// or https:// and host; an input "
              "may fill only the path, query or fragment")
        << url;
  }
  EXPECT_TRUE(DataAction::parse(action_with_url("https://api.example.com${input.path}")).ok());
  EXPECT_TRUE(DataAction::parse(action_with_url("HTTPS://api.example.com:8443/a/${input.path}")).ok());
}

TEST(DataAction, ContractsTimeoutsAndServiceFailuresAreFailureResults) {
  Service service;
  auto action = DataAction::parse(action_json(service.url()));
  ASSERT_TRUE(action.ok());
  json::object missing = kInputs;
  missing.erase("otel_trace_id");
  auto r = action->execute(missing);
  EXPECT_EQ(r.error_code, "bad.request");
  EXPECT_EQ(r.message, "input 'otel_trace_id' is required");
  json::object wrong = kInputs;
  wrong["qty"] = "two";
  EXPECT_EQ(action->execute(wrong).message, "input 'qty' should be integer, not string");

  service.status = 404;
  service.reply = R"({"message":"no such order"})";
  r = action->execute(kInputs);
  EXPECT_EQ(r.error_code, "upstream");
  EXPECT_EQ(r.status, 404);
  EXPECT_NE(r.message.find("no such order"), std::string::npos);

  service.status = 200;
  service.reply = R"({"order":{}})";
  r = action->execute(kInputs);
  EXPECT_EQ(r.error_code, "response");
  EXPECT_EQ(r.message, "translationMap 'status': $.order.status found nothing and there is no default");

  service.reply = R"({"order":{"status":7,"items":[]}})";
  r = action->execute(kInputs);
  EXPECT_EQ(r.error_code, "output");
  EXPECT_EQ(r.message, "output 'status' should be string, not integer");

  service.reply = R"({"order":{"status":"late","items":[]}})";
  service.delay = 1500ms;
  auto slow =
      DataAction::parse(action_json(service.url(), "", R"x("translationMap": {})x", R"x("timeoutSeconds": 1, )x"));
  ASSERT_TRUE(slow.ok()) << slow.error().message;
  r = slow->execute(kInputs);
  EXPECT_EQ(r.error_code, "timeout");
  EXPECT_EQ(r.message, "the service did not answer within 1000 ms");
}

TEST(DataAction, DefinitionErrorsNameThePath) {
  const auto error = [](const std::string& text) {
    auto a = DataAction::parse(text);
    return a ? std::string("(parsed)") : a.error().message;
  };
  EXPECT_EQ(error("[]"), "a Data Action must be a JSON object");
  EXPECT_EQ(error(R"({"config":{}})"), "name: a non-empty string is required");
  EXPECT_EQ(error(R"({"name":"a","config":{"request":{}}})"),
            "config.request.requestUrlTemplate: a string is required");
  EXPECT_EQ(error(R"({"name":"a","config":{"request":{"requestUrlTemplate":"https://x","headers":{"h":"${x"}}}})"),
            "config.request.headers.h: line 1, column 1: ${ without }");
  EXPECT_EQ(error(R"({"name":"a","config":{"request":{"requestUrlTemplate":"https://x","requestType":"TRACE"}}})"),
            "config.request.requestType: GET, POST, PUT, PATCH or DELETE, not TRACE");
  EXPECT_EQ(error(R"({"name":"a","config":{"timeoutSeconds":90,"request":{"requestUrlTemplate":"https://x"}}})"),
            "config.timeoutSeconds: a number from 1 to 60");
  EXPECT_EQ(
      error(
          R"({"name":"a","config":{"request":{"requestUrlTemplate":"https://x"},"response":{"translationMap":{"s":"x"}}}})"),
      "config.response.translationMap.s: 'x': a JSONPath starts with $");
  // A member of the wrong type is an error naming it, not a silent default.
  EXPECT_EQ(error(R"({"name":"a","config":{"request":{"requestUrlTemplate":"https://x"},"response":"x"}})"),
            "config.response: expected object");
  EXPECT_EQ(error(R"({"name":"a","config":{"timeoutSeconds":"5","request":{"requestUrlTemplate":"https://x"}}})"),
            "config.timeoutSeconds: expected number");
  EXPECT_EQ(
      error(
          R"({"name":"a","contract":{"input":{"inputSchema":[]}},"config":{"request":{"requestUrlTemplate":"https://x"}}})"),
      "contract.input.inputSchema: expected object");
  EXPECT_EQ(error(R"({"name":"a","config":{"request":{"requestUrlTemplate":"https://x","headers":{"h":1}}}})"),
            "config.request.headers.h: a string is required");
}

}  // namespace
}  // namespace tracechat::dataaction
