// The generated Data Action: the JSON the Admin UI imports, whose templates, run by our
// Velocity engine, give the bridge the chat's traceparent (with its flags) and tracestate.
#include "tracechat/generators/data_action_export.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tracechat/dataaction/data_action.h"
#include "tracechat/dataaction/velocity.h"

namespace tracechat::generators {
namespace {

namespace json = boost::json;

ExportOptions options(std::string name, std::string url, std::string method, std::vector<std::string> inputs = {},
                      std::vector<std::string> outputs = {}) {
  ExportOptions o;
  o.name = std::move(name);
  o.url = std::move(url);
  o.method = std::move(method);
  o.inputs = std::move(inputs);
  o.outputs = std::move(outputs);
  return o;
}

std::string render(const json::value& template_text, const json::object& context) {
  auto t = dataaction::VelocityTemplate::parse(template_text.as_string());
  EXPECT_TRUE(t.ok()) << (t.ok() ? "" : t.error().message);
  return t.ok() ? t->render(context) : "";
}

TEST(DataActionExport, CarriesTheTraceContextInATemplatedHeader) {
  ExportOptions o;
  o.name = "Order lookup";
  o.url = "https://api.example.com/orders/$esc.url(${input.orderId})";
  o.method = "GET";
  o.inputs = {"orderId"};
  o.outputs = {"status"};
  auto text = export_data_action(o);
  ASSERT_TRUE(text.ok()) << text.error().message;
  const auto action = json::parse(*text).as_object();
  EXPECT_EQ(action.at("name"), "Order lookup");
  const auto& input = action.at("contract").at("input").at("inputSchema");
  EXPECT_EQ(input.at("required"), (json::array{"otel_trace_id", "otel_span_id"}));
  EXPECT_TRUE(input.at("properties").as_object().contains("orderId"));
  const auto& request = action.at("config").at("request");
  EXPECT_EQ(request.at("requestType"), "GET");
  EXPECT_FALSE(request.as_object().contains("requestTemplate")) << "GET has no body";

  const auto inputs = json::parse(R"({"input":{"otel_trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",
                                     "otel_span_id":"00f067aa0ba902b7","orderId":"A 1"}})")
                          .as_object();
  EXPECT_EQ(render(request.at("headers").at("traceparent"), inputs),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(render(request.at("headers").at("x-tracechat-action"), inputs), "Order lookup");
  EXPECT_EQ(render(request.at("requestUrlTemplate"), inputs), "https://api.example.com/orders/A+1");
  // An input that tries to end the header stays inside it, encoded.
  auto hostile = inputs;
  hostile["input"].as_object()["otel_span_id"] = "x\r\nX-Admin: true";
  const auto header = render(request.at("headers").at("traceparent"), hostile);
  EXPECT_EQ(header.find_first_of("\r\n"), std::string::npos) << header;
  // No tracestate input: the header renders empty, and an empty header is not sent.
  EXPECT_EQ(render(request.at("headers").at("tracestate"), inputs), "");

  const auto& response = action.at("config").at("response");
  EXPECT_EQ(response.at("translationMap").at("status"), "$.status");
  EXPECT_EQ(render(response.at("successTemplate"), json::parse(R"({"status":"\"shipped\""})").as_object()),
            R"({"status": "shipped"})");
}

// The conversation id rides in its own header, from an input a flow may leave unbound.
TEST(DataActionExport, SendsTheConversationIdFromAnOptionalInput) {
  auto text = export_data_action(options("Order lookup", "https://api.example.com/orders", "GET"));
  ASSERT_TRUE(text.ok()) << text.error().message;
  const auto action = json::parse(*text).as_object();
  const auto& input = action.at("contract").at("input").at("inputSchema");
  EXPECT_EQ(input.at("properties").at("conversationId").at("type"), "string");
  EXPECT_EQ(input.at("required"), (json::array{"otel_trace_id", "otel_span_id"})) << "an old flow still works";
  const auto& header = action.at("config").at("request").at("headers").at("X-Conversation-Id");

  const auto with = [](const char* value_json) {
    return json::parse(std::string(R"({"input":{"otel_trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",
                                      "otel_span_id":"00f067aa0ba902b7")") +
                       (value_json != nullptr ? std::string(R"(,"conversationId":)") + value_json : "") + "}}")
        .as_object();
  };
  EXPECT_EQ(render(header, with(R"("3f9c2a1e-8d2b-4c1a-9b7e-5a6d4c3b2a10")")), "3f9c2a1e-8d2b-4c1a-9b7e-5a6d4c3b2a10");
  // Not bound, or bound to nothing: empty, never the reference's own text.
  EXPECT_EQ(render(header, with(nullptr)), "");
  EXPECT_EQ(render(header, with("null")), "");
  // A value that tries to end the header stays inside it, encoded.
  const auto hostile = render(header, with(R"("x\r\nX-Admin: true")"));
  EXPECT_EQ(hostile.find_first_of("\r\n"), std::string::npos) << hostile;
  EXPECT_EQ(hostile, "x%0D%0AX-Admin%3A+true");

  auto twice = options("a", "https://x", "GET", {"conversationId"});
  EXPECT_EQ(export_data_action(twice).error().message, "input 'conversationId': given twice");
}

// The chat's whole traceparent, when the flow binds it, carries its trace flags (the
// sampling decision, the random-trace-id flag) that a header rebuilt from the ids loses;
// the tracestate goes in its own header, kept as it is.
TEST(DataActionExport, CarriesTheChatsFlagsAndTracestateFromOptionalInputs) {
  auto text = export_data_action(options("Order lookup", "https://api.example.com/orders", "GET"));
  ASSERT_TRUE(text.ok()) << text.error().message;
  const auto action = json::parse(*text).as_object();
  const auto& input = action.at("contract").at("input").at("inputSchema");
  EXPECT_EQ(input.at("properties").at("traceparent").at("type"), "string");
  EXPECT_EQ(input.at("properties").at("tracestate").at("type"), "string");
  EXPECT_EQ(input.at("required"), (json::array{"otel_trace_id", "otel_span_id"})) << "an old flow still works";
  const auto& headers = action.at("config").at("request").at("headers");

  const auto with = [](const json::object& extra) {
    json::object in{{"otel_trace_id", "4bf92f3577b34da6a3ce929d0e0e4736"}, {"otel_span_id", "00f067aa0ba902b7"}};
    for (const auto& [k, v] : extra) in[k] = v;
    return json::object{{"input", std::move(in)}};
  };
  const std::string not_sampled_random = "00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-02";
  EXPECT_EQ(render(headers.at("traceparent"), with({{"traceparent", not_sampled_random}})), not_sampled_random);
  // Not bound, null or empty: built from the ids, flags 01, as an action exported before.
  for (const auto& unbound :
       {json::object{}, json::object{{"traceparent", nullptr}}, json::object{{"traceparent", ""}}}) {
    EXPECT_EQ(render(headers.at("traceparent"), with(unbound)),
              "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  }
  // A value that tries to end the header stays inside it, encoded.
  const auto hostile_parent = render(headers.at("traceparent"), with({{"traceparent", "00-x\r\nX-Admin: true"}}));
  EXPECT_EQ(hostile_parent, "00-x%0D%0AX-Admin%3A+true");

  // A tracestate keeps its '=', ',' and spaces: $esc.url would have broken it.
  const std::string state = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE,a@b=x y/z";
  EXPECT_EQ(render(headers.at("tracestate"), with({{"tracestate", state}})), state);
  EXPECT_EQ(render(headers.at("tracestate"), with({{"tracestate", nullptr}})), "");
  // CR, LF, tab, DEL and the other control characters become printable escapes: no value
  // can end the header, add one, or make the request refuse it.
  const auto hostile_state = render(headers.at("tracestate"), with({{"tracestate", "a=1\r\nX-Admin: true\t\x7f\x01"}}));
  EXPECT_EQ(hostile_state, "a=1\\r\\nX-Admin: true\\t\\u007f\\u0001");

  auto twice = options("a", "https://x", "GET", {"tracestate"});
  EXPECT_EQ(export_data_action(twice).error().message, "input 'tracestate': given twice");
}

TEST(DataActionExport, PostSendsTheInputsAsTheBody) {
  auto text = export_data_action(options("Notify", "https://hooks.example.com/notify", "POST"));
  ASSERT_TRUE(text.ok());
  const auto action = json::parse(*text);
  EXPECT_EQ(action.at("config").at("request").at("requestTemplate"), "${input.rawRequest}");
  EXPECT_EQ(action.at("config").at("response").at("successTemplate"), "${rawResult}");
}

TEST(DataActionExport, BadOptionsAreRefused) {
  const auto error = [](ExportOptions o) {
    auto r = export_data_action(o);
    return r ? std::string("(generated)") : r.error().message;
  };
  EXPECT_EQ(error(options("", "https://x", "POST")), "name: must not be empty");
  EXPECT_EQ(error(options("a\nX-Admin: true", "https://x", "POST")),
            "name: contains a control character (U+000A); it must be one line of text");
  EXPECT_EQ(error(options("a\xc2\x85", "https://x", "POST")),
            "name: contains a control character (U+0085); it must be one line of text");
  EXPECT_EQ(error(options("a\xff", "https://x", "POST")), "name: is not valid UTF-8");
  EXPECT_EQ(error(options(std::string(257, 'n'), "https://x", "POST")), "name: longer than 256 characters");
  EXPECT_EQ(error(options("a", "ftp://x", "POST")), "url: must start with https:// (or http:// for a test service)");
  EXPECT_EQ(error(options("a", "https://x/a b", "POST")), "url: must not contain a space; percent-encode it (%20)");
  EXPECT_EQ(error(options("a", "https://x/\r\nHost: evil", "POST")),
            "url: contains a control character (U+000D); it must be one line of text");
  // The scheme and host must be literal text, as DataAction::parse requires of what it loads.
  EXPECT_EQ(error(options("a", "https://${input.host}/x", "GET", {"host"})),
            "url: must start with a literal http:// or https:// and host; an input may fill only the path, query or "
            "fragment");
  EXPECT_EQ(error(options("a", "https://x", "TRACE")), "method: must be GET, POST, PUT, PATCH or DELETE, not TRACE");
  EXPECT_EQ(error(options("a", "https://x/${input.id", "GET")), "url: line 1, column 11: ${ without }");
  EXPECT_EQ(error(options("a", "https://x", "GET", {"bad-name"})), "input 'bad-name': use letters, digits and _");
  EXPECT_EQ(error(options("a", "https://x", "GET", {"otel_trace_id"})), "input 'otel_trace_id': given twice");
  EXPECT_EQ(error(options("a", "https://x", "GET", {}, {"a.b"})), "output 'a.b': use letters, digits and _");
  auto slow = options("a", "https://x", "GET");
  slow.timeout_seconds = 61;
  EXPECT_EQ(error(slow), "timeout: must be from 1 to 60 seconds, not 61");
  slow.timeout_seconds = 0;
  EXPECT_EQ(error(slow), "timeout: must be from 1 to 60 seconds, not 0");
}

// The JSON the Admin UI imports (genesys-platform-api.md): no category and no integration
// id, which are chosen at import; the timeout where the emulator reads it.
TEST(DataActionExport, WritesTheAdminImportShape) {
  auto text = export_data_action(options("Order lookup", "https://api.example.com/orders", "POST", {}, {"status"}));
  ASSERT_TRUE(text.ok()) << text.error().message;
  const auto action = json::parse(*text).as_object();
  std::vector<std::string> keys;
  for (const auto& [key, value] : action) keys.emplace_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"name", "integrationType", "actionType", "config", "contract", "secure"}));
  EXPECT_EQ(action.at("integrationType"), "custom-rest-actions");
  EXPECT_EQ(action.at("actionType"), "custom");
  EXPECT_EQ(action.at("secure"), false);
  EXPECT_EQ(action.at("config").at("timeoutSeconds"), 60) << "Genesys's default, written out";
  auto quick = options("Order lookup", "https://api.example.com/orders", "POST");
  quick.timeout_seconds = 5;
  auto loaded = dataaction::DataAction::parse(*export_data_action(quick));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->timeout(), std::chrono::seconds(5));
}

// The name is the user's text in the x-tracechat-action header's template: whatever it
// holds, it renders as itself, never as a reference or a directive.
TEST(DataActionExport, TheActionsNameRendersAsItselfInItsHeader) {
  const auto inputs = json::parse(R"({"input":{"otel_trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",
                                     "otel_span_id":"00f067aa0ba902b7"}})")
                          .as_object();
  for (const std::string name :
       {"Order lookup", "$input.otel_trace_id", "${input.otel_span_id} #if(true)yes#end", "#set($x = 1)$x",
        "a]]#b ]]]#c #[[d]]#", "\\$input.x \\# \\", "Lookup #2 ($5) ## not a comment", "#* not *# a comment",
        "\u00e9t\u00e9 \u2014 \u6ce8\u6587 \U0001F600"}) {
    auto text = export_data_action(options(name, "https://api.example.com/orders", "GET"));
    ASSERT_TRUE(text.ok()) << name << ": " << text.error().message;
    const auto action = json::parse(*text);
    EXPECT_EQ(action.at("name"), name.c_str());
    EXPECT_EQ(render(action.at("config").at("request").at("headers").at("x-tracechat-action"), inputs), name);
  }
}

}  // namespace
}  // namespace tracechat::generators
