// A Genesys Cloud custom web-services Data Action, read from the JSON the Platform API
// exports, and its execution: inputs checked against the input contract, the request
// built from its Velocity templates (headers and URL refuse line breaks, a JSON body
// must be valid JSON), sent with the action's timeout, the response mapped through
// translationMap (a JSONPath subset) and translationMapDefaults into successTemplate,
// and the output checked against the success contract. Failures come back the way
// Genesys reports them to a flow: a status code and a message, never an exception.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "tracechat/net/tls.h"
#include "tracechat/result.h"

namespace boost::json {
class object;
}

namespace tracechat::dataaction {

struct ExecutionResult {
  bool success = false;
  int status = 0;           // the service's HTTP status; 0 when it was not reached
  std::string error_code;   // failure: bad.request (inputs), template, timeout, upstream, response, output
  std::string message;      // failure: what went wrong, naming the field or header
  std::string output_json;  // success: the output object, as JSON
};

// The request types a Data Action may use: GET, POST, PUT, PATCH, DELETE.
bool is_request_type(std::string_view method);

class DataAction {
 public:
  // Errors name the JSON path: "config.request.headers.traceparent: line 1, column 4: ...".
  static Result<DataAction> parse(std::string_view json_text);

  const std::string& name() const;
  std::chrono::milliseconds timeout() const;

  // `inputs`: the action's inputs (the flow's bound variables). `tls`: for https services.
  // `timeout`: the calling flow's own limit (an Architect callData's), which applies when
  // it is shorter than the action's.
  ExecutionResult execute(const boost::json::object& inputs, const net::TlsOptions& tls = {},
                          std::optional<std::chrono::milliseconds> timeout = std::nullopt) const;

  DataAction(DataAction&&) noexcept;
  DataAction& operator=(DataAction&&) noexcept;
  ~DataAction();

 private:
  struct Impl;
  explicit DataAction(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechat::dataaction
