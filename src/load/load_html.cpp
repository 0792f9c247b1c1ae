#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

#include "report_format.h"
#include "tracechat/load/html_report.h"

namespace tracechat::load {
namespace {

using detail::format;

using std::chrono::microseconds;
using std::chrono::milliseconds;

std::string escaped(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

std::string ms(microseconds d) { return format("%.1f", static_cast<double>(d.count()) / 1000.0); }

// The heat map's latency bands, in ms: (0, 1], (1, 2], (2, 4], ... (8192, 16384], and
// above. Doubling bands show a bot reply's 50 ms and a timeout's 10 s on one chart.
constexpr int kBands = 16;
std::int64_t band_edge_ms(int band) { return std::int64_t{1} << band; }  // upper edge of bands 0..14

// A value's height on the chart, in bands from the bottom (continuous: 1 ms is 1, 2 ms 2,
// 4 ms 3, ...), for the percentile lines.
double band_position(microseconds value) {
  const double v = static_cast<double>(value.count()) / 1000.0;
  return std::clamp(v <= 1 ? v : 1 + std::log2(v), 0.0, static_cast<double>(kBands));
}

struct Slice {
  std::uint64_t sent = 0;
  LatencyHistogram answered;
};

// The run's timeline (all kinds) cut into at most `columns` slices of whole windows.
std::vector<Slice> slices_of(const LoadResult& result, std::size_t columns, std::size_t& seconds_per_slice) {
  KindReport total;
  for (const auto& [name, kind] : result.kinds) total.merge(kind);
  const std::size_t windows_per_slice = std::max<std::size_t>(1, (total.timeline.size() + columns - 1) / columns);
  seconds_per_slice = windows_per_slice * total.window_seconds;
  std::vector<Slice> out((total.timeline.size() + windows_per_slice - 1) / windows_per_slice);
  for (std::size_t i = 0; i < total.timeline.size(); ++i) {
    out[i / windows_per_slice].sent += total.timeline[i].sent;
    out[i / windows_per_slice].answered.merge(total.timeline[i].answered);
  }
  return out;
}

constexpr int kLeft = 64, kWidth = 900, kRowHeight = 14, kTop = 8;

std::string heat_map(const std::vector<Slice>& slices, std::size_t seconds_per_slice) {
  const int height = kTop + kBands * kRowHeight + 28;
  std::string svg = format(R"(<svg width="%d" height="%d" role="img" aria-label="answer latency over time">)",
                           kLeft + kWidth + 16, height);
  const double column = static_cast<double>(kWidth) / static_cast<double>(std::max<std::size_t>(1, slices.size()));
  std::uint64_t busiest = 1;
  std::vector<std::array<std::uint64_t, kBands>> cells(slices.size());
  for (std::size_t c = 0; c < slices.size(); ++c) {
    std::uint64_t below = 0;
    for (int b = 0; b < kBands; ++b) {
      const std::uint64_t upto =
          b + 1 < kBands ? slices[c].answered.count_at_most(milliseconds(band_edge_ms(b))) : slices[c].answered.count();
      cells[c][b] = upto - below;
      below = upto;
      busiest = std::max(busiest, cells[c][b]);
    }
  }
  svg +=
      format(R"(<rect x="%d" y="%d" width="%d" height="%d" class="plot"/>)", kLeft, kTop, kWidth, kBands * kRowHeight);
  for (std::size_t c = 0; c < slices.size(); ++c) {
    for (int b = 0; b < kBands; ++b) {
      if (cells[c][b] == 0) continue;
      const double opacity = 0.12 + 0.88 * static_cast<double>(cells[c][b]) / static_cast<double>(busiest);
      svg +=
          format(R"(<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#4a7bd0" fill-opacity="%.2f">)",
                 kLeft + c * column, kTop + (kBands - 1 - b) * kRowHeight, std::max(column, 1.0), kRowHeight, opacity);
      svg += format("<title>%zu s: %llu answers in %s</title></rect>", c * seconds_per_slice,
                    static_cast<unsigned long long>(cells[c][b]),
                    b + 1 < kBands ? format("(%lld, %lld] ms", static_cast<long long>(b == 0 ? 0 : band_edge_ms(b - 1)),
                                            static_cast<long long>(band_edge_ms(b)))
                                         .c_str()
                                   : "more than 16 s");
    }
  }
  for (const auto& [fraction, color, name] : {std::tuple{0.50, "#1d2430", "p50"}, std::tuple{0.99, "#d0464a", "p99"}}) {
    std::string points;
    for (std::size_t c = 0; c < slices.size(); ++c) {
      if (slices[c].answered.count() == 0) continue;
      const double y = kTop + (kBands - band_position(slices[c].answered.percentile(fraction))) * kRowHeight;
      points += format("%.1f,%.1f ", kLeft + (c + 0.5) * column, y);
    }
    if (!points.empty()) {
      // (the points may be longer than format()'s buffer)
      svg += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + color + "\" stroke-width=\"1.5\"><title>" +
             name + "</title></polyline>";
    }
  }
  for (int b = 0; b < kBands - 1; b += 2) {
    const auto edge = band_edge_ms(b);
    const std::string label = edge >= 1000 ? format("%lld s", static_cast<long long>(edge / 1000))
                                           : format("%lld ms", static_cast<long long>(edge));
    svg += format(R"(<text x="%d" y="%d" class="axis" text-anchor="end">%s</text>)", kLeft - 6,
                  kTop + (kBands - 1 - b) * kRowHeight + 4, label.c_str());
  }
  const std::size_t ticks = std::max<std::size_t>(1, slices.size() / 8);
  for (std::size_t c = 0; c <= slices.size(); c += ticks) {
    svg += format(R"(<text x="%.1f" y="%d" class="axis" text-anchor="middle">%zu s</text>)", kLeft + c * column,
                  kTop + kBands * kRowHeight + 16, c * seconds_per_slice);
  }
  return svg + "</svg>";
}

std::string sent_bars(const std::vector<Slice>& slices, std::size_t seconds_per_slice) {
  constexpr int kHeight = 90;
  std::string svg = format(R"(<svg width="%d" height="%d" role="img" aria-label="messages sent per second">)",
                           kLeft + kWidth + 16, kTop + kHeight + 8);
  double busiest = 1;
  for (const auto& s : slices) busiest = std::max(busiest, static_cast<double>(s.sent) / seconds_per_slice);
  const double column = static_cast<double>(kWidth) / static_cast<double>(std::max<std::size_t>(1, slices.size()));
  svg += format(R"(<rect x="%d" y="%d" width="%d" height="%d" class="plot"/>)", kLeft, kTop, kWidth, kHeight);
  for (std::size_t c = 0; c < slices.size(); ++c) {
    const double rate = static_cast<double>(slices[c].sent) / seconds_per_slice;
    const double h = kHeight * rate / busiest;
    svg += format(
        R"(<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="#4a7bd0"><title>%zu s: %.1f/s</title></rect>)",
        kLeft + c * column, kTop + kHeight - h, std::max(column - 1, 1.0), h, c * seconds_per_slice, rate);
  }
  svg += format(R"(<text x="%d" y="%d" class="axis" text-anchor="end">%.0f/s</text>)", kLeft - 6, kTop + 8, busiest);
  svg += format(R"(<text x="%d" y="%d" class="axis" text-anchor="end">0</text>)", kLeft - 6, kTop + kHeight);
  return svg + "</svg>";
}

std::string count_cell(std::uint64_t n) { return format("<td>%llu</td>", static_cast<unsigned long long>(n)); }

std::string latency_row(const std::string& label, const LatencyHistogram& h) {
  if (h.count() == 0) return "<tr><td>" + escaped(label) + "</td><td colspan=\"5\">-</td></tr>";
  return "<tr><td>" + escaped(label) + "</td><td>" + ms(h.percentile(0.5)) + "</td><td>" + ms(h.percentile(0.9)) +
         "</td><td>" + ms(h.percentile(0.99)) + "</td><td>" + ms(h.max()) + "</td>" + count_cell(h.count()) + "</tr>";
}

constexpr const char* kStyle = R"css(
  * { box-sizing: border-box; }
  body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #fff; }
  header { padding: 12px 16px; border-bottom: 1px solid #d8dde6; background: #f6f8fb; }
  header h1 { font-size: 15px; margin: 0 0 4px; }
  header .meta { color: #5a6478; }
  main { padding: 8px 16px 24px; max-width: 1000px; }
  .pass { color: #1f7a3a; } .fail { color: #b3262a; }
  table { border-collapse: collapse; margin-bottom: 8px; }
  th { text-align: right; color: #5a6478; font-weight: 600; padding: 3px 8px; border-bottom: 1px solid #d8dde6; }
  td { border-bottom: 1px solid #eef0f4; padding: 3px 8px; text-align: right; }
  th:first-child, td:first-child { text-align: left; }
  h2 { font-size: 14px; margin: 18px 0 8px; }
  .plot { fill: #f6f8fb; }
  .axis { font-size: 11px; fill: #5a6478; }
  .note { color: #5a6478; }
)css";

}  // namespace

std::string to_html(const LoadReport& r) {
  const auto why = problems(r);
  const double seconds = static_cast<double>(r.result.wall.count()) / 1000.0;
  std::string page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  page += "<title>tracechat load: " + std::string(why.empty() ? "PASS" : "FAIL") + "</title>\n<style>";
  page += kStyle;
  page += "</style>\n</head>\n<body>\n<header><h1>tracechat load: <span class=\"";
  page += why.empty() ? "pass\">PASS" : "fail\">FAIL";
  page += "</span></h1><div class=\"meta\">";
  page +=
      escaped(format("%zu guests (%s) against ", r.guests, r.kinds.c_str()) + r.target + format(", %.1f s", seconds));
  if (r.shard > 0) page += escaped(format(" — shard %zu of %zu", r.shard, r.shards));
  if (r.shard == 0 && r.shards > 1) page += escaped(format(" — merged from %zu shards", r.shards));
  page += "</div></header>\n<main>\n";
  if (!why.empty()) {
    page += "<h2 class=\"fail\">Why it failed</h2><ul>";
    for (const auto& w : why) page += "<li>" + escaped(w) + "</li>";
    page += "</ul>\n";
  }

  std::size_t seconds_per_slice = 1;
  const auto slices = slices_of(r.result, 150, seconds_per_slice);
  page += format(
      "<h2>Answers over time</h2><p class=\"note\">Each column is %zu s of the run; the darker a cell, the "
      "more answers came with that latency. Lines: p50 (dark) and p99 (red).</p>\n",
      seconds_per_slice);
  page += heat_map(slices, seconds_per_slice);
  page += "\n<h2>Messages sent per second</h2>\n" + sent_bars(slices, seconds_per_slice);

  KindReport total;
  for (const auto& [name, k] : r.result.kinds) total.merge(k);
  std::vector<std::pair<std::string, const KindReport*>> rows;
  for (const auto& [name, k] : r.result.kinds) rows.emplace_back(name, &k);
  if (rows.size() > 1) rows.emplace_back("all", &total);
  page +=
      "\n<h2>Sessions and messages</h2><table><tr><th>guests</th><th>opened</th><th>failed</th><th>sent</th>"
      "<th>acknowledged</th><th>answered</th><th>unanswered</th><th>lost</th><th>duplicated</th><th>rate-limited</th>"
      "<th>reconnects</th></tr>";
  for (const auto& [name, k] : rows) {
    page += "<tr><td>" + escaped(name) + "</td>" + count_cell(k->sessions_opened) + count_cell(k->sessions_failed) +
            count_cell(k->messages_sent) + count_cell(k->messages_acknowledged) + count_cell(k->messages_answered) +
            count_cell(k->messages_unanswered) + count_cell(k->messages_lost) + count_cell(k->messages_duplicated) +
            count_cell(k->rate_limited) + count_cell(k->reconnects) + "</tr>";
  }
  page += "</table>\n";
  std::string errors;
  for (const auto& [name, k] : r.result.kinds) {
    for (const auto& e : k.errors) errors += "<li>" + escaped(name + ": " + e) + "</li>";
  }
  if (!errors.empty()) page += "<h2>First errors</h2><ul>" + errors + "</ul>\n";
  page +=
      "<h2>Latency (ms)</h2><table><tr><th></th><th>p50</th><th>p90</th><th>p99</th><th>max</th>"
      "<th>count</th></tr>";
  for (const auto& [name, k] : rows) {
    page += latency_row(name + ": handshake", k->handshake);
    page += latency_row(name + ": context attached", k->context);
    page += latency_row(name + ": message acknowledged", k->acknowledged);
    page += latency_row(name + ": answer", k->answered);
  }
  if (r.correlation) page += latency_row("Data Action span", r.correlation->data_action);
  page += "</table>\n<h2>Correlation</h2>";
  if (r.correlation) {
    const auto& c = *r.correlation;
    page += "<p>" + escaped(detail::correlation_sentence(c)) + ".</p>";
    if (!c.first_failures.empty()) {
      page += "<ul>";
      for (const auto& f : c.first_failures) page += "<li>" + escaped(f) + "</li>";
      page += "</ul>";
    }
  } else {
    page += "<p>Not checked: " + escaped(r.correlation_not_checked) + "</p>";
  }
  if (r.data_action_calls) {
    page += format("<p>Data Action calls by the flows: %llu, failed %llu; flow runs dropped %llu.</p>",
                   static_cast<unsigned long long>(*r.data_action_calls),
                   static_cast<unsigned long long>(r.data_action_failures.value_or(0)),
                   static_cast<unsigned long long>(r.flow_runs_dropped.value_or(0)));
  }
  page += "\n<h2>Resources</h2><table><tr><th></th><th>CPU s</th><th>peak RSS KiB</th></tr>";
  for (const auto& u : r.resources) {
    page += "<tr><td>" + escaped(u.what) + "</td><td>" + format("%.2f", u.cpu_seconds) + "</td>" +
            count_cell(u.peak_rss_kib) + "</tr>";
  }
  page += "</table>\n";
  if (!r.cpu_by_part.empty()) {
    page += "<h2>CPU by part</h2><table><tr><th></th><th>CPU s</th></tr>";
    for (const auto& [part, cpu] : r.cpu_by_part) {
      page += "<tr><td>" + escaped(part) + "</td><td>" + format("%.2f", cpu) + "</td></tr>";
    }
    page += "</table>\n";
  }
  page += format("<p>Guest spans: %llu exported, %llu dropped, %llu not accepted by the collector.</p>\n",
                 static_cast<unsigned long long>(r.spans_exported), static_cast<unsigned long long>(r.spans_dropped),
                 static_cast<unsigned long long>(r.spans_export_failed));
  page += "</main>\n</body>\n</html>\n";
  return page;
}

}  // namespace tracechat::load
