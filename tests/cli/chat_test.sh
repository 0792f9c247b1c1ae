#!/usr/bin/env bash
# `tracechat chat` as a user runs it, against `tracechat emulator`, with its spans going
# to `tracechat collector`: the script mode's exit codes, line mode's header, and the
# chat's trace arriving in the collector with the id the chat printed.
set -u
bin="$1"
source "$(dirname "$0")/lib.sh"

# Both listen on a free port and print it.
"$bin" emulator --listen 127.0.0.1:0 --db "$work/platform.sqlite" --quiet >"$work/emulator.out" 2>&1 &
pids+=($!)
"$bin" collector --listen 127.0.0.1:0 --db "$work/traces.sqlite" >"$work/collector.out" 2>&1 &
pids+=($!)
emulator_port="" collector_port=""
for _ in $(seq 100); do
  emulator_port="$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$work/emulator.out" 2>/dev/null)"
  collector_port="$(sed -n 's|.*OTLP/HTTP on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/collector.out" 2>/dev/null)"
  [ -n "$emulator_port" ] && [ -n "$collector_port" ] && break
  sleep 0.1
done
[ -n "$emulator_port" ] && [ -n "$collector_port" ] || { bad "servers did not start" "$(cat "$work"/*.out)"; exit 1; }

guest="ws://127.0.0.1:$emulator_port/v1/5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f/guest/0f0e0d0c-0b0a-4908-8706-050403020100/connect"
web="ws://127.0.0.1:$emulator_port/v1?deploymentId=a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"

printf '# two messages, each waits for the bot\nhello\n/attr order=A-1\nsecond\n' >"$work/script.txt"
for url in "$guest" "$web"; do
  out="$("$bin" chat "$url" --script "$work/script.txt" --otlp-endpoint "http://127.0.0.1:$collector_port" 2>&1)"
  code=$?
  if [ $code -eq 0 ] && grep -q "You said: second" <<<"$out" && grep -qE "^trace [0-9a-f]{32}$" <<<"$out"; then
    ok "script $(basename "${url%%\?*}")"
  else
    bad "script $url: exit $code" "$out"
  fi
  trace_id="$(sed -n 's/^trace \([0-9a-f]\{32\}\)$/\1/p' <<<"$out" | head -1)"
  # The spans were exported on exit: the collector has the trace the chat printed.
  shown=""
  for _ in $(seq 50); do
    shown="$("$bin" traces --db "$work/traces.sqlite" show "$trace_id" 2>&1)" && grep -q chat.send_message <<<"$shown" && break
    sleep 0.1
  done
  # guest-chat sets them with a request of their own; Web Messaging without auto-start
  # (the emulator's default) sends them with the first message, whose span names the keys.
  if [ "$url" = "$web" ]; then
    attributes_sent="$("$bin" traces --db "$work/traces.sqlite" show "$trace_id" --json 2>&1 | grep -c '"chat.attributes.keys"')"
  else
    attributes_sent="$(grep -c chat.set_attributes <<<"$shown")"
  fi
  if grep -q chat.session <<<"$shown" && [ "$attributes_sent" -ge 1 ] && grep -q chat.send_message <<<"$shown"; then
    ok "spans in the collector"
  else
    bad "spans for $trace_id" "$shown"
  fi
done

# Line mode: the ids as soon as the session is active, then one line per event; end of
# input delivers what is queued and leaves cleanly.
out="$(printf 'hi\n/state\n' | "$bin" chat "$guest" 2>&1)"
code=$?
if [ $code -eq 0 ] && grep -qE "^conversation [0-9a-f-]{36}$" <<<"$out" && grep -q "^<you> hi$" <<<"$out" &&
  grep -q "conversation ended: guest-left" <<<"$out"; then
  ok "line mode"
else
  bad "line mode: exit $code" "$out"
fi

