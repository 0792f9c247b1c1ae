#include "common/secret_compare.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

namespace tracechat::common {

SecretDigest secret_digest(std::string_view secret) {
  SecretDigest out{};
  SHA256(reinterpret_cast<const unsigned char*>(secret.data()), secret.size(), out.data());
  return out;
}

bool secret_matches(const SecretDigest& expected, std::string_view presented) {
  const auto got = secret_digest(presented);
  return CRYPTO_memcmp(got.data(), expected.data(), got.size()) == 0;
}

bool secrets_equal(std::string_view expected, std::string_view presented) {
  return secret_matches(secret_digest(expected), presented);
}

}  // namespace tracechat::common
