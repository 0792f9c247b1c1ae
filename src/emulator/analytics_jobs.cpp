#include "analytics_jobs.h"

namespace tracechat::emulator {

std::string_view job_state_name(JobState state) {
  switch (state) {
    case JobState::queued: return "QUEUED";
    case JobState::pending: return "PENDING";
    case JobState::fulfilled: return "FULFILLED";
    case JobState::failed: return "FAILED";
    case JobState::cancelled: return "CANCELLED";
    case JobState::expired: return "EXPIRED";
  }
  return "FAILED";
}

std::int64_t AnalyticsJobs::system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

AnalyticsJobs::AnalyticsJobs(JobSettings settings, Now now) : settings_(std::move(settings)), now_(std::move(now)) {}

JobState AnalyticsJobs::state_of(const Job& job, std::int64_t now) const {
  if (job.cancelled) return JobState::cancelled;
  if (now >= job.submitted_ms + settings_.lifetime.count()) return JobState::expired;
  const auto delay = settings_.delay.count();
  if (now < job.submitted_ms + delay / 2) return JobState::queued;
  if (now < job.submitted_ms + delay) return JobState::pending;
  return settings_.failure.empty() ? JobState::fulfilled : JobState::failed;
}

bool AnalyticsJobs::finished(const Job& job, std::int64_t now) const {
  const auto state = state_of(job, now);
  return state != JobState::queued && state != JobState::pending;
}

void AnalyticsJobs::drop_hits(Job& job) {
  stored_hits_ -= job.hits.size();
  job.hits.clear();
  job.hits.shrink_to_fit();
}

void AnalyticsJobs::forget(std::unordered_map<std::string, Job>::iterator it) {
  stored_hits_ -= it->second.hits.size();
  by_order_.erase(it->second.order);
  jobs_.erase(it);
}

void AnalyticsJobs::make_room(std::size_t new_hits, std::int64_t now) {
  const auto full = [&] {
    return !jobs_.empty() &&
           (jobs_.size() >= settings_.max_jobs || stored_hits_ + new_hits > settings_.max_stored_hits);
  };
  // Finished jobs first (nobody waits for them any more), oldest first; then any.
  for (bool only_finished : {true, false}) {
    for (auto it = by_order_.begin(); it != by_order_.end() && full();) {
      auto job = jobs_.find(it->second);
      ++it;
      if (!only_finished || finished(job->second, now)) forget(job);
    }
  }
}

std::string AnalyticsJobs::submit(std::vector<std::shared_ptr<Conversation>> hits, std::int64_t submitted_ms) {
  std::string id = random_uuid();
  std::lock_guard lock(mutex_);
  make_room(hits.size(), submitted_ms);
  Job job;
  job.order = next_order_++;
  job.submitted_ms = submitted_ms;
  job.availability_ms = availability_ms(submitted_ms);
  if (settings_.failure.empty()) job.hits = std::move(hits);  // a failing job returns nothing
  stored_hits_ += job.hits.size();
  by_order_[job.order] = id;
  jobs_.emplace(id, std::move(job));
  return id;
}

std::optional<JobStatus> AnalyticsJobs::status(const std::string& id) {
  const auto now = now_();
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return std::nullopt;
  Job& job = it->second;
  JobStatus s;
  s.state = state_of(job, now);
  s.submitted_ms = job.submitted_ms;
  s.expires_ms = job.submitted_ms + settings_.lifetime.count();
  s.availability_ms = job.availability_ms;
  if (s.state == JobState::fulfilled || s.state == JobState::failed) {
    s.completed_ms = job.submitted_ms + settings_.delay.count();
  }
  if (s.state == JobState::failed) s.error_message = settings_.failure;
  if (s.state == JobState::expired) drop_hits(job);
  return s;
}

bool AnalyticsJobs::cancel(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return false;
  it->second.cancelled = true;
  drop_hits(it->second);
  return true;
}

Result<JobPage, JobPageError> AnalyticsJobs::page(const std::string& id, std::size_t offset, std::size_t size) {
  const auto now = now_();
  std::lock_guard lock(mutex_);
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return JobPageError{404, "no job " + id.substr(0, 64)};
  Job& job = it->second;
  const auto state = state_of(job, now);
  if (state != JobState::fulfilled) {
    if (state == JobState::expired) drop_hits(job);
    return JobPageError{400, "job " + id + " is " + std::string(job_state_name(state)) +
                                 "; results can be fetched once it is FULFILLED"};
  }
  if (offset > job.hits.size()) return JobPageError{400, "cursor: past the end of the results"};
  JobPage page;
  page.availability_ms = job.availability_ms;
  const std::size_t end = offset + std::min(size, job.hits.size() - offset);
  page.conversations.assign(job.hits.begin() + static_cast<std::ptrdiff_t>(offset),
                            job.hits.begin() + static_cast<std::ptrdiff_t>(end));
  if (end < job.hits.size()) page.next_offset = end;
  return page;
}

std::size_t AnalyticsJobs::size() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

}  // namespace tracechat::emulator
