#include "tracechat/generators/flow_snippet.h"

#include <boost/json.hpp>

#include "tracechat/conventions.h"
#include "tracechat/dataaction/velocity.h"

namespace tracechat::generators {
namespace json = boost::json;

namespace {
// The attributes the client writes, the flow variables that hold them, and the action's
// inputs all bear the same names.
const std::string kTraceId(conventions::kTraceIdAttribute);
const std::string kSpanId(conventions::kSpanIdAttribute);
// The whole traceparent carries the chat's trace flags; the tracestate is there only when
// the chat continued a parent that had one.
const std::string kTraceparent(conventions::kTraceparentAttribute);
const std::string kTracestate(conventions::kTracestateAttribute);
// Not participant data: the flow knows its conversation. The emulator's templates name it
// conversation.id (docs/emulator.md); Architect has the built-in Message.ConversationId
// in a message flow.
const std::string kConversationId(conventions::kConversationIdInput);

Result<void> check(const FlowSnippetOptions& o) {
  if (o.action.empty()) return Error{"action: the Data Action's name is required"};
  if (o.trigger != "conversation-started" && o.trigger != "guest-message" && o.trigger != "attributes-set") {
    return Error{"trigger: one of conversation-started, guest-message, attributes-set"};
  }
  for (const auto& [name, value] : o.inputs) {
    if (name.empty() || name == kTraceId || name == kSpanId || name == kTraceparent || name == kTracestate ||
        name == kConversationId) {
      return Error{"input '" + name + "': a name other than the trace context's (" + kTraceId + ", " + kSpanId + ", " +
                   kTraceparent + ", " + kTracestate + ") and " + kConversationId + " is required"};
    }
    if (auto t = dataaction::VelocityTemplate::parse(value); !t)
      return Error{"input '" + name + "': " + t.error().message};
  }
  return {};
}
}  // namespace

Result<std::string> flow_snippet_emulator(const FlowSnippetOptions& o) {
  if (auto ok = check(o); !ok) return ok.error();
  // Each input takes the flow variable read from the attribute of the same name. The
  // optional ones are quiet ($!): an attribute the chat did not set gives an empty input
  // (the action then leaves its header out), not the reference's own text.
  json::object inputs{{conventions::kTraceIdInput, "${flow." + kTraceId + "}"},
                      {conventions::kSpanIdInput, "${flow." + kSpanId + "}"},
                      {conventions::kTraceparentInput, "$!{flow." + kTraceparent + "}"},
                      {conventions::kTracestateInput, "$!{flow." + kTracestate + "}"},
                      {conventions::kConversationIdInput, "${conversation.id}"}};
  for (const auto& [name, value] : o.inputs) inputs[name] = value;
  json::object flow{
      {"name", o.action + " with trace context"},
      {"trigger", o.trigger},
      {"steps",
       json::array{
           json::object{
               {"type", "get-participant-data"},
               {"variables",
                {{kTraceId, kTraceId}, {kSpanId, kSpanId}, {kTraceparent, kTraceparent}, {kTracestate, kTracestate}}}},
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
  for (const std::string& key : {kTraceId, kSpanId, kTraceparent, kTracestate}) {
    out += "     Attribute Name \"" + key + "\"  ->  Variable to Assign: Flow." + key + "  (String)\n";
  }
  out += "\n2. Call Data Action\n";
  out += "     Category: " + o.category + "    Data Action: " + o.action + "\n";
  out += "     Inputs:  " + kTraceId + "  <-  Flow." + kTraceId + "\n";
  out += "              " + kSpanId + "   <-  Flow." + kSpanId + "\n";
  out += "              " + kTraceparent + "    <-  Flow." + kTraceparent + "\n";
  out += "              " + kTracestate + "     <-  Flow." + kTracestate + "  (not set when the chat has none)\n";
  out += "              " + kConversationId + " <-  Message.ConversationId\n";
  for (const auto& [name, value] : o.inputs) out += "              " + name + "  <-  (your value for " + value + ")\n";
  out += "     Success: continue.  Failure and Timeout: handle as the flow requires; a call that\n";
  out += "     reached the bridge shows in the chat's trace with its error status.\n\n";
  const std::string traceparent_header(conventions::kTraceparentHeader);
  out += "The chat client sets " + kTraceId + ", " + kSpanId + " and " + kTraceparent + " right after the handshake\n";
  out += "(and, in per-message mode, moves " + kSpanId + " and " + kTraceparent + " to each message's span), so\n";
  out += "the Data Action's " + traceparent_header + " header continues the chat's trace with its sampling decision;\n";
  out += kTracestate + " goes on when the chat has one. Its " + std::string(conventions::kConversationIdHeader) +
         " header puts the\n";
  out += "conversation's id on the bridge's span (" + std::string(conventions::kConversationIdKey) + ").\n";
  return out;
}

}  // namespace tracechat::generators
