#include "flows.h"

#include <fstream>
#include <set>
#include <sstream>

namespace tracechat::emulator {
namespace {

namespace json = boost::json;

// Set on the engine's workers: attribute changes a flow makes do not start
// attributes-set flows again, so two flows cannot feed each other forever.
thread_local bool on_flow_worker = false;

constexpr int kMaxStepsPerRun = 100;

Result<std::map<std::string, std::string>> string_map(const json::object& step, std::string_view key,
                                                      const std::string& path) {
  std::map<std::string, std::string> out;
  const auto* v = step.if_contains(key);
  if (v == nullptr) return out;
  if (!v->is_object()) return Error{path + "." + std::string(key) + ": expected an object"};
  for (const auto& [k, value] : v->as_object()) {
    if (!value.is_string()) return Error{path + "." + std::string(key) + "." + std::string(k) + ": expected a string"};
    out[std::string(k)] = std::string(value.as_string());
  }
  return out;
}

Result<std::vector<std::pair<std::string, dataaction::VelocityTemplate>>> templates(const json::object& step,
                                                                                    std::string_view key,
                                                                                    const std::string& path) {
  auto texts = string_map(step, key, path);
  if (!texts) return texts.error();
  std::vector<std::pair<std::string, dataaction::VelocityTemplate>> out;
  for (const auto& [k, text] : *texts) {
    auto t = dataaction::VelocityTemplate::parse(text);
    if (!t) return Error{path + "." + std::string(key) + "." + k + ": " + t.error().message};
    out.emplace_back(k, std::move(*t));
  }
  return out;
}

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

}  // namespace

Result<Flow> parse_flow(std::string_view text, const std::map<std::string, dataaction::DataAction>& actions) {
  json::parse_options options;
  options.max_depth = 50;
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec, {}, options);
  if (ec) return Error{"not JSON: " + ec.message()};
  if (!root.is_object()) return Error{"expected a JSON object"};
  const auto& o = root.as_object();
  Flow flow;
  const auto* name = o.if_contains("name");
  if (name == nullptr || !name->is_string() || name->as_string().empty()) return Error{"name: a string is required"};
  flow.name = std::string(name->as_string());
  const auto* trigger = o.if_contains("trigger");
  static const std::set<std::string> kTriggers{"conversation-started", "guest-message", "attributes-set"};
  if (trigger == nullptr || !trigger->is_string() || !kTriggers.contains(std::string(trigger->as_string()))) {
    return Error{"trigger: one of conversation-started, guest-message, attributes-set"};
  }
  flow.trigger = std::string(trigger->as_string());
  const auto* steps = o.if_contains("steps");
  if (steps == nullptr || !steps->is_array() || steps->as_array().empty()) return Error{"steps: a non-empty array"};

  std::set<std::string> ids;
  for (std::size_t i = 0; i < steps->as_array().size(); ++i) {
    const std::string path = "steps[" + std::to_string(i) + "]";
    const auto& value = steps->as_array()[i];
    if (!value.is_object()) return Error{path + ": expected an object"};
    const auto& s = value.as_object();
    FlowStep step;
    const auto string_field = [&](std::string_view key) -> std::string {
      const auto* v = s.if_contains(key);
      return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
    };
    step.id = string_field("id");
    if (!step.id.empty() && (step.id == "end" || !ids.insert(step.id).second)) {
      return Error{path + ".id: '" + step.id + "' is taken"};
    }
    step.next = string_field("next");
    const std::string type = string_field("type");
    if (type == "get-participant-data") {
      step.kind = FlowStep::Kind::get_participant_data;
      auto variables = string_map(s, "variables", path);
      if (!variables) return variables.error();
      step.variables = std::move(*variables);
    } else if (type == "call-data-action") {
      step.kind = FlowStep::Kind::call_data_action;
      step.action = string_field("action");
      if (!actions.contains(step.action)) {
        std::string known;
        for (const auto& [n, a] : actions) known += (known.empty() ? "" : ", ") + n;
        return Error{path + ".action: no Data Action named '" + step.action +
                     "' (loaded: " + (known.empty() ? "none" : known) + ")"};
      }
      auto inputs = templates(s, "inputs", path);
      if (!inputs) return inputs.error();
      step.values = std::move(*inputs);
      auto outputs = string_map(s, "outputs", path);
      if (!outputs) return outputs.error();
      step.outputs = std::move(*outputs);
      auto on = string_map(s, "on", path);
      if (!on) return on.error();
      for (const auto& [k, target] : *on) {
        if (k == "success") {
          step.on_success = target;
        } else if (k == "failure") {
          step.on_failure = target;
        } else if (k == "timeout") {
          step.on_timeout = target;
        } else {
          return Error{path + ".on." + k + ": expected success, failure or timeout"};
        }
      }
    } else if (type == "set-participant-data") {
      step.kind = FlowStep::Kind::set_participant_data;
      auto values = templates(s, "attributes", path);
      if (!values) return values.error();
      step.values = std::move(*values);
    } else if (type == "send-message") {
      step.kind = FlowStep::Kind::send_message;
      auto t = dataaction::VelocityTemplate::parse(string_field("text"));
      if (!t) return Error{path + ".text: " + t.error().message};
      step.text = std::move(*t);
    } else if (type == "disconnect") {
      step.kind = FlowStep::Kind::disconnect;
    } else {
      return Error{path +
                   ".type: one of get-participant-data, call-data-action, set-participant-data, "
                   "send-message, disconnect"};
    }
    flow.steps.push_back(std::move(step));
  }
  // Every jump goes to a step that exists (or to "end").
  for (std::size_t i = 0; i < flow.steps.size(); ++i) {
    const auto& step = flow.steps[i];
    for (const auto& [field, target] : {std::pair<const char*, const std::string&>{"next", step.next},
                                        {"on.success", step.on_success},
                                        {"on.failure", step.on_failure},
                                        {"on.timeout", step.on_timeout}}) {
      if (!target.empty() && target != "end" && !ids.contains(target)) {
        return Error{"steps[" + std::to_string(i) + "]." + field + ": no step '" + target + "'"};
      }
    }
  }
  return flow;
}

