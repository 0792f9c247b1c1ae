// The flow engine: runs the flows of flow_format.h (JSON) and an Archy inbound message
// flow (archy_flow.h) for the platform's conversations.
//
// Flows run on the engine's own worker threads: a Data Action is a blocking HTTP call
// and must never hold up a connection's thread. The queue is bounded; a run that does
// not fit is counted as dropped.
//
// The Archy flow's model (docs/emulator.md, "Archy flows"): it runs for the message that
// opens a conversation (Message.IsNewConversation true) and for each later guest message,
// one run at a time per conversation and in order, until a Transfer to ACD or a
// Disconnect took the conversation from it. A conversation that starts without a message
// (a Web Messaging Presence Join) runs it at the start, with an empty body.
#pragma once

#include <atomic>
#include <boost/json.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "archy_flow.h"
#include "connection_log.h"
#include "flow_format.h"
#include "flow_substitution.h"
#include "platform.h"
#include "tracechat/dataaction/data_action.h"
#include "tracechat/emulator/emulator.h"

namespace tracechat::emulator {

class FlowEngine final : public PlatformObserver {
 public:
  // Reads every *.json in `actions_dir` as a Data Action and in `flows_dir` every *.json
  // as a flow and every *.yaml / *.yml as an Archy flow, after `substitutions` (either
  // folder may be empty). Errors name the file (and, for Archy, the line). `log`: where
  // the Archy flow's transfers and errors are logged (may be null).
  static Result<std::unique_ptr<FlowEngine>> load(const std::filesystem::path& actions_dir,
                                                  const std::filesystem::path& flows_dir, Platform& platform,
                                                  const FlowSubstitutions& substitutions = {}, EventLog* log = nullptr,
                                                  unsigned threads = 4, std::size_t max_queued = 1024);
  ~FlowEngine() override;  // finishes the runs in progress, drops the queued ones

  void conversation_started(const std::shared_ptr<Conversation>& c, bool opening_message_follows) override;
  void guest_message(const std::shared_ptr<Conversation>& c, const gc::MessageEvent& message,
                     const MessageContent& content) override;
  void attributes_set(Conversation& c, const std::vector<std::string>& changed) override;
  // With an Archy flow, the bot answers only the messages after its Transfer to ACD.
  bool routes_guest_messages() const override { return archy_ != nullptr; }
  // Forgets the conversation's part in the Archy flow (or lets its last run do it).
  void conversation_ended(const Conversation& c) override;

  std::size_t flow_count() const { return flows_.size() + (archy_ ? 1 : 0); }
  std::size_t action_count() const { return actions_.size(); }
  FlowStats stats() const;
  // The queue a Transfer to ACD of the Archy flow named for the conversation.
  std::optional<std::string> queue_of(const std::string& conversation_id) const;
  // Blocks until no run is queued or running (tests, and a clean stop).
  void wait_idle();

 private:
  struct Run {
    const Flow* flow = nullptr;  // a JSON flow, or
    bool archy = false;          // the Archy flow
    std::shared_ptr<Conversation> conversation;
    boost::json::object message;  // body, id, traceparent (and a button's payload) of the triggering message
    bool new_conversation = false;
  };
  // One conversation's part in the Archy flow.
  struct MessageFlowState {
    bool opening_message_follows = false;  // the next guest message opens the conversation
    bool busy = false;                     // a run is queued or running
    std::deque<Run> waiting;               // the runs after it, in order
    bool taken = false;                    // a Transfer to ACD or a Disconnect took it from the flow
    std::string queue;
  };

  FlowEngine(Platform& platform, const FlowSubstitutions& substitutions, EventLog* log, std::size_t max_queued);
  Result<void> load_actions(const std::filesystem::path& dir);
  Result<void> load_flows(const std::filesystem::path& dir);
  void start(const std::string& trigger, const std::shared_ptr<Conversation>& c, boost::json::object message);
  void start_archy(const std::shared_ptr<Conversation>& c, std::string body, bool new_conversation);
  // Under mutex_, when a run of the Archy flow ended: queues the conversation's next one.
  // Returns the bodies of the runs that will not run because the flow no longer has the
  // conversation: the caller hands them to the bot, outside the lock.
  std::vector<std::string> archy_run_ended(const Run& run, bool conversation_ended);
  void work();
  void execute(const Run& run);
  void execute_archy(const Run& run);
  // One step of a run; answers where the run goes next: "" (the following step), a step
  // id, or "end".
  std::string run_step(const FlowStep& step, const Run& run, boost::json::object& variables);
  std::string call_data_action(const FlowStep& step, const Run& run, boost::json::object& variables);
  // Every Data Action call of every flow: counted, with the flow's own timeout if shorter.
  dataaction::ExecutionResult invoke(const dataaction::DataAction& action, const boost::json::object& inputs,
                                     std::optional<std::chrono::milliseconds> timeout = std::nullopt);

  Platform& platform_;
  FlowSubstitutions substitutions_;
  EventLog* log_;
  std::map<std::string, dataaction::DataAction> actions_;
  std::vector<Flow> flows_;
  std::unique_ptr<archy::Flow> archy_;
  std::size_t max_queued_;
  mutable std::mutex mutex_;
  std::condition_variable wake_, idle_;
  std::deque<Run> queue_;
  std::size_t waiting_ = 0;                                          // runs in the conversations' waiting lists
  std::unordered_map<std::string, MessageFlowState> message_flows_;  // by conversation id
  std::size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> runs_{0}, dropped_{0}, action_calls_{0}, action_failures_{0}, transfers_{0},
      flow_errors_{0};
};

}  // namespace tracechat::emulator
