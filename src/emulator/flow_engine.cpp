#include "flow_engine.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <sstream>

#include "archy_run.h"

namespace tracechat::emulator {
namespace {

namespace json = boost::json;

// Set on the engine's workers: attribute changes a flow makes do not start
// attributes-set flows again, so two flows cannot feed each other forever.
thread_local bool on_flow_worker = false;

constexpr int kMaxStepsPerRun = 100;

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read " + path.string()};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The files of `dir` with one of `extensions`, in name order.
std::vector<std::filesystem::path> files_of(const std::filesystem::path& dir,
                                            std::initializer_list<std::string_view> extensions) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto extension = entry.path().extension().string();
    if (entry.is_regular_file() && std::find(extensions.begin(), extensions.end(), extension) != extensions.end()) {
      out.push_back(entry.path());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool is_yaml(const std::filesystem::path& file) { return file.extension() == ".yaml" || file.extension() == ".yml"; }

// What an Archy run does to its conversation: the platform's operations, and the
// engine's Data Action call.
class ConversationHost final : public archy::Host {
 public:
  using CallData = std::function<dataaction::ExecutionResult(const archy::CallData&, const json::object&)>;
  ConversationHost(Platform& platform, std::shared_ptr<Conversation> c, CallData call)
      : platform_(platform), c_(std::move(c)), call_(std::move(call)) {}

  std::optional<std::string> participant_data(const std::string& key) override {
    std::lock_guard lock(c_->mutex);
    const auto it = c_->customer.attributes.find(key);
    if (it == c_->customer.attributes.end()) return std::nullopt;
    return it->second;
  }
  Result<void> set_participant_data(const std::vector<std::pair<std::string, std::string>>& attributes) override {
    const AttributeChanges changes(attributes.begin(), attributes.end());
    if (auto set = platform_.set_attributes(*c_, changes); !set) return Error{set.error().message};
    return {};
  }
  void send_response(std::string text) override { platform_.post_agent_message(c_, std::move(text)); }
  dataaction::ExecutionResult call_data_action(const archy::CallData& call, const json::object& inputs) override {
    return call_(call, inputs);
  }
  void disconnect() override { platform_.end(*c_, "agent-ended"); }

 private:
  Platform& platform_;
  std::shared_ptr<Conversation> c_;
  CallData call_;
};

// What a step's templates see: the flow's variables, the conversation (its customer's
// attributes as they are now) and the triggering message.
json::object template_context(const json::object& variables, Conversation& c, const json::object& message) {
  json::object attributes;
  {
    std::lock_guard lock(c.mutex);
    for (const auto& [k, v] : c.customer.attributes) attributes[k] = v;
  }
  return json::object{{"flow", variables},
                      {"conversation", json::object{{"id", c.row.id}, {"attributes", std::move(attributes)}}},
                      {"message", message}};
}

// The index of the step with that id; past the last step if there is none.
std::size_t index_of(const Flow& flow, const std::string& id) {
  for (std::size_t i = 0; i < flow.steps.size(); ++i) {
    if (flow.steps[i].id == id) return i;
  }
  return flow.steps.size();
}

}  // namespace

FlowEngine::FlowEngine(Platform& platform, const FlowSubstitutions& substitutions, EventLog* log,
                       std::size_t max_queued)
    : platform_(platform), substitutions_(substitutions), log_(log), max_queued_(max_queued) {}

Result<std::unique_ptr<FlowEngine>> FlowEngine::load(const std::filesystem::path& actions_dir,
                                                     const std::filesystem::path& flows_dir, Platform& platform,
                                                     const FlowSubstitutions& substitutions, EventLog* log,
                                                     unsigned threads, std::size_t max_queued) {
  for (const auto& [key, value] : substitutions) {
    if (auto ok = check_substitution_key(key); !ok) return Error{"flow substitutions: " + ok.error().message};
  }
  std::unique_ptr<FlowEngine> engine(new FlowEngine(platform, substitutions, log, max_queued));
  if (!actions_dir.empty()) TRACECHAT_CHECK(engine->load_actions(actions_dir));
  if (!flows_dir.empty()) TRACECHAT_CHECK(engine->load_flows(flows_dir));
  for (unsigned i = 0; i < std::max(1u, threads); ++i) engine->workers_.emplace_back([e = engine.get()] { e->work(); });
  return engine;
}

Result<void> FlowEngine::load_actions(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return Error{"data actions: " + dir.string() + " is not a directory"};
  for (const auto& file : files_of(dir, {".json"})) {
    TRACECHAT_TRY(const auto text, read_file(file));
    auto action = dataaction::DataAction::parse(text);
    if (!action) return Error{file.string() + ": " + action.error().message};
    const std::string name = action->name();
    if (!actions_.emplace(name, std::move(*action)).second) {
      return Error{file.string() + ": a second Data Action named '" + name + "'"};
    }
  }
  return {};
}

Result<void> FlowEngine::load_flows(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return Error{"flows: " + dir.string() + " is not a directory"};
  for (const auto& file : files_of(dir, {".json", ".yaml", ".yml"})) {
    TRACECHAT_TRY(const auto text, read_file(file));
    if (!is_yaml(file)) {
      auto flow = parse_flow(text, actions_);
      if (!flow) return Error{file.string() + ": " + flow.error().message};
      flows_.push_back(std::move(*flow));
      continue;
    }
    TRACECHAT_TRY(const auto substituted, substitute(text, substitutions_, file.string()));
    TRACECHAT_TRY(auto flow, archy::load_flow(substituted.text, file.string(), actions_, substituted.substituted));
    // A deployment routes its conversations to one inbound message flow; two would
    // answer every message twice.
    if (archy_) {
      return Error{file.string() + ": a second inboundShortMessage flow (" + archy_->file +
                   " is one): the emulator runs one inbound message flow for every conversation"};
    }
    archy_ = std::make_unique<archy::Flow>(std::move(flow));
  }
  return {};
}

FlowEngine::~FlowEngine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
    for (auto& [id, state] : message_flows_) state.waiting.clear();
    waiting_ = 0;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void FlowEngine::start(const std::string& trigger, const std::shared_ptr<Conversation>& c, json::object message) {
  std::lock_guard lock(mutex_);
  for (const auto& flow : flows_) {
    if (flow.trigger != trigger) continue;
    if (stopping_ || queue_.size() + waiting_ >= max_queued_) {
      ++dropped_;
      continue;
    }
    queue_.push_back(Run{.flow = &flow, .conversation = c, .message = message});
  }
  wake_.notify_all();
}

void FlowEngine::conversation_started(const std::shared_ptr<Conversation>& c, bool opening_message_follows) {
  start("conversation-started", c, {});
  if (!archy_) return;
  if (!opening_message_follows) return start_archy(c, "", true);
  std::lock_guard lock(mutex_);
  message_flows_[c->row.id].opening_message_follows = true;
}

void FlowEngine::start_archy(const std::shared_ptr<Conversation>& c, std::string body, bool at_start) {
  {
    std::lock_guard lock(mutex_);
    auto& state = message_flows_[c->row.id];
    const bool opening = at_start || state.opening_message_follows;
    state.opening_message_follows = false;
    if (!state.taken) {
      if (stopping_ || queue_.size() + waiting_ >= max_queued_) {
        ++dropped_;
        return;
      }
      Run run;
      run.archy = true;
      run.conversation = c;
      run.message = json::object{{"body", std::move(body)}};
      run.new_conversation = opening;
      // One run at a time per conversation, in the order of its messages, as the platform
      // hands a conversation's messages to its flow.
      if (state.busy) {
        state.waiting.push_back(std::move(run));
        ++waiting_;
        return;
      }
      state.busy = true;
      queue_.push_back(std::move(run));
      wake_.notify_all();
      return;
    }
  }
  // Transferred: the message is the agent's (the bot's) to answer. Decided here, in the
  // conversation's order, so a message that arrives while the transferring run is still
  // finishing is never lost between the flow and the agent.
  if (!at_start) platform_.bot_reply(c, body);
}

std::vector<std::string> FlowEngine::archy_run_ended(const Run& run, bool conversation_ended) {
  std::vector<std::string> handed_on;
  const auto it = message_flows_.find(run.conversation->row.id);
  if (it == message_flows_.end()) return handed_on;
  auto& state = it->second;
  if (state.taken || stopping_) {
    if (state.taken && !stopping_) {
      for (const auto& waiting : state.waiting) handed_on.emplace_back(waiting.message.at("body").as_string());
    }
    waiting_ -= state.waiting.size();
    state.waiting.clear();
  }
  if (!state.waiting.empty()) {
    queue_.push_back(std::move(state.waiting.front()));
    state.waiting.pop_front();
    --waiting_;
    wake_.notify_one();
    return handed_on;
  }
  state.busy = false;
  // An ended conversation takes no more messages: nothing is left to remember.
  if (conversation_ended) message_flows_.erase(it);
  return handed_on;
}

void FlowEngine::conversation_ended(const Conversation& c) {
  std::lock_guard lock(mutex_);
  const auto it = message_flows_.find(c.row.id);
  if (it != message_flows_.end() && !it->second.busy) message_flows_.erase(it);
}

std::optional<std::string> FlowEngine::queue_of(const std::string& conversation_id) const {
  std::lock_guard lock(mutex_);
  const auto it = message_flows_.find(conversation_id);
  if (it == message_flows_.end() || it->second.queue.empty()) return std::nullopt;
  return it->second.queue;
}

void FlowEngine::guest_message(const std::shared_ptr<Conversation>& c, const gc::MessageEvent& message,
                               const MessageContent& content) {
  json::object m{{"body", message.body}, {"id", message.message_id}};
  if (message.traceparent) m["traceparent"] = *message.traceparent;
  // A quick reply the guest chose: the body is the button's text, its payload is here,
  // as Architect gives a flow the button's payload to branch on.
  for (const auto& item : content) {
    if (const auto* button = std::get_if<protocol::web_messaging::ButtonResponse>(&item))
      m["payload"] = button->payload;
  }
  start("guest-message", c, std::move(m));
  if (archy_) start_archy(c, message.body, false);
}

void FlowEngine::attributes_set(Conversation& c, const std::vector<std::string>& changed) {
  if (on_flow_worker) return;
  json::array keys;
  for (const auto& k : changed) keys.push_back(json::string(k));
  if (auto shared = platform_.find(c.row.id))
    start("attributes-set", shared, json::object{{"changed", std::move(keys)}});
}

void FlowEngine::work() {
  on_flow_worker = true;
  while (true) {
    Run run;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      run = std::move(queue_.front());
      queue_.pop_front();
      ++running_;
    }
    execute(run);
    bool ended = false;
    if (run.archy) {
      std::lock_guard lock(run.conversation->mutex);
      ended = run.conversation->ended();
    }
    std::vector<std::string> handed_on;
    {
      std::lock_guard lock(mutex_);
      --running_;
      if (run.archy) handed_on = archy_run_ended(run, ended);
    }
    for (const auto& body : handed_on) platform_.bot_reply(run.conversation, body);
    idle_.notify_all();
  }
}

void FlowEngine::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
}

