// UUIDs as both dialects use them: organization, guest and deployment ids, and the
// tokens that let a client resume a conversation or a session.
#pragma once

#include <string>
#include <string_view>

namespace tracechat::protocol {

// 8-4-4-4-12 hex digits, either case.
bool is_uuid(std::string_view text) noexcept;

// A version 4 UUID from the OS CSPRNG (getrandom). Tokens are credentials, so this is
// never drawn from the trace id generator, whose fast PRNG shows its state in every
// traceparent it produces.
std::string random_uuid();

}  // namespace tracechat::protocol