# An unreachable server, a URL of no known dialect and a malformed --attr fail clearly.
printf 'anyone?\n' >"$work/short.txt"
out="$("$bin" chat "ws://127.0.0.1:1/v1?deploymentId=a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d" --script "$work/short.txt" 2>&1)"
code=$?
if [ $code -eq 1 ] && grep -q "cannot connect" <<<"$out"; then ok "unreachable"; else bad "unreachable: exit $code" "$out"; fi
out="$("$bin" chat --url "ws://127.0.0.1:$emulator_port/nowhere" 2>&1)"  # --url: the positional's other name
code=$?
if [ $code -eq 2 ] && grep -q "cannot tell the dialect" <<<"$out"; then ok "bad url"; else bad "bad url: exit $code" "$out"; fi
out="$("$bin" chat "$guest" --attr novalue 2>&1 </dev/null)"
code=$?
if [ $code -eq 2 ] && grep -q "expected key=value" <<<"$out"; then ok "bad --attr"; else bad "bad --attr: exit $code" "$out"; fi

# A Web Messaging deployment by id: the region's host from --region or the environment.
# GENESYSCLOUD_API_REGION names a base URL, here the emulator's.
deployment="a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
out="$(env -u GENESYSCLOUD_REGION GENESYSCLOUD_API_REGION="http://127.0.0.1:$emulator_port" \
  "$bin" chat --deployment-id "$deployment" --script "$work/script.txt" 2>&1)"
code=$?
if [ $code -eq 0 ] && grep -q "You said: second" <<<"$out"; then ok "--deployment-id with GENESYSCLOUD_API_REGION"; else bad "--deployment-id with GENESYSCLOUD_API_REGION: exit $code" "$out"; fi
out="$("$bin" chat --region nowhere-1 --deployment-id "$deployment" 2>&1 </dev/null)"
code=$?
if [ $code -eq 2 ] && grep -q "unknown region 'nowhere-1'; known regions: us-east-1, .*us-west-2, .*ap-southeast-2" <<<"$out"; then
  ok "unknown --region lists the known ones"
else
  bad "unknown --region: exit $code" "$out"
fi
out="$(env -u GENESYSCLOUD_API_REGION GENESYSCLOUD_REGION=nowhere-2 "$bin" chat --deployment-id "$deployment" 2>&1 </dev/null)"
code=$?
if [ $code -eq 2 ] && grep -q "GENESYSCLOUD_REGION: unknown region 'nowhere-2'; known regions: us-east-1" <<<"$out"; then
  ok "unknown GENESYSCLOUD_REGION"
else
  bad "unknown GENESYSCLOUD_REGION: exit $code" "$out"
fi
out="$("$bin" chat --url "$web" --deployment-id "$deployment" 2>&1 </dev/null)"
code=$?
if [ $code -eq 2 ] && grep -q "not both" <<<"$out"; then ok "--url with --deployment-id"; else bad "--url with --deployment-id: exit $code" "$out"; fi
out="$("$bin" chat "$web" --origin "https://shop.example.com/checkout" 2>&1 </dev/null)"
code=$?
if [ $code -eq 2 ] && grep -q "origin 'https://shop.example.com/checkout': expected scheme://host" <<<"$out"; then
  ok "bad --origin"
else
  bad "bad --origin: exit $code" "$out"
fi

# A deployment that allows one origin: the default origin is refused with a 403 that says
# what to pass, and --origin with the allowed one gets through.
printf '{"deployments": [{"id": "%s", "allowedOrigins": ["https://shop.example.com"]}]}\n' "$deployment" >"$work/restricted.json"
"$bin" emulator --listen 127.0.0.1:0 --db "$work/restricted.sqlite" --config "$work/restricted.json" --quiet \
  >"$work/restricted.out" 2>&1 &
pids+=($!)
restricted_port="$(emulator_port "$work/restricted.out")"
restricted="ws://127.0.0.1:$restricted_port/v1?deploymentId=$deployment"
out="$("$bin" chat "$restricted" --script "$work/short.txt" 2>&1)"
code=$?
if [ $code -eq 1 ] && grep -q "(HTTP 403): this deployment does not allow the origin https://127.0.0.1; pass --origin" <<<"$out"; then
  ok "a refused origin says what to pass"
