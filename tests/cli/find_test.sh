#!/usr/bin/env bash
# `tracechat find` as a user runs it: from the demo's trace store with no platform at all;
# against `tracechat emulator` with OAuth by trace id (a details job) and back by
# conversation id, for both dialects; and each exit status with a message that says what
# to fix. No output ever holds the OAuth secret.
set -u
bin="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"
# From the scratch folder, so the default --db (traces.sqlite) is not there.
cd "$work" || exit 1
# Only what a test sets: no platform settings of the machine's user leak in.
unset GENESYSCLOUD_REGION GENESYSCLOUD_API_REGION GENESYSCLOUD_OAUTHCLIENT_ID GENESYSCLOUD_OAUTHCLIENT_SECRET

# 1. The trace store alone: the demo's Data Action spans carry the conversation id.
demo="$("$bin" demo --dir "$work/demo" 2>&1)" || bad "demo" "$demo"
trace_id="$(sed -n 's/^== guest-chat chat, trace \([0-9a-f]\{32\}\)$/\1/p' <<<"$demo")"
out="$("$bin" find --db "$work/demo/traces.sqlite" --trace-id "$trace_id" --json 2>&1)"
code=$?
if [ $code -eq 0 ] && grep -q '"found":true' <<<"$out" && grep -qE '"conversationId":"[0-9a-f-]{36}"' <<<"$out" &&
  grep -q '"foundBy":"trace store' <<<"$out"; then
  ok "trace id -> conversation from the trace store, no platform"
else
  bad "find in the demo's store: exit $code" "$out"
fi
# Settings given but wrong are an error even when the store alone could answer.
out="$("$bin" find --db "$work/demo/traces.sqlite" --trace-id "$trace_id" --region mars-1 2>&1)"
code=$?
if [ $code -eq 2 ] && grep -q "unknown region 'mars-1'" <<<"$out"; then
  ok "an unknown region is an error even when the store answers"
else
  bad "unknown region with a store hit: exit $code" "$out"
fi

# 2. The emulator with OAuth: its generated client's file, a short job delay.
printf '{"analytics": {"jobDelayMs": 100}}\n' >"$work/emulator.json"
"$bin" emulator --listen 127.0.0.1:0 --db "$work/platform.sqlite" --config "$work/emulator.json" \
  >"$work/emulator.out" 2>&1 &
pids+=($!)
port="$(emulator_port "$work/emulator.out")"
[ -n "$port" ] || { bad "emulator did not start" "$(cat "$work/emulator.out")"; exit 1; }
credentials="$work/platform.oauth-client.json"
if [ "$(stat -c %a "$credentials" 2>/dev/null)" = 600 ] && grep -qF "$credentials" "$work/emulator.out"; then
  ok "the emulator's client file: mode 0600, its path printed"
else
  bad "client file" "$(ls -l "$work"; cat "$work/emulator.out")"
