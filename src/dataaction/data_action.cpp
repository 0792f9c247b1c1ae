#include "tracechat/dataaction/data_action.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>
#include <map>
#include <optional>
#include <vector>

#include "json_path.h"
#include "tracechat/dataaction/velocity.h"
#include "tracechat/net/http_client.h"
#include "tracechat/net/url.h"

namespace tracechat::dataaction {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxResponseBytes = 5 * 1024 * 1024;

Result<json::value> parse_json(std::string_view text) {
  json::parse_options options;
  options.max_depth = 50;
  boost::system::error_code ec;
  json::value v = json::parse(text, ec, {}, options);
  if (ec) return Error{ec.message()};
  return v;
}

const char* type_of(const json::value& v) {
  if (v.is_string()) return "string";
  if (v.is_bool()) return "boolean";
  if (v.is_int64() || v.is_uint64()) return "integer";
  if (v.is_double()) return "number";
  if (v.is_array()) return "array";
  if (v.is_object()) return "object";
  return "null";
}

// The contract checks Genesys applies: required properties, and each declared
// property's JSON Schema type ("integer" is also a "number").
std::optional<std::string> check_schema(const json::object& value, const json::object& schema,
                                        const std::string& what) {
  if (const auto* required = schema.if_contains("required"); required != nullptr && required->is_array()) {
    for (const auto& key : required->as_array()) {
      if (key.is_string() && !value.contains(key.as_string())) {
        return what + " '" + std::string(key.as_string()) + "' is required";
      }
    }
  }
  const auto* properties = schema.if_contains("properties");
  if (properties == nullptr || !properties->is_object()) return std::nullopt;
  for (const auto& [key, spec] : properties->as_object()) {
    const auto* v = value.if_contains(key);
    if (v == nullptr || !spec.is_object()) continue;
    const auto* type = spec.as_object().if_contains("type");
    if (type == nullptr || !type->is_string()) continue;
    const std::string want(type->as_string());
    const std::string got = type_of(*v);
    if (want == got || (want == "number" && got == "integer")) continue;
    return what + " '" + std::string(key) + "' should be " + want + ", not " + got;
  }
  return std::nullopt;
}

// "http://" or "https://" at the start of `text`: the length of the scheme and "://".
std::size_t scheme_length(std::string_view text) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (text.size() >= scheme.size() && boost::beast::iequals(text.substr(0, scheme.size()), scheme)) {
      return scheme.size();
    }
  }
  return 0;
}

// Where the rendered URL's scheme and authority end: at the first '/', '?' or '#'
// after "://" (none of them can appear raw inside an authority).
std::size_t authority_end(std::string_view url) {
  const std::size_t start = scheme_length(url);
  const auto end = url.find_first_of("/?#", start);
  return end == std::string_view::npos ? url.size() : end;
}

// A rendered URL is sent only if the inputs stayed in its path, query and fragment:
// its scheme and authority are the template's own literal text (so an input can
// neither pick another host nor turn the request line into an absolute-form URL), and
// its path has no dot-segment to climb out of the path the template names.
std::optional<std::string> check_rendered_url(std::string_view rendered, std::string_view literal_start) {
  const std::size_t path_start = authority_end(rendered);
  if (path_start > literal_start.size()) {
    return "an input value reaches the scheme or host of the URL (inputs may fill only its path, query or fragment)";
  }
  for (const char c : rendered) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return "it contains a space or a control character";
  }
  std::string_view path = rendered.substr(path_start);
  path = path.substr(0, path.find_first_of("?#"));
  while (!path.empty()) {
    path.remove_prefix(1);  // the '/'
    const auto segment = path.substr(0, path.find('/'));
    std::string decoded;  // with %2e read as '.', as an upstream normalising the path would
    for (std::size_t i = 0; i < segment.size(); ++i) {
      if (segment.compare(i, 3, "%2e") == 0 || segment.compare(i, 3, "%2E") == 0) {
        decoded.push_back('.');
        i += 2;
      } else {
        decoded.push_back(segment[i]);
      }
    }
    if (decoded == "." || decoded == "..") return "its path has a dot-segment ('" + std::string(segment) + "')";
    path.remove_prefix(segment.size());
  }
  return std::nullopt;
}

// RFC 9110 §5.5: a field value has no control character but horizontal tab.
bool valid_field_value(std::string_view value) {
  return std::none_of(value.begin(), value.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return (u < 0x20 && c != '\t') || u == 0x7f;
  });
}

ExecutionResult failure(std::string code, std::string message, int status = 0) {
  ExecutionResult r;
  r.error_code = std::move(code);
  r.message = std::move(message);
  r.status = status;
  return r;
}

}  // namespace

struct DataAction::Impl {
  std::string name;
  json::object input_schema, success_schema;
  std::string method;
  VelocityTemplate url;
  std::string url_literal_start;  // the URL template's leading text: its scheme and host
  std::vector<std::pair<std::string, VelocityTemplate>> headers;
  std::optional<VelocityTemplate> body;
  std::vector<std::pair<std::string, JsonPath>> translation;
  std::map<std::string, json::value> defaults;
  VelocityTemplate success;
  std::chrono::milliseconds timeout{60000};