FlowStats FlowEngine::stats() const {
  std::uint64_t waiting = 0;
  {
    std::lock_guard lock(mutex_);
    waiting = waiting_;
  }
  return {runs_.load(),        dropped_.load(), action_calls_.load(), action_failures_.load(), transfers_.load(),
          flow_errors_.load(), waiting};
}

dataaction::ExecutionResult FlowEngine::invoke(const dataaction::DataAction& action, const json::object& inputs,
                                               std::optional<std::chrono::milliseconds> timeout) {
  ++action_calls_;
  auto result = action.execute(inputs, {}, timeout);
  if (!result.success) ++action_failures_;
  return result;
}

void FlowEngine::execute_archy(const Run& run) {
  ++runs_;
  Conversation& c = *run.conversation;
  const std::string flow_name = archy_->name;
  ConversationHost host(platform_, run.conversation, [&](const archy::CallData& call, const json::object& inputs) {
    auto result = invoke(actions_.at(call.action), inputs, call.timeout);
    // The category is the flow's name for where the action lives; the emulator finds
    // the action by its name alone, and shows the category here.
    if (!result.success && log_ != nullptr) {
      log_->write("warn", {{"event", "flow-data-action-failed"},
                           {"flow", flow_name},
                           {"conversation", c.row.id},
                           {"category", call.category},
                           {"action", call.action},
                           {"error_code", result.error_code},
                           {"status", std::to_string(result.status)}});
    }
    return result;
  });
  const auto& body = run.message.at("body").as_string();
  auto outcome = archy::run(*archy_, archy::Trigger{c.row.id, std::string(body), run.new_conversation}, host);
  if (outcome.end == archy::Outcome::End::error) {
    // The guest left while the flow ran (Set Participant Data then fails with 409): the
    // run ends with the conversation, which is not the flow's error.
    std::lock_guard lock(c.mutex);
    if (c.ended()) outcome.end = archy::Outcome::End::disconnected;
  }
  if (outcome.end == archy::Outcome::End::last_action) return;
  {
    std::lock_guard lock(mutex_);
    auto& state = message_flows_[c.row.id];
    state.taken = true;
    state.queue = outcome.queue;
  }
  if (outcome.end == archy::Outcome::End::transferred) {
    ++transfers_;
    // No ACD here: the conversation stays where the transfer left it, queued.
    if (log_ != nullptr) {
      log_->write("info", {{"event", "flow-transfer-to-acd"},
                           {"flow", flow_name},
                           {"conversation", c.row.id},
                           {"queue", outcome.queue}});
    }
  } else if (outcome.end == archy::Outcome::End::error) {
    ++flow_errors_;
    if (log_ != nullptr) {
      log_->write("warn", {{"event", "flow-error"},
                           {"flow", flow_name},
                           {"conversation", c.row.id},
                           {"error", outcome.error},
                           {"handling", "disconnect"}});
    }
  }
}

