#include "tracechat/viewer/critical_path.h"

#include <algorithm>
#include <utility>

namespace tracechat::viewer {
using namespace tracechat::trace;

std::unordered_set<const SpanData*> critical_path(const Waterfall& waterfall) {
  std::unordered_set<const SpanData*> path;
  const auto& rows = waterfall.rows;
  if (rows.empty()) return path;
  // The tree from the rows (depth-first, so a row's children follow it one level down):
  // it has no cycle, whatever the spans' parent ids say.
  std::vector<std::vector<std::size_t>> children(rows.size());
  std::vector<std::size_t> ancestors;
  std::size_t last_top = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    while (!ancestors.empty() && rows[ancestors.back()].depth >= rows[i].depth) ancestors.pop_back();
    if (ancestors.empty()) {
      if (rows[i].span->end_time_unix_nano > rows[last_top].span->end_time_unix_nano) last_top = i;
    } else {
      children[ancestors.back()].push_back(i);
    }
    ancestors.push_back(i);
  }
  // (row, the time it must have ended by) — iterative, as hostile traces can be deep.
  std::vector<std::pair<std::size_t, std::uint64_t>> work{{last_top, rows[last_top].span->end_time_unix_nano}};
  while (!work.empty()) {
    const auto [row, limit] = work.back();
    work.pop_back();
    const SpanData& span = *rows[row].span;
    path.insert(&span);
    auto& kids = children[row];
    std::sort(kids.begin(), kids.end(), [&](std::size_t a, std::size_t b) {
      return rows[a].span->end_time_unix_nano > rows[b].span->end_time_unix_nano;
    });
    std::uint64_t cursor = std::min(span.end_time_unix_nano, limit);
    for (const std::size_t kid : kids) {
      const SpanData& child = *rows[kid].span;
      if (child.start_time_unix_nano >= cursor) continue;  // ran after what the parent waited for
      work.emplace_back(kid, cursor);
      cursor = child.start_time_unix_nano;
    }
  }
  return path;
}

}  // namespace tracechat::viewer
