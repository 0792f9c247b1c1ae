// Drives the explorer page (`tracechat ui`, or tests/node/explorer_mock.mjs) in headless
// Chromium and checks one behaviour:
//
//   node explorer_browser.mjs <base-url> <check> <screenshot-dir> [args...]
//
//   live [seconds]                          a new trace appears at the top of "/" by itself
//   search-conversation <conv-id> <trace>   the search box finds exactly that trace, and the
//                                           trace's service colours are the list's
//   collapse <trace>                        the root's toggle hides and shows its subtree
//   message-highlight <trace>               a guest message highlights its spans and actions
//   static <file.html> <span-id>            an offline export: clicking a span fills #details
//
// It prints one JSON object with what it observed and saves <screenshot-dir>/<check>.png;
// on failure the object has "error", the message goes to stderr and the exit status is 1.
// Waits are for selectors and page state, never fixed sleeps.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [baseUrl, check, screenshotDir, ...args] = process.argv.slice(2);
const TIMEOUT = 15_000;

class CheckFailed extends Error {}
function expect(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

const url = (p) => new URL(p, baseUrl.endsWith('/') ? baseUrl : baseUrl + '/').toString();

// The list rows' trace ids, in order.
const listIds = (page) => page.$$eval('#trace-rows [data-trace-id]', (rows) => rows.map((r) => r.dataset.traceId));

// Open a trace page and wait for its waterfall.
async function openTrace(page, traceId) {
  await page.goto(url(`trace/${encodeURIComponent(traceId)}`));
  await page.waitForSelector('#waterfall [data-span-id]', { timeout: TIMEOUT });
}

const checks = {
  // "/" shows the newest traces; within N seconds a new one arrives at the top, without a
  // reload (a marker set on window survives only if the page was not reloaded).
  async live(page, seconds = '30') {
    await page.goto(url(''));
    await page.waitForSelector('#trace-rows [data-trace-id]', { timeout: TIMEOUT });
    await page.evaluate(() => { window.__explorerNotReloaded = true; });
    const before = await listIds(page);
    // The caller starts what makes the new trace once the list is on screen.
    process.stderr.write('ready\n');
    const handle = await page.waitForFunction((known) => {
      const first = document.querySelector('#trace-rows [data-trace-id]');
      if (!first || known.includes(first.dataset.traceId)) return null;
      return { traceId: first.dataset.traceId, flashed: first.classList.contains('fresh') };
    }, before, { timeout: Number(seconds) * 1000, polling: 100 });
    const arrived = await handle.jsonValue();
    const notReloaded = await page.evaluate(() => window.__explorerNotReloaded === true);
    const indicator = (await page.locator('#live').innerText()).trim();
    expect(notReloaded, 'the page was reloaded instead of updated');
    return { rowsBefore: before.length, firstBefore: before[0], newFirst: arrived.traceId, flashed: arrived.flashed,
             rowsAfter: (await listIds(page)).length, indicator };
  },

  // The conversation id typed into #search and submitted lists exactly its trace.
  async 'search-conversation'(page, conversationId, expectedTraceId) {
    expect(conversationId && expectedTraceId, 'usage: search-conversation <conversationId> <expectedTraceId>');
    await page.goto(url(''));
    await page.waitForSelector('#trace-list[aria-busy="false"]', { timeout: TIMEOUT });
    await page.fill('#search', conversationId);
    await page.press('#search', 'Enter');
    // The search is in the URL once submitted; then wait for that fetch to be rendered.
    await page.waitForFunction((id) => new URLSearchParams(location.search).get('q') === id, conversationId, { timeout: TIMEOUT });
    await page.waitForSelector('#trace-list[aria-busy="false"]', { timeout: TIMEOUT });
    const error = await page.locator('#list-error').evaluate((e) => (e.hidden ? '' : e.textContent));
    expect(!error, `the search failed: ${error}`);
    const ids = await listIds(page);
    expect(ids.length === 1 && ids[0] === expectedTraceId,
           `expected exactly ${expectedTraceId}, the list has ${JSON.stringify(ids)}`);
    const conversationCell = await page.locator(`[data-trace-id="${expectedTraceId}"] .c-conversation a`).getAttribute('title');
    // The attribute field suggests the keys the store indexes.
    await page.waitForFunction(() => document.querySelectorAll('#attr-keys option').length > 0, null, { timeout: TIMEOUT });
    const attributeKeys = await page.$$eval('#attr-keys option', (options) => options.map((o) => o.value));
    expect(attributeKeys.includes('chat.conversation.id='), `the attribute suggestions lack chat.conversation.id: ${attributeKeys}`);
    // A service's colour in the list is its colour in the trace (the first service of a
    // trace never has to give way), and the trace's services all differ.
    const listColours = await page.$$eval(`[data-trace-id="${expectedTraceId}"] .c-services .chip`, (chips) =>
      Object.fromEntries(chips.map((c) => [c.textContent, c.querySelector('.swatch').style.background])));
    await openTrace(page, expectedTraceId);
    const legend = await page.$$eval('.legend li', (items) => items.filter((li) => li.querySelector('.service-name'))
      .map((li) => [li.querySelector('.service-name').textContent, li.querySelector('.swatch').style.background]));
    expect(legend.length > 0, 'the trace has no legend');
    const [firstService, firstColour] = legend[0];
    expect(listColours[firstService] === firstColour,
           `${firstService} is ${listColours[firstService]} in the list but ${firstColour} in the trace`);
    expect(new Set(legend.map(([, c]) => c)).size === Math.min(legend.length, 10), 'two services of the trace share a colour');
    return { url: page.url(), rows: ids, conversationCell, attributeKeys, listColours, legend };
  },

  // The root's toggle hides every descendant row and brings them back.
  async collapse(page, traceId) {
    expect(traceId, 'usage: collapse <traceId>');
    await openTrace(page, traceId);
    const rows = await page.$$eval('#wf-rows [data-span-id]', (els) => els.map((e) => ({ id: e.dataset.spanId, depth: Number(e.dataset.depth) })));
    const root = rows[0];
    // The root's descendants: the rows after it that are deeper (the order is depth-first).
    const descendants = [];
    for (const r of rows.slice(1)) { if (r.depth <= root.depth) break; descendants.push(r.id); }
    expect(descendants.length > 0, 'the root has no descendants to collapse');
    const toggle = page.locator(`#wf-rows [data-span-id="${root.id}"] .toggle`);
    const visibleCount = (ids) => page.$$eval('#wf-rows [data-span-id]', (els, wanted) =>
      els.filter((e) => wanted.includes(e.dataset.spanId) && e.offsetParent !== null).length, ids);
    const visibleBefore = await visibleCount(descendants);
    await toggle.click();
    await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`[data-span-id="${id}"]`).offsetParent === null),
                               descendants, { timeout: TIMEOUT });
    const collapsedState = await toggle.getAttribute('aria-expanded');
    const visibleCollapsed = await visibleCount(descendants);
    const rootVisible = await page.locator(`#wf-rows [data-span-id="${root.id}"]`).isVisible();
    await page.screenshot({ path: path.join(screenshotDir, 'collapse-collapsed.png') });
    await toggle.click();
    await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`[data-span-id="${id}"]`).offsetParent !== null),
                               descendants, { timeout: TIMEOUT });
    const visibleExpanded = await visibleCount(descendants);
    expect(visibleCollapsed === 0 && rootVisible, 'descendants stayed visible after collapsing');
    expect(visibleExpanded === descendants.length, 'descendants did not come back after expanding');
    return { root: root.id, descendants: descendants.length, visibleBefore, visibleCollapsed, visibleExpanded,
             ariaExpandedWhenCollapsed: collapsedState, ariaExpandedAfter: await toggle.getAttribute('aria-expanded') };
  },

  // Clicking the first guest message highlights its chat.send_message span and its Data
  // Action spans.
  async 'message-highlight'(page, traceId) {
    expect(traceId, 'usage: message-highlight <traceId>');
    await openTrace(page, traceId);
    const message = page.locator('#conversation [data-message-span-id][data-direction="guest"]').first();
    await message.waitFor({ timeout: TIMEOUT });
    const messageSpanId = await message.getAttribute('data-message-span-id');
    await message.click();
    await page.waitForSelector('#wf-rows .row.highlighted', { timeout: TIMEOUT });
    const highlighted = await page.$$eval('#wf-rows .row.highlighted', (els) =>
      els.map((e) => ({ spanId: e.dataset.spanId, name: e.querySelector('.name').textContent, visible: e.offsetParent !== null })));
    const messageHighlighted = await message.evaluate((e) => e.classList.contains('highlighted'));
    const names = highlighted.map((h) => h.name);
    expect(messageHighlighted, 'the clicked message is not highlighted');
    expect(highlighted.some((h) => h.spanId === messageSpanId && h.name === 'chat.send_message'), 'no chat.send_message row is highlighted');
    expect(names.some((n) => n.startsWith('dataaction ')), 'no Data Action row is highlighted');
    expect(highlighted.every((h) => h.visible), 'a highlighted row is hidden');
    // And back: clicking a Data Action row highlights the message it belongs to.
    const action = highlighted.find((h) => h.name.startsWith('dataaction '));
    await page.click(`#wf-rows [data-span-id="${action.spanId}"]`);
    await page.waitForSelector(`#wf-rows [data-span-id="${action.spanId}"].selected`, { timeout: TIMEOUT });
    const messageAfterRowClick = await message.evaluate((e) => e.classList.contains('highlighted'));
    expect(messageAfterRowClick, 'clicking a Data Action row did not highlight its message');
    return { messageSpanId, highlighted: highlighted.map(({ spanId, name }) => ({ spanId, name })), messageAfterRowClick };
  },

  // The offline export: no request leaves the page; a span's row fills #details.
  async static(page, file, spanId) {
    expect(file && spanId, 'usage: static <file.html> <spanId>');
    const requests = [];
    page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
    await page.goto(pathToFileURL(path.resolve(file)).toString());
    const row = page.locator(`#wf-rows [data-span-id="${spanId}"]`);
    await row.waitFor({ timeout: TIMEOUT });
    await row.click();
    await page.waitForSelector(`#wf-rows [data-span-id="${spanId}"].selected`, { timeout: TIMEOUT });
    const details = await page.locator('#details').innerText();
    const rows = await page.locator('#wf-rows [data-span-id]').count();
    const messages = await page.locator('#conversation [data-message-span-id]').count();
    const injected = await page.evaluate(() => window.__xss === 1);
    expect(details.includes(spanId), 'the side panel does not show the span id');
    expect(requests.length === 0, `the offline page made requests: ${requests.join(', ')}`);
    expect(!injected, 'markup from the data ran');
    return { rows, messages, selected: spanId, requests, details };
  },
};

