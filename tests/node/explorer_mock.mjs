// A stand-in for `tracechat ui`'s server, for working on the explorer page without the
// C++ build: it serves the assembled page (src/viewer/explorer/*, read again on every
// request, so an edit shows on reload) and the explorer's API over generated traces, and
// adds a new trace every second, announced on the live WebSocket.
//
//   node explorer_mock.mjs <port>                    serve on 127.0.0.1:<port>
//   node explorer_mock.mjs --export <out.html>       write an offline page (one trace
//                                                    embedded) and print its ids as JSON
//
// No dependencies: node's http and crypto only (the WebSocket handshake and text frames
// are done by hand; enough for a page that only listens).
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const assets = path.resolve(here, '../../src/viewer/explorer');

// ---- The page, assembled as src/viewer/explorer_page.cpp does ---------------------------

// Like the C++ script_safe: '<', '>' and '&' only occur inside JSON strings, so escaping
// them keeps the JSON identical and makes "</script>" impossible.
const scriptSafe = (json) => json.replace(/[<>&]/g, (c) => '\\u00' + c.charCodeAt(0).toString(16));

function assemblePage(documentJson) {
  const read = (name) => fs.readFileSync(path.join(assets, name), 'utf8');
  const html = read('explorer.html');
  const css = read('explorer.css');
  const js = read('explorer.js');
  // The rules the C++ side relies on; checked here so a slip shows up while developing.
  for (const [name, text] of [['explorer.css', css], ['explorer.js', js]]) {
    for (const bad of ['</script', '</style', '@DATA@', '/*@CSS@*/', '/*@JS@*/']) {
      if (text.toLowerCase().includes(bad.toLowerCase())) throw new Error(`${name} contains ${bad}`);
    }
  }
  // Replaced in page order (style, data, script), each after the previous one, with
  // function replacements so that "$&" and the like in the code are not patterns.
  let page = html;
  let from = 0;
  for (const [placeholder, value] of [['/*@CSS@*/', css], ['@DATA@', documentJson ? scriptSafe(documentJson) : 'null'], ['/*@JS@*/', js]]) {
    const at = page.indexOf(placeholder, from);
    if (at < 0) throw new Error(`explorer.html lacks ${placeholder}`);
    page = page.slice(0, at) + value + page.slice(at + placeholder.length);
    from = at + value.length;
  }
  return page;
}

// ---- Generated traces ---------------------------------------------------------------------

