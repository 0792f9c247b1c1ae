// Reading and writing the parts that requests and responses share: message events and
// the IncomingNormalizedMessage. Internal to the Web Messaging codec.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "common/json_reader.h"
#include "tracechat/protocol/web_messaging.h"

namespace tracechat::protocol::web_messaging::detail {

using common::ObjectReader;

Result<std::vector<MessageEvent>> read_events(const ObjectReader& r, std::string_view key);
boost::json::array events_json(const std::vector<MessageEvent>& events);

Result<std::vector<Content>> read_content(const ObjectReader& r, std::string_view key);
boost::json::array content_json(const std::vector<Content>& content);

Result<IncomingMessage> read_incoming_message(const ObjectReader& r);
boost::json::object incoming_message_json(const IncomingMessage& message);
std::vector<std::string> lint_incoming_message(const ObjectReader& r);

boost::json::object string_map_json(const StringMap& map);

}  // namespace tracechat::protocol::web_messaging::detail
