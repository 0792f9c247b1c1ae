// AnalyticsJobs: the asynchronous conversation details jobs, as a store with no HTTP in
// it (analytics_jobs_api.h serves it). Which conversations a job returns is decided when
// it is submitted, over the data available then (conversations that started before the
// availability date); their records are rendered when a page of results is fetched, so a
// page shows the attributes as they are at that moment.
//
// A job's state follows from the clock, with no timer: QUEUED for the first half of the
// delay, PENDING for the second, then FULFILLED (or FAILED, with the configured failure),
// EXPIRED once its expiration date passed, CANCELLED when deleted. Memory is bounded: at
// most max_jobs jobs and max_stored_hits stored conversations over all jobs; past either,
// the oldest finished jobs are forgotten first, then the oldest of any state.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "platform.h"
#include "tracechat/result.h"

namespace tracechat::emulator {

enum class JobState { queued, pending, fulfilled, failed, cancelled, expired };
std::string_view job_state_name(JobState state);  // "QUEUED", ...

struct JobSettings {
  std::chrono::milliseconds delay{1000};
  std::chrono::milliseconds availability_lag{0};
  std::string failure;  // non-empty: every job ends FAILED with it
  std::size_t max_jobs = 1000;
  std::size_t max_stored_hits = 1000000;
  std::chrono::milliseconds lifetime = std::chrono::hours(24);  // submission to expiration
};

struct JobStatus {
  JobState state = JobState::queued;
  std::int64_t submitted_ms = 0;
  std::int64_t expires_ms = 0;
  std::optional<std::int64_t> completed_ms;  // FULFILLED and FAILED
  std::string error_message;                 // FAILED
  std::int64_t availability_ms = 0;          // the data the job saw
};

struct JobPage {
  std::vector<std::shared_ptr<Conversation>> conversations;
  std::optional<std::size_t> next_offset;  // absent on the last page
  std::int64_t availability_ms = 0;
};

struct JobPageError {
  int status = 400;
  std::string message;
};

class AnalyticsJobs {
 public:
  using Now = std::function<std::int64_t()>;  // milliseconds since the epoch
  static std::int64_t system_now_ms();

  explicit AnalyticsJobs(JobSettings settings, Now now = system_now_ms);

  std::int64_t now_ms() const { return now_(); }
  // Jobs submitted at `now` see conversations that started before this instant.
  std::int64_t availability_ms(std::int64_t now) const { return now - settings_.availability_lag.count(); }

  // A job submitted at `submitted_ms` whose results are `hits`, in order. Returns its id.
  std::string submit(std::vector<std::shared_ptr<Conversation>> hits, std::int64_t submitted_ms);
  std::optional<JobStatus> status(const std::string& id);
  // False for an unknown job.
  bool cancel(const std::string& id);
  // The results from `offset`, at most `size`; 404 for an unknown job, 400 for a job that
  // is not FULFILLED or an offset past the results.
  Result<JobPage, JobPageError> page(const std::string& id, std::size_t offset, std::size_t size);
  std::size_t size() const;

 private:
  struct Job {
    std::uint64_t order = 0;
    std::int64_t submitted_ms = 0;
    std::int64_t availability_ms = 0;
    bool cancelled = false;
    std::vector<std::shared_ptr<Conversation>> hits;
  };
  // Under mutex_.
  JobState state_of(const Job& job, std::int64_t now) const;
  bool finished(const Job& job, std::int64_t now) const;
  void drop_hits(Job& job);
  void make_room(std::size_t new_hits, std::int64_t now);
  void forget(std::unordered_map<std::string, Job>::iterator it);

  JobSettings settings_;
  Now now_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Job> jobs_;
  std::map<std::uint64_t, std::string> by_order_;  // oldest first
  std::uint64_t next_order_ = 0;
  std::size_t stored_hits_ = 0;
};

}  // namespace tracechat::emulator
