// Wrapping a SessionEvent as a tc_event: lent for a callback, or owned (polled, cloned).
#pragma once

#include "capi.h"

namespace tracechat::capi {

std::shared_ptr<tc_event> make_event(const client::SessionEvent& event, bool lent);

}  // namespace tracechat::capi
