// The flow steps that carry the trace context into a Data Action: read otel_trace_id,
// otel_span_id, traceparent and tracestate from participant data, then call the action
// with them bound to its inputs, and the conversation's id (Archy `Message.ConversationId`;
// `${conversation.id}` in the emulator's format) bound to its conversationId input.
// As a flow for tracechat's emulator (JSON, docs/emulator.md), or as the Architect steps
// to build in a real Genesys Cloud org (docs/genesys-setup.md).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "tracechat/result.h"

namespace tracechat::generators {

struct FlowSnippetOptions {
  std::string action;  // the Data Action's name
  std::string category = "Tracing";
  std::string trigger = "guest-message";  // emulator format: conversation-started | guest-message | attributes-set
  std::vector<std::pair<std::string, std::string>> inputs;  // extra inputs: name -> template (emulator format)
};

Result<std::string> flow_snippet_emulator(const FlowSnippetOptions& options);
Result<std::string> flow_snippet_architect(const FlowSnippetOptions& options);

}  // namespace tracechat::generators
