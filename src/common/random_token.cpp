#include "common/random_token.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

#include "common/base64.h"

namespace tracechat::common {

void random_bytes(unsigned char* out, std::size_t size) {
  std::size_t filled = 0;
  while (filled < size) {
    const ssize_t got = getrandom(out + filled, size - filled, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      std::abort();  // no CSPRNG: nothing safe to hand out
    }
    filled += static_cast<std::size_t>(got);
  }
}

std::string random_token() {
  unsigned char bytes[32];
  random_bytes(bytes, sizeof bytes);
  // base64url is base64 with two characters swapped for URL-safe ones.
  std::string out = base64_encode(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (auto& c : out) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
  return out;
}

}  // namespace tracechat::common
