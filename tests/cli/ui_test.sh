#!/usr/bin/env bash
# `tracechat ui` in a real browser: headless Chromium driven by playwright-core
# (tests/node/explorer_browser.mjs) against the explorer serving
#   1. the demo's store (chats whose Data Actions ran under their messages): a search by
#      conversation id finds its trace, the waterfall collapses a subtree, a guest message
#      highlights its chat.send_message and Data Action spans; the deep links `demo` and
#      `find` print;
#   2. `tracechat collector --ui` while a chat runs: the open list gets the new trace by
#      itself.
# Screenshots of each check are kept in $TRACECHAT_ARTIFACTS/explorer (the build tree's
# test-artifacts/ under ctest). Exit 77 (skipped) without node's packages or Chromium.
set -u
bin="$(realpath "$1")"
node_dir="$(cd "$(dirname "$0")/../node" && pwd)"
source "$(dirname "$0")/lib.sh"
if [ ! -x /usr/bin/chromium ] || [ ! -d "$node_dir/node_modules/playwright-core" ]; then
  echo "skipped: needs /usr/bin/chromium and \`npm ci\` in tests/node (scripts/test does both)"
  exit 77
fi
shots="${TRACECHAT_ARTIFACTS:-$work/artifacts}/explorer"
mkdir -p "$shots"
unset TRACECHAT_UI_URL GENESYSCLOUD_REGION GENESYSCLOUD_API_REGION GENESYSCLOUD_OAUTHCLIENT_ID \
  GENESYSCLOUD_OAUTHCLIENT_SECRET

# served_url FILE PREFIX: waits (up to 10 s) for "PREFIX http://127.0.0.1:PORT/" in FILE.
served_url() {
  local url=""
  for _ in $(seq 100); do
    url="$(sed -n "s|^$2 \(http://127.0.0.1:[0-9]*\)/.*|\1|p" "$1" 2>/dev/null | head -1)"
    [ -n "$url" ] && break
    sleep 0.1
  done
  echo "$url"
}
# browse CHECK ARGS...: one check of explorer_browser.mjs; its JSON on stdout.
browse() {
  local check="$1"
  shift
  (cd "$node_dir" && node explorer_browser.mjs "$ui" "$check" "$shots" "$@")
}

# 1. The demo's store, and the links the demo and find print.
demo="$("$bin" demo --dir "$work/demo" --ui-url http://127.0.0.1:16690/ 2>&1)" || bad "demo" "$demo"
trace_id="$(sed -n 's/^== guest-chat chat, trace \([0-9a-f]\{32\}\)$/\1/p' <<<"$demo")"
if grep -qxF "explorer:  http://127.0.0.1:16690/trace/$trace_id" <<<"$demo"; then
  ok "demo --ui-url prints each trace's link"
else
  bad "demo's explorer link" "$demo"
fi
found="$(TRACECHAT_UI_URL=http://127.0.0.1:16690 "$bin" find --db "$work/demo/traces.sqlite" --trace-id "$trace_id" \
  --json 2>&1)"
conversation_id="$(sed -n 's/.*"conversationId":"\([0-9a-f-]\{36\}\)".*/\1/p' <<<"$found")"
if [ -n "$conversation_id" ] &&
  grep -qF "\"explorerTrace\":\"http://127.0.0.1:16690/trace/$trace_id\"" <<<"$found" &&
  grep -qF "\"explorerConversation\":\"http://127.0.0.1:16690/conversation/$conversation_id\"" <<<"$found"; then
  ok "find with TRACECHAT_UI_URL gives the trace's and the conversation's links"
else
  bad "find's explorer links" "$found"
fi

"$bin" ui --db "$work/demo/traces.sqlite" --listen 127.0.0.1:0 >"$work/ui.out" 2>&1 &
pids+=($!)
ui="$(served_url "$work/ui.out" "tracechat ui:")"
[ -n "$ui" ] || { bad "ui did not start" "$(cat "$work/ui.out")"; exit 1; }

if out="$(browse search-conversation "$conversation_id" "$trace_id" 2>&1)"; then
  ok "searching the conversation id finds its trace"
else
  bad "search by conversation id" "$out"
fi
if out="$(browse collapse "$trace_id" 2>&1)"; then
  ok "the waterfall collapses and expands a subtree"
else
  bad "collapse" "$out"
fi
if out="$(browse message-highlight "$trace_id" 2>&1)" && grep -q '"chat.send_message"' <<<"$out" &&
  grep -q '"dataaction ' <<<"$out"; then
  ok "a guest message highlights its chat.send_message and Data Action spans"
else
  bad "message highlight" "$out"
fi
exported="$work/demo/trace-guest-chat.html"
span_id="$(grep -o '"name":"chat.session","spanId":"[0-9a-f]\{16\}"' "$exported" | head -1 | grep -o '[0-9a-f]\{16\}')"
if out="$(browse static "$exported" "$span_id" 2>&1)" && grep -q "chat.session" <<<"$out"; then
  ok "the demo's exported page is the same explorer, offline"
else
  bad "exported page" "$out"
fi

# 2. Live: the collector serves the explorer while a chat's spans arrive.
"$bin" emulator --listen 127.0.0.1:0 --db "$work/platform.sqlite" --quiet >"$work/emulator.out" 2>&1 &
pids+=($!)
"$bin" collector --listen 127.0.0.1:0 --db "$work/live.sqlite" --ui 127.0.0.1:0 >"$work/collector.out" 2>&1 &
pids+=($!)
emulator_port="$(emulator_port "$work/emulator.out")"
ui="$(served_url "$work/collector.out" "tracechat collector: explorer on")"
collector="$(sed -n 's|.*OTLP/HTTP on \(http://127.0.0.1:[0-9]*\)/.*|\1|p' "$work/collector.out")"
[ -n "$emulator_port" ] && [ -n "$ui" ] && [ -n "$collector" ] ||
  { bad "servers did not start" "$(cat "$work"/*.out)"; exit 1; }
guest="ws://127.0.0.1:$emulator_port/v1/5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f/guest/0f0e0d0c-0b0a-4908-8706-050403020100/connect"
printf 'hello\n' >"$work/script.txt"
chat() { "$bin" chat "$guest" --script "$work/script.txt" --otlp-endpoint "$collector" --record-message-text 2>&1; }
first="$(chat)" || bad "first chat" "$first"
# The page is open on the list (it waits for the first trace) before the second chat runs.
browse live 60 >"$work/live.json" 2>"$work/live.err" &
browser=$!
for _ in $(seq 300); do
  grep -q "^ready" "$work/live.err" 2>/dev/null && break
  kill -0 "$browser" 2>/dev/null || break
  sleep 0.1
done
second="$(chat)" || bad "second chat" "$second"
second_trace="$(sed -n 's/^trace \([0-9a-f]\{32\}\)$/\1/p' <<<"$second" | head -1)"
if wait "$browser" && grep -q "\"newFirst\":\"$second_trace\"" "$work/live.json"; then
  ok "the open list shows the new chat's trace by itself"
else
  bad "live list (second trace $second_trace)" "$(cat "$work/live.json" "$work/live.err")"
fi

# Markup in every field a sender controls, through the collector, exported, opened
# offline: shown as text, never run (the page would set window.__xss).
hostile_trace=5eca1dbadc0ffee05eca1dbadc0ffee0
hostile_span=badc0ffee0ddf00d
posted="$(cd "$node_dir" && node -e '
  const [url, traceId, spanId] = process.argv.slice(1);
  const x = "<img src=x onerror=\"window.__xss=1\">";
  const now = BigInt(Date.now()) * 1000000n;
  const body = { resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "<svg onload=window.__xss=1>" } }] },
    scopeSpans: [{ spans: [{ traceId, spanId, name: "</script><script>window.__xss=1</script>" + x, kind: 2,
      startTimeUnixNano: String(now), endTimeUnixNano: String(now + 5000000n),
      attributes: [{ key: "<b onmouseover=window.__xss=1>k", value: { stringValue: "\"></td>" + x } },
                   { key: "chat.conversation.id", value: { stringValue: x } }],
      events: [{ name: x, timeUnixNano: String(now + 1000n), attributes: [] }],
      status: { code: 2, message: x } }] }] }] };
  fetch(url + "/v1/traces", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) })
    .then((r) => { console.log(r.status); if (!r.ok) process.exit(1); })
    .catch((e) => { console.error(String(e)); process.exit(1); });' "$collector" "$hostile_trace" "$hostile_span" 2>&1)" ||
  bad "posting the hostile trace" "$posted"
