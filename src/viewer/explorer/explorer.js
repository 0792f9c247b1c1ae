// tracechat explorer: the page of `tracechat ui` and of the offline trace export.
//
// One page, three routes chosen from location.pathname (the server serves this same page
// for all of them):
//   /                          the trace list, with search, paging and live updates
//   /trace/{traceId}           one trace: waterfall, conversation pane, span details
//   /conversation/{id}         the newest trace of a conversation, shown like /trace
// When the #trace-data element holds a trace document instead of null, the page is an
// offline export opened from file://: it renders that trace and makes no request at all.
//
// Rules kept throughout: every piece of text that comes from data goes into the page with
// textContent or setAttribute (span names and attribute values are attacker-controlled);
// links are built from encodeURIComponent'ed ids only; nothing is loaded from elsewhere.
'use strict';
(() => {
  // ---------------------------------------------------------------------------------------
  // Small helpers: DOM building, text formatting, colours
  // ---------------------------------------------------------------------------------------

  const byId = (id) => document.getElementById(id);

  // el('div', {cls, text, title, attrs, data}, ...children): children are nodes or strings
  // (strings become text nodes, never markup).
  function el(tag, opts, ...children) {
    const e = document.createElement(tag);
    if (opts) {
      if (opts.cls) e.className = opts.cls;
      if (opts.text !== undefined && opts.text !== null) e.textContent = String(opts.text);
      if (opts.title) e.title = String(opts.title);
      for (const [k, v] of Object.entries(opts.attrs || {})) e.setAttribute(k, String(v));
      for (const [k, v] of Object.entries(opts.data || {})) e.dataset[k] = String(v);
    }
    for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
    return e;
  }

  // A two-column key/value table; values are strings or nodes.
  function kvTable(pairs) {
    const table = el('table');
    for (const [k, v] of pairs) table.append(el('tr', null, el('td', null, ...breakable(String(k))), el('td', null, v)));
    return table;
  }

  // Text with a line-break opportunity (<wbr>) after each '.', '_' and '/', so that long
  // attribute keys wrap between their parts in a narrow column.
  function breakable(text) {
    const parts = [];
    for (const piece of text.split(/(?<=[._/])/)) parts.push(piece, document.createElement('wbr'));
    parts.pop();
    return parts;
  }

  const pad = (n, width = 2) => String(n).padStart(width, '0');

  // Local wall-clock time; the date is added when it is not today (or always, on request).
  function fmtClock(ms, { millis = false, alwaysDate = false } = {}) {
    const d = new Date(ms);
    if (Number.isNaN(d.getTime())) return '?';
    let time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
    if (millis) time += '.' + pad(d.getMilliseconds(), 3);
    if (!alwaysDate && d.toDateString() === new Date().toDateString()) return time;
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${time}`;
  }

  const UNITS = [[1e9, 's'], [1e6, 'ms'], [1e3, 'us'], [1, 'ns']];
  const unitFor = (ns) => UNITS.find(([scale]) => Math.abs(ns) >= scale) || UNITS[UNITS.length - 1];

  // A duration in nanoseconds as text with three significant digits: "249 us", "1.23 ms".
  function fmtNs(ns) {
    if (!Number.isFinite(ns)) return '?';
    if (ns === 0) return '0';
    const [scale, unit] = unitFor(ns);
    return `${Number((ns / scale).toPrecision(3))} ${unit}`;
  }

  // A tick label: one unit for the whole axis and as many decimals as the step needs, so
  // that neighbouring ticks never print the same text when zoomed in.
  function fmtTick(ns, step, axisMax) {
    if (ns === 0) return '0';
    const [scale, unit] = unitFor(axisMax);
    const decimals = Math.min(6, Math.max(0, Math.ceil(-Math.log10(step / scale) - 1e-9)));
    return `${(ns / scale).toFixed(decimals)} ${unit}`;
  }

  const shortId = (id, n = 8) => (id && id.length > n ? id.slice(0, n) + '…' : id || '');
  const tracePath = (id, spanId) => '/trace/' + encodeURIComponent(id) + (spanId ? '#span=' + encodeURIComponent(spanId) : '');
  const conversationPath = (id) => '/conversation/' + encodeURIComponent(id);

  // Service colours: a hash of the name picks one, so a service has the same colour in the
  // list and in its traces. Within a trace two services must differ, so there (in the
  // document's order of first appearance) a service whose colour is taken gets the next
  // free one, until the palette runs out.
  const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2',
                   '#edc948', '#9c755f', '#ff9da7', '#bab0ac', '#8cd17d'];
  const colourAt = (index) => PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
  function paletteIndexOfName(name) {
    let h = 0;
    for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
    return Math.abs(h) % PALETTE.length;
  }
  const colourOfName = (name) => colourAt(paletteIndexOfName(name));
  function traceColours(services) {
    const taken = new Set();
    const colours = new Map();
    for (const service of services) {
      let i = paletteIndexOfName(service);
      for (let tries = 0; taken.has(i) && tries < PALETTE.length; tries++) i = (i + 1) % PALETTE.length;
      taken.add(i);
      colours.set(service, colourAt(i));
    }
    return colours;
  }
  function swatch(colour) {
    const s = el('span', { cls: 'swatch', attrs: { 'aria-hidden': 'true' } });
    s.style.background = colour;
    return s;
  }
  const chip = (name, colour) => el('span', { cls: 'chip' }, swatch(colour), name);

  // ---------------------------------------------------------------------------------------
  // Page state
  // ---------------------------------------------------------------------------------------

  // The embedded trace document, or null when the page is served (the placeholder is then
  // the literal null). Anything unreadable counts as served.
  function readEmbeddedDocument() {
    try {
      const text = byId('trace-data').textContent.trim();
      const doc = text ? JSON.parse(text) : null;
      return doc && typeof doc === 'object' && Array.isArray(doc.spans) ? doc : null;
    } catch (_) {
      return null;
    }
  }
  const embedded = readEmbeddedDocument();
  const OFFLINE = embedded !== null;

  let currentView = null;  // 'list' | 'trace' | 'message'
  let routeToken = 0;      // bumped on every route: an answer for an older route is dropped

  // The list survives visits to traces, so "back" returns to the same page and selection.
  const list = {
    key: null,          // the URL query string (the user's search) the state below is for
    after: null,        // cursor of the page shown; null = the first page
    previous: [],       // cursors of the pages before it, popped by "Newer"
    next: null,         // cursor of the next (older) page, from the server
    rows: [],
    selectedId: null,
    firstPageIds: null, // ids on the first page when it was last shown, to count new traces
    fetchSeq: 0,        // only the latest fetch's answer is rendered
    badSearch: false,   // the search itself was refused: live changes do not retry it
  };

  let trace = null;  // the trace on screen: see newTraceState()

  // ---------------------------------------------------------------------------------------
  // API and routing
  // ---------------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  // GET a JSON document from the explorer's API; a non-2xx answer throws its {"error"} text.
  async function getJson(path) {
    let res;
    try {
      res = await fetch(path, { headers: { Accept: 'application/json' } });
    } catch (e) {
      throw new ApiError(0, `The explorer's server cannot be reached (${e.message}).`);
    }
    let body = null;
    try { body = await res.json(); } catch (_) { /* not JSON: the status says enough */ }
    if (!res.ok) {
      throw new ApiError(res.status, body && typeof body.error === 'string' ? body.error : `HTTP ${res.status}`);
    }
    return body;
  }

  // The attribute field suggests the keys the store indexes (`key=`); without them the
  // field still takes any text, and a key the store does not index is answered with a
  // message that lists them.
  async function suggestAttributeKeys() {
    try {
      const body = await getJson('/api/attributes');
      const list = byId('attr-keys');
      list.replaceChildren(...(body.attributes || []).map((key) => el('option', { attrs: { value: `${key}=` } })));
    } catch (_) { /* suggestions only */ }
  }

  function parseRoute(pathname) {
    const m = /^\/(trace|conversation)\/([^/]+)\/?$/.exec(pathname);
    if (!m) return { view: 'list' };
    let id;
    try { id = decodeURIComponent(m[2]); } catch (_) { id = m[2]; }
    return m[1] === 'trace' ? { view: 'trace', traceId: id } : { view: 'conversation', conversationId: id };
  }

  function navigate(url, state = {}) {
    history.pushState(state, '', url);
    route();
  }

  function route() {
    const token = ++routeToken;
    const r = parseRoute(location.pathname);
    if (r.view === 'trace') showTraceRoute(r.traceId, token);
    else if (r.view === 'conversation') showConversationRoute(r.conversationId, token);
    else showList();
  }

  function showView(name, crumb) {
    currentView = name;
    byId('list-view').hidden = name !== 'list';
    byId('trace-view').hidden = name !== 'trace';
    byId('message-view').hidden = name !== 'message';
    byId('crumb').textContent = crumb || '';
    document.title = crumb ? `${crumb} · tracechat` : 'tracechat explorer';
  }

  function showMessage(text, isError) {
    const p = byId('message-text');
    p.className = isError ? 'error-message' : 'empty';
    p.textContent = text;
    showView('message', isError ? 'Error' : '');
  }

  // Back to the list: through history when the user came from it (keeps its scroll and
  // page), else by a new entry for "/" with the last search.
  function goBackToList() {
    if (history.state && history.state.fromList) history.back();
    else navigate('/' + (list.key ? '?' + list.key : ''));
  }

  // Links marked data-nav are followed inside the page, unless a modifier asks for a new
  // tab or window.
  document.addEventListener('click', (e) => {
    if (e.defaultPrevented || e.button !== 0 || e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
    const a = e.target.closest('a[data-nav]');
    if (!a || OFFLINE) return;
    e.preventDefault();
    navigate(a.getAttribute('href'));
  });

  // ---------------------------------------------------------------------------------------
  // Trace list: search form <-> URL <-> API query
  // ---------------------------------------------------------------------------------------

  const form = byId('search-form');
  const FIELDS = ['q', 'service', 'span_name', 'attr', 'from', 'to'];

  // The URL keeps what the user typed (q and the filter fields), not the API query, so a
  // reload or back/forward restores the form exactly.
  function searchFromForm() {
    const p = new URLSearchParams();
    for (const name of FIELDS) {
      const v = form.elements[name].value.trim();
      if (v) p.set(name, v);
    }
    if (form.elements.errors.checked) p.set('errors', '1');
    return p.toString();
  }

  function formFromSearch(search) {
    const p = new URLSearchParams(search);
    for (const name of FIELDS) form.elements[name].value = p.get(name) || '';
    form.elements.errors.checked = p.get('errors') === '1';
    // Open the filters when one of them is in use, so that nothing applies unseen.
    byId('filters').open = FIELDS.slice(1).some((n) => p.get(n)) || p.get('errors') === '1';
  }

  const HEX32 = /^[0-9a-f]{32}$/i;
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const ATTR = /^[^=\s]+=/;

  // The free text box: each whitespace-separated word is a trace id (32 hex), a
  // conversation id (UUID), an attribute (key=value), or part of a span name.
  function classifyFreeText(text) {
    const out = { traceIds: [], conversationIds: [], attrs: [], words: [] };
    for (const token of text.split(/\s+/).filter(Boolean)) {
      if (HEX32.test(token)) out.traceIds.push(token.toLowerCase());
      else if (UUID.test(token)) out.conversationIds.push(token);  // as typed: the server matches it exactly
      else if (ATTR.test(token)) out.attrs.push(token);
      else out.words.push(token);
    }
    return out;
  }

  // The API's query parameters for a search (the URL's query string). Throws an Error with
  // a message for the user when the search cannot be expressed.
  function apiParams(search) {
    const s = new URLSearchParams(search);
    const q = classifyFreeText(s.get('q') || '');
    const p = new URLSearchParams();
    if (q.traceIds.length > 1) throw new Error('Only one trace id can be searched at a time.');
    if (q.conversationIds.length > 1) throw new Error('Only one conversation id can be searched at a time.');
    if (q.traceIds.length) p.set('trace_id', q.traceIds[0]);
    if (q.conversationIds.length) p.set('conversation_id', q.conversationIds[0]);
    const spanName = s.get('span_name') || '';
    if (q.words.length && spanName) {
      throw new Error('A span name is given twice: in the search box and in the filters. Keep one.');
    }
    if (q.words.length || spanName) p.set('span_name', spanName || q.words.join(' '));
    if (s.get('service')) p.set('service', s.get('service'));
    for (const a of [...q.attrs, s.get('attr')].filter(Boolean)) {
      if (!ATTR.test(a)) throw new Error(`The attribute filter must be key=value, not "${a}".`);
      p.append('attr', a);
    }
    if (s.get('errors') === '1') p.set('errors', '1');
    for (const bound of ['from', 'to']) {
      const v = s.get(bound);
      if (!v) continue;
      const d = new Date(v);  // a datetime-local value: local time
      if (Number.isNaN(d.getTime())) throw new Error(`"${v}" is not a valid ${bound} time.`);
      p.set(bound, d.toISOString());
    }
    return p;
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const search = searchFromForm();
    try {
      apiParams(search);
    } catch (err) {
      showListError(err.message);
      return;
    }
    list.key = null;  // even the same search again starts over at the first page
    byId('search').blur();
    const target = '/' + (search ? '?' + search : '');
    if (target === location.pathname + location.search) {
      history.replaceState(history.state, '', target);  // no second history entry for it
      route();
    } else {
      navigate(target);
    }
  });

  byId('clear-search').addEventListener('click', () => {
    form.reset();
    form.requestSubmit();
  });

  // ---------------------------------------------------------------------------------------
  // Trace list: fetching and rendering
  // ---------------------------------------------------------------------------------------

  function showList() {
    const key = location.search.replace(/^\?/, '');
    showView('list', 'Traces');
    if (key !== list.key) {
      // A new search (or back/forward to another one): start from its first page.
      list.key = key;
      list.after = null;
      list.previous = [];
      list.firstPageIds = null;
      list.selectedId = null;
      formFromSearch(key);
      loadList();
    } else {
      // Back from a trace: the rows are still there; bring them up to date.
      loadList({ live: list.after === null });
    }
  }

  function showListError(message) {
    const p = byId('list-error');
    p.textContent = message || '';
    p.hidden = !message;
  }

  // Fetch the page list.after of the current search. `live`: a refresh of the first page
  // after a change, whose new rows flash.
  async function loadList({ live = false } = {}) {
    const seq = ++list.fetchSeq;
    const table = byId('trace-list');
    let params;
    try {
      params = apiParams(list.key);
    } catch (err) {
      list.badSearch = true;
      showListError(err.message);
      renderListRows([], false);
      return;
    }
    if (list.after) params.set('after', list.after);
    table.setAttribute('aria-busy', 'true');
    try {
      const body = await getJson('/api/traces?' + params);
      if (seq !== list.fetchSeq) return;
      list.badSearch = false;
      showListError('');
      list.next = body.next || null;
      renderListRows(Array.isArray(body.traces) ? body.traces : [], live);
    } catch (err) {
      if (seq !== list.fetchSeq) return;
      // A 400 is the search's fault; anything else (server down, 5xx) is tried again on
      // the next change or reconnection.
      list.badSearch = err.status === 400;
      showListError(err.message);
      if (!live) renderListRows([], false);
    } finally {
      if (seq === list.fetchSeq) table.setAttribute('aria-busy', 'false');
    }
  }

  function renderListRows(rows, live) {
    const before = new Set(list.rows.map((t) => t.traceId));
    list.rows = rows;
    const body = byId('trace-rows');
    body.replaceChildren(...rows.map((t) => listRow(t, live && !before.has(t.traceId))));
    byId('list-empty').hidden = rows.length > 0;
    if (list.after === null) {
      list.firstPageIds = new Set(rows.map((t) => t.traceId));
      byId('new-notice').hidden = true;
    }
    byId('newer').disabled = list.after === null;
    byId('older').disabled = !list.next;
    // Keep the selection on the same trace when new rows arrive above it.
    if (!rows.some((t) => t.traceId === list.selectedId)) list.selectedId = rows.length ? rows[0].traceId : null;
    markListSelection(false);
  }

  function listRow(t, fresh) {
    const tr = el('tr', { cls: fresh ? 'fresh' : '', data: { traceId: t.traceId } });
    if (fresh) setTimeout(() => tr.classList.remove('fresh'), 2500);
    const started = el('td', { cls: 'c-start', text: fmtClock(t.startUnixMs), title: new Date(t.startUnixMs).toString() });
    const root = el('td', { cls: 'c-root' },
      el('a', { text: t.rootName || '(no root span)', attrs: { href: tracePath(t.traceId), 'data-nav': '' }, title: t.traceId }));
    const services = el('td', { cls: 'c-services' }, ...(t.services || []).map((s) => chip(s, colourOfName(s))));
    const spans = el('td', { cls: 'c-spans', text: t.spanCount });
    const duration = el('td', { cls: 'c-duration', text: t.duration, title: `${t.durationMs} ms` });
    const conversation = el('td', { cls: 'c-conversation' }, t.conversationId
      ? el('a', { text: shortId(t.conversationId), title: t.conversationId,
                  attrs: { href: conversationPath(t.conversationId), 'data-nav': '', class: 'conversation-link' } })
      : el('span', { cls: 'hint', text: '—' }));
    const error = el('td', { cls: 'c-error' }, t.error ? el('span', { cls: 'error-tag', text: 'error' }) : null);
    tr.append(started, root, services, spans, duration, conversation, error);
    tr.addEventListener('click', (e) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;  // a link to a new tab
      if (e.target.closest('.conversation-link')) return;  // followed by the data-nav handler
      e.preventDefault();
      openTrace(t.traceId);
    });
    return tr;
  }

  function openTrace(traceId) {
    list.selectedId = traceId;
    navigate(tracePath(traceId), { fromList: true });
  }

  function markListSelection(scroll) {
    for (const tr of byId('trace-rows').children) {
      const on = tr.dataset.traceId === list.selectedId;
      tr.classList.toggle('selected', on);
      tr.setAttribute('aria-selected', String(on));
      if (on && scroll) tr.scrollIntoView({ block: 'nearest' });
    }
  }

  function moveListSelection(delta) {
    const ids = list.rows.map((t) => t.traceId);
    if (!ids.length) return;
    const at = ids.indexOf(list.selectedId);
    list.selectedId = ids[Math.min(ids.length - 1, Math.max(0, at < 0 ? 0 : at + delta))];
    markListSelection(true);
  }

  // Paging: the server gives the cursor of the next (older) page; a stack of the cursors
  // already visited leads back.
  byId('older').addEventListener('click', () => {
    if (!list.next) return;
    list.previous.push(list.after);
    list.after = list.next;
    list.selectedId = null;
    loadList();
    window.scrollTo(0, 0);
  });
  byId('newer').addEventListener('click', () => {
    if (list.after === null) return;
    list.after = list.previous.length ? list.previous.pop() : null;
    list.selectedId = null;
    loadList();
    window.scrollTo(0, 0);
  });
  byId('show-new').addEventListener('click', () => {
    list.after = null;
    list.previous = [];
    list.selectedId = null;
    loadList();
    window.scrollTo(0, 0);
  });

  // ---------------------------------------------------------------------------------------
  // Live updates: the server says {"type":"changed"} when new spans were indexed
  // ---------------------------------------------------------------------------------------

  const live = { socket: null, delay: 1000, wasOpen: false, timer: null, lastRefresh: 0 };

  function setLiveIndicator(on) {
    const badge = byId('live');
    badge.classList.toggle('on', on);
    badge.textContent = on ? 'live' : 'offline';
  }

  function connectLive() {
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/live';
    let socket;
    try {
      socket = new WebSocket(url);
    } catch (_) {
      scheduleReconnect();
      return;
    }
    live.socket = socket;
    socket.addEventListener('open', () => {
      live.delay = 1000;
      setLiveIndicator(true);
      // Changes made while the socket was down were not announced: look once.
      if (live.wasOpen) onChanged();
      live.wasOpen = true;
    });
    socket.addEventListener('message', (e) => {
      let msg = null;
      try { msg = JSON.parse(e.data); } catch (_) { return; }
      if (msg && msg.type === 'changed') onChanged();
    });
    socket.addEventListener('close', () => {
      live.socket = null;
      setLiveIndicator(false);
      scheduleReconnect();
    });
  }

  // Exponential backoff with jitter, 1 s up to 30 s, so a restarted server is not stormed.
  function scheduleReconnect() {
    const wait = live.delay * (0.75 + Math.random() / 2);
    live.delay = Math.min(30000, live.delay * 2);
    setTimeout(connectLive, wait);
  }

  // Changes come in bursts (every span batch): refresh at most once per 500 ms, and always
  // once after the last change of a burst.
  function onChanged() {
    if (live.timer) return;
    const wait = Math.max(0, live.lastRefresh + 500 - Date.now());
    live.timer = setTimeout(() => {
      live.timer = null;
      live.lastRefresh = Date.now();
      refreshAfterChange();
    }, wait);
  }

  function refreshAfterChange() {
    if (currentView === 'list' && !list.badSearch) {
      if (list.after === null) loadList({ live: true });
      else countNewTraces();
    } else if (currentView === 'trace' && trace && !trace.offline) {
      checkTraceGrew();
    }
  }

  // Not on the first page: do not move the rows under the reader; say how many are new.
  async function countNewTraces() {
    if (!list.firstPageIds) return;
    try {
      const body = await getJson('/api/traces?' + apiParams(list.key));
      const fresh = (body.traces || []).filter((t) => !list.firstPageIds.has(t.traceId)).length;
      if (!fresh || list.after === null) return;
      byId('show-new').textContent = `${fresh}${body.next && fresh >= body.traces.length ? '+' : ''} new — show`;
      byId('new-notice').hidden = false;
    } catch (_) { /* the next change tries again */ }
  }

  // A trace on screen may still be growing (a chat in progress): offer the new spans.
  // The trace's list row (span count, duration): cheap for the server, unlike the document,
  // which it reads from the request log and decodes.
  async function traceMark(traceId) {
    const body = await getJson('/api/traces?trace_id=' + encodeURIComponent(traceId));
    const row = (body.traces || [])[0];
    return row ? `${row.spanCount}:${row.durationMs}` : null;
  }

  async function checkTraceGrew() {
    const shown = trace;
    try {
      const mark = await traceMark(shown.doc.traceId);
      if (trace !== shown || mark === null || mark === shown.mark) return;
      shown.mark = mark;
      const doc = await getJson('/api/traces/' + encodeURIComponent(shown.doc.traceId));
      if (trace !== shown || !doc || !Array.isArray(doc.spans)) return;
      const added = doc.spans.length - shown.doc.spans.length;
      if (added === 0 && doc.end === shown.doc.end) return;
      shown.pendingDoc = doc;
      byId('trace-reload').textContent = added > 0 ? `${added} new span${added === 1 ? '' : 's'} — show` : 'Trace updated — show';
      byId('trace-notice').hidden = false;
    } catch (_) { /* keep what is shown */ }
  }

  byId('trace-reload').addEventListener('click', () => {
    if (!trace || !trace.pendingDoc) return;
    renderTrace(trace.pendingDoc, { ...trace.options, keep: trace });
  });

  // ---------------------------------------------------------------------------------------
  // Trace routes
  // ---------------------------------------------------------------------------------------

  async function showTraceRoute(traceId, token) {
    showMessage('Loading trace …');
    try {
      const [doc, mark] = await Promise.all([getJson('/api/traces/' + encodeURIComponent(traceId)),
                                             traceMark(traceId).catch(() => null)]);
      if (token !== routeToken) return;
      renderTrace(doc, { focusSpanId: spanFromHash() });
      trace.mark = mark;
    } catch (err) {
      if (token === routeToken) showMessage(err.message, true);
    }
  }

  async function showConversationRoute(conversationId, token) {
    showMessage('Loading conversation …');
    try {
      const conv = await getJson('/api/conversations/' + encodeURIComponent(conversationId));
      if (token !== routeToken) return;
      const traces = [...(conv.traces || [])].sort((a, b) => b.startUnixMs - a.startUnixMs);
      if (!traces.length) throw new ApiError(404, `No trace has conversation ${conversationId}.`);
      const doc = await getJson('/api/traces/' + encodeURIComponent(traces[0].traceId));
      if (token !== routeToken) return;
      renderTrace(doc, { conversationId, conversationTraces: traces, focusSpanId: spanFromHash() });
    } catch (err) {
      if (token === routeToken) showMessage(err.message, true);
    }
  }

  function spanFromHash() {
    const m = /^#span=([0-9a-fA-F]+)$/.exec(location.hash);
    return m ? m[1].toLowerCase() : null;
  }

  // ---------------------------------------------------------------------------------------
  // Trace page
  // ---------------------------------------------------------------------------------------

  // Everything the trace page needs about the document on screen, computed once.
  function newTraceState(doc, options) {
    const spans = doc.spans;
    const state = {
      doc, options, offline: OFFLINE, spans,
      index: new Map(spans.map((s, i) => [s.spanId, i])),  // spanId -> row index
      rows: [], bars: [], toggles: [],
      collapsed: new Set(),
      selected: -1,
      start: Number(doc.start) || 0,
      // A loop, not Math.max(...spans): a spread of 100,000 arguments overflows the stack.
      end: spans.reduce((m, s) => (s.end > m ? s.end : m), Number(doc.end) || 0),
      view: null,                     // {from, to}: the zoomed time range, ns
      serviceColours: traceColours(doc.services || []),
      messages: [],                   // the conversation's messages in time order
      messageEls: new Map(),          // message -> its element
      messagesOfSpan: new Map(),      // spanId -> the messages it is the span or a Data Action of
      highlighted: [],
      pendingDoc: null,
    };
    if (!(state.end > state.start)) state.end = state.start + 1;
    state.view = { from: state.start, to: state.end };
    const conv = doc.conversation;
    if (conv && Array.isArray(conv.messages)) {
      // Stable sort by time: the document's order breaks ties.
      state.messages = conv.messages.map((m, i) => ({ m, i }))
        .sort((a, b) => (a.m.time - b.m.time) || (a.i - b.i)).map((x) => x.m);
      for (const m of state.messages) {
        for (const id of [m.spanId, ...(m.dataActionSpanIds || [])]) {
          if (!state.messagesOfSpan.has(id)) state.messagesOfSpan.set(id, []);
          const owners = state.messagesOfSpan.get(id);
          if (!owners.includes(m)) owners.push(m);
        }
      }
    }
    return state;
  }

  const hasChildren = (i) => trace.spans[i].hasChildren ??
    (i + 1 < trace.spans.length && trace.spans[i + 1].depth > trace.spans[i].depth);
  const serviceColour = (service) => trace.serviceColours.get(service) || colourOfName(service);

  // options: conversationId, conversationTraces (the conversation route), focusSpanId,
  // keep (the previous state of the same trace, whose collapse, zoom and selection stay).
  function renderTrace(doc, options = {}) {
    const keep = options.keep;
    delete options.keep;
    trace = newTraceState(doc, options);
    byId('trace-notice').hidden = true;
    renderTraceHead();
    renderConversation();
    renderWaterfall();
    renderDetails(null);
    showView('trace', options.conversationTraces
      ? `Conversation ${shortId(options.conversationId, 13)}` : `Trace ${shortId(doc.traceId, 12)}`);
    if (keep) {
      for (const id of keep.collapsed) if (trace.index.has(id)) trace.collapsed.add(id);
      if (keep.view.from !== keep.start || keep.view.to !== keep.end) trace.view = { ...keep.view };
      applyCollapse();
      updateBars();
      if (keep.selected >= 0) selectRow(trace.index.get(keep.spans[keep.selected].spanId) ?? -1, { scroll: false });
    } else {
      updateBars();
      const focus = options.focusSpanId != null ? trace.index.get(options.focusSpanId) : undefined;
      if (focus !== undefined) activateRow(focus, { scroll: true });
    }
  }

  function renderTraceHead() {
    const doc = trace.doc;
    const head = byId('trace-head');
    head.replaceChildren();
    head.append(el('h1', { text: doc.rootName || (trace.spans[0] && trace.spans[0].name) || '(no spans)' }));
    const fact = (k, v) => el('div', null, el('dt', { text: k }), el('dd', null, v));
    const conversationId = doc.conversation && doc.conversation.id;
    const facts = el('dl', { cls: 'facts' },
      fact('trace', el('span', { cls: 'mono', text: doc.traceId })),
      fact('start', fmtClock(doc.startUnixMs, { millis: true, alwaysDate: true })),
      fact('duration', doc.duration || fmtNs(trace.end - trace.start)),
      fact('spans', String(trace.spans.length)),
      fact('errors', doc.errors ? el('span', { cls: 'error-tag', text: String(doc.errors) }) : '0'),
      doc.orphans ? fact('orphans', String(doc.orphans)) : null,
      conversationId ? fact('conversation', OFFLINE ? el('span', { cls: 'mono', text: conversationId })
        : el('a', { cls: 'mono', text: conversationId, attrs: { href: conversationPath(conversationId), 'data-nav': '' } })) : null);
    head.append(facts);

    const legend = el('ul', { cls: 'legend', attrs: { 'aria-label': 'Legend' } });
    (doc.services || []).forEach((s) => legend.append(el('li', null, swatch(serviceColour(s)), el('span', { cls: 'service-name', text: s }))));
    legend.append(el('li', { text: '◆ critical path' }), el('li', null, el('span', { cls: 'error-tag', text: 'error' })));
    head.append(legend);

    const others = trace.options.conversationTraces;
    if (others && others.length > 1) {
      const p = el('p', { cls: 'other-traces' },
        `Conversation ${trace.options.conversationId} has ${others.length} traces; this is the newest. Others: `);
      others.slice(1).forEach((t, i) => {
        if (i) p.append(', ');
        p.append(el('a', { text: `${t.rootName || t.traceId.slice(0, 8)} at ${fmtClock(t.startUnixMs)}`,
                           attrs: { href: tracePath(t.traceId), 'data-nav': '' } }));
      });
      head.append(p);
    }
    if (!OFFLINE) {
      const back = el('a', { cls: 'back', text: '← Traces', attrs: { href: '/' } });
      back.addEventListener('click', (e) => { e.preventDefault(); goBackToList(); });
      head.firstChild.prepend(back);
    }
  }

  // ---- Waterfall rows, collapse, selection ------------------------------------------------

  function renderWaterfall() {
    const rowsEl = byId('wf-rows');
    trace.rows = [];
    trace.bars = [];
    trace.toggles = [];
    rowsEl.replaceChildren(...trace.spans.map((s, i) => spanRow(s, i)));
    if (!trace.spans.length) rowsEl.append(el('p', { cls: 'empty', text: 'This trace has no spans.' }));
  }

  function spanRow(span, i) {
    const row = el('div', {
      cls: 'row' + (span.error ? ' error' : '') + (span.critical ? ' critical' : ''),
      data: { spanId: span.spanId, depth: span.depth },
      attrs: { role: 'treeitem', 'aria-level': (span.depth || 0) + 1, 'aria-selected': 'false' },
    });
    const name = el('div', { cls: 'cell-name' });
    name.style.paddingLeft = (4 + Math.min(span.depth || 0, 24) * 14) + 'px';
    let toggle = null;
    if (hasChildren(i)) {
      toggle = el('button', { cls: 'toggle', text: '▾', attrs: { type: 'button', 'aria-expanded': 'true', 'aria-label': 'Collapse' } });
      toggle.addEventListener('click', (e) => { e.stopPropagation(); setCollapsed(i, !trace.collapsed.has(span.spanId)); });
      name.append(toggle);
    } else {
      name.append(el('span', { cls: 'toggle-spacer' }));
    }
    name.append(el('span', { cls: 'name', text: span.name, title: span.name }));
    if (span.critical) name.append(el('span', { cls: 'marker critical', text: '◆', title: 'on the critical path' }));
    if (span.error) name.append(el('span', { cls: 'error-tag', text: 'error', title: span.statusMessage || span.status || '' }));
    if (span.orphan) name.append(el('span', { cls: 'marker orphan', text: 'orphan', title: 'its parent span is not in this trace' }));
    // Message spans get a marker; Data Action spans need none (their names say it).
    if (trace.messages.some((m) => m.spanId === span.spanId)) {
      name.append(el('span', { cls: 'marker msg', text: 'msg', title: 'a chat message: click to see it in the conversation' }));
    }
    const service = el('div', { cls: 'cell-service', title: span.service }, swatch(serviceColour(span.service)), el('span', { text: span.service }));
    const duration = el('div', { cls: 'cell-dur', text: span.duration });
    const bar = el('div', { cls: 'bar' + (span.critical ? ' critical' : '') + (span.error ? ' error' : ''),
                            title: `${span.name} · ${span.service} · +${fmtNs(span.start - trace.start)} · ${span.duration}` });
    bar.style.background = serviceColour(span.service);
    const lane = el('div', { cls: 'lane' }, bar);
    row.append(name, service, duration, lane);
    row.addEventListener('click', () => activateRow(i, { scroll: false, fromClick: true }));
    trace.rows.push(row);
    trace.bars.push(bar);
    trace.toggles.push(toggle);
    return row;
  }

  function setCollapsed(i, collapse) {
    const id = trace.spans[i].spanId;
    if (collapse) trace.collapsed.add(id);
    else trace.collapsed.delete(id);
    applyCollapse();
  }

  // Rows are depth-first, so a collapsed row's subtree is the run of rows after it that are
  // deeper than it.
  function applyCollapse() {
    let hideDeeperThan = -1;  // depth of the collapsed row whose subtree we are in; -1: none
    trace.spans.forEach((s, i) => {
      const depth = s.depth || 0;
      if (hideDeeperThan >= 0 && depth > hideDeeperThan) {
        trace.rows[i].hidden = true;
        return;
      }
      hideDeeperThan = -1;
      trace.rows[i].hidden = false;
      const collapsed = trace.collapsed.has(s.spanId);
      if (collapsed) hideDeeperThan = depth;
      const toggle = trace.toggles[i];
      if (toggle) {
        toggle.textContent = collapsed ? '▸' : '▾';
        toggle.setAttribute('aria-expanded', String(!collapsed));
        toggle.setAttribute('aria-label', collapsed ? 'Expand' : 'Collapse');
        trace.rows[i].setAttribute('aria-expanded', String(!collapsed));
      }
    });
  }

  // Expand every collapsed ancestor of row i, so that it can be seen.
  function reveal(i) {
    let depth = trace.spans[i].depth || 0;
    for (let j = i - 1; j >= 0 && depth > 0; j--) {
      const d = trace.spans[j].depth || 0;
      if (d < depth) {
        trace.collapsed.delete(trace.spans[j].spanId);
        depth = d;
      }
    }
  }

  function parentRow(i) {
    const depth = trace.spans[i].depth || 0;
    for (let j = i - 1; j >= 0; j--) if ((trace.spans[j].depth || 0) < depth) return j;
    return -1;
  }

  function selectRow(i, { scroll }) {
    if (trace.selected >= 0 && trace.rows[trace.selected]) {
      trace.rows[trace.selected].classList.remove('selected');
      trace.rows[trace.selected].setAttribute('aria-selected', 'false');
    }
    trace.selected = i;
    if (i < 0) { renderDetails(null); return; }
    reveal(i);
    applyCollapse();
    const row = trace.rows[i];
    row.classList.add('selected');
    row.setAttribute('aria-selected', 'true');
    if (scroll) row.scrollIntoView({ block: 'nearest' });
    renderDetails(trace.spans[i]);
    // Served: the URL names the span, so it can be shared (the state is kept for "back").
    if (!OFFLINE) history.replaceState(history.state, '', location.pathname + location.search + '#span=' + trace.spans[i].spanId);
  }

  // Select a row and, when it is a message span or a Data Action span, highlight its
  // message(s) in the conversation pane.
  function activateRow(i, { scroll }) {
    selectRow(i, { scroll });
    const related = trace.messagesOfSpan.get(trace.spans[i].spanId);
    if (related) highlightMessages(related, { scrollRows: false, scrollMessage: true });
    else clearHighlights();
  }

  function visibleRows() {
    const out = [];
    trace.rows.forEach((r, i) => { if (!r.hidden) out.push(i); });
    return out;
  }

  function moveSpanSelection(delta) {
    const visible = visibleRows();
    if (!visible.length) return;
    let at = visible.indexOf(trace.selected);
    if (at < 0 && trace.selected >= 0) {
      // The selected row is inside a collapsed subtree: down goes to the next visible row,
      // up to the row that hides it.
      const hider = visible.filter((i) => i < trace.selected).length - 1;
      at = delta > 0 ? hider : hider + 1;
    } else if (at < 0) {
      at = delta > 0 ? -1 : visible.length;  // nothing selected yet: start at an end
    }
    const next = visible[Math.min(visible.length - 1, Math.max(0, at + delta))];
    activateRow(next, { scroll: true });
  }

  // Left: collapse, or go to the parent. Right: expand, or go to the first child.
  function collapseOrParent() {
    const i = trace.selected;
    if (i < 0) return;
    if (hasChildren(i) && !trace.collapsed.has(trace.spans[i].spanId)) setCollapsed(i, true);
    else if (parentRow(i) >= 0) activateRow(parentRow(i), { scroll: true });
  }
  function expandOrChild() {
    const i = trace.selected;
    if (i < 0 || !hasChildren(i)) return;
    if (trace.collapsed.has(trace.spans[i].spanId)) setCollapsed(i, false);
    else activateRow(i + 1, { scroll: true });
  }

  // ---- Time axis and zoom -------------------------------------------------------------------

  // Position every bar for the zoomed range; bars are clipped to it, and spans wholly
  // outside it keep their row (the tree stays readable) but lose their bar.
  function updateBars() {
    const { from, to } = trace.view;
    const range = to - from;
    trace.spans.forEach((s, i) => {
      const bar = trace.bars[i];
      const outside = s.end < from || s.start > to;
      trace.rows[i].classList.toggle('outside', outside);
      bar.hidden = outside;
      if (outside) return;
      const a = Math.max(s.start, from);
      const b = Math.min(s.end, to);
      bar.style.left = `min(${(100 * (a - from)) / range}%, calc(100% - 2px))`;
      bar.style.width = `${(100 * Math.max(0, b - a)) / range}%`;
      bar.classList.toggle('clipped-left', s.start < from);
      bar.classList.toggle('clipped-right', s.end > to);
    });
    byId('reset-zoom').hidden = from === trace.start && to === trace.end;
    renderAxis();
  }

  // The 1, 2 or 5 times a power of ten nearest to `raw`: steps a reader can add up.
  function niceStep(raw) {
    const p = 10 ** Math.floor(Math.log10(raw));
    const m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
  }

  function renderAxis() {
    if (!trace) return;
    const axis = byId('axis');
    const { from, to } = trace.view;
    const range = to - from;
    const width = axis.clientWidth || 400;
    const step = niceStep(range / Math.max(1, Math.floor(width / 75)));  // a label every ~75 px
    const ticks = [];
    for (let k = Math.ceil(from / step); k * step <= to; k++) {
      const t = k * step;
      const tick = el('div', { cls: 'tick', text: fmtTick(t, step, Math.max(Math.abs(from), Math.abs(to))) });
      tick.style.left = `${(100 * (t - from)) / range}%`;
      ticks.push(tick);
    }
    axis.replaceChildren(...ticks);
  }

  function zoomTo(from, to) {
    const minRange = 10;  // ns: below that the axis has nothing left to say
    if (to - from < minRange) { const mid = (from + to) / 2; from = mid - minRange / 2; to = mid + minRange / 2; }
    trace.view = { from: Math.max(trace.start, from), to: Math.min(trace.end, to) };
    updateBars();
  }

  byId('reset-zoom').addEventListener('click', () => { trace.view = { from: trace.start, to: trace.end }; updateBars(); });
  new ResizeObserver(() => { if (currentView === 'trace') renderAxis(); }).observe(byId('axis'));

  // Drag across the axis or the lanes to zoom to that range. A drag is a press that moves
  // more than 4 px; anything shorter stays a click (selecting the row).
  function setUpZoomDrag() {
    const waterfall = byId('waterfall');
    const brush = byId('brush');
    let drag = null;
    let swallowClick = false;
    const clampX = (x) => Math.min(drag.rect.right, Math.max(drag.rect.left, x));

    waterfall.addEventListener('pointerdown', (e) => {
      if (e.button !== 0 || !trace || !e.target.closest('.lane, .axis')) return;
      // Every lane sits in the same grid column as the axis, so the axis gives their x.
      drag = { x0: e.clientX, x1: e.clientX, rect: byId('axis').getBoundingClientRect(), moved: false };
    });
    waterfall.addEventListener('pointermove', (e) => {
      if (!drag) return;
      drag.x1 = clampX(e.clientX);
      if (!drag.moved && Math.abs(drag.x1 - drag.x0) > 4) {
        // Captured only once it is a drag: a capture from the press on would make the
        // click of a plain press land on the waterfall instead of the row.
        drag.moved = true;
        waterfall.setPointerCapture(e.pointerId);
      }
      if (!drag.moved) return;
      const box = waterfall.getBoundingClientRect();
      const left = Math.min(drag.x0, drag.x1);
      brush.style.left = `${left - box.left + waterfall.scrollLeft}px`;
      brush.style.width = `${Math.abs(drag.x1 - drag.x0)}px`;
      brush.style.top = `${waterfall.scrollTop}px`;
      brush.style.height = `${waterfall.clientHeight}px`;
      brush.hidden = false;
    });
    const finish = (e) => {
      if (!drag) return;
      const d = drag;
      drag = null;
      brush.hidden = true;
      if (waterfall.hasPointerCapture(e.pointerId)) waterfall.releasePointerCapture(e.pointerId);
      if (!d.moved || e.type === 'pointercancel') return;
      const { from, to } = trace.view;
      const at = (x) => from + ((x - d.rect.left) / d.rect.width) * (to - from);
      zoomTo(at(Math.min(d.x0, d.x1)), at(Math.max(d.x0, d.x1)));
      // The click that follows this pointerup (if any) ends the drag, not a row selection.
      swallowClick = true;
      setTimeout(() => { swallowClick = false; }, 0);
    };
    waterfall.addEventListener('pointerup', finish);
    waterfall.addEventListener('pointercancel', finish);
    waterfall.addEventListener('click', (e) => {
      if (swallowClick) { e.stopPropagation(); swallowClick = false; }
    }, true);
  }

  // ---- Details panel --------------------------------------------------------------------------

  function renderDetails(span) {
    const d = byId('details');
    d.replaceChildren();
    if (!span) {
      d.append(el('p', { cls: 'hint', text: 'Click a span to see its attributes, events and links; click a message to see the spans it caused.' }));
      return;
    }
    d.append(el('h2', { text: span.name }));
    d.append(kvTable([
      ['span id', el('span', { cls: 'mono', text: span.spanId })],
      ['parent', parentCell(span)],
      ['service', el('span', null, swatch(serviceColour(span.service)), ' ', span.service)],
      ['kind', span.kind || ''],
      ['start', `+${fmtNs(span.start - trace.start)}`],
      ['duration', span.duration || fmtNs(span.end - span.start)],
      ['status', statusCell(span)],
      ['critical path', span.critical ? '◆ yes' : 'no'],
    ]));
    messageSection(d, span);
    d.append(el('h3', { text: 'Attributes' }));
    d.append(span.attributes && span.attributes.length ? kvTable(span.attributes) : el('p', { cls: 'hint', text: 'none' }));
    d.append(el('h3', { text: 'Events' }));
    if (!span.events || !span.events.length) d.append(el('p', { cls: 'hint', text: 'none' }));
    for (const ev of span.events || []) {
      d.append(el('p', { cls: 'event' }, el('strong', { text: ev.name }), ` at +${ev.offset}`));
      if (ev.attributes && ev.attributes.length) d.append(kvTable(ev.attributes));
    }
    d.append(el('h3', { text: 'Links' }));
    if (!span.links || !span.links.length) d.append(el('p', { cls: 'hint', text: 'none' }));
    for (const link of span.links || []) {
      d.append(kvTable([['trace', linkTarget(link)], ['span', el('span', { cls: 'mono', text: link.spanId })], ...(link.attributes || [])]));
    }
  }

  // A button that selects another span of this trace.
  function spanButton(text, i) {
    const b = el('button', { cls: 'link-button', text, attrs: { type: 'button' } });
    b.addEventListener('click', () => activateRow(i, { scroll: true }));
    return b;
  }

  function parentCell(span) {
    if (!span.parentSpanId) return '(root)';
    const i = trace.index.get(span.parentSpanId);
    if (i === undefined) return el('span', { cls: 'mono', text: `${span.parentSpanId} (not in this trace)` });
    return el('span', null, spanButton(trace.spans[i].name, i), ' ', el('span', { cls: 'mono hint', text: span.parentSpanId }));
  }

  function statusCell(span) {
    const code = span.statusCode || (span.error ? 'error' : (span.status || 'unset').split(':')[0]);
    const text = code + (span.statusMessage ? `: ${span.statusMessage}` : '');
    return span.error ? el('span', { cls: 'status-error', text: `✕ ${text}` }) : text;
  }

  // A link's target: the span itself when it is in this trace; a page link when served.
  function linkTarget(link) {
    if (link.traceId === trace.doc.traceId && trace.index.has(link.spanId)) {
      return el('span', null, el('span', { cls: 'mono', text: link.traceId }), ' ', spanButton('(this trace: select)', trace.index.get(link.spanId)));
    }
    if (OFFLINE) return el('span', { cls: 'mono', text: link.traceId });
    return el('a', { cls: 'mono', text: link.traceId, attrs: { href: tracePath(link.traceId, link.spanId), 'data-nav': '' } });
  }

  // For a message span or a Data Action span: the message(s) in the conversation.
  function messageSection(d, span) {
    const related = trace.messagesOfSpan.get(span.spanId);
    if (!related) return;
    const isMessage = related.some((m) => m.spanId === span.spanId);
    d.append(el('h3', { text: isMessage ? 'Chat message' : 'Data Action of the chat message' }));
    for (const m of related) {
      const b = el('button', { cls: 'link-button', attrs: { type: 'button' },
                               text: `${m.role || m.direction} message at ${fmtClock(trace.doc.startUnixMs + m.time / 1e6, { millis: true })}` });
      b.addEventListener('click', () => highlightMessages([m], { scrollRows: true, scrollMessage: true }));
      const lines = [b];
      lines.push(el('div', { cls: 'hint', text: `message id ${m.messageId || '(none)'} · ${m.direction}` }));
      if (typeof m.text === 'string') lines.push(el('div', { text: m.text }));
      if (!isMessage) lines.push(el('div', { cls: 'hint', text: linkedByText(m) }));
      d.append(el('div', { cls: 'event' }, ...lines));
    }
  }

  const linkedByText = (m) => (m.dataActionsLinkedBy === 'parent'
    ? 'linked by parent: the actions run under the message’s span'
    : 'linked by time: the actions started after this guest message and before the next');

  // ---- Conversation pane ----------------------------------------------------------------------

  function renderConversation() {
    const pane = byId('conversation');
    const conv = trace.doc.conversation;
    pane.replaceChildren();
    byId('trace-body').classList.toggle('no-conversation', !conv);
    if (!conv) return;
    pane.append(el('h2', { text: 'Conversation' }));
    pane.append(el('p', { cls: 'conv-id mono', text: conv.id || 'conversation id not recorded' }));
    const ul = el('ul', { cls: 'messages' });
    for (const m of trace.messages) ul.append(messageItem(m));
    pane.append(trace.messages.length ? ul : el('p', { cls: 'hint', text: 'No chat messages in this trace.' }));
    if (conv.platform) pane.append(platformSection(conv.platform));
  }

  function messageItem(m) {
    const guest = m.direction === 'guest';
    const li = el('li', {
      cls: 'message ' + (guest ? 'guest' : 'reply'),
      data: { messageSpanId: m.spanId, direction: m.direction },
      attrs: { tabindex: '0', role: 'button', 'aria-pressed': 'false' },
    });
    const offset = m.time - trace.start;
    li.append(el('div', { cls: 'meta' },
      el('span', { cls: 'role', text: m.role || (guest ? 'guest' : 'reply') }),
      el('time', { text: fmtClock(trace.doc.startUnixMs + offset / 1e6, { millis: true }), title: `+${fmtNs(offset)} into the trace` })));
    li.append(typeof m.text === 'string'
      ? el('div', { cls: 'text', text: m.text })
      : el('div', { cls: 'text not-recorded', text: 'text not recorded (privacy default)' }));
    if (m.delivered === false) {
      li.classList.add('undelivered');
      li.append(el('div', { cls: 'error-tag', text: 'not delivered' + (m.statusMessage ? ': ' + m.statusMessage : '') }));
    }
    const actions = (m.dataActionSpanIds || []).length;
    li.append(el('div', { cls: 'sub' },
      `${guest ? 'guest → contact center' : 'reply → guest'} · id ${m.messageId || '(none)'}`,
      guest ? ` · ${actions} Data Action${actions === 1 ? '' : 's'}` : '',
      guest && actions ? el('span', { title: linkedByText(m), text: ` (by ${m.dataActionsLinkedBy || 'time'})` }) : null));
    const activate = () => {
      const i = trace.index.get(m.spanId);
      if (i !== undefined) selectRow(i, { scroll: false });
      highlightMessages([m], { scrollRows: true, scrollMessage: false });
    };
    li.addEventListener('click', activate);
    li.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); activate(); }
    });
    trace.messageEls.set(m, li);
    return li;
  }

  function platformSection(platform) {
    const box = el('div', { cls: 'platform' }, el('h3', { text: 'Platform (Genesys Cloud API)' }));
    if (platform.error) box.append(el('p', { cls: 'error-message', text: platform.error }));
    const participants = platform.participants || [];
    if (participants.length) {
      const table = el('table', null, el('tr', null, el('th', { text: 'purpose' }), el('th', { text: 'name' }), el('th', { text: 'id' })));
      for (const p of participants) {
        table.append(el('tr', null, el('td', { text: p.purpose || '' }), el('td', { text: p.name || '' }), el('td', { cls: 'mono', text: p.id || '' })));
      }
      box.append(el('h3', { text: 'Participants' }), table);
    }
    if (platform.startTime) {
      box.append(el('p', { cls: 'hint', text: `started ${platform.startTime}` + (platform.endTime ? `, ended ${platform.endTime}` : ', still going') }));
    }
    if ((platform.attributes || []).length) box.append(el('h3', { text: 'Attributes' }), kvTable(platform.attributes));
    return box;
  }

  // Highlight messages together with their spans and their Data Action spans.
  function highlightMessages(messages, { scrollRows, scrollMessage }) {
    clearHighlights();
    trace.highlighted = messages;
    let firstRow = null;
    let firstMessage = null;
    for (const m of messages) {
      const li = trace.messageEls.get(m);
      if (li) {
        li.classList.add('highlighted');
        li.setAttribute('aria-pressed', 'true');
        firstMessage = firstMessage || li;
      }
      for (const id of [m.spanId, ...(m.dataActionSpanIds || [])]) {
        const i = trace.index.get(id);
        if (i === undefined) continue;
        reveal(i);
        trace.rows[i].classList.add('highlighted');
        if (!firstRow || i < trace.rows.indexOf(firstRow)) firstRow = trace.rows[i];
      }
    }
    applyCollapse();
    if (scrollRows && firstRow) firstRow.scrollIntoView({ block: 'nearest' });
    if (scrollMessage && firstMessage) firstMessage.scrollIntoView({ block: 'nearest' });
  }

  function clearHighlights() {
    for (const e of document.querySelectorAll('#trace-view .highlighted')) {
      e.classList.remove('highlighted');
      if (e.classList.contains('message')) e.setAttribute('aria-pressed', 'false');
    }
    if (trace) trace.highlighted = [];
  }

  // ---------------------------------------------------------------------------------------
  // Keyboard
  // ---------------------------------------------------------------------------------------

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement || t.isContentEditable) {
      if (e.key === 'Escape' && t.id === 'search') { e.preventDefault(); t.blur(); }
      return;
    }
    // Enter and Space on a focused control belong to it.
    if ((e.key === 'Enter' || e.key === ' ') && t.closest && t.closest('button, a, summary, [role="button"]')) return;
    const handled = currentView === 'list' ? listKey(e.key) : currentView === 'trace' ? traceKey(e.key) : false;
    if (handled) e.preventDefault();
  });

  function listKey(key) {
    switch (key) {
      case 'j': case 'ArrowDown': moveListSelection(1); return true;
      case 'k': case 'ArrowUp': moveListSelection(-1); return true;
      case 'Enter': if (list.selectedId) openTrace(list.selectedId); return true;
      case '/': byId('search').focus(); byId('search').select(); return true;
      default: return false;
    }
  }

  function traceKey(key) {
    switch (key) {
      case 'j': case 'ArrowDown': moveSpanSelection(1); return true;
      case 'k': case 'ArrowUp': moveSpanSelection(-1); return true;
      case 'ArrowLeft': collapseOrParent(); return true;
      case 'ArrowRight': expandOrChild(); return true;
      case 'Escape':
        if (OFFLINE) { selectRow(-1, { scroll: false }); clearHighlights(); } else goBackToList();
        return true;
      default: return false;
    }
  }

  // ---------------------------------------------------------------------------------------
  // Start
  // ---------------------------------------------------------------------------------------

  setUpZoomDrag();
  if (OFFLINE) {
    // Opened from a file: no routes, no server, nothing to fetch.
    byId('live').hidden = true;
    byId('brand').removeAttribute('href');
    renderTrace(embedded, {});
    byId('crumb').textContent = `offline export · trace ${embedded.traceId}`;
  } else {
    window.addEventListener('popstate', route);
    route();
    connectLive();
    suggestAttributeKeys();
  }
})();