fi
secret="$(sed -n 's/.*"client_secret": *"\([^"]*\)".*/\1/p' "$credentials")"
client_id="$(sed -n 's/.*"client_id": *"\([^"]*\)".*/\1/p' "$credentials")"
export GENESYSCLOUD_API_REGION="http://127.0.0.1:$port"
all_output=""

printf 'order A-1\n' >"$work/script.txt"
guest="ws://127.0.0.1:$port/v1/5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f/guest/0f0e0d0c-0b0a-4908-8706-050403020100/connect"
web="ws://127.0.0.1:$port/v1?deploymentId=a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
for url in "$guest" "$web"; do
  dialect="$( [ "$url" = "$guest" ] && echo guest-chat || echo web-messaging)"
  chat="$("$bin" chat "$url" --script "$work/script.txt" 2>&1)" || bad "$dialect chat" "$chat"
  trace_id="$(sed -n 's/^trace \([0-9a-f]\{32\}\)$/\1/p' <<<"$chat" | head -1)"
  out="$(GENESYSCLOUD_OAUTHCLIENT_ID="$client_id" GENESYSCLOUD_OAUTHCLIENT_SECRET="$secret" \
    "$bin" find --trace-id "$trace_id" 2>&1)"
  code=$?
  all_output+="$out"
  conversation="$(sed -n 's/^conversation  \([0-9a-f-]\{36\}\)$/\1/p' <<<"$out")"
  if [ $code -eq 0 ] && [ -n "$conversation" ] && grep -q "found by      analytics details job" <<<"$out" &&
    grep -q "details job .*FULFILLED" <<<"$out"; then
    ok "$dialect: trace id -> conversation by a details job, with its progress"
  else
    bad "$dialect: find --trace-id: exit $code" "$out"
  fi
  out="$("$bin" find --credentials "$credentials" --conversation-id "$conversation" --json 2>&1)"
  code=$?
  all_output+="$out"
  if [ $code -eq 0 ] && grep -q "\"traceId\":\"$trace_id\"" <<<"$out"; then
    ok "$dialect: conversation id -> the same trace"
  else
    bad "$dialect: find --conversation-id: exit $code" "$out"
  fi
done

# 3. Exit statuses.
expect_exit() {  # expect_exit CODE PATTERN NAME -- ARGS...
  local want="$1" pattern="$2" name="$3"
  shift 4
  out="$("$@" 2>&1)"
  local code=$?
  all_output+="$out"
  if [ $code -eq "$want" ] && grep -qE -- "$pattern" <<<"$out"; then ok "$name"; else bad "$name: exit $code" "$out"; fi
}
expect_exit 1 "not found: no conversation" "an unknown trace: not found, exit 1" -- \
  "$bin" find --credentials "$credentials" --trace-id 4bf92f3577b34da6a3ce929d0e0e4736 --quiet
expect_exit 1 "not found: the platform has no conversation" "an unknown conversation: exit 1" -- \
  "$bin" find --credentials "$credentials" --conversation-id 0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111
expect_exit 2 "unknown region 'mars-1'; known regions: us-east-1, .*ap-southeast-2" "an unknown region: exit 2" -- \
  env -u GENESYSCLOUD_API_REGION "$bin" find --region mars-1 --credentials "$credentials" --conversation-id x
expect_exit 2 "no OAuth client: set GENESYSCLOUD_OAUTHCLIENT_ID" "no credentials: exit 2" -- \
  "$bin" find --conversation-id 0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111
expect_exit 2 "the login refused OAuth client '$client_id' \\(HTTP 401 invalid_client" "wrong secret: exit 2" -- \
  env GENESYSCLOUD_OAUTHCLIENT_ID="$client_id" GENESYSCLOUD_OAUTHCLIENT_SECRET="wrong-$secret" \
  "$bin" find --conversation-id 0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111
expect_exit 2 "not a trace id" "a malformed trace id: exit 2" -- \
  "$bin" find --credentials "$credentials" --trace-id xyz
expect_exit 2 "exactly one of" "no id: exit 2" -- "$bin" find
expect_exit 2 "File does not exist" "a --db that is not there: exit 2" -- \
  "$bin" find --db "$work/none.sqlite" --trace-id 4bf92f3577b34da6a3ce929d0e0e4736
expect_exit 3 "POST http://127.0.0.1:1/oauth/token: .*\(attempt 5 of 5\)" "an unreachable platform: exit 3" -- \
  env GENESYSCLOUD_API_REGION=http://127.0.0.1:1 "$bin" find --credentials "$credentials" --quiet \
  --conversation-id 0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111

# 4. Neither the secret nor a whole token appears anywhere: tokens show as 8 characters
# and "…" at most, and no Authorization header is ever printed.
everything="$all_output$(cat "$work/emulator.out")"
if grep -qF "$secret" <<<"$everything" || grep -qiE "bearer [A-Za-z0-9_-]{9}" <<<"$everything"; then
  bad "a secret or a token appeared in an output" "$everything"
else
  ok "no output holds the secret or a token"
fi
# --json answers on stdout even when it fails.
out="$("$bin" find --json --conversation-id 0d5b5a3e-6a0e-4bde-9a43-5ef0f1c1a111 2>/dev/null)"
code=$?
if [ $code -eq 2 ] && grep -q '"found":false,"error":"no OAuth client' <<<"$out"; then ok "--json errors"; else bad "--json error: exit $code" "$out"; fi
exit $fail
