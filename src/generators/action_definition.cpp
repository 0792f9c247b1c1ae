#include "action_definition.h"

#include "tracechat/conventions.h"
#include "tracechat/dataaction/data_action.h"
#include "tracechat/dataaction/velocity.h"
#include "tracechat/generators/escaping.h"
#include "value_checks.h"

namespace tracechat::generators::detail {
namespace {

namespace json = boost::json;

// Genesys: an action's name "can be up to 256 characters long".
constexpr std::size_t kMaxNameCharacters = 256;

Result<void> check_url(const std::string& url) {
  if (url.rfind("https://", 0) != 0 && url.rfind("http://", 0) != 0) {
    return Error{"url: must start with https:// (or http:// for a test service)"};
  }
  TRACECHAT_CHECK(check_text("url", url));
  // A space is never valid in the rendered URL (DataAction::execute refuses it), so a
  // template with one could never run.
  if (url.find(' ') != std::string::npos) return Error{"url: must not contain a space; percent-encode it (%20)"};
  if (auto t = dataaction::VelocityTemplate::parse(url); !t) return Error{"url: " + t.error().message};
  return {};
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

Result<ActionDefinition> define_action(const ExportOptions& o) {
  TRACECHAT_CHECK(check_text("name", o.name, kMaxNameCharacters));
  TRACECHAT_CHECK(check_url(o.url));
  if (!dataaction::is_request_type(o.method)) {
    return Error{"method: must be GET, POST, PUT, PATCH or DELETE, not " + o.method};
  }
  if (o.timeout_seconds < 1 || o.timeout_seconds > 60) {
    return Error{"timeout: must be from 1 to 60 seconds, not " + std::to_string(o.timeout_seconds)};
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
    if (!is_identifier(input)) return Error{"input '" + input + "': use letters, digits and _"};
    if (properties.contains(input)) return Error{"input '" + input + "': given twice"};
    properties[input] = {{"type", "string"}};
  }
  ActionDefinition a;
  a.name = o.name;
  a.timeout_seconds = o.timeout_seconds;
  json::object output_properties;
  std::string success;
  for (const auto& output : o.outputs) {
    if (!is_identifier(output)) return Error{"output '" + output + "': use letters, digits and _"};
    if (output_properties.contains(output)) return Error{"output '" + output + "': given twice"};
    output_properties[output] = {{"type", "string"}};
    a.translation_map[output] = "$." + output;
    a.translation_map_defaults[output] = "\"\"";
    success += (success.empty() ? "" : ", ") + std::string("\"") + output + "\": ${" + output + "}";
  }
  a.input_schema = {
      {"type", "object"}, {"properties", std::move(properties)}, {"required", json::array{trace_id, span_id}}};
  a.success_schema = {{"type", "object"}, {"properties", std::move(output_properties)}};
  a.success_template = success.empty() ? std::string("${rawResult}") : "{" + success + "}";

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
  // The action's name is the user's text, not template code: velocity_literal keeps a `$`
  // or `#` in it from being read as a reference or a directive.
  a.headers = {{conventions::kTraceparentHeader, traceparent_header},
               {conventions::kTracestateHeader, "$!esc.jsonString(${input." + tracestate + "})"},
               {conventions::kConversationIdHeader, "$!esc.url(${input." + conversation_id + "})"},
               {conventions::kActionHeader, velocity_literal(o.name)},
               {"Content-Type", "application/json"},
               {"Accept", "application/json"},
               {"Transfer-Encoding", "buffered"}};
  a.request_type = o.method;
  a.request_url_template = o.url;
  if (o.method == "POST" || o.method == "PUT" || o.method == "PATCH") a.request_template = "${input.rawRequest}";

  // What is written must be what the emulator (and Genesys) can load: the URL's scheme and
  // host in its literal text, every template parsable.
  if (auto loaded = dataaction::DataAction::parse(import_json(a)); !loaded) {
    const std::string& message = loaded.error().message;
    const std::string url_field = "config.request.requestUrlTemplate: ";
    if (message.rfind(url_field, 0) == 0) return Error{"url: " + message.substr(url_field.size())};
    return Error{"the generated action does not load: " + message};
  }
  return a;
}

std::string import_json(const ActionDefinition& a) {
  json::object request{
      {"requestUrlTemplate", a.request_url_template}, {"requestType", a.request_type}, {"headers", a.headers}};
  if (a.request_template) request["requestTemplate"] = *a.request_template;
  const json::object action{
      {"name", a.name},
      {"integrationType", "custom-rest-actions"},
      {"actionType", "custom"},
      {"config",
       {{"request", std::move(request)},
        {"response",
         {{"translationMap", a.translation_map},
          {"translationMapDefaults", a.translation_map_defaults},
          {"successTemplate", a.success_template}}},
        {"timeoutSeconds", a.timeout_seconds}}},
      {"contract", {{"input", {{"inputSchema", a.input_schema}}}, {"output", {{"successSchema", a.success_schema}}}}},
      {"secure", false}};
  std::string out;
  pretty(action, out, 0);
  return out + "\n";
}

}  // namespace tracechat::generators::detail