for _ in $(seq 50); do
  "$bin" traces html "$hostile_trace" --db "$work/live.sqlite" -o "$work/hostile.html" >/dev/null 2>&1 && break
  sleep 0.1
done
if out="$(browse static "$work/hostile.html" "$hostile_span" 2>&1)" && grep -qF 'onerror=' <<<"$out" &&
  grep -qF '</script><script>' <<<"$out"; then
  ok "markup in span data is shown as text and never runs"
else
  bad "hostile trace" "$out"
fi

# 3. With the platform: the conversation's participants and the customer's attributes.
"$bin" ui --db "$work/live.sqlite" --listen 127.0.0.1:0 --platform "http://127.0.0.1:$emulator_port" \
  --credentials "$work/platform.oauth-client.json" >"$work/ui-platform.out" 2>&1 &
pids+=($!)
ui="$(served_url "$work/ui-platform.out" "tracechat ui:")"
[ -n "$ui" ] || { bad "ui --platform did not start" "$(cat "$work/ui-platform.out")"; exit 1; }
platform="$(cd "$node_dir" && node -e '
  fetch(process.argv[1]).then((r) => r.json()).then((doc) => console.log(JSON.stringify(doc.conversation.platform)))
    .catch((e) => { console.error(String(e)); process.exit(1); });' "$ui/api/traces/$second_trace" 2>&1)"
if grep -q '"purpose":"customer"' <<<"$platform" && grep -qF "[\"otel_trace_id\",\"$second_trace\"]" <<<"$platform"; then
  ok "with --platform, the conversation's participants and the customer's attributes"
else
  bad "platform participants" "$platform"
fi
if grep -q "client_secret\|$(sed -n 's/.*"client_secret": *"\([^"]*\)".*/\1/p' "$work/platform.oauth-client.json")" \
  "$work/ui-platform.out"; then
  bad "the ui's output holds the OAuth secret" "$(cat "$work/ui-platform.out")"
else
  ok "no secret in the ui's output"
fi

echo "screenshots: $shots"
exit $fail
