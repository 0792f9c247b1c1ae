// Plain HTTP message types shared by tracechat's client and server. They keep
// Boost.Beast out of every header that the rest of the code includes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tracechat::net {

struct HttpHeader {
  std::string name;
  std::string value;
};

// Case-insensitive header lookup (HTTP field names are case-insensitive).
std::optional<std::string_view> find_header(const std::vector<HttpHeader>& headers, std::string_view name);

// The elements of a comma-separated field value (RFC 9110 §5.6.1): each trimmed of
// spaces and tabs, empty ones skipped. "close, X-Secret" is {"close", "X-Secret"}.
std::vector<std::string_view> split_field_list(std::string_view value);

struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query
  std::vector<HttpHeader> headers;
  std::string body;
  std::string remote_address;  // filled in by the server

  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
  // The path without the query string.
  std::string_view path() const;
};

struct HttpResponse {
  int status = 200;
  std::vector<HttpHeader> headers;
  std::string body;

  std::optional<std::string_view> header(std::string_view name) const { return find_header(headers, name); }
  HttpResponse& set_header(std::string name, std::string value);
};

HttpResponse text_response(int status, std::string body);
HttpResponse json_response(int status, std::string body);

}  // namespace tracechat::net
