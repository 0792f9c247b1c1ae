// tc_config: what tc_session_open needs, set one piece at a time. Values are checked as
// far as they can be on their own here; the whole is checked by tc_session_open.
#include "capi.h"
#include "tracechat/platform/regions.h"
#include "tracechat/trace/propagation.h"

using namespace tracechat;
using namespace tracechat::capi;

namespace {

// Runs `set` on a live config, locked (tc_session_open may be copying it)...
template <typename Set>
tc_status with_config(tc_config* config, Set&& set) {
  return guarded([&]() -> tc_status {
    const auto c = configs().find(config);
    if (!c) return invalid_handle("tc_config");
    std::lock_guard lock(c->mutex);
    return set(*c);
  });
}

// ...with its text argument read.
template <typename Set>
tc_status set_text(tc_config* config, const char* text, std::size_t length, std::string_view what, Set&& set) {
  return with_config(config, [&](tc_config& c) -> tc_status {
    tc_status status;
    const auto value = text_argument(text, length, what, status);
    if (!value) return status;
    return set(c, *value);
  });
}

}  // namespace

extern "C" {

tc_status tc_config_new(tc_config** out) {
  if (out != nullptr) *out = nullptr;
  return guarded([&]() -> tc_status {
    if (out == nullptr) return fail(TC_ERR_INVALID_ARGUMENT, "out: NULL");
    auto config = std::make_shared<tc_config>();
    *out = configs().add(std::move(config));
    return TC_OK;
  });
}

tc_status tc_config_free(tc_config* config) {
  return guarded([&]() -> tc_status { return configs().remove(config) ? TC_OK : invalid_handle("tc_config"); });
}

tc_status tc_config_set_url(tc_config* config, const char* url, size_t url_length) {
  return set_text(config, url, url_length, "url", [](tc_config& c, std::string_view v) {
    c.session.url = v;
    return TC_OK;
  });
}

tc_status tc_config_set_deployment(tc_config* config, const char* region, size_t region_length,
                                   const char* deployment_id, size_t deployment_id_length) {
  return set_text(config, region, region_length, "region", [&](tc_config& c, std::string_view where) -> tc_status {
    tc_status status;
    const auto id = text_argument(deployment_id, deployment_id_length, "deployment_id", status);
    if (!id) return status;
    // A region name, or a base URL that serves everything (the emulator).
    const bool is_url = where.find("://") != std::string_view::npos;
    auto hosts = is_url ? platform::hosts_for_base_url(where) : platform::hosts_for_region(where);
    if (!hosts) return fail(TC_ERR_INVALID_ARGUMENT, "region: " + hosts.error().message);
    auto url = platform::web_messaging_url(*hosts, *id);
    if (!url) return fail(TC_ERR_INVALID_ARGUMENT, "deployment_id: " + url.error().message);
    c.session.url = std::move(*url);
    return TC_OK;
  });
}

tc_status tc_config_set_dialect(tc_config* config, tc_dialect dialect) {
  return with_config(config, [&](tc_config& c) -> tc_status {
    switch (dialect) {
      case TC_DIALECT_AUTOMATIC: c.session.dialect = client::Dialect::automatic; return TC_OK;
      case TC_DIALECT_GUEST_CHAT: c.session.dialect = client::Dialect::guest_chat; return TC_OK;
      case TC_DIALECT_WEB_MESSAGING: c.session.dialect = client::Dialect::web_messaging; return TC_OK;
      case TC_DIALECT_MAX_ENUM: break;
    }
    return fail(TC_ERR_INVALID_ARGUMENT, "dialect: " + std::to_string(static_cast<int>(dialect)) + " is not one");
  });
}

tc_status tc_config_set_display_name(tc_config* config, const char* name, size_t name_length) {
  return set_text(config, name, name_length, "name", [](tc_config& c, std::string_view v) {
    c.session.display_name = v;
    return TC_OK;
  });
}

tc_status tc_config_set_attribute(tc_config* config, const char* key, size_t key_length, const char* value,
                                  size_t value_length) {
  return set_text(config, key, key_length, "key", [&](tc_config& c, std::string_view k) -> tc_status {
    if (k.empty()) return fail(TC_ERR_INVALID_ARGUMENT, "key: empty");
    tc_status status;
    const auto v = text_argument(value, value_length, "value", status);
    if (!v) return status;
    c.session.attributes.initial[std::string(k)] = *v;
    return TC_OK;
  });
}

tc_status tc_config_set_ca_file(tc_config* config, const char* path, size_t path_length) {
  return set_text(config, path, path_length, "path", [](tc_config& c, std::string_view v) {
    c.session.tls.ca_file = v;
    return TC_OK;
  });
}

tc_status tc_config_set_origin(tc_config* config, const char* origin, size_t origin_length) {
  return set_text(config, origin, origin_length, "origin", [](tc_config& c, std::string_view v) {
    c.session.origin = v;
    return TC_OK;
  });
}

tc_status tc_config_set_auto_start(tc_config* config, tc_auto_start auto_start) {
  return with_config(config, [&](tc_config& c) -> tc_status {
    switch (auto_start) {
      case TC_AUTO_START_FROM_DEPLOYMENT:
        c.session.web_messaging_auto_start = client::AutoStart::from_deployment;
        return TC_OK;
      case TC_AUTO_START_ON: c.session.web_messaging_auto_start = client::AutoStart::on; return TC_OK;
      case TC_AUTO_START_OFF: c.session.web_messaging_auto_start = client::AutoStart::off; return TC_OK;
      case TC_AUTO_START_MAX_ENUM: break;
    }
    return fail(TC_ERR_INVALID_ARGUMENT, "auto_start: " + std::to_string(static_cast<int>(auto_start)) + " is not one");
  });
}

tc_status tc_config_set_otlp_endpoint(tc_config* config, const char* url, size_t url_length) {
  return set_text(config, url, url_length, "url", [](tc_config& c, std::string_view v) {
    c.otlp_endpoint = v;
    return TC_OK;
  });
}

tc_status tc_config_set_service_name(tc_config* config, const char* name, size_t name_length) {
  return set_text(config, name, name_length, "name", [](tc_config& c, std::string_view v) {
    c.service_name = v;
    return TC_OK;
  });
}

tc_status tc_config_set_parent(tc_config* config, const char* traceparent, size_t traceparent_length) {
  return set_text(config, traceparent, traceparent_length, "traceparent",
                  [](tc_config& c, std::string_view v) -> tc_status {
                    const std::vector<trace::FieldLine> lines{{conventions::kTraceparentHeader, v}};
                    auto extracted = trace::extract_context(lines);
                    if (!extracted.parent)
                      return fail(TC_ERR_INVALID_ARGUMENT, "traceparent: " + extracted.traceparent_error);
                    c.session.trace.parent = std::move(*extracted.parent);
                    return TC_OK;
                  });
}

tc_status tc_config_set_record_message_text(tc_config* config, int record) {
  return with_config(config, [&](tc_config& c) -> tc_status {
    if (record != 0 && record != 1)
      return fail(TC_ERR_INVALID_ARGUMENT, "record: " + std::to_string(record) + " is neither 0 nor 1");
    c.session.trace.record_message_text = record == 1;
    return TC_OK;
  });
}

}  // extern "C"
