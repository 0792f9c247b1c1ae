#include "tracechat/viewer/waterfall.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <unordered_map>

namespace tracechat::viewer {
using namespace tracechat::trace;

Waterfall build_waterfall(const std::vector<std::unique_ptr<SpanData>>& spans) {
  Waterfall w;
  std::unordered_map<SpanId, const SpanData*> by_id;
  for (const auto& s : spans) by_id.emplace(s->context.span_id, s.get());
  std::unordered_map<SpanId, std::vector<const SpanData*>> children;
  std::vector<std::pair<const SpanData*, bool>> tops;  // (span, orphan)
  for (const auto& s : spans) {
    if (!s->parent_span_id.valid()) {
      tops.emplace_back(s.get(), false);
    } else if (by_id.count(s->parent_span_id) == 0 || s->parent_span_id == s->context.span_id) {
      tops.emplace_back(s.get(), true);
    } else {
      children[s->parent_span_id].push_back(s.get());
    }
  }
  const auto by_start = [](const SpanData* a, const SpanData* b) {
    return a->start_time_unix_nano != b->start_time_unix_nano ? a->start_time_unix_nano < b->start_time_unix_nano
                                                              : a->context.span_id < b->context.span_id;
  };
  std::sort(tops.begin(), tops.end(), [&](const auto& a, const auto& b) { return by_start(a.first, b.first); });
  for (auto& [id, list] : children) std::sort(list.begin(), list.end(), by_start);

  // Iterative depth-first walk; `visited` guards against parent cycles in hostile data.
  std::unordered_map<const SpanData*, bool> visited;
  std::vector<std::pair<const SpanData*, int>> stack;
  for (const auto& [top, orphan_root] : tops) {
    stack.clear();
    stack.emplace_back(top, 0);
    while (!stack.empty()) {
      auto [span, depth] = stack.back();
      stack.pop_back();
      if (visited[span]) continue;
      visited[span] = true;
      w.rows.push_back(WaterfallRow{span, depth, depth == 0 && orphan_root});
      if (auto c = children.find(span->context.span_id); c != children.end()) {
        for (auto child = c->second.rbegin(); child != c->second.rend(); ++child) stack.emplace_back(*child, depth + 1);
      }
    }
  }
  // Spans in a parent cycle are reachable from no root: show them as orphans too.
  for (const auto& s : spans) {
    if (!visited[s.get()]) w.rows.push_back(WaterfallRow{s.get(), 0, true});
  }

  bool first = true;
  for (const auto& row : w.rows) {
    const auto* s = row.span;
    if (first || s->start_time_unix_nano < w.start_unix_nano) w.start_unix_nano = s->start_time_unix_nano;
    if (first || s->end_time_unix_nano > w.end_unix_nano) w.end_unix_nano = s->end_time_unix_nano;
    first = false;
    w.orphans += row.orphan ? 1 : 0;
    w.errors += s->status.code == StatusCode::error ? 1 : 0;
  }
  return w;
}

std::string format_duration(std::uint64_t ns) {
  char text[32];
  if (ns < 1000) {
    std::snprintf(text, sizeof text, "%llu ns", static_cast<unsigned long long>(ns));
  } else if (ns < 1000'000) {
    std::snprintf(text, sizeof text, "%.1f us", static_cast<double>(ns) / 1e3);
  } else if (ns < 1000'000'000) {
    std::snprintf(text, sizeof text, "%.2f ms", static_cast<double>(ns) / 1e6);
  } else if (ns < 60'000'000'000ULL) {
    std::snprintf(text, sizeof text, "%.3f s", static_cast<double>(ns) / 1e9);
  } else {
    const auto s = ns / 1'000'000'000ULL;
    std::snprintf(text, sizeof text, "%llum%02llus", static_cast<unsigned long long>(s / 60),
                  static_cast<unsigned long long>(s % 60));
  }
  return text;
}

std::string service_name(const SpanData& span) {
  const auto* v = span.resource().attributes().find("service.name");
  return v != nullptr && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : std::string("?");
}

}  // namespace tracechat::viewer