else
  bad "refused origin: exit $code" "$out$(cat "$work/restricted.out")"
fi
out="$("$bin" chat "$restricted" --origin https://shop.example.com --script "$work/script.txt" 2>&1)"
code=$?
if [ $code -eq 0 ] && grep -q "You said: second" <<<"$out"; then ok "--origin"; else bad "--origin: exit $code" "$out"; fi

# Quick replies and auto-start: a bot that offers buttons, on one deployment that
# auto-starts and one that does not (the platform's default).
auto="b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
printf '{"deployments": [{"id": "%s"}, {"id": "%s", "autoStart": true}],
  "bot": {"quickReplies": [{"text": "Yes", "payload": "yes"}, {"text": "No", "payload": "no"}]}}\n' \
  "$deployment" "$auto" >"$work/buttons.json"
"$bin" emulator --listen 127.0.0.1:0 --db "$work/buttons.sqlite" --config "$work/buttons.json" --quiet \
  >"$work/buttons.out" 2>&1 &
pids+=($!)
buttons_port="$(emulator_port "$work/buttons.out")"
printf 'hello\n/reply 2\n' >"$work/buttons.txt"
out="$("$bin" chat "ws://127.0.0.1:$buttons_port/v1?deploymentId=$deployment" --script "$work/buttons.txt" 2>&1)"
code=$?
if [ $code -eq 0 ] && grep -q "You said: hello  \[1\] Yes \[2\] No" <<<"$out" && grep -q "^<you> No$" <<<"$out" &&
  grep -q "You said: No" <<<"$out" && grep -q "(context with the first message)" <<<"$out"; then
  ok "quick replies shown and answered with /reply; no auto-start read from the deployment"
else
  bad "quick replies: exit $code" "$out"
fi
out="$("$bin" chat "ws://127.0.0.1:$buttons_port/v1?deploymentId=$auto" --script "$work/short.txt" 2>&1)"
code=$?
if [ $code -eq 0 ] && ! grep -q "context with the first message" <<<"$out" && grep -q "^attributes set: " <<<"$out"; then
  ok "an auto-start deployment gets the context on the Join"
else
  bad "auto-start deployment: exit $code" "$out"
fi
printf '/reply 1\n' >"$work/no-offer.txt"
out="$("$bin" chat "ws://127.0.0.1:$buttons_port/v1?deploymentId=$deployment" --script "$work/no-offer.txt" 2>&1)"
code=$?
if [ $code -eq 1 ] && grep -q "error: no quick replies are on offer" <<<"$out"; then ok "/reply without an offer"; else bad "/reply without an offer: exit $code" "$out"; fi
out="$("$bin" chat "ws://127.0.0.1:$buttons_port/v1?deploymentId=$deployment" --auto-start sometimes 2>&1 </dev/null)"
code=$?
if [ $code -eq 2 ] && grep -q -- "--auto-start: sometimes not in" <<<"$out"; then ok "--auto-start is checked"; else bad "--auto-start sometimes: exit $code" "$out"; fi

# `tracechat bridge` needs a mode, and serves in echo mode on a free port.
out="$("$bin" bridge 2>&1)"
code=$?
if [ $code -eq 2 ] && grep -q "give --upstream URL or --echo" <<<"$out"; then ok "bridge needs a mode"; else bad "bridge without a mode: exit $code" "$out"; fi
"$bin" bridge --echo --listen 127.0.0.1:0 >"$work/bridge.out" 2>&1 &
bridge_pid=$!
for _ in $(seq 50); do grep -q listening "$work/bridge.out" && break; sleep 0.1; done
kill -TERM "$bridge_pid"
wait "$bridge_pid"
code=$?
if [ $code -eq 0 ] && grep -q "echo mode" "$work/bridge.out" && grep -q "stopped; 0 requests" "$work/bridge.out"; then
  ok "bridge starts and stops"
else
  bad "bridge: exit $code" "$(cat "$work/bridge.out")"
fi
exit $fail
