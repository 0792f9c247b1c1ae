// The names that tie the parts of one trace together. The client writes the chat's trace
// context into conversation attributes under these keys; a flow reads them and binds them
// to the Data Action's inputs of the same names; the action's request carries them in the
// `traceparent` and `tracestate` headers; the bridge continues the trace from them. Every
// part that writes or reads one of these names includes this file, so a reader can follow
// the trace id from ChatSession::open to the Data Action's header by name, and a rename
// happens once.
#pragma once

#include <string_view>

namespace tracechat::conventions {

// Conversation attributes (Genesys participant data) written by the client.
inline constexpr std::string_view kTraceIdAttribute = "otel_trace_id";    // 32 hex digits
inline constexpr std::string_view kSpanIdAttribute = "otel_span_id";      // 16 hex digits
inline constexpr std::string_view kTraceparentAttribute = "traceparent";  // the whole W3C value
// The W3C tracestate value, only when the chat's context has one (a --parent with a
// tracestate), cut by W3C's rule to fit the attribute value limit.
inline constexpr std::string_view kTracestateAttribute = "tracestate";

// Data Action inputs: the generated action takes the ids under the attributes' names, so
// the flow binds each attribute to the input that bears its name.
inline constexpr std::string_view kTraceIdInput = kTraceIdAttribute;
inline constexpr std::string_view kSpanIdInput = kSpanIdAttribute;
// Optional: the whole traceparent, which carries the chat's trace flags (sampled, random)
// that the ids alone lose, and the tracestate. A flow that binds neither still runs the
// action: its traceparent is then built from the ids.
inline constexpr std::string_view kTraceparentInput = kTraceparentAttribute;
inline constexpr std::string_view kTracestateInput = kTracestateAttribute;
// The conversation's id, which the flow has as a built-in (Archy `Message.ConversationId`),
// not as participant data. Optional: a flow that does not bind it still runs the action.
inline constexpr std::string_view kConversationIdInput = "conversationId";

// HTTP headers.
inline constexpr std::string_view kTraceparentHeader = "traceparent";
inline constexpr std::string_view kTracestateHeader = "tracestate";
// Sent by generated Data Actions: the action's name, which the bridge puts in its span's name.
inline constexpr std::string_view kActionHeader = "x-tracechat-action";
// Sent by generated Data Actions: the conversation's id (a UUID), which the bridge records
// on its span as kConversationIdKey. The conversation id is then in the trace itself, so
// trace -> conversation needs no platform search (the analytics query does not return
// participant attributes). Empty when the flow does not bind the input.
inline constexpr std::string_view kConversationIdHeader = "X-Conversation-Id";

// Instrumentation scopes.
inline constexpr std::string_view kClientScope = "tracechat.client";
inline constexpr std::string_view kBridgeScope = "tracechat.bridge";

// Span names the client records (docs/client.md has the whole tree).
inline constexpr std::string_view kSessionSpan = "chat.session";
inline constexpr std::string_view kSendMessageSpan = "chat.send_message";
inline constexpr std::string_view kReceiveMessageSpan = "chat.receive_message";
inline constexpr std::string_view kSetAttributesSpan = "chat.set_attributes";
// The bridge names its span "dataaction <action name>".
inline constexpr std::string_view kDataActionSpanPrefix = "dataaction ";

// Span attributes read by more than one part. kConversationIdKey is set by the client on
// its chat.session span (guest-chat, which shows guests the id) and by the bridge on its
// SERVER span (from kConversationIdHeader, for both dialects).
inline constexpr std::string_view kConversationIdKey = "chat.conversation.id";
inline constexpr std::string_view kSessionIdKey = "chat.session.id";
inline constexpr std::string_view kDataActionNameKey = "dataaction.name";
// The text of a chat message, on its chat.send_message / chat.receive_message span — only
// when the client was told to record it (TraceOptions::record_message_text): off by
// default, because a guest's words may be personal data a trace store should not hold.
inline constexpr std::string_view kMessageTextKey = "chat.message.text";
// Read back from the message spans by the explorer.
inline constexpr std::string_view kMessageIdKey = "messaging.message.id";
inline constexpr std::string_view kSenderRoleKey = "chat.sender.role";
// The event a session records per received message instead of a span (receive_spans off).
inline constexpr std::string_view kMessageReceivedEvent = "chat.message.received";

}  // namespace tracechat::conventions
