// The critical path of a trace: the spans whose time the trace's end waited on. From the
// root that ends last, going back from its end: the child that ended last before that
// point is on the path, then, from that child's start, the one that ended last before it,
// and so on; each chosen child the same way down. A span on the path is marked whole.
#pragma once

#include <unordered_set>

#include "tracechat/viewer/waterfall.h"

namespace tracechat::viewer {

std::unordered_set<const trace::SpanData*> critical_path(const Waterfall& waterfall);

}  // namespace tracechat::viewer
