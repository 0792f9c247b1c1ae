// Running an analytics details job to the end: submit, poll its state with a growing
// wait until it is fulfilled, then read its results page by page (following the cursor)
// and hand each conversation to a visitor, which may stop the reading early. The only
// way the platform returns participant attributes for a search. A job that fails names
// the platform's reason; one that outlasts the timeout is cancelled.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "tracechat/platform/platform_client.h"

namespace tracechat::platform {

struct DetailsJobProgress {
  std::string job_id;
  std::string state;  // the last state read
  std::chrono::milliseconds elapsed{0};
  std::size_t pages = 0;
  std::size_t conversations = 0;  // handed to the visitor so far
};

struct DetailsJobOptions {
  std::chrono::milliseconds first_poll{500};  // the first wait; each next one is 1.5 times longer ...
  std::chrono::milliseconds poll_cap{5000};   // ... up to this
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};
  int page_size = 1000;
  std::function<void(const DetailsJobProgress&)> on_progress;  // after each poll and each page
  std::function<void(std::chrono::milliseconds)> sleep;        // tests replace it
  // Asked after each wait: true stops (the job is cancelled), e.g. on Ctrl-C.
  std::function<bool()> stop_requested;
};

// Returns true when the visitor stopped the reading (it found what it looked for),
// false when every page was read.
Result<bool, PlatformError> run_details_job(PlatformClient& client, const DetailsQuery& query,
                                            const DetailsJobOptions& options,
                                            const std::function<bool(const ConversationDetails&)>& visit);

}  // namespace tracechat::platform
