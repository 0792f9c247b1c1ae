// The generated Data Action: importable JSON whose templates, run by our Velocity
// engine, give the bridge the chat's traceparent (with its flags) and tracestate.
#include "tracechat/generators/data_action_export.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tracechat/dataaction/velocity.h"

namespace tracechat::generators {
namespace {

namespace json = boost::json;

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
  auto text = export_data_action({"Order lookup", "https://api.example.com/orders", "GET", "Tracing", {}, {}});
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

  ExportOptions twice{"a", "https://x", "GET", "T", {"conversationId"}, {}};
  EXPECT_EQ(export_data_action(twice).error().message, "input 'conversationId': given twice");
}

// The chat's whole traceparent, when the flow binds it, carries its trace flags (the
// sampling decision, the random-trace-id flag) that a header rebuilt from the ids loses;
// the tracestate goes in its own header, kept as it is.
TEST(DataActionExport, CarriesTheChatsFlagsAndTracestateFromOptionalInputs) {
  auto text = export_data_action({"Order lookup", "https://api.example.com/orders", "GET", "Tracing", {}, {}});
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

  ExportOptions twice{"a", "https://x", "GET", "T", {"tracestate"}, {}};
  EXPECT_EQ(export_data_action(twice).error().message, "input 'tracestate': given twice");
}

TEST(DataActionExport, PostSendsTheInputsAsTheBody) {
  auto text = export_data_action({"Notify", "https://hooks.example.com/notify", "POST", "Tracing", {}, {}});
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
  EXPECT_EQ(error({"", "https://x", "POST", "T", {}, {}}), "name: must not be empty");
  EXPECT_EQ(error({"a", "ftp://x", "POST", "T", {}, {}}),
            "url: must start with https:// (or http:// for a test service)");
  EXPECT_EQ(error({"a", "https://x", "TRACE", "T", {}, {}}),
            "method: must be GET, POST, PUT, PATCH or DELETE, not TRACE");
  EXPECT_EQ(error({"a", "https://x/${input.id", "GET", "T", {}, {}}), "url: line 1, column 11: ${ without }");
  EXPECT_EQ(error({"a", "https://x", "GET", "T", {"bad-name"}, {}}), "input 'bad-name': use letters, digits and _");
  EXPECT_EQ(error({"a", "https://x", "GET", "T", {"otel_trace_id"}, {}}), "input 'otel_trace_id': given twice");
}

}  // namespace
}  // namespace tracechat::generators
