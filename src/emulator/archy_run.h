// One run of an Archy flow (archy_flow.h): its state's variables start at their initial
// values, the actions run in order, and a path of a callData, decision or switch runs
// before the action after it (Architect's paths converge). A run ends at a Disconnect, a
// Transfer to ACD, an error, or after the last action. What the run does to the
// conversation goes through a Host: the flow engine's, or a fake in tests.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "archy_flow.h"
#include "tracechat/dataaction/data_action.h"

namespace boost::json {
class object;
}

namespace tracechat::emulator::archy {

class Host {
 public:
  virtual ~Host() = default;
  // The customer's participant data (custom attributes); nullopt when the key is not set.
  virtual std::optional<std::string> participant_data(const std::string& key) = 0;
  // One setParticipantData's attributes at once. Errors name the rule that refused them.
  virtual Result<void> set_participant_data(const std::vector<std::pair<std::string, std::string>>& attributes) = 0;
  virtual void send_response(std::string text) = 0;
  virtual dataaction::ExecutionResult call_data_action(const CallData& call, const boost::json::object& inputs) = 0;
  virtual void disconnect() = 0;
};

// What started the run: the built-in Message.* variables.
struct Trigger {
  std::string conversation_id;
  std::string body;  // the guest's message; empty for a run at a start without one
  bool new_conversation = false;
};

struct Outcome {
  enum class End { last_action, disconnected, transferred, error };
  End end = End::last_action;
  std::string queue;  // transferred: the queue's name
  std::string error;  // error: the action and what went wrong (never a value: values are the guest's)
};

// An error ends the run with the flow's error handling: the emulator's is Disconnect
// (the only one archy_flow.h takes), so the host's disconnect() is called.
Outcome run(const Flow& flow, const Trigger& trigger, Host& host);

}  // namespace tracechat::emulator::archy
