// Any input: TraceState::parse never crashes; an accepted list re-serialises into a
// header that parses to the same members, truncation respects its limit, and
// mutation keeps the list valid.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/trace/tracestate.h"

using namespace tracechat::trace;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto parsed = TraceState::parse(input);
  if (!parsed.ok()) return 0;
  if (parsed->size() > TraceState::kMaxMembers) std::abort();
  const auto again = TraceState::parse(parsed->to_header(SIZE_MAX));
  if (!again.ok() || !(*again == *parsed)) std::abort();
  for (std::size_t limit : {std::size_t{0}, std::size_t{64}, std::size_t{512}}) {
    const std::string cut = parsed->to_header(limit);
    if (cut.size() > limit) std::abort();
    if (!TraceState::parse(cut).ok()) std::abort();
  }
  const auto updated = parsed->with("fuzz", "v");
  if (!updated.ok() || updated->members().front().key != "fuzz" || updated->size() > TraceState::kMaxMembers) {
    std::abort();
  }
  return 0;
}
