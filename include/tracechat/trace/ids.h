// TraceId and SpanId: fixed-size byte arrays with the lowercase-hex text form that
// W3C Trace Context and OTLP/JSON use. An id whose bytes are all zero is invalid.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tracechat::trace {

namespace hex {

// -1 for anything that is not a lowercase hex digit: W3C forbids upper case.
inline constexpr std::array<std::int8_t, 256> kLowerDigitValue = [] {
  std::array<std::int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<std::int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<std::int8_t>(c - 'a' + 10);
  return table;
}();

inline constexpr char kDigits[] = "0123456789abcdef";

// Writes 2*n characters; no terminator.
inline void encode(const std::uint8_t* bytes, std::size_t n, char* out) noexcept {
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
}

// Decodes 8 lowercase hex characters into 4 bytes, eight characters at a time in one
// 64-bit word (SWAR): traceparent parsing sits on every request's path. Only valid
// on little-endian machines; decode() falls back to the table elsewhere.
inline bool decode8_swar(const char* text, std::uint8_t* out) noexcept {
  constexpr std::uint64_t k01 = 0x0101010101010101ULL;
  constexpr std::uint64_t k80 = 0x80 * k01;
  std::uint64_t x;
  std::memcpy(&x, text, 8);
  // For ASCII bytes, adding 0x80-lo sets a byte's top bit iff byte >= lo, and adding
  // 0x7f-hi sets it iff byte > hi; no carry crosses bytes while every byte is < 0x80.
  const std::uint64_t digit = (x + (0x80 - '0') * k01) & ~(x + (0x7f - '9') * k01);
  const std::uint64_t lower = (x + (0x80 - 'a') * k01) & ~(x + (0x7f - 'f') * k01);
  if ((x & k80) != 0 || ((digit | lower) & k80) != k80) return false;
  // '0'-'9' have bit 6 clear, 'a'-'f' have it set and low nibbles 1-6: add 9.
  const std::uint64_t nibbles = (x & 0x0f * k01) + 9 * ((x >> 6) & k01);
  std::uint64_t w = ((nibbles << 4) | (nibbles >> 8)) & 0x00ff00ff00ff00ffULL;
  w = (w | (w >> 8)) & 0x0000ffff0000ffffULL;
  w = (w | (w >> 16)) & 0xffffffffULL;
  const auto packed = static_cast<std::uint32_t>(w);
  std::memcpy(out, &packed, 4);
  return true;
}

// Decodes exactly 2*n lowercase hex characters; false if any character is not one.
inline bool decode(const char* text, std::size_t n, std::uint8_t* out) noexcept {
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    for (; i + 4 <= n; i += 4) {
      if (!decode8_swar(text + 2 * i, out + i)) return false;
    }
  }
  int bad = 0;
  for (; i < n; ++i) {
    const int hi = kLowerDigitValue[static_cast<unsigned char>(text[2 * i])];
    const int lo = kLowerDigitValue[static_cast<unsigned char>(text[2 * i + 1])];
    bad |= hi | lo;  // any -1 sets the sign bit
    out[i] = static_cast<std::uint8_t>((hi << 4) | (lo & 0x0f));
  }
  return bad >= 0;
}

}  // namespace hex

template <std::size_t N>
class BasicId {
 public:
  static constexpr std::size_t kSize = N;
  static constexpr std::size_t kHexSize = 2 * N;

  constexpr BasicId() noexcept = default;
  explicit constexpr BasicId(const std::array<std::uint8_t, N>& bytes) noexcept : bytes_(bytes) {}

  // Exactly kHexSize lowercase hex characters. All zeros decode (to an invalid id).
  static std::optional<BasicId> from_hex(std::string_view text) noexcept {
    BasicId id;
    if (text.size() != kHexSize || !hex::decode(text.data(), N, id.bytes_.data())) return std::nullopt;
    return id;
  }

  // From raw bytes (OTLP protobuf); exactly kSize bytes.
  static std::optional<BasicId> from_bytes(std::string_view raw) noexcept {
    if (raw.size() != N) return std::nullopt;
    BasicId id;
    std::memcpy(id.bytes_.data(), raw.data(), N);
    return id;
  }

  bool valid() const noexcept {
    std::uint8_t any = 0;
    for (auto b : bytes_) any |= b;
    return any != 0;
  }

  const std::array<std::uint8_t, N>& bytes() const noexcept { return bytes_; }
  std::array<std::uint8_t, N>& mutable_bytes() noexcept { return bytes_; }

  void write_hex(char* out) const noexcept { hex::encode(bytes_.data(), N, out); }
  std::string hex() const {
    std::string s(kHexSize, '\0');
    write_hex(s.data());
    return s;
  }

  friend constexpr auto operator<=>(const BasicId&, const BasicId&) = default;
  friend constexpr bool operator==(const BasicId&, const BasicId&) = default;

 private:
  std::array<std::uint8_t, N> bytes_{};
};

using TraceId = BasicId<16>;
using SpanId = BasicId<8>;

}  // namespace tracechat::trace

template <std::size_t N>
struct std::hash<tracechat::trace::BasicId<N>> {
  std::size_t operator()(const tracechat::trace::BasicId<N>& id) const noexcept {
    // Ids arriving from outside are chosen by the sender, so every byte is mixed in
    // (splitmix64 finaliser) rather than trusting them to be random.
    std::uint64_t h = 0;
    for (std::size_t i = 0; i < N; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, id.bytes().data() + i, 8);
      h ^= word + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
      h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
      h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
      h ^= h >> 31;
    }
    return static_cast<std::size_t>(h);
  }
};
