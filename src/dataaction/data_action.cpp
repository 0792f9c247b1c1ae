#include "tracechat/dataaction/data_action.h"

#include <algorithm>
#include <boost/beast/core/string.hpp>
#include <boost/json.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "common/json_reader.h"
#include "json_path.h"
#include "request_checks.h"
#include "tracechat/dataaction/velocity.h"
#include "tracechat/net/http_client.h"
#include "tracechat/net/url.h"

namespace tracechat::dataaction {
namespace {

namespace json = boost::json;
using common::ObjectReader;

constexpr std::size_t kMaxResponseBytes = 5 * 1024 * 1024;
constexpr int kMaxJsonDepth = 50;

Result<json::value> parse_json(std::string_view text) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
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

ExecutionResult failure(std::string code, std::string message, int status = 0) {
  ExecutionResult r;
  r.error_code = std::move(code);
  r.message = std::move(message);
  r.status = status;
  return r;
}

// A definition as parse() reads it, and what execute() runs.
struct Definition {
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

  Definition(VelocityTemplate u, VelocityTemplate s) : url(std::move(u)), success(std::move(s)) {}
};

// ---- Reading a definition. Every error names the JSON path of the bad field.

// The object at `key` as a reader of its own; absent or null reads as an empty object.
Result<ObjectReader> object_at(const ObjectReader& parent, std::string_view key) {
  static const json::object kEmpty;
  TRACECHAT_TRY(const json::object* o, parent.optional_object(key));
  return ObjectReader(o != nullptr ? *o : kEmpty, parent.path_of(key));
}

// A template member; `fallback` when it is absent.
Result<VelocityTemplate> template_at(const ObjectReader& r, std::string_view key, std::string_view fallback) {
  TRACECHAT_TRY(const auto text, r.optional_string(key));
  auto t = VelocityTemplate::parse(text ? *text : fallback);
  if (!t) return Error{r.path_of(key) + ": " + t.error().message};
  return t;
}

struct UrlTemplate {
  VelocityTemplate url;
  std::string literal_start;
};

// The URL template must begin with its scheme and host as literal text, so no input
// can choose where the request goes.
Result<UrlTemplate> read_url(const ObjectReader& request) {
  TRACECHAT_TRY(const auto text, request.optional_string("requestUrlTemplate"));
  if (!text) return Error{request.path_of("requestUrlTemplate") + ": a string is required"};
  auto url = VelocityTemplate::parse(*text);
  if (!url) return Error{request.path_of("requestUrlTemplate") + ": " + url.error().message};
  std::string literal_start = url->leading_text();
  const std::size_t scheme = detail::scheme_length(literal_start);
  if (scheme == 0 || detail::authority_end(literal_start) == scheme) {
    return Error{request.path_of("requestUrlTemplate") +
                 ": must start with a literal http:// or https:// and host; an input may fill only the path, query "
                 "or fragment"};
  }
  return UrlTemplate{std::move(*url), std::move(literal_start)};
}

Result<std::string> read_method(const ObjectReader& request) {
  TRACECHAT_TRY(const auto method, request.optional_string("requestType"));
  const std::string m = method.value_or("GET");
  if (!is_request_type(m)) {
    return Error{request.path_of("requestType") + ": GET, POST, PUT, PATCH or DELETE, not " + m};
  }
  return m;
}

// An object of strings, each parsed by `parse` (a template, a JSONPath, a JSON literal).
template <typename T, typename Parse>
Result<std::vector<std::pair<std::string, T>>> read_each(const ObjectReader& r, std::string_view key,
                                                         std::string_view expected, Parse parse) {
  TRACECHAT_TRY(const json::object* o, r.optional_object(key));
  std::vector<std::pair<std::string, T>> out;
  if (o == nullptr) return out;
  for (const auto& [name, value] : *o) {
    const std::string path = common::join_path(r.path_of(key), name);
    if (!value.is_string()) return Error{path + ": " + std::string(expected) + " is required"};
    auto parsed = parse(value.get_string());
    if (!parsed) return Error{path + ": " + parsed.error().message};
    out.emplace_back(std::string(name), std::move(*parsed));
  }
  return out;
}

Result<json::value> parse_json_literal(std::string_view text) {
  auto v = parse_json(text);
  if (!v) return Error{"not a JSON literal: " + v.error().message};
  return v;
}

// contract.input.inputSchema and contract.output.successSchema; either may be absent.
Result<void> read_contract(const ObjectReader& root, Definition& d) {
  TRACECHAT_TRY(const ObjectReader contract, object_at(root, "contract"));
  TRACECHAT_TRY(const ObjectReader input, object_at(contract, "input"));
  TRACECHAT_TRY(const ObjectReader output, object_at(contract, "output"));
  TRACECHAT_TRY(const json::object* input_schema, input.optional_object("inputSchema"));
  TRACECHAT_TRY(const json::object* success_schema, output.optional_object("successSchema"));
  if (input_schema != nullptr) d.input_schema = *input_schema;
  if (success_schema != nullptr) d.success_schema = *success_schema;
  return {};
}

Result<void> read_request(const ObjectReader& request, Definition& d) {
  TRACECHAT_TRY(d.method, read_method(request));
  TRACECHAT_TRY(d.headers, read_each<VelocityTemplate>(request, "headers", "a string", VelocityTemplate::parse));
  if (d.method == "POST" || d.method == "PUT" || d.method == "PATCH") {
    TRACECHAT_TRY(d.body, template_at(request, "requestTemplate", "${input.rawRequest}"));
  }
  return {};
}

Result<void> read_response(const ObjectReader& response, Definition& d) {
  TRACECHAT_TRY(d.translation, read_each<JsonPath>(response, "translationMap", "a JSONPath string", JsonPath::parse));
  TRACECHAT_TRY(const auto defaults, read_each<json::value>(response, "translationMapDefaults",
                                                            "a JSON literal in a string", parse_json_literal));
  for (const auto& [name, value] : defaults) d.defaults[name] = value;
  return {};
}

// Genesys's execution timeout: 1 to 60 seconds, 60 by default.
Result<std::chrono::milliseconds> read_timeout(const ObjectReader& config) {
  TRACECHAT_TRY(const auto seconds, config.optional_number("timeoutSeconds"));
  if (!seconds) return std::chrono::milliseconds(60000);
  if (*seconds < 1 || *seconds > 60) return Error{config.path_of("timeoutSeconds") + ": a number from 1 to 60"};
  return std::chrono::milliseconds(static_cast<std::int64_t>(*seconds * 1000));
}

// ---- Executing it. Each step returns the failure a flow would see, or its product.

template <typename T>
using Step = Result<T, ExecutionResult>;

struct PreparedRequest {
  net::Url url;
  net::HttpRequest request;
};

// The request from the templates. A rendered value may not add a header or a line to
// the request, nor take the URL outside the path the template names.
Step<PreparedRequest> render_request(const Definition& a, const json::object& context) {
  const std::string url_text = a.url.render(context);
  if (auto bad = detail::check_rendered_url(url_text, a.url_literal_start)) {
    return failure("template", "requestUrlTemplate renders to a URL that is refused: " + *bad);
  }
  // A fragment never goes into a request.
  auto url = net::Url::parse(std::string_view(url_text).substr(0, url_text.find('#')));
  if (!url || (url->scheme != "http" && url->scheme != "https")) {
    return failure("template", "requestUrlTemplate renders to an invalid URL: " + url_text);
  }
  PreparedRequest out{std::move(*url), {}};
  out.request.method = a.method;
  out.request.target = out.url.target;
  bool json_body = true;
  for (const auto& [name, t] : a.headers) {
    std::string value = t.render(context);
    // A header that renders to nothing is not sent. The headers are a fixed map, so this
    // is the only way an optional input's header (tracestate, X-Conversation-Id) can be
    // left out, and W3C asks senders not to send an empty tracestate. Genesys does not
    // document which it does; the receivers here take an empty header and none alike.
    if (value.empty()) continue;
    if (!detail::valid_field_value(value)) {
      return failure("template", "header '" + name + "': the rendered value contains a control character");
    }
    if (boost::beast::iequals(name, "content-type")) json_body = value.find("json") != std::string::npos;
    // Transfer-Encoding is an instruction to the platform (Genesys documents "buffered"
    // for services without chunked transfer), not a header for the service: the client
    // always sends a Content-Length.
    if (boost::beast::iequals(name, "transfer-encoding")) continue;
    out.request.headers.push_back({name, std::move(value)});
  }
  if (!a.body) return out;
  if (!json_body) {
    out.request.body = a.body->render(context);
    return out;
  }
  auto rendered = a.body->render_json(context);
  if (!rendered) return failure("template", "requestTemplate: " + rendered.error().message);
  if (auto checked = parse_json(*rendered); !checked) {
    return failure("template", "requestTemplate does not render to valid JSON: " + checked.error().message);
  }
  out.request.body = std::move(*rendered);
  return out;
}

// Connections to the service stay open between calls (HTTP keep-alive), as an outbound
// HTTP client's do: one connection a call cost a TCP handshake and teardown and a new
// I/O context each time — about a tenth of the emulator's CPU at 2,000 calls a second in
// `tracechat load`. Idle clients by origin and TLS settings, at most kMaxIdle each (the
// rest close); a client whose exchange failed is not given back.
class IdleClients {
 public:
  std::unique_ptr<net::HttpClient> take(const net::Url& url, const net::TlsOptions& tls) {
    {
      std::lock_guard lock(mutex_);
      auto it = idle_.find(key(url, tls));
      if (it != idle_.end() && !it->second.empty()) {
        auto client = std::move(it->second.back());
        it->second.pop_back();
        return client;
      }
    }
    return std::make_unique<net::HttpClient>(url, tls);
  }
  void give_back(const net::Url& url, const net::TlsOptions& tls, std::unique_ptr<net::HttpClient> client) {
    std::lock_guard lock(mutex_);
    auto& idle = idle_[key(url, tls)];
    if (idle.size() < kMaxIdle) idle.push_back(std::move(client));
  }

