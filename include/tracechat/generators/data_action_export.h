// Generates a Genesys Cloud custom web-services Data Action, in the JSON that the Admin
// UI imports (Admin > Integrations > Actions > Import), whose request carries the chat's
// trace context: a `traceparent` header templated from the optional input `traceparent`
// (the whole W3C value, with the chat's trace flags), or from the inputs `otel_trace_id`
// and `otel_span_id` when a flow does not bind it; a `tracestate` header from the optional
// input `tracestate`, left out when it is empty (all of them participant data an
// Architect flow reads from the conversation); and an `X-Conversation-Id` header from the
// optional input `conversationId` (the flow's Message.ConversationId), so that the trace
// names its conversation. `tracechat kit` writes the same action as a Terraform resource.
#pragma once

#include <string>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::generators {

struct ExportOptions {
  std::string name;                  // the action's name; also sent as x-tracechat-action
  std::string url;                   // requestUrlTemplate: plain, or with ${input.x} of extra inputs
  std::string method = "POST";       // GET, POST, PUT, PATCH, DELETE
  std::vector<std::string> inputs;   // extra string inputs besides the trace context and conversationId
  std::vector<std::string> outputs;  // string fields read from the response's top level
  int timeout_seconds = 60;          // config.timeoutSeconds, 1 to 60 (Genesys's default is 60)
};

// The action as pretty-printed JSON, or what is wrong with the options.
Result<std::string> export_data_action(const ExportOptions& options);

}  // namespace tracechat::generators
