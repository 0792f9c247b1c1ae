// Flows: what an Architect flow does for a conversation, in a small JSON format
// (docs/emulator.md). A flow starts on a trigger (conversation-started, guest-message,
// attributes-set) and runs its steps: get participant data into flow variables, call a
// Data Action with inputs bound to them, set participant data, send a message, branch on
// the action's success, failure or timeout, disconnect.
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

#include "platform.h"
#include "tracechat/dataaction/data_action.h"
#include "tracechat/dataaction/velocity.h"
#include "tracechat/emulator/emulator.h"

namespace tracechat::emulator {

struct FlowStep {
  enum class Kind { get_participant_data, call_data_action, set_participant_data, send_message, disconnect };
  Kind kind = Kind::send_message;
  std::string id;
  std::map<std::string, std::string> variables;                              // get: flow variable -> attribute key
  std::string action;                                                        // call: the Data Action's name
  std::vector<std::pair<std::string, dataaction::VelocityTemplate>> values;  // call inputs; set attributes
  std::map<std::string, std::string> outputs;                                // call: output field -> flow variable
  std::optional<dataaction::VelocityTemplate> text;                          // send
  std::string next, on_success, on_failure, on_timeout;  // step ids, "end", or empty (the next step)
};

struct Flow {
  std::string name;
  std::string trigger;  // conversation-started | guest-message | attributes-set
  std::vector<FlowStep> steps;
};

// Errors name the path: "steps[2].on.failure: no step 'sorry'".
Result<Flow> parse_flow(std::string_view json_text, const std::map<std::string, dataaction::DataAction>& actions);

class FlowEngine final : public PlatformObserver {
 public:
  // Reads every *.json in `actions_dir` as a Data Action and in `flows_dir` as a flow
  // (either may be empty). Errors name the file.
  static Result<std::unique_ptr<FlowEngine>> load(const std::filesystem::path& actions_dir,
                                                  const std::filesystem::path& flows_dir, Platform& platform,
                                                  unsigned threads = 4, std::size_t max_queued = 1024);
  ~FlowEngine() override;  // finishes the runs in progress, drops the queued ones

  void conversation_started(const std::shared_ptr<Conversation>& c) override;
  void guest_message(const std::shared_ptr<Conversation>& c, const gc::MessageEvent& message) override;
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
    boost::json::object message;  // body, traceparent of the triggering message
  };
  FlowEngine(Platform& platform, std::size_t max_queued);
  void start(const std::string& trigger, const std::shared_ptr<Conversation>& c, boost::json::object message);
  void work();
  void execute(const Run& run);

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