void FlowEngine::execute(const Run& run) {
  if (run.archy) return execute_archy(run);
  ++runs_;
  const Flow& flow = *run.flow;
  json::object variables;
  std::size_t at = 0;
  for (int executed = 0; at < flow.steps.size() && executed < kMaxStepsPerRun; ++executed) {
    const std::string jump = run_step(flow.steps[at], run, variables);
    if (jump == "end") return;
    at = jump.empty() ? at + 1 : index_of(flow, jump);
  }
}

std::string FlowEngine::run_step(const FlowStep& step, const Run& run, json::object& variables) {
  Conversation& c = *run.conversation;
  switch (step.kind) {
    case FlowStep::Kind::get_participant_data: {
      std::lock_guard lock(c.mutex);
      for (const auto& [variable, key] : step.variables) {
        const auto it = c.customer.attributes.find(key);
        variables[variable] = it != c.customer.attributes.end() ? json::value(it->second) : json::value(nullptr);
      }
      break;
    }
    case FlowStep::Kind::call_data_action: return call_data_action(step, run, variables);
    case FlowStep::Kind::set_participant_data: {
      const auto context = template_context(variables, c, run.message);
      AttributeChanges changes;
      for (const auto& [key, t] : step.values) changes.emplace_back(key, t.render(context));
      if (auto set = platform_.set_attributes(c, changes); !set) variables["error"] = set.error().message;
      break;
    }
    case FlowStep::Kind::send_message:
      platform_.post_agent_message(run.conversation, step.text->render(template_context(variables, c, run.message)));
      break;
    case FlowStep::Kind::disconnect: platform_.end(c, "agent-ended"); return "end";
  }
  return step.next;
}

std::string FlowEngine::call_data_action(const FlowStep& step, const Run& run, json::object& variables) {
  const auto context = template_context(variables, *run.conversation, run.message);
  json::object inputs;
  for (const auto& [name, t] : step.values) inputs[name] = t.render(context);
  const auto result = invoke(actions_.at(step.action), inputs);
  if (result.success) {
    boost::system::error_code ec;
    const auto output = json::parse(result.output_json, ec);
    for (const auto& [field, variable] : step.outputs) {
      const auto* v = !ec && output.is_object() ? output.as_object().if_contains(field) : nullptr;
      variables[variable] = v != nullptr ? *v : json::value(nullptr);
    }
    return step.on_success.empty() ? step.next : step.on_success;
  }
  variables["error"] = result.message;
  variables["errorCode"] = result.error_code;
  // A failure with no path of its own ends the flow: Architect makes every outcome a
  // path, and a flow that did not plan for one should not go on.
  if (result.error_code == "timeout" && !step.on_timeout.empty()) return step.on_timeout;
  return step.on_failure.empty() ? "end" : step.on_failure;
}

}  // namespace tracechat::emulator