 private:
  static constexpr std::size_t kMaxIdle = 64;
  static std::string key(const net::Url& url, const net::TlsOptions& tls) {
    return url.origin() + '\n' + (tls.verify_peer ? "1" : "0") + '\n' + tls.ca_file + '\n' + tls.client_cert_file +
           '\n' + tls.client_key_file;
  }
  std::mutex mutex_;
  std::map<std::string, std::vector<std::unique_ptr<net::HttpClient>>> idle_;
};

// The service's answer, when it is a success of acceptable size.
Step<net::HttpResponse> call(PreparedRequest prepared, const net::TlsOptions& tls, std::chrono::milliseconds timeout,
                             IdleClients& clients) {
  auto client = clients.take(prepared.url, tls);
  auto answer = client->send(prepared.request, timeout);
  // (HttpClient closes a connection that did not end cleanly; one that failed is dropped.)
  if (answer) clients.give_back(prepared.url, tls, std::move(client));
  if (!answer) {
    const bool timed_out = answer.error().message.find("timed out") != std::string::npos;
    return failure(timed_out ? "timeout" : "upstream",
                   timed_out ? "the service did not answer within " + std::to_string(timeout.count()) + " ms"
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
  return std::move(*answer);
}

// The values successTemplate sees: rawResult and each translationMap entry.
Step<json::object> translate(const Definition& a, const net::HttpResponse& answer) {
  json::object values;
  values["rawResult"] = answer.body;
  if (a.translation.empty()) return values;
  auto body = parse_json(answer.body);
  if (!body) return failure("response", "the response is not JSON: " + body.error().message, answer.status);
  for (const auto& [name, path] : a.translation) {
    json::value found = path.find(*body);
    if (found.is_null()) {
      const auto d = a.defaults.find(name);
      if (d == a.defaults.end()) {
        return failure("response",
                       "translationMap '" + name + "': " + path.text() + " found nothing and there is no default",
                       answer.status);
      }
      found = d->second;
    }
    // A translated value is inserted as JSON text: ${status} prints "shipped" with its quotes.
    values[name] = json::serialize(found);
  }
  return values;
}

}  // namespace

bool is_request_type(std::string_view method) {
  static constexpr std::string_view kTypes[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  return std::find(std::begin(kTypes), std::end(kTypes), method) != std::end(kTypes);
}

struct DataAction::Impl : Definition {
  using Definition::Definition;
  mutable IdleClients clients;  // execute() is const: calls may run on several threads at once
};

Result<DataAction> DataAction::parse(std::string_view text) {
  auto parsed = common::parse_object(text, kMaxJsonDepth, "a Data Action");
  if (!parsed) return Error{parsed.error().message};
  const ObjectReader root(parsed->object(), "");
  TRACECHAT_TRY(const auto name, root.optional_string("name"));
  if (!name || name->empty()) return Error{"name: a non-empty string is required"};
  TRACECHAT_TRY(const ObjectReader config, object_at(root, "config"));
  TRACECHAT_TRY(const json::object* request_object, config.optional_object("request"));
  if (request_object == nullptr) return Error{"config.request: an object is required"};
  const ObjectReader request(*request_object, config.path_of("request"));
  TRACECHAT_TRY(const ObjectReader response, object_at(config, "response"));

  TRACECHAT_TRY(auto url, read_url(request));
  TRACECHAT_TRY(auto success, template_at(response, "successTemplate", "${rawResult}"));
  auto impl = std::make_unique<Impl>(std::move(url.url), std::move(success));
  impl->name = *name;
  impl->url_literal_start = std::move(url.literal_start);
  TRACECHAT_CHECK(read_contract(root, *impl));
  TRACECHAT_CHECK(read_request(request, *impl));
  TRACECHAT_CHECK(read_response(response, *impl));
  TRACECHAT_TRY(impl->timeout, read_timeout(config));
  return DataAction(std::move(impl));
}

ExecutionResult DataAction::execute(const json::object& inputs, const net::TlsOptions& tls,
                                    std::optional<std::chrono::milliseconds> timeout) const {
  const Definition& a = *impl_;
  if (auto bad = check_schema(inputs, a.input_schema, "input")) return failure("bad.request", *bad, 400);
  json::object input = inputs;
  input["rawRequest"] = json::serialize(inputs);
  const json::object context{{"input", std::move(input)}};

  TRACECHAT_TRY(auto prepared, render_request(a, context));
  TRACECHAT_TRY(const auto answer,
                call(std::move(prepared), tls, timeout ? std::min(*timeout, a.timeout) : a.timeout, impl_->clients));
  TRACECHAT_TRY(const auto values, translate(a, answer));
  const std::string rendered = a.success.render(values);
  auto output = parse_json(rendered);
  if (!output || !output->is_object()) {
    return failure("output", "successTemplate does not render to a JSON object: " + rendered.substr(0, 200),
                   answer.status);
  }
  if (auto bad = check_schema(output->as_object(), a.success_schema, "output")) {
    return failure("output", *bad, answer.status);
  }
  ExecutionResult ok;
  ok.success = true;
  ok.status = answer.status;
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
