// Unguessable strings: the emulator's generated OAuth client secret and its access tokens.
#pragma once

#include <cstddef>
#include <string>

namespace tracechat::common {

// Fills `out` from the kernel's CSPRNG (getrandom); aborts when there is no randomness
// to give rather than return something guessable.
void random_bytes(unsigned char* out, std::size_t size);

// 32 bytes from the kernel's CSPRNG (getrandom) as 43 base64url characters (RFC 4648 §5,
// unpadded): safe in a URL, a header or a JSON string without escaping. Aborts when the
// kernel has no randomness to give, rather than hand out a guessable secret.
std::string random_token();

}  // namespace tracechat::common