FlowEngine::FlowEngine(Platform& platform, std::size_t max_queued) : platform_(platform), max_queued_(max_queued) {}

Result<std::unique_ptr<FlowEngine>> FlowEngine::load(const std::filesystem::path& actions_dir,
                                                     const std::filesystem::path& flows_dir, Platform& platform,
                                                     unsigned threads, std::size_t max_queued) {
  std::unique_ptr<FlowEngine> engine(new FlowEngine(platform, max_queued));
  std::error_code ec;
  if (!actions_dir.empty()) {
    if (!std::filesystem::is_directory(actions_dir, ec))
      return Error{"data actions: " + actions_dir.string() + " is not a directory"};
    for (const auto& file : json_files(actions_dir)) {
      auto text = read_file(file);
      if (!text) return text.error();
      auto action = dataaction::DataAction::parse(*text);
      if (!action) return Error{file.string() + ": " + action.error().message};
      const std::string name = action->name();
      if (!engine->actions_.emplace(name, std::move(*action)).second) {
        return Error{file.string() + ": a second Data Action named '" + name + "'"};
      }
    }
  }
  if (!flows_dir.empty()) {
    if (!std::filesystem::is_directory(flows_dir, ec))
      return Error{"flows: " + flows_dir.string() + " is not a directory"};
    for (const auto& file : json_files(flows_dir)) {
      auto text = read_file(file);
      if (!text) return text.error();
      auto flow = parse_flow(*text, engine->actions_);
      if (!flow) return Error{file.string() + ": " + flow.error().message};
      engine->flows_.push_back(std::move(*flow));
    }
  }
  for (unsigned i = 0; i < std::max(1u, threads); ++i) engine->workers_.emplace_back([e = engine.get()] { e->work(); });
  return engine;
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

void FlowEngine::guest_message(const std::shared_ptr<Conversation>& c, const gc::MessageEvent& message) {
  json::object m{{"body", message.body}, {"id", message.message_id}};
  if (message.traceparent) m["traceparent"] = *message.traceparent;
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
  Conversation& c = *run.conversation;
  json::object variables;
  const auto context = [&] {
    json::object attributes;
    {
      std::lock_guard lock(c.mutex);
      for (const auto& [k, v] : c.customer.attributes) attributes[k] = v;
    }
    return json::object{{"flow", variables},
                        {"conversation", json::object{{"id", c.row.id}, {"attributes", std::move(attributes)}}},
                        {"message", run.message}};
  };
  const auto index_of = [&](const std::string& id) -> std::size_t {
    for (std::size_t i = 0; i < flow.steps.size(); ++i) {
      if (flow.steps[i].id == id) return i;
    }
    return flow.steps.size();
  };

  std::size_t at = 0;
  for (int executed = 0; at < flow.steps.size() && executed < kMaxStepsPerRun; ++executed) {
    const FlowStep& step = flow.steps[at];
    std::string jump = step.next;
    switch (step.kind) {
      case FlowStep::Kind::get_participant_data: {
        std::lock_guard lock(c.mutex);
        for (const auto& [variable, key] : step.variables) {
          const auto it = c.customer.attributes.find(key);
          variables[variable] = it != c.customer.attributes.end() ? json::value(it->second) : json::value(nullptr);
        }
        break;
      }
      case FlowStep::Kind::call_data_action: {
        const auto ctx = context();
        json::object inputs;
        for (const auto& [name, t] : step.values) inputs[name] = t.render(ctx);
        ++action_calls_;
        const auto result = actions_.at(step.action).execute(inputs);
        if (result.success) {
          boost::system::error_code ec;
          const auto output = json::parse(result.output_json, ec);
          for (const auto& [field, variable] : step.outputs) {
            const auto* v = !ec && output.is_object() ? output.as_object().if_contains(field) : nullptr;
            variables[variable] = v != nullptr ? *v : json::value(nullptr);
          }
          if (!step.on_success.empty()) jump = step.on_success;
        } else {
          ++action_failures_;
          variables["error"] = result.message;
          variables["errorCode"] = result.error_code;
          // A failure with no path of its own ends the flow: Architect makes every
          // outcome a path, and a flow that did not plan for one should not go on.
          if (result.error_code == "timeout" && !step.on_timeout.empty()) {
            jump = step.on_timeout;
          } else {
            jump = step.on_failure.empty() ? "end" : step.on_failure;
          }
        }
        break;
      }
      case FlowStep::Kind::set_participant_data: {
        const auto ctx = context();
        AttributeChanges changes;
        for (const auto& [key, t] : step.values) changes.emplace_back(key, t.render(ctx));
        if (auto set = platform_.set_attributes(c, changes); !set) variables["error"] = set.error().message;
        break;
      }
      case FlowStep::Kind::send_message:
        platform_.post_agent_message(run.conversation, step.text->render(context()));
        break;
      case FlowStep::Kind::disconnect: platform_.end(c, "agent-ended"); return;
    }
    if (jump == "end") return;
    at = jump.empty() ? at + 1 : index_of(jump);
  }
}

}  // namespace tracechat::emulator
