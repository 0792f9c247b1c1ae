#include "tracechat/platform/details_job.h"

#include <set>
#include <thread>

namespace tracechat::platform {

namespace {

using Clock = std::chrono::steady_clock;

// One run of a job: the options, the clock it started on and what it has seen so far.
class JobRun {
 public:
  JobRun(PlatformClient& client, const DetailsJobOptions& options) : client_(client), options_(options) {}

  Result<bool, PlatformError> run(const DetailsQuery& query,
                                  const std::function<bool(const ConversationDetails&)>& visit) {
    TRACECHAT_TRY(progress_.job_id, client_.submit_details_job(query));
    progress_.state = "QUEUED";
    auto found = wait_and_read(visit);
    // Best effort, whatever happened: a job read to the end, failed, timed out or stopped
    // is of no further use, and deleting it frees it on the org before it expires.
    if (progress_.state != "CANCELLED") (void)client_.cancel_details_job(progress_.job_id);
    return found;
  }

 private:
  Result<bool, PlatformError> wait_and_read(const std::function<bool(const ConversationDetails&)>& visit) {
    TRACECHAT_TRY(const auto status, wait_until_finished());
    if (status.state != "FULFILLED") {
      std::string why = "details job " + progress_.job_id + " ended " + status.state;
      if (!status.error_message.empty()) why += ": " + status.error_message.substr(0, 300);
      return PlatformError{PlatformError::Kind::failed, why, 0};
    }
    return read_results(visit);
  }

  // Polls with a growing wait until the job leaves QUEUED/PENDING.
  Result<DetailsJobStatus, PlatformError> wait_until_finished() {
    auto wait = options_.first_poll;
    for (;;) {
      TRACECHAT_TRY(auto status, client_.get_details_job(progress_.job_id));
      progress_.state = status.state;
      report();
      if (status.finished()) return status;
      if (auto e = out_of_time(wait)) return *e;
      sleep(wait);
      if (auto e = stopped()) return *e;
      wait = std::min(options_.poll_cap, wait + wait / 2);
    }
  }

  // Page by page by cursor, until the visitor stops or the last page. A server whose
  // cursors go round in a circle would keep this going for ever: a cursor seen before
  // ends it with an error, and so does the run's time limit.
  Result<bool, PlatformError> read_results(const std::function<bool(const ConversationDetails&)>& visit) {
    std::optional<std::string> cursor;
    std::set<std::string> seen;
    do {
      TRACECHAT_TRY(auto page, client_.get_details_job_results(progress_.job_id, cursor, options_.page_size));
      ++progress_.pages;
      for (const auto& conversation : page.conversations) {
        ++progress_.conversations;
        if (visit(conversation)) {
          report();
          return true;
        }
      }
      report();
      if (page.cursor && !seen.insert(*page.cursor).second) {
        return PlatformError{PlatformError::Kind::failed,
                             "details job " + progress_.job_id + ": the results cursor came back to one already read",
                             0};
      }
      if (auto e = out_of_time(std::chrono::milliseconds(0))) return *e;
      if (auto e = stopped()) return *e;
      cursor = std::move(page.cursor);
    } while (cursor);
    return false;
  }

  std::optional<PlatformError> out_of_time(std::chrono::milliseconds next_wait) const {
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_);
    if (elapsed + next_wait <= options_.timeout) return std::nullopt;
    return PlatformError{PlatformError::Kind::failed,
                         "details job " + progress_.job_id + " did not finish within " +
                             std::to_string(options_.timeout.count() / 1000) + " s (state " + progress_.state +
                             "); cancelled it",
                         0};
  }

  std::optional<PlatformError> stopped() const {
    if (!options_.stop_requested || !options_.stop_requested()) return std::nullopt;
    return PlatformError{PlatformError::Kind::failed, "stopped; details job " + progress_.job_id + " cancelled", 0};
  }

  void sleep(std::chrono::milliseconds wait) const {
    if (options_.sleep) {
      options_.sleep(wait);
    } else {
      std::this_thread::sleep_for(wait);
    }
  }

  void report() {
    progress_.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start_);
    if (options_.on_progress) options_.on_progress(progress_);
  }

  PlatformClient& client_;
  const DetailsJobOptions& options_;
  const Clock::time_point start_ = Clock::now();
  DetailsJobProgress progress_;
};

}  // namespace

Result<bool, PlatformError> run_details_job(PlatformClient& client, const DetailsQuery& query,
                                            const DetailsJobOptions& options,
                                            const std::function<bool(const ConversationDetails&)>& visit) {
  return JobRun(client, options).run(query, visit);
}

}  // namespace tracechat::platform
