// The flow engine: runs the flows of flow_format.h for the platform's conversations.
//
// Flows run on the engine's own worker threads: a Data Action is a blocking HTTP call
// and must never hold up a connection's thread. The queue is bounded; a run that does
// not fit is counted as dropped.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "flow_format.h"
#include "platform.h"
#include "tracechat/dataaction/data_action.h"
#include "tracechat/emulator/emulator.h"

namespace tracechat::emulator {

class FlowEngine final : public PlatformObserver {
 public:
  // Reads every *.json in `actions_dir` as a Data Action and in `flows_dir` as a flow
  // (either may be empty). Errors name the file.
  static Result<std::unique_ptr<FlowEngine>> load(const std::filesystem::path& actions_dir,
                                                  const std::filesystem::path& flows_dir, Platform& platform,
                                                  unsigned threads = 4, std::size_t max_queued = 1024);
  ~FlowEngine() override;  // finishes the runs in progress, drops the queued ones

  void conversation_started(const std::shared_ptr<Conversation>& c) override;
  void guest_message(const std::shared_ptr<Conversation>& c, const gc::MessageEvent& message,
                     const MessageContent& content) override;
  void attributes_set(Conversation& c, const std::vector<std::string>& changed) override;

  std::size_t flow_count() const { return flows_.size(); }
  std::size_t action_count() const { return actions_.size(); }
  FlowStats stats() const;
  // Blocks until no run is queued or running (tests, and a clean stop).
  void wait_idle();

 private:
  struct Run {
    const Flow* flow;
    std::shared_ptr<Conversation> conversation;
    boost::json::object message;  // body, id, traceparent (and a button's payload) of the triggering message
  };
  FlowEngine(Platform& platform, std::size_t max_queued);
  Result<void> load_actions(const std::filesystem::path& dir);
  Result<void> load_flows(const std::filesystem::path& dir);
  void start(const std::string& trigger, const std::shared_ptr<Conversation>& c, boost::json::object message);
  void work();
  void execute(const Run& run);
  // One step of a run; answers where the run goes next: "" (the following step), a step
  // id, or "end".
  std::string run_step(const FlowStep& step, const Run& run, boost::json::object& variables);
  std::string call_data_action(const FlowStep& step, const Run& run, boost::json::object& variables);

  Platform& platform_;
  std::map<std::string, dataaction::DataAction> actions_;
  std::vector<Flow> flows_;
  std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<Run> queue_;
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> runs_{0}, dropped_{0}, action_calls_{0}, action_failures_{0};
};

}  // namespace tracechat::emulator
