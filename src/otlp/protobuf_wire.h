// The protobuf wire format, just what OTLP needs: varints, fixed32/64 and
// length-delimited fields. Writing is canonical (proto3 default values are skipped
// by the callers, lengths are minimal varints); reading checks every bound.
// Internal to the OTLP part.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace tracechat::otlp::wire {

enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLen = 2, kFixed32 = 5 };

inline std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void tag(std::uint32_t field, WireType type) { varint((std::uint64_t{field} << 3) | type); }

  void uint_field(std::uint32_t field, std::uint64_t v) {
    if (v == 0) return;
    tag(field, kVarint);
    varint(v);
  }
  void int64_field(std::uint32_t field, std::int64_t v) { uint_field(field, static_cast<std::uint64_t>(v)); }
  void bool_field(std::uint32_t field, bool v) { uint_field(field, v ? 1 : 0); }
  void fixed32_field(std::uint32_t field, std::uint32_t v) {
    if (v == 0) return;
    tag(field, kFixed32);
    char b[4];
    std::memcpy(b, &v, 4);  // little-endian hosts only (checked in the .cpp)
    out_.append(b, 4);
  }
  void fixed64_field(std::uint32_t field, std::uint64_t v) {
    if (v == 0) return;
    tag(field, kFixed64);
    char b[8];
    std::memcpy(b, &v, 8);
    out_.append(b, 8);
  }
  void double_field(std::uint32_t field, double v) {
    std::uint64_t bits;
    std::memcpy(&bits, &v, 8);
    fixed64_field(field, bits);  // +0.0 is the default and is skipped, as proto3 does
  }
  void bytes_field(std::uint32_t field, std::string_view v) {
    if (v.empty()) return;
    tag(field, kLen);
    varint(v.size());
    out_.append(v);
  }
  // Oneof members are written even when they hold the default value: their presence
  // is the information (an attribute whose value is 0 or false).
  void varint_field_always(std::uint32_t field, std::uint64_t v) {
    tag(field, kVarint);
    varint(v);
  }
  void double_field_always(std::uint32_t field, double v) {
    tag(field, kFixed64);
    char b[8];
    std::memcpy(b, &v, 8);
    out_.append(b, 8);
  }
  // A bytes/string field written even when empty (an element of a repeated field or
  // a oneof member, whose presence matters).
  void bytes_field_always(std::uint32_t field, std::string_view v) {
    tag(field, kLen);
    varint(v.size());
    out_.append(v);
  }

  // Nested messages: begin() reserves one length byte, end() fills it in and, for
  // bodies of 128 bytes or more, moves the body to make room for a longer varint.
  std::size_t begin(std::uint32_t field) {
    tag(field, kLen);
    out_.push_back('\0');
    return out_.size();
  }
  void end(std::size_t body_start) {
    const std::size_t len = out_.size() - body_start;
    if (len < 0x80) {
      out_[body_start - 1] = static_cast<char>(len);
      return;
    }
    const std::size_t n = varint_size(len);
    out_.insert(body_start, n - 1, '\0');
    std::size_t pos = body_start - 1;
    std::uint64_t v = len;
    while (v >= 0x80) {
      out_[pos++] = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    out_[pos] = static_cast<char>(v);
  }

 private:
  std::string& out_;
};

// Reads one message's fields. Every accessor fails (returns false) instead of reading
// past the end; callers turn that into an error naming the field.
class Reader {
 public:
  explicit Reader(std::string_view data)
      : p_(reinterpret_cast<const std::uint8_t*>(data.data())), end_(p_ + data.size()) {}

  bool done() const { return p_ == end_; }

  bool varint(std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) return false;
      const std::uint8_t b = *p_++;
      v |= std::uint64_t{b & 0x7fu} << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;  // more than 10 bytes
  }
  bool tag(std::uint32_t& field, WireType& type) {
    std::uint64_t t;
    if (!varint(t)) return false;
    field = static_cast<std::uint32_t>(t >> 3);
    type = static_cast<WireType>(t & 7);
    return field != 0 && (t >> 3) <= 0x1fffffff;
  }
  bool fixed32(std::uint32_t& v) { return raw(&v, 4); }
  bool fixed64(std::uint64_t& v) { return raw(&v, 8); }
  bool len(std::string_view& v) {
    std::uint64_t n;
    if (!varint(n) || n > static_cast<std::uint64_t>(end_ - p_)) return false;
    v = std::string_view(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return true;
  }
  // Skips a field of an unknown number (protobuf's forward compatibility).
  bool skip(WireType type) {
    std::uint64_t v;
    std::string_view s;
    switch (type) {
      case kVarint: return varint(v);
      case kFixed64: return fixed64(v);
      case kLen: return len(s);
      case kFixed32: {
        std::uint32_t w;
        return fixed32(w);
      }
      default: return false;  // groups (3, 4) are not used by OTLP
    }
  }

 private:
  bool raw(void* out, std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) < n) return false;
    std::memcpy(out, p_, n);
    p_ += n;
    return true;
  }
  const std::uint8_t* p_;
  const std::uint8_t* end_;
};

}  // namespace tracechat::otlp::wire
