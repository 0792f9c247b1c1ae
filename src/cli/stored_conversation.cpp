#include "stored_conversation.h"

#include "tracechat/conventions.h"
#include "tracechat/protocol/uuid.h"
#include "tracechat/trace/span_data.h"

namespace tracechat::cli {

platform::StoredConversation stored_conversation_reader(collector::SpanStore& store) {
  return [&store](const std::string& trace_id) -> Result<std::optional<std::string>> {
    const auto id = trace::TraceId::from_hex(trace_id);
    if (!id) return Error{"'" + trace_id.substr(0, 64) + "' is not a trace id"};
    TRACECHAT_TRY(const auto spans, store.load_trace(*id));
    for (const auto& span : spans) {
      const auto* value = span->attributes.find(conventions::kConversationIdKey);
      const auto* text = value == nullptr ? nullptr : std::get_if<std::string>(value);
      // Only a UUID: a span attribute is whatever its sender wrote.
      if (text != nullptr && protocol::is_uuid(*text)) return std::optional<std::string>(*text);
    }
    return std::optional<std::string>();
  };
}

}  // namespace tracechat::cli
