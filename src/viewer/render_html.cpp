#include <boost/json.hpp>

#include "tracechat/viewer/waterfall.h"

namespace tracechat::viewer {
using namespace tracechat::trace;
namespace json = boost::json;

namespace {

json::array attributes_json(const Attributes& attributes) {
  json::array out;
  for (const auto& a : attributes.items()) out.push_back(json::array{a.key, to_string(a.value)});
  return out;
}

// JSON placed inside <script>: '<', '>' and '&' only occur inside strings there, so
// replacing them with \u escapes keeps the JSON identical and "</script>" impossible.
std::string script_safe(std::string text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      case '&': out += "\\u0026"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

constexpr const char* kPage = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>tracechat trace</title>
<style>
  * { box-sizing: border-box; }
  body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #fff; }
  header { padding: 12px 16px; border-bottom: 1px solid #d8dde6; background: #f6f8fb; }
  header h1 { font-size: 15px; margin: 0 0 4px; }
  header .meta { color: #5a6478; }
  main { display: flex; height: calc(100vh - 64px); }
  #rows { flex: 3; overflow: auto; }
  #details { flex: 2; overflow: auto; border-left: 1px solid #d8dde6; padding: 12px 16px; }
  .row { display: flex; align-items: center; height: 24px; border-bottom: 1px solid #f0f2f6; cursor: pointer; }
  .row:hover { background: #f3f6fb; }
  .row.selected { background: #e4ecfa; }
  .name { width: 38%; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding-left: 8px; }
  .service { width: 14%; color: #5a6478; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  .duration { width: 11%; text-align: right; padding-right: 8px; color: #5a6478; white-space: nowrap; }
  .lane { position: relative; flex: 1; height: 12px; margin-right: 8px; background: #f6f8fb; }
  .bar { position: absolute; top: 0; height: 12px; min-width: 2px; border-radius: 2px; background: #4a7bd0; }
  .row.error .bar { background: #d0464a; }
  .row.error .name { color: #b3262a; font-weight: 600; }
  .orphan { color: #9a6b00; font-size: 11px; margin-left: 6px; }
  table { border-collapse: collapse; width: 100%; }
  td { border-bottom: 1px solid #eef0f4; padding: 3px 6px; vertical-align: top; word-break: break-all; }
  td:first-child { color: #5a6478; width: 35%; }
  h2 { font-size: 14px; margin: 4px 0 8px; }
  h3 { font-size: 13px; margin: 14px 0 4px; }
</style>
</head>
<body>
<header><h1 id="title"></h1><div class="meta" id="meta"></div></header>
<main><div id="rows"></div><div id="details"><p>Click a span to see its attributes and events.</p></div></main>
<script type="application/json" id="trace-data">@DATA@</script>
<script>
(function () {
  const data = JSON.parse(document.getElementById('trace-data').textContent);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };
  document.getElementById('title').textContent = 'Trace ' + data.traceId;
  document.getElementById('meta').textContent = data.spans.length + ' spans · ' + data.services.join(', ') +
      ' · ' + data.duration + (data.errors ? ' · ' + data.errors + ' error(s)' : '') + (data.orphans ? ' · ' + data.orphans + ' orphan(s)' : '');
  const total = Math.max(1, data.end - data.start);
  const rows = document.getElementById('rows');
  const details = document.getElementById('details');
  function table(pairs) {
    const t = el('table');
    for (const [k, v] of pairs) { const tr = el('tr'); tr.append(el('td', '', k), el('td', '', v)); t.append(tr); }
    return t;
  }
  function show(span, row) {
    for (const r of rows.querySelectorAll('.selected')) r.classList.remove('selected');
    row.classList.add('selected');
    details.replaceChildren();
    details.append(el('h2', '', span.name));
    details.append(table([['span id', span.spanId], ['parent', span.parentSpanId || '(root)'], ['service', span.service],
        ['kind', span.kind], ['duration', span.duration], ['status', span.status]]));
    details.append(el('h3', '', 'Attributes'));
    details.append(span.attributes.length ? table(span.attributes) : el('p', '', 'none'));
    details.append(el('h3', '', 'Events'));
    if (!span.events.length) details.append(el('p', '', 'none'));
    for (const ev of span.events) {
      details.append(el('p', '', ev.name + ' at +' + ev.offset));
      if (ev.attributes.length) details.append(table(ev.attributes));
    }
  }
  data.spans.forEach((span, i) => {
    const row = el('div', 'row' + (span.error ? ' error' : ''));
    row.dataset.spanId = span.spanId;
    const name = el('div', 'name');
    name.style.paddingLeft = (8 + span.depth * 16) + 'px';
    name.append(el('span', '', span.name));
    if (span.orphan) name.append(el('span', 'orphan', 'orphan'));
    const lane = el('div', 'lane');
    const bar = el('div', 'bar');
    bar.style.left = (100 * (span.start - data.start) / total) + '%';
    bar.style.width = (100 * Math.max(0, span.end - span.start) / total) + '%';
    lane.append(bar);
    row.append(name, el('div', 'service', span.service), el('div', 'duration', span.duration), lane);
    row.addEventListener('click', () => show(span, row));
    rows.append(row);
  });
})();
</script>
</body>
</html>
)html";

}  // namespace

std::string render_waterfall_html(const Waterfall& w, const TraceId& trace_id) {
  json::array spans;
  json::array services;
  for (const auto& row : w.rows) {
    const SpanData& s = *row.span;
    const std::string service = service_name(s);
    if (std::find(services.begin(), services.end(), json::value(service)) == services.end())
      services.push_back(json::value(service));
    json::array events;
    for (const auto& e : s.events) {
      events.push_back(json::object{
          {"name", e.name},
          {"offset",
           format_duration(e.time_unix_nano >= s.start_time_unix_nano ? e.time_unix_nano - s.start_time_unix_nano : 0)},
          {"attributes", attributes_json(e.attributes)}});
    }
    const std::uint64_t duration =
        s.end_time_unix_nano >= s.start_time_unix_nano ? s.end_time_unix_nano - s.start_time_unix_nano : 0;
    std::string status = to_string(s.status.code);
    if (!s.status.description.empty()) status += ": " + s.status.description;
    // Times relative to the trace start keep the numbers within a double's precision.
    spans.push_back(json::object{
        {"name", s.name},
        {"spanId", s.context.span_id.hex()},
        {"parentSpanId", s.parent_span_id.valid() ? s.parent_span_id.hex() : std::string()},
        {"service", service},
        {"kind", to_string(s.kind)},
        {"start", static_cast<double>(s.start_time_unix_nano - w.start_unix_nano)},
        {"end", static_cast<double>(s.start_time_unix_nano - w.start_unix_nano + duration)},
        {"duration", format_duration(duration)},
        {"depth", row.depth},
        {"orphan", row.orphan},
        {"error", s.status.code == StatusCode::error},
        {"status", status},
        {"attributes", attributes_json(s.attributes)},
        {"events", std::move(events)},
    });
  }
  const json::object data{{"traceId", trace_id.hex()},
                          {"start", 0.0},
                          {"end", static_cast<double>(w.end_unix_nano - w.start_unix_nano)},
                          {"duration", format_duration(w.end_unix_nano - w.start_unix_nano)},
                          {"errors", w.errors},
                          {"orphans", w.orphans},
                          {"services", std::move(services)},
                          {"spans", std::move(spans)}};
  std::string page = kPage;
  const auto at = page.find("@DATA@");
  page.replace(at, 6, script_safe(json::serialize(data)));
  return page;
}

}  // namespace tracechat::viewer