  Impl(VelocityTemplate u, VelocityTemplate s) : url(std::move(u)), success(std::move(s)) {}
};

Result<DataAction> DataAction::parse(std::string_view text) {
  auto parsed = parse_json(text);
  if (!parsed) return Error{"not JSON: " + parsed.error().message};
  if (!parsed->is_object()) return Error{"expected a JSON object"};
  const json::object& root = parsed->as_object();
  const auto object_at = [](const json::object& o, std::string_view key) -> const json::object* {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_object() ? &v->as_object() : nullptr;
  };
  const auto string_at = [](const json::object* o, std::string_view key) -> std::optional<std::string> {
    if (o == nullptr) return std::nullopt;
    const auto* v = o->if_contains(key);
    if (v == nullptr || !v->is_string()) return std::nullopt;
    return std::string(v->as_string());
  };
  const auto name = string_at(&root, "name");
  if (!name || name->empty()) return Error{"name: a non-empty string is required"};
  const json::object* config = object_at(root, "config");
  const json::object* request = config != nullptr ? object_at(*config, "request") : nullptr;
  const json::object* response = config != nullptr ? object_at(*config, "response") : nullptr;
  if (request == nullptr) return Error{"config.request: an object is required"};

  const auto url_text = string_at(request, "requestUrlTemplate");
  if (!url_text) return Error{"config.request.requestUrlTemplate: a string is required"};
  auto url = VelocityTemplate::parse(*url_text);
  if (!url) return Error{"config.request.requestUrlTemplate: " + url.error().message};
  std::string url_literal_start = url->leading_text();
  if (scheme_length(url_literal_start) == 0 || authority_end(url_literal_start) == scheme_length(url_literal_start)) {
    return Error{
        "config.request.requestUrlTemplate: must start with a literal http:// or https:// and host; an input "
        "may fill only the path, query or fragment"};
  }
  auto success = VelocityTemplate::parse(string_at(response, "successTemplate").value_or("${rawResult}"));
  if (!success) return Error{"config.response.successTemplate: " + success.error().message};
  auto impl = std::make_unique<Impl>(std::move(*url), std::move(*success));
  impl->name = *name;
  impl->url_literal_start = std::move(url_literal_start);

  if (const json::object* contract = object_at(root, "contract")) {
    if (const auto* input = object_at(*contract, "input"); input != nullptr) {
      if (const auto* schema = object_at(*input, "inputSchema")) impl->input_schema = *schema;
    }
    if (const auto* output = object_at(*contract, "output"); output != nullptr) {
      if (const auto* schema = object_at(*output, "successSchema")) impl->success_schema = *schema;
    }
  }
  impl->method = string_at(request, "requestType").value_or("GET");
  static const char* kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  if (std::find(std::begin(kMethods), std::end(kMethods), impl->method) == std::end(kMethods)) {
    return Error{"config.request.requestType: GET, POST, PUT, PATCH or DELETE, not " + impl->method};
  }
  if (const auto* headers = object_at(*request, "headers")) {
    for (const auto& [key, value] : *headers) {
      const std::string path = "config.request.headers." + std::string(key);
      if (!value.is_string()) return Error{path + ": a string is required"};
      auto t = VelocityTemplate::parse(value.as_string());
      if (!t) return Error{path + ": " + t.error().message};
      impl->headers.emplace_back(std::string(key), std::move(*t));
    }
  }
  if (impl->method == "POST" || impl->method == "PUT" || impl->method == "PATCH") {
    auto t = VelocityTemplate::parse(string_at(request, "requestTemplate").value_or("${input.rawRequest}"));
    if (!t) return Error{"config.request.requestTemplate: " + t.error().message};
    impl->body = std::move(*t);
  }
  if (response != nullptr) {
    if (const auto* map = object_at(*response, "translationMap")) {
      for (const auto& [key, value] : *map) {
        const std::string path = "config.response.translationMap." + std::string(key);
        if (!value.is_string()) return Error{path + ": a JSONPath string is required"};
        auto p = JsonPath::parse(value.as_string());
        if (!p) return Error{path + ": " + p.error().message};
        impl->translation.emplace_back(std::string(key), std::move(*p));
      }
    }
    if (const auto* defaults = object_at(*response, "translationMapDefaults")) {
      for (const auto& [key, value] : *defaults) {
        const std::string path = "config.response.translationMapDefaults." + std::string(key);
        if (!value.is_string()) return Error{path + ": a JSON literal in a string is required"};
        auto literal = parse_json(value.as_string());
        if (!literal) return Error{path + ": not a JSON literal: " + literal.error().message};
        impl->defaults[std::string(key)] = std::move(*literal);
      }
    }
  }
  // Genesys's execution timeout: 1 to 60 seconds, 60 by default.
  if (const auto* t = config->if_contains("timeoutSeconds")) {
    if (!t->is_number() || t->to_number<double>() < 1 || t->to_number<double>() > 60) {
      return Error{"config.timeoutSeconds: a number from 1 to 60"};
    }
    impl->timeout = std::chrono::milliseconds(static_cast<std::int64_t>(t->to_number<double>() * 1000));
  }
  return DataAction(std::move(impl));
}

