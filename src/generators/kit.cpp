#include "tracechat/generators/kit.h"

#include <algorithm>
#include <fstream>
#include <map>

#include "kit_parts.h"
#include "value_checks.h"

namespace tracechat::generators {
namespace detail {
namespace {

// Genesys: an action's name and category "can be up to 256 characters long".
constexpr std::size_t kMaxNameCharacters = 256;

// "Order lookup" -> "order-lookup": a file name from the action's name, whatever it holds.
std::string file_slug(const std::string& name) {
  std::string slug;
  for (const char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    const char lower = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if (keep || (c >= 'A' && c <= 'Z')) {
      slug.push_back(lower);
    } else if (!slug.empty() && slug.back() != '-') {
      slug.push_back('-');
    }
    if (slug.size() >= 64) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug.empty() ? "data-action" : slug;
}

Result<std::vector<KitAttribute>> check_attributes(const KitOptions& o) {
  const std::pair<const char*, const std::string*> roles[] = {{"trace id attribute", &o.trace_id_attribute},
                                                              {"span id attribute", &o.span_id_attribute},
                                                              {"traceparent attribute", &o.traceparent_attribute},
                                                              {"tracestate attribute", &o.tracestate_attribute}};
  const std::string inputs[] = {std::string(conventions::kTraceIdInput), std::string(conventions::kSpanIdInput),
                                std::string(conventions::kTraceparentInput),
                                std::string(conventions::kTracestateInput)};
  std::vector<KitAttribute> out;
  for (std::size_t i = 0; i < std::size(roles); ++i) {
    const auto& [role, key] = roles[i];
    if (!is_attribute_key(*key)) {
      return Error{std::string(role) + " '" + *key + "': use a letter, then letters, digits, _ . or - (at most 64)"};
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (*roles[j].second == *key) {
        return Error{std::string(role) + " '" + *key + "': the " + roles[j].first + " has the same name"};
      }
    }
    std::string variable = *key;
    for (char& c : variable) {
      if (c == '.' || c == '-') c = '_';
    }
    out.push_back({*key, "State." + variable, inputs[i]});
  }
  return out;
}

Result<void> check_outputs(const KitOptions& o) {
  if (o.outputs.empty()) return Error{"output: at least one is needed (the flow tells the guest the first)"};
  const std::string bound[] = {std::string(conventions::kTraceIdInput), std::string(conventions::kSpanIdInput),
                               std::string(conventions::kTraceparentInput), std::string(conventions::kTracestateInput),
                               std::string(conventions::kConversationIdInput)};
  for (const auto& name : o.message_inputs) {
    if (!is_identifier(name)) return Error{"message input '" + name + "': use letters, digits and _ (at most 64)"};
    if (std::find(std::begin(bound), std::end(bound), name) != std::end(bound)) {
      return Error{"message input '" + name + "': the action has this input already; the flow binds it"};
    }
  }
  for (const auto& name : o.outputs) {
    if (!is_identifier(name)) return Error{"output '" + name + "': use letters, digits and _ (at most 64)"};
  }
  return {};
}

// Each value the flow keeps has its own State variable; two that would share one are refused.
Result<void> check_variables(const std::vector<KitAttribute>& attributes, const KitOptions& o) {
  std::map<std::string, std::string> holds{{"State.errorCode", "the action's error code"}};
  const auto claim = [&](const std::string& variable, const std::string& what) -> Result<void> {
    if (auto [it, added] = holds.emplace(variable, what); !added) {
      return Error{what + ": the flow's " + variable + " already holds " + it->second};
    }
    return {};
  };
  for (const auto& a : attributes) TRACECHAT_CHECK(claim(a.variable, "attribute '" + a.key + "'"));
  for (const auto& name : o.outputs) TRACECHAT_CHECK(claim("State." + name, "output '" + name + "'"));
  return {};
}

}  // namespace

Result<Kit> check_kit(const KitOptions& o) {
  // The four values the provider (and the emulator) put into the flow's YAML as raw text.
  TRACECHAT_CHECK(check_substituted("action name", o.action_name, kMaxNameCharacters));
  TRACECHAT_CHECK(check_substituted("category", o.category, kMaxNameCharacters));
  TRACECHAT_CHECK(check_substituted("flow name", o.flow_name));
  if (o.queue) TRACECHAT_CHECK(check_substituted("queue", *o.queue));
  TRACECHAT_CHECK(check_outputs(o));
  TRACECHAT_TRY(auto attributes, check_attributes(o));
  TRACECHAT_CHECK(check_variables(attributes, o));
  ExportOptions action_options;
  action_options.name = o.action_name;
  action_options.url = o.url;
  action_options.method = o.method;
  action_options.inputs = o.message_inputs;
  action_options.outputs = o.outputs;
  action_options.timeout_seconds = o.timeout_seconds;
  auto action = define_action(action_options);
  if (!action) {
    // define_action names the inputs as the action does; here they are message inputs.
    const std::string& message = action.error().message;
    if (message.rfind("input '", 0) == 0) return Error{"message " + message};
    return action.error();
  }
  return Kit{o, std::move(*action), "data-actions/" + file_slug(o.action_name) + ".json", std::move(attributes)};
}

}  // namespace detail

Result<std::vector<KitFile>> generate_kit(const KitOptions& options) {
  TRACECHAT_TRY(const auto kit, detail::check_kit(options));
  return std::vector<KitFile>{{"README.md", detail::kit_readme(kit)},
                              {"main.tf", detail::kit_main_tf(kit)},
                              {"variables.tf", detail::kit_variables_tf(kit)},
                              {detail::kFlowFile, detail::kit_flow_yaml(kit)},
                              {kit.action_file, detail::import_json(kit.action)}};
}

Result<void> write_kit(const std::vector<KitFile>& files, const std::filesystem::path& dir, bool overwrite) {
  namespace fs = std::filesystem;
  // Every file is checked before the first is written, so a refusal leaves nothing half done.
  for (const auto& file : files) {
    const fs::path relative(file.path);
    if (file.path.empty() || relative.is_absolute() || relative.lexically_normal().string().rfind("..", 0) == 0) {
      return Error{"kit file '" + file.path + "': not a path inside the kit's folder"};
    }
    std::error_code ec;
    if (fs::exists(dir / relative, ec) && !overwrite) {
      return Error{(dir / relative).string() + " exists; pass --force to overwrite the kit's files"};
    }
  }
  for (const auto& file : files) {
    const fs::path path = dir / fs::path(file.path);
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) return Error{"cannot create " + path.parent_path().string() + ": " + ec.message()};
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << file.content;
    if (!out.flush()) return Error{"cannot write " + path.string()};
  }
  return {};
}

}  // namespace tracechat::generators