// A small seeded generator, so that the same seed gives the same traces.
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
let rng = mulberry32(20251205);
const hex = (n) => Array.from({ length: n }, () => Math.floor(rng() * 16).toString(16)).join('');
const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(rng() * 4)]}${hex(3)}-${hex(12)}`;
const between = (lo, hi) => lo + Math.floor(rng() * (hi - lo));

// As viewer::format_duration.
function formatDuration(ns) {
  ns = Math.max(0, Math.round(ns));
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return `${(ns / 1e3).toFixed(1)} us`;
  if (ns < 1e9) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns < 60e9) return `${(ns / 1e9).toFixed(3)} s`;
  const s = Math.floor(ns / 1e9);
  return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}

const ACTIONS = ['Lookup Order', 'Get Customer', 'Check Entitlement', 'Route Hint'];
const HOSTILE = '</script><img src=x onerror="window.__xss=1">&amp;';

// One chat session's spans: the session, an attribute request, and per guest message its
// send span, the Data Actions the flow ran (with the bridge's upstream call and the
// backend's span) and the reply (a receive span, or an event on the session span).
// `n` picks the variant: per-message context or not, text recorded or not, an error, ...
function variantOf(n) {
  return {
    perMessage: n % 3 !== 2,     // actions under the message span ("parent"), else "time"
    recordText: n % 3 === 0,
    failing: n % 5 === 4,
    replyEvents: n % 4 === 3,    // receive_spans off: replies are events on the session
    hostile: n % 10 === 7,       // span names and values that must stay text
    orphan: n % 7 === 6,
    platform: n % 8 === 6 ? 'error' : n % 4 === 0 ? 'yes' : 'no',
  };
}

function generateSpans(n, previous, v) {
  const spans = [];
  const add = (name, parent, service, kind, start, duration, attributes = []) => {
    const s = { name, spanId: hex(16), parentSpanId: parent ? parent.spanId : '', service, kind, start, end: start + duration,
                statusCode: 'unset', statusMessage: '', attributes, events: [], links: [] };
    spans.push(s);
    return s;
  };
  const conversationId = uuid();
  const { perMessage, recordText, failing, replyEvents, hostile } = v;
  const turns = 2 + (n % 3);
  const root = add('chat.session', null, 'tracechat-chat', 'internal', 0, 0, [
    ['chat.conversation.id', conversationId], ['chat.session.id', uuid()], ['server.address', 'webmessaging.mypurecloud.com'],
    ['chat.dialect', 'web-messaging']]);
  root.events.push({ name: 'chat.member.joined', time: 150_000, attributes: [['chat.member.role', 'bot']] });
  if (previous) root.links.push({ traceId: previous.traceId, spanId: previous.rootSpanId, attributes: [['link.reason', 'session resumed']] });
  let t = 200_000;
  add('chat.set_attributes', root, 'tracechat-chat', 'client', t, between(900_000, 3_000_000),
      [['chat.attributes.keys', 'otel_trace_id,otel_span_id,traceparent'], ['chat.attempts', '1']]);
  t += 4_000_000;
  if (hostile) add(`<img src=x onerror="window.__xss=1"> chat.custom`, root, 'tracechat-chat', 'internal', t, 50_000, [['user.note', HOSTILE]]);
  for (let turn = 0; turn < turns; turn++) {
    const sendDuration = between(8_000_000, 30_000_000);
    const send = add('chat.send_message', root, 'tracechat-chat', 'producer', t, sendDuration, [
      ['messaging.system', 'genesys.webmessaging'], ['messaging.operation.type', 'send'], ['messaging.operation.name', 'send_message'],
      ['messaging.message.id', hex(32)], ['messaging.destination.name', conversationId], ['messaging.message.body.size', String(between(5, 80))],
      ['chat.client_message_id', String(turn + 1)], ['chat.attempts', '1']]);
    if (recordText) send.attributes.push(['chat.message.text', hostile ? HOSTILE : ['Hi, where is my order?', 'It is order 4711.', 'Thanks!', 'Can I change the address?'][turn % 4]]);
    send.events.push({ name: 'chat.message.acknowledged', time: t + sendDuration - 200_000, attributes: [] });
    let a = t + between(1_000_000, 3_000_000);
    const actionParent = perMessage ? send : root;
    for (let k = 0; k < 1 + ((n + turn) % 2); k++) {
      const action = ACTIONS[(n + turn + k) % ACTIONS.length];
      const duration = between(20_000_000, 120_000_000);
      const da = add(`dataaction ${action}`, actionParent, 'tracechat-bridge', 'server', a, duration, [
        ['http.request.method', 'POST'], ['url.path', '/actions/' + action.toLowerCase().replace(/ /g, '-')],
        ['dataaction.name', action], ['chat.conversation.id', conversationId], ['http.response.status_code', '200']]);
      const up = add(`dataaction ${action} upstream`, da, 'tracechat-bridge', 'client', a + 300_000, duration - 800_000, [
        ['http.request.method', 'POST'], ['server.address', 'orders.internal'], ['server.port', '8443']]);
      const be = add(`POST /v1/${action.toLowerCase().replace(/ /g, '-')}`, up, 'orders-api', 'server', a + 900_000, duration - 2_500_000, [
        ['http.route', '/v1/{action}'], ['db.system', 'postgresql']]);
      if (hostile) be.attributes.push(['request.body', HOSTILE]);
      if (failing && turn === 1 && k === 0) {
        for (const s of [da, be]) { s.statusCode = 'error'; s.statusMessage = 'HTTP 502'; }
        da.attributes.push(['http.response.status_code', '502']);
        be.events.push({ name: 'exception', time: be.start + 1_000_000,
                         attributes: [['exception.type', 'UpstreamTimeout'], ['exception.message', 'upstream took longer than 30 s']] });
      }
      a += duration + between(500_000, 2_000_000);
    }
    const replyAt = Math.max(a, t + sendDuration) + between(1_000_000, 5_000_000);
    const role = turn === turns - 1 && n % 2 ? 'agent' : 'bot';
    const replyText = ['Let me check that for you.', 'Your order ships tomorrow.', 'You are welcome!', 'Done.'][turn % 4];
    if (replyEvents) {
      const attributes = [['messaging.message.id', hex(32)], ['chat.sender.role', role]];
      if (recordText) attributes.push(['chat.message.text', replyText]);
      root.events.push({ name: 'chat.message.received', time: replyAt, attributes });
    } else {
      const receive = add('chat.receive_message', root, 'tracechat-chat', 'consumer', replyAt, between(100_000, 600_000), [
        ['messaging.system', 'genesys.webmessaging'], ['messaging.operation.type', 'receive'], ['messaging.message.id', hex(32)],
        ['chat.sender.role', role]]);
      if (recordText) receive.attributes.push(['chat.message.text', replyText]);
    }
    t = replyAt + between(5_000_000, 40_000_000);
  }
  root.end = t;
  // Now and then a span whose parent never arrived.
  if (v.orphan) {
    const orphan = add('flow.inbound', null, 'genesys-emulator', 'server', between(5_000_000, t / 2), 2_000_000, [['flow.name', 'Inbound Chat']]);
    orphan.parentSpanId = hex(16);
  }
  return { spans, conversationId, recordText };
}

// The waterfall order: depth-first from the roots, children by start; orphans (a parent
// id not in the trace) are roots too, after the real one.
function waterfallOrder(spans) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map();
  const roots = [];
  for (const s of spans) {
    if (s.parentSpanId && byId.has(s.parentSpanId)) {
      if (!children.has(s.parentSpanId)) children.set(s.parentSpanId, []);
      children.get(s.parentSpanId).push(s);
    } else {
      s.orphan = Boolean(s.parentSpanId);
      roots.push(s);
    }
  }
  const out = [];
  const visit = (s, depth) => {
    s.depth = depth;
    out.push(s);
    const kids = (children.get(s.spanId) || []).sort((a, b) => a.start - b.start);
    s.hasChildren = kids.length > 0;
    for (const c of kids) visit(c, depth + 1);
  };
  roots.sort((a, b) => Number(a.orphan) - Number(b.orphan) || a.start - b.start).forEach((r) => visit(r, 0));
  return { out, children };
}

// The critical path: from the root, the child that ends last, then the child ending last
// before that one started, and so on, recursively.
function markCritical(span, children) {
  span.critical = true;
  let limit = span.end;
  for (const c of [...(children.get(span.spanId) || [])].sort((a, b) => b.end - a.end)) {
    if (c.end <= limit) {
      markCritical(c, children);
      limit = c.start;
    }
  }
}

// As viewer::chat_transcript: messages from the send/receive spans and the received-message
// events; actions under a message's span, else by time.
function transcript(ordered, conversationId) {
  const byId = new Map(ordered.map((s) => [s.spanId, s]));
  const attr = (list, key) => { const a = list.find(([k]) => k === key); return a ? a[1] : undefined; };
  const messages = [];
  for (const s of ordered) {
    if (s.name === 'chat.send_message' || s.name === 'chat.receive_message') {
      const guest = s.name === 'chat.send_message';
      messages.push({ span: s, spanId: s.spanId, direction: guest ? 'guest' : 'reply', role: guest ? 'guest' : attr(s.attributes, 'chat.sender.role') || '',
                      messageId: attr(s.attributes, 'messaging.message.id') || '', time: s.start, text: attr(s.attributes, 'chat.message.text'), actions: [] });
    }
    for (const e of s.events) {
      if (e.name !== 'chat.message.received') continue;
      messages.push({ span: s, spanId: s.spanId, direction: 'reply', role: attr(e.attributes, 'chat.sender.role') || '',
                      messageId: attr(e.attributes, 'messaging.message.id') || '', time: e.time, text: attr(e.attributes, 'chat.message.text'), actions: [] });
    }
  }
  messages.sort((a, b) => a.time - b.time);
  const sendingAncestor = (s) => {
    for (let at = s, steps = 0; at.parentSpanId && steps <= ordered.length; steps++) {
      at = byId.get(at.parentSpanId);
      if (!at) return null;
      const m = messages.find((x) => x.direction === 'guest' && x.span === at);
      if (m) return m;
    }
    return null;
  };
  let byParent = false;
  const unplaced = [];
  for (const s of ordered) {
    if (!s.name.startsWith('dataaction ')) continue;
    const m = sendingAncestor(s);
    if (m) { m.actions.push(s); m.byParent = true; byParent = true; } else unplaced.push(s);
  }
  if (!byParent) {
    for (const s of unplaced) {
      let last = null;
      for (const m of messages) { if (m.time > s.start) break; if (m.direction === 'guest') last = m; }
      if (last) last.actions.push(s);
    }
  }
  if (!messages.length) return null;
  return {
    id: conversationId || null,
    messages: messages.map((m) => {
      const out = { spanId: m.spanId, direction: m.direction, role: m.role, messageId: m.messageId, time: m.time,
                    dataActionSpanIds: m.actions.sort((a, b) => a.start - b.start).map((s) => s.spanId),
                    dataActionsLinkedBy: m.byParent ? 'parent' : 'time' };
      if (m.text !== undefined) out.text = m.text;
      return out;
    }),
    platform: null,
  };
}

function platformFor(n, traceId, conversationId, v) {
  if (v.platform === 'error') return { participants: [], attributes: [], error: 'platform lookup failed: 401 Unauthorized (check the OAuth client)' };
  if (v.platform !== 'yes') return null;
  return {
    participants: [
      { purpose: 'customer', name: 'Web guest', state: 'connected' },
      { purpose: 'workflow', name: 'Inbound Chat', state: 'disconnected' },
      { purpose: n % 8 === 0 ? 'agent' : 'bot', name: n % 8 === 0 ? 'Ada Agent' : 'Order Bot', state: 'connected' }],
    attributes: [['otel_trace_id', traceId], ['otel_span_id', hex(16)], ['traceparent', `00-${traceId}-${hex(16)}-01`],
                 ['conversationId', conversationId]],
  };
}

// One trace: its document (GET /api/traces/{id}) and its list row.
function makeTrace(n, startUnixMs, previous, v = variantOf(n)) {
  const traceId = hex(32);
  const { spans, conversationId } = generateSpans(n, previous, v);
  const { out, children } = waterfallOrder(spans);
  markCritical(out[0], children);
  const end = Math.max(...out.map((s) => s.end));
  const services = [...new Set(out.map((s) => s.service))];
  const errors = out.filter((s) => s.statusCode === 'error').length;
  const conversation = transcript(out, conversationId);
  if (conversation) conversation.platform = platformFor(n, traceId, conversationId, v);
  const doc = {
    traceId, startUnixMs, start: 0, end, duration: formatDuration(end), errors, orphans: out.filter((s) => s.orphan).length,
    services, rootName: out[0].name,
    spans: out.map((s) => ({
      name: s.name, spanId: s.spanId, parentSpanId: s.parentSpanId, service: s.service, kind: s.kind,
      start: s.start, end: s.end, duration: formatDuration(s.end - s.start), depth: s.depth, orphan: Boolean(s.orphan),
      error: s.statusCode === 'error', status: s.statusCode + (s.statusMessage ? ': ' + s.statusMessage : ''),
      statusCode: s.statusCode, statusMessage: s.statusMessage, critical: Boolean(s.critical), hasChildren: s.hasChildren,
      attributes: s.attributes,
      events: s.events.map((e) => ({ name: e.name, offset: formatDuration(e.time - s.start), time: e.time, attributes: e.attributes })),
      links: s.links,
    })),
    conversation,
  };
  const row = { traceId, rootName: doc.rootName, startUnixMs, durationMs: end / 1e6, duration: doc.duration, spanCount: out.length,
                services, error: errors > 0, conversationId };
  return { doc, row, rootSpanId: out[0].spanId, n };
}

// ---- The store and the API ---------------------------------------------------------------

const traces = [];  // newest first
let generated = 0;
function addTrace(startUnixMs) {
  const previous = generated % 6 === 5 ? traces[0] : null;  // now and then a link to the last one
  const t = makeTrace(generated++, startUnixMs, previous && { traceId: previous.doc.traceId, rootSpanId: previous.rootSpanId });
  traces.unshift(t);
  traces.sort((a, b) => b.row.startUnixMs - a.row.startUnixMs || (a.row.traceId < b.row.traceId ? 1 : -1));
  if (traces.length > 2000) traces.length = 2000;
  return t;
}

function seed() {
  // 120 traces over the last two days, so that the list shows dates and pages.
  const now = Date.now();
  for (let i = 120; i > 0; i--) addTrace(now - i * 24 * 60_000 - between(0, 60_000));
  // A second trace for one conversation: /conversation/{id} must show the newest.
  const again = addTrace(now - 5_000);
  again.row.conversationId = traces[5].row.conversationId;
  if (again.doc.conversation) again.doc.conversation.id = again.row.conversationId;
}

class BadRequest extends Error {}
const HEX32 = /^[0-9a-f]{32}$/i;
const cursorOf = (row) => `${Math.round(row.startUnixMs * 1e6)}-${row.traceId}`;

// The parameters and their errors as src/explorer/trace_query_params.cpp has them.
function query(searchParams) {
  const seen = new Set();
  const q = { attrs: [], limit: 50 };
  for (const [name, value] of searchParams) {
    if (name !== 'attr' && seen.has(name)) throw new BadRequest(`the parameter '${name}' is given twice`);
    seen.add(name);
    const time = () => {
      const ms = Date.parse(value);
      if (!/^\d{4}-\d\d-\d\dT/.test(value) || Number.isNaN(ms)) {
        throw new BadRequest(`${name} '${value}': expected an RFC 3339 time in UTC, e.g. 2026-12-05T10:00:00.000Z`);
      }
      return ms;
    };
    switch (name) {
      case 'trace_id':
        if (!HEX32.test(value) || /^0+$/.test(value)) throw new BadRequest(`trace_id '${value}': expected 32 hexadecimal digits, not all zero`);
        q.traceId = value.toLowerCase(); break;
      case 'conversation_id': case 'service': case 'span_name':
        if (!value) throw new BadRequest(`${name}: needs a value`);
        q[name] = value; break;
      case 'attr': {
        const eq = value.indexOf('=');
        if (eq <= 0) throw new BadRequest(`attr '${value}': expected key=value`);
        q.attrs.push([value.slice(0, eq), value.slice(eq + 1)]); break;
      }
      case 'errors': q.errors = value === '1' || value === 'true'; break;
      case 'from': q.from = time(); break;
      case 'to': q.to = time(); break;
      case 'limit':
        q.limit = Number(value);
        if (!/^\d+$/.test(value) || q.limit < 1 || q.limit > 200) throw new BadRequest(`limit '${value}': expected a number from 1 to 200`);
        break;
      case 'after':
        if (!/^\d+-[0-9a-f]{32}$/.test(value)) throw new BadRequest(`after '${value}': not a cursor this API gave out (use the "next" of the previous page)`);
        q.after = value; break;
      default:
        throw new BadRequest(`unknown parameter '${name}' (known: trace_id, conversation_id, service, span_name, attr, errors, from, to, limit, after)`);
    }
  }
  if (q.from !== undefined && q.to !== undefined && q.from >= q.to) throw new BadRequest('from must be before to');
  return q;
}

function matches(t, q) {
  const { doc, row } = t;
  if (q.traceId && row.traceId !== q.traceId) return false;
  if (q.conversation_id && row.conversationId !== q.conversation_id) return false;
  if (q.service && !row.services.includes(q.service)) return false;
  if (q.span_name && !doc.spans.some((s) => s.name === q.span_name)) return false;
  for (const [k, v] of q.attrs) if (!doc.spans.some((s) => s.attributes.some(([ak, av]) => ak === k && av === v))) return false;
  if (q.errors && !row.error) return false;
  if (q.from !== undefined && row.startUnixMs < q.from) return false;
  if (q.to !== undefined && row.startUnixMs >= q.to) return false;
  return true;
}

function list(searchParams) {
  const q = query(searchParams);
  let rows = traces.filter((t) => matches(t, q)).map((t) => t.row);
  if (q.after) {
    // Order: start descending, then trace id descending; the cursor is the last row given.
    const [ns, id] = q.after.split('-');
    rows = rows.filter((r) => { const c = Math.round(r.startUnixMs * 1e6); return c < Number(ns) || (c === Number(ns) && r.traceId < id); });
  }
  const page = rows.slice(0, q.limit);
  return { traces: page, next: rows.length > q.limit ? cursorOf(page[page.length - 1]) : null };
}

// ---- HTTP and the live WebSocket ---------------------------------------------------------

// The policy the C++ server sends with the page, so that the mock shows what it forbids.
const PAGE_POLICY = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; " +
                    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(res, status, body, type = 'application/json') {
  const text = type === 'application/json' ? JSON.stringify(body) : body;
  res.writeHead(status, { 'Content-Type': `${type}; charset=utf-8`, 'Cache-Control': 'no-store',
                          ...(type === 'text/html' ? { 'Content-Security-Policy': PAGE_POLICY } : {}) });
  res.end(text);
}

function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (segments[0] !== 'api') {
      const page = segments.length === 0 || (segments.length === 2 && (segments[0] === 'trace' || segments[0] === 'conversation'));
      if (!page) return send(res, 404, 'not found: the explorer is at /\n', 'text/plain');
      return send(res, 200, assemblePage(null), 'text/html');
    }
    if (segments.length === 2 && segments[1] === 'traces') return send(res, 200, list(url.searchParams));
    if (segments.length === 3 && segments[1] === 'traces') {
      const t = traces.find((x) => x.row.traceId === segments[2].toLowerCase());
      return t ? send(res, 200, t.doc) : send(res, 404, { error: `no spans of trace ${segments[2].slice(0, 64)} in the store` });
    }
    if (segments.length === 3 && segments[1] === 'conversations') {
      const rows = traces.filter((x) => x.row.conversationId === segments[2]).map((x) => x.row);
      return rows.length ? send(res, 200, { conversationId: segments[2], traces: rows })
                         : send(res, 404, { error: `no trace in the store carries conversation ${segments[2].slice(0, 80)}` });
    }
    return send(res, 404, { error: `no such API: ${url.pathname.slice(0, 100)}` });
  } catch (e) {
    if (e instanceof BadRequest) return send(res, 400, { error: e.message });
    console.error(e);
    return send(res, 500, { error: String(e.message || e) });
  }
}

const sockets = new Set();

function textFrame(text) {
  const payload = Buffer.from(text);
  const header = payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 0xff]);
  return Buffer.concat([header, payload]);
}

function upgrade(req, socket) {
  const key = req.headers['sec-websocket-key'];
  if (new URL(req.url, 'http://localhost').pathname !== '/api/live' || !key) {
    socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    return;
  }
  const accept = crypto.createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
  socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
  sockets.add(socket);
  // The page sends nothing but a close (opcode 8) or a pong; answer a close and drop the socket.
  socket.on('data', (data) => {
    if ((data[0] & 0x0f) === 0x8) socket.end(Buffer.from([0x88, 0]));
  });
  socket.on('close', () => sockets.delete(socket));
  socket.on('error', () => sockets.delete(socket));
}

function announce() {
  const frame = textFrame(JSON.stringify({ type: 'changed' }));
  for (const s of sockets) s.write(frame);
}

// ---- Main ------------------------------------------------------------------------------------

const args = process.argv.slice(2);
if (args[0] === '--export') {
  // A trace with everything: text recorded, the hostile strings, an error, platform data.
  const out = path.resolve(args[1] || 'explorer_export.html');
  const variant = { perMessage: true, recordText: true, failing: true, replyEvents: false, hostile: true, orphan: true, platform: 'yes' };
  const t = makeTrace(7, Date.now() - 60_000, { traceId: hex(32), rootSpanId: hex(16) }, variant);
  fs.writeFileSync(out, assemblePage(JSON.stringify(t.doc)));
  process.stdout.write(JSON.stringify({ file: out, traceId: t.doc.traceId, spanIds: t.doc.spans.map((s) => [s.spanId, s.name]) }) + '\n');
} else {
  const port = Number(args[0] || 18999);
  seed();
  const server = http.createServer(handle);
  server.on('upgrade', upgrade);
  server.listen(port, '127.0.0.1', () => process.stdout.write(`explorer mock on http://127.0.0.1:${port}/\n`));
  // The "live" part: a new trace every second, then the announcement the page listens for.
  setInterval(() => { addTrace(Date.now()); announce(); }, 1000);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
}
