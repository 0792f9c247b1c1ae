// A streaming JSON writer for the OTLP encoder: structure and numbers are written
// directly, every string goes through Boost.JSON's serializer for escaping. Building
// a boost::json::value tree first cost 3.5 us per span; streaming is several times
// faster. Internal to the OTLP part.
#pragma once

#include <boost/json/serializer.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

namespace tracechat::otlp::detail {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  // `name` must be a plain ASCII literal (OTLP field names): it is not escaped.
  JsonWriter& key(std::string_view name) {
    comma();
    out_.push_back('"');
    out_.append(name);
    out_.append("\":");
    first_ = true;  // the value that follows needs no comma
    return *this;
  }

  void string(std::string_view s) {
    comma();
    serializer_.reset(s);
    char buffer[512];
    while (!serializer_.done()) out_.append(serializer_.read(buffer, sizeof buffer));
  }
  void raw_string(std::string_view ascii) {  // for hex ids and decimal strings
    comma();
    out_.push_back('"');
    out_.append(ascii);
    out_.push_back('"');
  }
  void boolean(bool b) {
    comma();
    out_.append(b ? "true" : "false");
  }
  template <typename Int>
  void integer(Int v) {
    comma();
    char buffer[24];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    out_.append(buffer, r.ptr);
  }
  // 64-bit integers are strings in the protobuf JSON mapping.
  template <typename Int>
  void integer_string(Int v) {
    comma();
    char buffer[24];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, v);
    out_.push_back('"');
    out_.append(buffer, r.ptr);
    out_.push_back('"');
  }
  // Non-finite doubles are the strings "NaN", "Infinity", "-Infinity".
  void number(double d) {
    if (std::isnan(d)) return raw_string("NaN");
    if (std::isinf(d)) return raw_string(d > 0 ? "Infinity" : "-Infinity");
    comma();
    char buffer[32];
    const auto r = std::to_chars(buffer, buffer + sizeof buffer, d);
    out_.append(buffer, r.ptr);
  }

 private:
  void comma() {
    if (!first_) out_.push_back(',');
    first_ = false;
  }
  void open(char c) {
    comma();
    out_.push_back(c);
    first_ = true;
  }
  void close(char c) {
    out_.push_back(c);
    first_ = false;
  }

  std::string& out_;
  boost::json::serializer serializer_;
  bool first_ = true;
};

}  // namespace tracechat::otlp::detail
