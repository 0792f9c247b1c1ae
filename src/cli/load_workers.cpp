#include "load_workers.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include "signals.h"

namespace tracechat::cli {
namespace {

// The counters are written by the worker and read by the parent through shared memory:
// that needs atomics that take no lock.
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

std::string read_all(int fd) {
  std::string out;
  char buffer[65536];
  while (true) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return out;
    out.append(buffer, static_cast<std::size_t>(n));
  }
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

std::string exit_text(int status) {
  if (WIFSIGNALED(status)) return std::string("was killed by signal ") + strsignal(WTERMSIG(status));
  return "exited with status " + std::to_string(WEXITSTATUS(status));
}

// In the worker: its URLs, its guests, its report; never returns.
[[noreturn]] void worker_main(std::size_t index, int urls_fd, int report_fd, load::LoadProgress& progress,
                              const LoadWorkers::Run& run) {
  const std::string text = read_all(urls_fd);
  ::close(urls_fd);
  boost::system::error_code ec;
  const auto json = boost::json::parse(text, ec);
  if (ec || !json.is_object()) _exit(3);  // the parent gave up before starting the run
  const auto& o = json.get_object();
  const auto member = [&](const char* key) {
    const auto* v = o.if_contains(key);
    return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  const WorkerUrls urls{member("guest_chat"), member("web_messaging"), member("web_messaging_auto_start"),
                        member("otlp")};
  // _exit, never a return or an exception: the worker is a copy of the parent, whose
  // objects (the other workers' handles among them) are not its to destroy.
  try {
    const load::LoadReport report = run(index, urls, progress);
    _exit(write_all(report_fd, boost::json::serialize(load::to_json(report))) ? 0 : 4);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: guest process %zu: %s\n", index + 1, e.what());
  } catch (...) {
    std::fprintf(stderr, "error: guest process %zu: an unknown exception\n", index + 1);
  }
  _exit(6);
}

}  // namespace

load::ResourceUse resource_use(std::string what, const rusage& usage) {
  const auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return {std::move(what), seconds(usage.ru_utime) + seconds(usage.ru_stime),
          static_cast<std::uint64_t>(usage.ru_maxrss)};
}

Result<std::unique_ptr<LoadWorkers>> LoadWorkers::fork(std::size_t count, Run run) {
  std::unique_ptr<LoadWorkers> out(new LoadWorkers());
  const std::size_t bytes = sizeof(load::LoadProgress) * count;
  void* shared = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED) return Error{std::string("load workers: shared memory: ") + std::strerror(errno)};
  out->progress_ = static_cast<load::LoadProgress*>(shared);
  out->mapped_bytes_ = bytes;
  for (std::size_t i = 0; i < count; ++i) new (&out->progress_[i]) load::LoadProgress();
  out->workers_.reserve(count);
  const pid_t parent = getpid();
  for (std::size_t i = 0; i < count; ++i) {
    int urls[2], report[2];
    if (pipe2(urls, O_CLOEXEC) != 0) return Error{std::string("load workers: pipe: ") + std::strerror(errno)};
    if (pipe2(report, O_CLOEXEC) != 0) {
      ::close(urls[0]);
      ::close(urls[1]);
      return Error{std::string("load workers: pipe: ") + std::strerror(errno)};
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
      for (int fd : {urls[0], urls[1], report[0], report[1]}) ::close(fd);
      return Error{std::string("load workers: fork: ") + std::strerror(errno)};
    }
    if (pid == 0) {
      // A worker whose parent is gone has no one to report to.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(5);
      ::close(urls[1]);
      ::close(report[0]);
      for (auto& w : out->workers_) {  // the earlier workers' pipes are the parent's
        close_fd(w.urls_fd);
        close_fd(w.report_fd);
      }
      worker_main(i, urls[0], report[1], out->progress_[i], run);
    }
    ::close(urls[0]);
    ::close(report[1]);
    out->workers_.push_back({pid, urls[1], report[0]});
  }
  return out;
}

LoadWorkers::~LoadWorkers() {
  for (auto& w : workers_) {
    close_fd(w.urls_fd);
    close_fd(w.report_fd);
    if (w.pid > 0) {
      ::kill(w.pid, SIGKILL);
      int status = 0;
      while (::waitpid(w.pid, &status, 0) < 0 && errno == EINTR) {
      }
    }
  }
  if (progress_ != nullptr) munmap(progress_, mapped_bytes_);
}

void LoadWorkers::start(const WorkerUrls& urls) {
  const std::string text =
      boost::json::serialize(boost::json::object{{"guest_chat", urls.guest_chat},
                                                 {"web_messaging", urls.web_messaging},
                                                 {"web_messaging_auto_start", urls.web_messaging_auto_start},
                                                 {"otlp", urls.otlp}});
  // A worker that died before reading makes the write fail (EPIPE: SIGPIPE is ignored
  // for the duration), and finish() says how it ended.
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, &previous);
  for (auto& w : workers_) {
    write_all(w.urls_fd, text);
    close_fd(w.urls_fd);
  }
  sigaction(SIGPIPE, &previous, nullptr);
}

LoadWorkers::Finished LoadWorkers::finish() {
  Finished out;
  std::vector<std::string> texts(workers_.size());
  std::size_t open = workers_.size();
  bool signal_passed_on = false;
  while (open > 0) {
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < workers_.size(); ++i) {
      if (workers_[i].report_fd < 0) continue;
      fds.push_back({workers_[i].report_fd, POLLIN, 0});
      which.push_back(i);
    }
    const int ready = ::poll(fds.data(), fds.size(), 100);
    // The first signal asks the workers to end their runs with what they have; a second
    // one ends them (the report then names them as failed).
    if (pending_termination_signal() != 0) {
      for (const auto& w : workers_) {
        if (w.pid > 0) ::kill(w.pid, signal_passed_on ? SIGKILL : SIGTERM);
      }
      signal_passed_on = true;
    }
    if (ready <= 0) continue;
    for (std::size_t f = 0; f < fds.size(); ++f) {
      if (fds[f].revents == 0) continue;
      auto& w = workers_[which[f]];
      char buffer[65536];
      const ssize_t n = ::read(w.report_fd, buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n > 0) {
        texts[which[f]].append(buffer, static_cast<std::size_t>(n));
        continue;
      }
      close_fd(w.report_fd);  // the worker is done: its report is whole, or it failed
      --open;
    }
  }
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    auto& w = workers_[i];
    int status = 0;
    rusage usage{};
    pid_t reaped;
    while ((reaped = ::wait4(w.pid, &status, 0, &usage)) < 0 && errno == EINTR) {
    }
    w.pid = -1;
    const std::string name = "guest process " + std::to_string(i + 1) + " of " + std::to_string(workers_.size());
    if (reaped < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      out.failures.push_back(name + " " + (reaped < 0 ? "vanished" : exit_text(status)) +
                             ": its guests are not in the report");
      continue;
    }
    boost::system::error_code ec;
    const auto json = boost::json::parse(texts[i], ec);
    auto report = ec ? Result<load::LoadReport>(Error{ec.message()}) : load::report_from_json(json);
    if (!report) {
      out.failures.push_back(name + " sent a report that does not read (" + report.error().message +
                             "): its guests are not in the report");
      continue;
    }
    report->resources = {resource_use(name + " (guests)", usage)};
    out.reports.push_back(std::move(*report));
  }
  return out;
}

}  // namespace tracechat::cli
