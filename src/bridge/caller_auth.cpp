#include "caller_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <boost/beast/core/string.hpp>
#include <string>

namespace tracechat::bridge::detail {

namespace {

std::array<unsigned char, 32> digest(std::string_view text) {
  std::array<unsigned char, 32> out{};
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), out.data());
  return out;
}

std::optional<std::string> decode_base64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0 || text.size() > 4096) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the padding as decoded zero bytes.
  std::size_t size = static_cast<std::size_t>(n);
  for (std::size_t i = text.size(); i > 0 && text[i - 1] == '=' && size > 0; --i) --size;
  out.resize(size);
  return out;
}

}  // namespace

CallerAuth::CallerAuth(const BasicCredentials& credentials)
    : expected_(digest(credentials.user + ":" + credentials.password)) {}

bool CallerAuth::admits(std::optional<std::string_view> authorization) const {
  if (!authorization) return false;
  std::string_view value = *authorization;
  if (value.size() < 6 || !boost::beast::iequals(value.substr(0, 6), "basic ")) return false;
  value.remove_prefix(6);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  const auto presented = decode_base64(value);
  if (!presented) return false;
  const auto got = digest(*presented);
  return CRYPTO_memcmp(got.data(), expected_.data(), got.size()) == 0;
}

}  // namespace tracechat::bridge::detail
