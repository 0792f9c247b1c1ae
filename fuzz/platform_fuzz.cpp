// Any input: the readers of the Platform API's answers never crash; each either refuses
// with a message naming the problem or gives a record, and a conversation record's
// attribute lookup works on whatever was read. Input bytes after the first choose the
// document; the first chooses the reader.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "tracechat/platform/records.h"

namespace {

template <typename R>
void check(const R& result) {
  if (!result.ok() && result.error().message.empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tracechat::platform;
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 7) {
    case 0: {
      auto c = read_conversation(text);
      check(c);
      if (c) (void)find_attribute(*c, "otel_trace_id");
      break;
    }
    case 1: check(read_message_details(text)); break;
    case 2: {
      auto page = read_details_query_page(text);
      check(page);
      if (page) {
        for (const auto& c : page->conversations) (void)find_attribute(c, "otel_trace_id");
      }
      break;
    }
    case 3: check(read_details_job_status(text)); break;
    case 4: {
      auto page = read_details_job_page(text);
      check(page);
      if (page && page->cursor && page->cursor->empty()) std::abort();  // an empty cursor ends paging
      break;
    }
    case 5: check(read_job_id(text)); break;
    default: check(read_data_availability_date(text)); break;
  }
  return 0;
}
