// Comparing a presented secret (a password, an OAuth client secret) with the expected
// one without telling, by how long the refusal takes, how much of a guess was right.
#pragma once

#include <array>
#include <string_view>

namespace tracechat::common {

// SHA-256 of a secret, what the comparison compares. A caller that checks many requests
// against one secret keeps its digest instead of the secret.
using SecretDigest = std::array<unsigned char, 32>;
SecretDigest secret_digest(std::string_view secret);

// Whether `presented` is the secret `expected` is the digest of. The digests are compared
// with CRYPTO_memcmp, whose time does not depend on where they differ; hashing first
// makes the comparison's length fixed too, so neither the secret's length nor any prefix
// of it shows.
bool secret_matches(const SecretDigest& expected, std::string_view presented);

// secret_matches(secret_digest(expected), presented).
bool secrets_equal(std::string_view expected, std::string_view presented);

}  // namespace tracechat::common
