#include "tracechat/generators/flow_snippet.h"

#include <boost/json.hpp>

#include "tracechat/dataaction/velocity.h"

namespace tracechat::generators {
namespace json = boost::json;

namespace {
Result<void> check(const FlowSnippetOptions& o) {
  if (o.action.empty()) return Error{"action: the Data Action's name is required"};
  if (o.trigger != "conversation-started" && o.trigger != "guest-message" && o.trigger != "attributes-set") {
    return Error{"trigger: one of conversation-started, guest-message, attributes-set"};
  }
  for (const auto& [name, value] : o.inputs) {
    if (name.empty() || name == "otel_trace_id" || name == "otel_span_id") {
      return Error{"input '" + name + "': a name other than the trace ids is required"};
    }
    if (auto t = dataaction::VelocityTemplate::parse(value); !t) return Error{"input '" + name + "': " + t.error().message};
  }
  return {};
}
}  // namespace

Result<std::string> flow_snippet_emulator(const FlowSnippetOptions& o) {
  if (auto ok = check(o); !ok) return ok.error();
  json::object inputs{{"otel_trace_id", "${flow.otel_trace_id}"}, {"otel_span_id", "${flow.otel_span_id}"}};
  for (const auto& [name, value] : o.inputs) inputs[name] = value;
  json::object flow{
      {"name", o.action + " with trace context"},
      {"trigger", o.trigger},
      {"steps",
       json::array{json::object{{"type", "get-participant-data"},
                                {"variables", {{"otel_trace_id", "otel_trace_id"}, {"otel_span_id", "otel_span_id"}}}},
                   json::object{{"id", "call"},
                                {"type", "call-data-action"},
                                {"action", o.action},
                                {"inputs", std::move(inputs)},
                                {"on", {{"success", "end"}, {"failure", "failed"}, {"timeout", "failed"}}}},
                   json::object{{"id", "failed"},
                                {"type", "send-message"},
                                {"text", "The " + o.action + " call failed: ${flow.errorCode}"}}}}};
  return json::serialize(flow) + "\n";
}

Result<std::string> flow_snippet_architect(const FlowSnippetOptions& o) {
  if (auto ok = check(o); !ok) return ok.error();
  std::string out;
  out += "In the Inbound Message flow (Web Messaging) or the flow that handles the chat, before the\n";
  out += "point where the backend is needed:\n\n";
  out += "1. Get Participant Data\n";
  out += "     Attribute Name \"otel_trace_id\"   ->  Variable to Assign: Flow.otel_trace_id  (String)\n";
  out += "     Attribute Name \"otel_span_id\"    ->  Variable to Assign: Flow.otel_span_id   (String)\n\n";
  out += "2. Call Data Action\n";
  out += "     Category: " + o.category + "    Data Action: " + o.action + "\n";
  out += "     Inputs:  otel_trace_id  <-  Flow.otel_trace_id\n";
  out += "              otel_span_id   <-  Flow.otel_span_id\n";
  for (const auto& [name, value] : o.inputs) out += "              " + name + "  <-  (your value for " + value + ")\n";
  out += "     Success: continue.  Failure and Timeout: handle as the flow requires; a call that\n";
  out += "     reached the bridge shows in the chat's trace with its error status.\n\n";
  out += "The chat client sets otel_trace_id and otel_span_id right after the handshake (and, in\n";
  out += "per-message mode, moves otel_span_id to each message's span), so the Data Action's\n";
  out += "traceparent header continues the chat's trace.\n";
  return out;
}

}  // namespace tracechat::generators