async function main() {
  expect(baseUrl && check && screenshotDir, 'usage: node explorer_browser.mjs <base-url> <check> <screenshot-dir> [args...]');
  expect(checks[check], `unknown check "${check}" (known: ${Object.keys(checks).join(', ')})`);
  fs.mkdirSync(screenshotDir, { recursive: true });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
  });
  const observed = { check };
  const pageErrors = [];
  const consoleErrors = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('pageerror', (e) => pageErrors.push(String(e.message || e)));
    page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
    try {
      Object.assign(observed, await checks[check](page, ...args));
      expect(pageErrors.length === 0, `the page threw: ${pageErrors.join('; ')}`);
    } finally {
      await page.screenshot({ path: path.join(screenshotDir, `${check}.png`) }).catch(() => {});
    }
    observed.ok = true;
  } catch (e) {
    observed.ok = false;
    observed.error = e instanceof CheckFailed ? e.message : String(e && e.stack || e);
    process.exitCode = 1;
  } finally {
    if (pageErrors.length) observed.pageErrors = pageErrors;
    if (consoleErrors.length) observed.consoleErrors = consoleErrors;
    await browser.close();
  }
  process.stdout.write(JSON.stringify(observed) + '\n');
  if (!observed.ok) process.stderr.write(`${check}: ${observed.error}\n`);
}

main().catch((e) => {
  process.stdout.write(JSON.stringify({ check, ok: false, error: String(e && e.message || e) }) + '\n');
  process.stderr.write(`${check}: ${e && e.message || e}\n`);
  process.exitCode = 1;
});
