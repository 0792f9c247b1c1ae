#include "tracechat/generators/data_action_export.h"

#include "action_definition.h"

namespace tracechat::generators {

Result<std::string> export_data_action(const ExportOptions& options) {
  TRACECHAT_TRY(const auto action, detail::define_action(options));
  return detail::import_json(action);
}

}  // namespace tracechat::generators
