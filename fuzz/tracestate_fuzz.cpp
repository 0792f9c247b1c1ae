// Any input, split on '\n' into `tracestate` header lines that follow a valid
// `traceparent` line, read by extract_context as a request's lines are:
//  * it never crashes, and a tracestate never costs the traceparent;
//  * its verdict on the lines is TraceState::parse's on their combined value;
//  * an accepted list has unique keys and at most 32 members, and round-trips:
//    format -> parse gives the same members, and so does format -> one line per member
//    -> extract_context (parse -> format -> parse, across lines);
//  * truncation respects its limit and leaves a parsable list; mutation keeps it valid.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "tracechat/trace/propagation.h"

using namespace tracechat::trace;

namespace {

constexpr std::string_view kParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> out;
  while (true) {
    const auto at = text.find(separator);
    out.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return out;
    text.remove_prefix(at + 1);
  }
}

// The parent's tracestate read from `lines` (each a tracestate line); aborts if the
// traceparent did not survive.
ExtractedContext extract(const std::vector<std::string_view>& lines) {
  std::vector<FieldLine> fields{{"traceparent", kParent}};
  for (const auto line : lines) fields.push_back({"tracestate", line});
  auto extracted = extract_context(fields);
  if (!extracted.parent || extracted.parent->traceparent() != kParent) std::abort();
  if (extracted.tracestate_lines != lines.size()) std::abort();
  return extracted;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto lines = split(input, '\n');
  const auto extracted = extract(lines);

  std::string joined;
  for (std::size_t i = 0; i < lines.size(); ++i) joined.append(i ? ", " : "").append(lines[i]);
  const auto direct = TraceState::parse(joined);
  if (direct.ok() != extracted.tracestate_error.empty()) std::abort();
  const TraceState& state = extracted.parent->trace_state;
  if (!direct.ok()) {
    if (!state.empty() || !extracted.tracestate_dropped.empty()) std::abort();
    return 0;
  }
  if (!(state == *direct) || state.size() > TraceState::kMaxMembers) std::abort();
  const auto& members = state.members();
  for (std::size_t i = 0; i < members.size(); ++i) {
    if (!TraceState::valid_key(members[i].key) || !TraceState::valid_value(members[i].value)) std::abort();
    for (std::size_t j = 0; j < i; ++j) {
      if (members[j].key == members[i].key) std::abort();
    }
  }

  // parse -> format -> parse, as one line and as one line per member.
  const std::string formatted = state.to_header(SIZE_MAX);
  const auto again = TraceState::parse(formatted);
  if (!again.ok() || !(*again == state)) std::abort();
  const auto relined = extract(split(formatted, ','));
  if (!relined.tracestate_error.empty() || !(relined.parent->trace_state == state)) std::abort();

  for (std::size_t limit : {std::size_t{0}, std::size_t{64}, std::size_t{512}}) {
    const std::string cut = state.to_header(limit);
    if (cut.size() > limit) std::abort();
    const auto reparsed = TraceState::parse(cut);
    if (!reparsed.ok() || reparsed->size() > state.size()) std::abort();
  }
  const auto updated = state.with("fuzz", "v");
  if (!updated.ok() || updated->members().front().key != "fuzz" || updated->size() > TraceState::kMaxMembers) {
    std::abort();
  }
  return 0;
}
