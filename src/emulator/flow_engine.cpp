#include "flow_engine.h"

#include <algorithm>
#include <fstream>
#include <sstream>

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

std::vector<std::filesystem::path> json_files(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

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

FlowEngine::FlowEngine(Platform& platform, std::size_t max_queued) : platform_(platform), max_queued_(max_queued) {}

Result<std::unique_ptr<FlowEngine>> FlowEngine::load(const std::filesystem::path& actions_dir,
                                                     const std::filesystem::path& flows_dir, Platform& platform,
                                                     unsigned threads, std::size_t max_queued) {
  std::unique_ptr<FlowEngine> engine(new FlowEngine(platform, max_queued));
  if (!actions_dir.empty()) TRACECHAT_CHECK(engine->load_actions(actions_dir));
  if (!flows_dir.empty()) TRACECHAT_CHECK(engine->load_flows(flows_dir));
  for (unsigned i = 0; i < std::max(1u, threads); ++i) engine->workers_.emplace_back([e = engine.get()] { e->work(); });
  return engine;
}

Result<void> FlowEngine::load_actions(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return Error{"data actions: " + dir.string() + " is not a directory"};
  for (const auto& file : json_files(dir)) {
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
  for (const auto& file : json_files(dir)) {
    TRACECHAT_TRY(const auto text, read_file(file));
    auto flow = parse_flow(text, actions_);
    if (!flow) return Error{file.string() + ": " + flow.error().message};
    flows_.push_back(std::move(*flow));
  }
  return {};
}

FlowEngine::~FlowEngine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void FlowEngine::start(const std::string& trigger, const std::shared_ptr<Conversation>& c, json::object message) {
  std::lock_guard lock(mutex_);
  for (const auto& flow : flows_) {
    if (flow.trigger != trigger) continue;
    if (stopping_ || queue_.size() >= max_queued_) {
      ++dropped_;
      continue;
    }
    queue_.push_back(Run{&flow, c, message});
  }
  wake_.notify_all();
}

void FlowEngine::conversation_started(const std::shared_ptr<Conversation>& c) { start("conversation-started", c, {}); }

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
    {
      std::lock_guard lock(mutex_);
      --running_;
    }
    idle_.notify_all();
  }
}

void FlowEngine::wait_idle() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [&] { return queue_.empty() && running_ == 0; });
}

FlowStats FlowEngine::stats() const {
  return {runs_.load(), dropped_.load(), action_calls_.load(), action_failures_.load()};
}

void FlowEngine::execute(const Run& run) {
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
  ++action_calls_;
  const auto result = actions_.at(step.action).execute(inputs);
  if (result.success) {
    boost::system::error_code ec;
    const auto output = json::parse(result.output_json, ec);
    for (const auto& [field, variable] : step.outputs) {
      const auto* v = !ec && output.is_object() ? output.as_object().if_contains(field) : nullptr;
      variables[variable] = v != nullptr ? *v : json::value(nullptr);
    }
    return step.on_success.empty() ? step.next : step.on_success;
  }
  ++action_failures_;
  variables["error"] = result.message;
  variables["errorCode"] = result.error_code;
  // A failure with no path of its own ends the flow: Architect makes every outcome a
  // path, and a flow that did not plan for one should not go on.
  if (result.error_code == "timeout" && !step.on_timeout.empty()) return step.on_timeout;
  return step.on_failure.empty() ? "end" : step.on_failure;
}

}  // namespace tracechat::emulator
