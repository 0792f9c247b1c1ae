// Any input: the Archy flow reader (after substitutions) and the expression parser never
// crash, and refuse with a message what they do not take. A flow they take runs to its
// end against a host that answers without a network; an expression they take evaluates
// or fails with a message.
#include <boost/json.hpp>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "emulator/archy_run.h"
#include "emulator/flow_substitution.h"

using namespace tracechat;
using namespace tracechat::emulator;

namespace {

constexpr const char* kAction = R"({"name": "Traced request",
  "contract": {"input": {"inputSchema": {"type": "object",
                 "properties": {"otel_trace_id": {"type": "string"}, "otel_span_id": {"type": "string"}}}},
               "output": {"successSchema": {"type": "object", "properties": {"status": {"type": "string"}}}}},
  "config": {"request": {"requestUrlTemplate": "http://127.0.0.1:9/orders", "requestType": "POST",
                         "headers": {}, "requestTemplate": "${input.rawRequest}"},
             "response": {"translationMap": {}, "successTemplate": "${rawResult}"}}})";

// Answers each call in turn with a success, a failure and a timeout.
class Host final : public archy::Host {
 public:
  std::optional<std::string> participant_data(const std::string& key) override {
    if (key == "otel_trace_id") return "4bf92f3577b34da6a3ce929d0e0e4736";
    return std::nullopt;
  }
  Result<void> set_participant_data(const std::vector<std::pair<std::string, std::string>>& a) override {
    if (a.size() > 3) return Error{"too many"};
    return {};
  }
  void send_response(std::string) override {}
  dataaction::ExecutionResult call_data_action(const archy::CallData&, const boost::json::object&) override {
    dataaction::ExecutionResult r;
    switch (calls_++ % 3) {
      case 0:
        r.success = true;
        r.status = 200;
        r.output_json = R"({"status":"shipped","order":{"n":1,"tags":["a"]},"big":18446744073709551615})";
        break;
      case 1:
        r.error_code = "upstream";
        r.status = 500;
        r.message = "the service answered 500";
        break;
      default: r.error_code = "timeout"; break;
    }
    return r;
  }
  void disconnect() override {}

 private:
  unsigned calls_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const archy::DataActions actions = [] {
    archy::DataActions m;
    m.emplace("Traced request", std::move(dataaction::DataAction::parse(kAction).value()));
    return m;
  }();
  static const FlowSubstitutions substitutions{{"flow_name", "Fuzzed"},
                                               {"data_action_category", "Tracing"},
                                               {"data_action_name", "Traced request"},
                                               {"queue_name", "Support"}};
  static const archy::Variables variables{{"State.s", std::string("text")},
                                          {"State.n", std::int64_t{9223372036854775807}},
                                          {"State.d", 2.5},
                                          {"State.b", true},
                                          {std::string(archy::kMessageBody), std::string(" hi ")}};
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (auto text = substitute(input, substitutions, "fuzz.yaml"); !text) {
    if (text.error().message.empty()) std::abort();
  } else if (auto flow = archy::load_flow(text->text, "fuzz.yaml", actions, text->substituted); !flow) {
    if (flow.error().message.empty()) std::abort();
  } else {
    Host host;
    const auto outcome = archy::run(*flow, archy::Trigger{"c-1", "A-1", true}, host);
    if (outcome.end == archy::Outcome::End::error && outcome.error.empty()) std::abort();
  }

  if (auto e = archy::Expression::parse(input); !e) {
    if (e.error().message.empty()) std::abort();
  } else if (auto v = e->evaluate(variables); !v && v.error().message.empty()) {
    std::abort();
  }
  return 0;
}