ExecutionResult DataAction::execute(const json::object& inputs, const net::TlsOptions& tls) const {
  const Impl& a = *impl_;
  if (auto bad = check_schema(inputs, a.input_schema, "input")) return failure("bad.request", *bad, 400);

  json::object input = inputs;
  input["rawRequest"] = json::serialize(inputs);
  const json::object context{{"input", std::move(input)}};

  // The request. A rendered value may not add a header or a line to the request.
  const std::string url_text = a.url.render(context);
  if (auto bad = check_rendered_url(url_text, a.url_literal_start)) {
    return failure("template", "requestUrlTemplate renders to a URL that is refused: " + *bad);
  }
  // A fragment never goes into a request.
  auto url = net::Url::parse(std::string_view(url_text).substr(0, url_text.find('#')));
  if (!url || (url->scheme != "http" && url->scheme != "https")) {
    return failure("template", "requestUrlTemplate renders to an invalid URL: " + url_text);
  }
  net::HttpRequest request;
  request.method = a.method;
  request.target = url->target;
  bool json_body = true;
  for (const auto& [name, t] : a.headers) {
    std::string value = t.render(context);
    if (!valid_field_value(value)) {
      return failure("template", "header '" + name + "': the rendered value contains a control character");
    }
    if (boost::beast::iequals(name, "content-type")) json_body = value.find("json") != std::string::npos;
    // Transfer-Encoding is an instruction to the platform (Genesys documents "buffered"
    // for services without chunked transfer), not a header for the service: the client
    // always sends a Content-Length.
    if (boost::beast::iequals(name, "transfer-encoding")) continue;
    request.headers.push_back({name, std::move(value)});
  }
  if (a.body) {
    if (json_body) {
      auto rendered = a.body->render_json(context);
      if (!rendered) return failure("template", "requestTemplate: " + rendered.error().message);
      if (auto checked = parse_json(*rendered); !checked) {
        return failure("template", "requestTemplate does not render to valid JSON: " + checked.error().message);
      }
      request.body = std::move(*rendered);
    } else {
      request.body = a.body->render(context);
    }
  }

  net::HttpClient client(*url, tls);
  auto answer = client.send(request, a.timeout);
  if (!answer) {
    const bool timed_out = answer.error().message.find("timed out") != std::string::npos;
    return failure(timed_out ? "timeout" : "upstream",
                   timed_out ? "the service did not answer within " + std::to_string(a.timeout.count()) + " ms"
                             : "the service could not be reached: " + answer.error().message);
  }
  if (answer->status < 200 || answer->status >= 300) {
    return failure("upstream",
                   "the service answered " + std::to_string(answer->status) + ": " + answer->body.substr(0, 200),
                   answer->status);
  }
  if (answer->body.size() > kMaxResponseBytes) {
    return failure("response", "the response is larger than 5 MB", answer->status);
  }

  // The response, through the translation map, into the success template.
  json::object values;
  values["rawResult"] = answer->body;
  if (!a.translation.empty()) {
    auto body = parse_json(answer->body);
    if (!body) return failure("response", "the response is not JSON: " + body.error().message, answer->status);
    for (const auto& [name, path] : a.translation) {
      json::value found = path.find(*body);
      if (found.is_null()) {
        const auto d = a.defaults.find(name);
        if (d == a.defaults.end()) {
          return failure("response",
                         "translationMap '" + name + "': " + path.text() + " found nothing and there is no default",
                         answer->status);
        }
        found = d->second;
      }
      // A translated value is inserted as JSON text: ${status} prints "shipped" with its quotes.
      values[name] = json::serialize(found);
    }
  }
  const std::string rendered = a.success.render(values);
  auto output = parse_json(rendered);
  if (!output || !output->is_object()) {
    return failure("output", "successTemplate does not render to a JSON object: " + rendered.substr(0, 200),
                   answer->status);
  }
  if (auto bad = check_schema(output->as_object(), a.success_schema, "output")) {
    return failure("output", *bad, answer->status);
  }
  ExecutionResult ok;
  ok.success = true;
  ok.status = answer->status;
  ok.output_json = json::serialize(*output);
  return ok;
}

const std::string& DataAction::name() const { return impl_->name; }
std::chrono::milliseconds DataAction::timeout() const { return impl_->timeout; }

DataAction::DataAction(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DataAction::DataAction(DataAction&&) noexcept = default;
DataAction& DataAction::operator=(DataAction&&) noexcept = default;
DataAction::~DataAction() = default;

}  // namespace tracechat::dataaction
