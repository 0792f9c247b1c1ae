// The trace store's part of a lookup (platform/conversation_lookup.h): the conversation id
// that a span of a stored trace carries under chat.conversation.id — the bridge records
// it on each Data Action span, and the guest-chat client on its session span.
#pragma once

#include "tracechat/collector/span_store.h"
#include "tracechat/platform/conversation_lookup.h"

namespace tracechat::cli {

// Reads `store`, which must outlive the returned function.
platform::StoredConversation stored_conversation_reader(collector::SpanStore& store);

}  // namespace tracechat::cli
