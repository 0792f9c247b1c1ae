// `tracechat load`'s guests in child processes. Every guest holds a socket, so one
// process's descriptor limit (20,000 on the reference machine, and not raisable there)
// would cap a run; and with the guests in processes of their own, their CPU and memory
// are reported apart from the stack's (emulator, bridge, collector).
//
// The workers are forked before the parent starts any thread, so each begins as a copy
// of a single-threaded process with the parsed options already in hand; each then waits
// on a pipe for the URLs (the local stack's, known only once it runs), runs its part of
// the guests, and writes its report back as JSON on another pipe. Their live counts sit
// in memory shared with the parent, for the progress line.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tracechat/load/load_report.h"
#include "tracechat/result.h"

namespace tracechat::cli {

// What a worker learns once the parent knows it.
struct WorkerUrls {
  std::string guest_chat;  // with {guest} where each guest's id goes; empty: no guest-chat guests
  std::string web_messaging, web_messaging_auto_start;
  std::string otlp;  // where the guests' spans go; empty: nowhere
};

// A process's CPU time (user + system) and peak RSS, as the kernel counted them.
load::ResourceUse resource_use(std::string what, const rusage& usage);

class LoadWorkers {
 public:
  // What worker `index` (0-based) does: runs its guests and returns its report.
  using Run = std::function<load::LoadReport(std::size_t index, const WorkerUrls& urls, load::LoadProgress& progress)>;

  // Forks `count` workers that wait for start(). Call it before any thread starts.
  static Result<std::unique_ptr<LoadWorkers>> fork(std::size_t count, Run run);
  LoadWorkers(const LoadWorkers&) = delete;
  LoadWorkers& operator=(const LoadWorkers&) = delete;
  ~LoadWorkers();  // kills and reaps the workers still running

  std::size_t size() const { return workers_.size(); }
  std::span<const load::LoadProgress> progress() const { return {progress_, workers_.size()}; }

  // Tells every worker its URLs: their guests start.
  void start(const WorkerUrls& urls);

  struct Finished {
    std::vector<load::LoadReport> reports;  // each with the worker's CPU time and peak RSS as its resources
    std::vector<std::string> failures;      // the workers that crashed or sent no report, and how
  };
  // Waits for every worker, reading their reports as they come (a worker that fails is
  // known at once; the others go on). A termination signal for this process (Ctrl-C,
  // a CI's SIGTERM) is passed on to the workers, which end their runs with what they have.
  Finished finish();

 private:
  struct Worker {
    pid_t pid = -1;
    int urls_fd = -1;    // the parent writes the URLs here
    int report_fd = -1;  // and reads the report from here
  };
  LoadWorkers() = default;

  std::vector<Worker> workers_;
  load::LoadProgress* progress_ = nullptr;  // one per worker, in shared memory
  std::size_t mapped_bytes_ = 0;
};

}  // namespace tracechat::cli
