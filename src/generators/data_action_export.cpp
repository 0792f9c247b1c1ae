#include "tracechat/generators/data_action_export.h"

#include <algorithm>
#include <boost/json.hpp>

#include "tracechat/conventions.h"
#include "tracechat/dataaction/data_action.h"
#include "tracechat/dataaction/velocity.h"

namespace tracechat::generators {
namespace {

namespace json = boost::json;

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (const char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

// Two-space indented JSON, as the Genesys export writes it.
void pretty(const json::value& v, std::string& out, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<std::size_t>(indent + 1) * 2, ' ');
  if (v.is_object() && !v.as_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& [k, item] : v.as_object()) {
      out += (first ? "" : ",\n") + inner + json::serialize(json::string(k)) + ": ";
      pretty(item, out, indent + 1);
      first = false;
    }
    out += "\n" + pad + "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    out += "[\n";
    bool first = true;
    for (const auto& item : v.as_array()) {
      out += (first ? "" : ",\n") + inner;
      pretty(item, out, indent + 1);
      first = false;
    }
    out += "\n" + pad + "]";
  } else {
    out += json::serialize(v);
  }
}

}  // namespace

Result<std::string> export_data_action(const ExportOptions& o) {
  if (o.name.empty()) return Error{"name: must not be empty"};
  if (o.name.find_first_of("\r\n") != std::string::npos) return Error{"name: must be one line"};
  if (o.url.rfind("https://", 0) != 0 && o.url.rfind("http://", 0) != 0) {
    return Error{"url: must start with https:// (or http:// for a test service)"};
  }
  if (auto t = dataaction::VelocityTemplate::parse(o.url); !t) return Error{"url: " + t.error().message};
  if (!dataaction::is_request_type(o.method)) {
    return Error{"method: must be GET, POST, PUT, PATCH or DELETE, not " + o.method};
  }
  // The inputs that carry the trace context bear the names of the attributes they are read from.
  const std::string trace_id(conventions::kTraceIdInput), span_id(conventions::kSpanIdInput);
  const std::string traceparent(conventions::kTraceparentInput), tracestate(conventions::kTracestateInput);
  const std::string conversation_id(conventions::kConversationIdInput);
  // traceparent, tracestate and conversationId are not required, so that a flow that does
  // not bind them (one written for an action exported before the inputs existed) keeps
  // working with an action exported now: the traceparent is then built from the ids, and
  // the other headers are not sent.
  json::object properties{
      {trace_id,
       {{"type", "string"}, {"description", "Participant data " + trace_id + ": the chat's W3C trace id (32 hex)"}}},
      {span_id, {{"type", "string"}, {"description", "Participant data " + span_id + ": the parent span id (16 hex)"}}},
      {traceparent,
       {{"type", "string"},
        {"description", "Participant data " + traceparent +
                            ": the chat's whole W3C traceparent, with its trace flags (optional; without it the "
                            "header is built from the ids, flags 01)"}}},
      {tracestate,
       {{"type", "string"},
        {"description",
         "Participant data " + tracestate + ": the chat's W3C tracestate (optional; not sent when empty)"}}},
      {conversation_id,
       {{"type", "string"},
        {"description", "Message.ConversationId: the conversation's id (a UUID), sent as " +
                            std::string(conventions::kConversationIdHeader) + " (optional)"}}}};
  for (const auto& input : o.inputs) {
    if (!valid_name(input)) return Error{"input '" + input + "': use letters, digits and _"};
    if (properties.contains(input)) return Error{"input '" + input + "': given twice"};
    properties[input] = {{"type", "string"}};
  }
  json::object output_properties, translation, defaults;
  std::string success;
  for (const auto& output : o.outputs) {
    if (!valid_name(output)) return Error{"output '" + output + "': use letters, digits and _"};
    if (output_properties.contains(output)) return Error{"output '" + output + "': given twice"};
    output_properties[output] = {{"type", "string"}};
    translation[output] = "$." + output;
    defaults[output] = "\"\"";
    success += (success.empty() ? "" : ", ") + std::string("\"") + output + "\": ${" + output + "}";
  }

  // The trace context is hex and dashes when it comes from tracechat, but a Data Action
  // input is whatever the flow passes: $esc.url keeps CR, LF and anything else that could
  // end the header or start another from leaving the value. A mangled value makes the
  // receiver start a new trace, as W3C requires; it cannot inject a header. A valid
  // traceparent passes $esc.url unchanged.
  // The whole traceparent when the flow binds it: its flags are the chat's sampling
  // decision and random-trace-id flag, which a header rebuilt from the ids would lose.
  // Without it (a flow written before the input existed), the ids with flags 01, as before.
  // ("#{else}" because "#else00" would read as a directive named else00.)
  const std::string traceparent_header = "#if($input." + traceparent + ")$esc.url(${input." + traceparent +
                                         "})#{else}00-$esc.url(${input." + trace_id + "})-$esc.url(${input." + span_id +
                                         "})-01#end";
  // The tracestate keeps its '=' and ',' ($esc.url would encode them and break it), so it
  // goes through $esc.jsonString instead: CR, LF, tab and every other control character
  // become printable escapes, so no value can end the header; a valid tracestate has none
  // of them. Quiet ($!): unbound or empty, the header renders empty and is not sent.
  // The conversation id goes through $esc.url, and quiet too: when the flow does not bind
  // the input, the header is left out instead of carrying the literal reference text,
  // which Velocity prints for a missing value. A UUID passes $esc.url unchanged; the
  // bridge records only a value that is a UUID.
  json::object headers{{conventions::kTraceparentHeader, traceparent_header},
                       {conventions::kTracestateHeader, "$!esc.jsonString(${input." + tracestate + "})"},
                       {conventions::kConversationIdHeader, "$!esc.url(${input." + conversation_id + "})"},
                       {conventions::kActionHeader, o.name},
                       {"Content-Type", "application/json"},
                       {"Accept", "application/json"},
                       {"Transfer-Encoding", "buffered"}};
  json::object request{{"requestUrlTemplate", o.url}, {"requestType", o.method}, {"headers", std::move(headers)}};
  if (o.method != "GET" && o.method != "DELETE") request["requestTemplate"] = "${input.rawRequest}";

  json::object action{
      {"name", o.name},
      {"category", o.category},
      {"secure", false},
      {"contract",
       {{"input",
         {{"inputSchema",
           {{"type", "object"}, {"properties", std::move(properties)}, {"required", json::array{trace_id, span_id}}}}}},
        {"output", {{"successSchema", {{"type", "object"}, {"properties", std::move(output_properties)}}}}}}},
      {"config",
       {{"request", std::move(request)},
        {"response",
         {{"translationMap", std::move(translation)},
          {"translationMapDefaults", std::move(defaults)},
          {"successTemplate", success.empty() ? std::string("${rawResult}") : "{" + success + "}"}}}}}};
  std::string out;
  pretty(action, out, 0);
  out += "\n";
  return out;
}

}  // namespace tracechat::generators
