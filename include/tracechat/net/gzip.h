// gzip Content-Encoding (RFC 1952) with zlib.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "tracechat/result.h"

namespace tracechat::net {

std::string gzip_compress(std::string_view data);
// Fails on corrupt input and when the output would exceed `max_output` bytes, so a
// small "zip bomb" cannot exhaust memory; the error says which happened.
Result<std::string> gzip_decompress(std::string_view data, std::size_t max_output);

inline constexpr std::string_view kOutputTooLarge = "decompressed body exceeds the limit";

}  // namespace tracechat::net
