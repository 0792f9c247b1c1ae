#include "common/base64.h"

#include <openssl/evp.h>

#include <algorithm>

namespace tracechat::common {

namespace {

// EVP's block coder counts in int: longer input goes through in chunks, each a whole
// number of 3-byte groups (encoding) or 4-character quanta (decoding), so the chunks
// join without padding between them.
constexpr std::size_t kEncodeChunk = 3 * 16384;
constexpr std::size_t kDecodeChunk = 4 * 16384;

bool in_alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  // EVP_EncodeBlock writes a NUL after the characters: one byte more, cut off at the end
  // (each chunk's NUL is overwritten by the next chunk).
  std::string out((bytes.size() + 2) / 3 * 4 + 1, '\0');
  std::size_t at = 0;
  while (!bytes.empty()) {
    const std::size_t n = std::min(bytes.size(), kEncodeChunk);
    at += static_cast<std::size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data() + at),
                                                   reinterpret_cast<const unsigned char*>(bytes.data()),
                                                   static_cast<int>(n)));
    bytes.remove_prefix(n);
  }
  out.resize(at);
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  // EVP_DecodeBlock is lenient where this must not be: it skips leading whitespace and
  // trailing line ends, reads '=' anywhere as zero bits, and counts the padding as
  // decoded zero bytes. So the text is checked here first and the padding taken off after.
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  if (!std::all_of(text.begin(), text.end() - static_cast<std::ptrdiff_t>(padding), in_alphabet)) return std::nullopt;
  std::string out(text.size() / 4 * 3, '\0');
  std::size_t at = 0;
  while (!text.empty()) {
    const std::size_t n = std::min(text.size(), kDecodeChunk);
    const int decoded = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data() + at),
                                        reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(n));
    if (decoded < 0) return std::nullopt;  // not expected after the check above
    at += static_cast<std::size_t>(decoded);
    text.remove_prefix(n);
  }
  out.resize(at - padding);
  return out;
}

}  // namespace tracechat::common
