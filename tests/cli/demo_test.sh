#!/usr/bin/env bash
# `tracechat demo` end to end: it must finish with the correlation complete, print every
# chat's trace with the Data Action spans in it, and leave the HTML views it names.
set -u
bin="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
out="$("$bin" demo --dir "$work" 2>&1)"
code=$?
fail=0
expect() {
  if ! grep -qE -- "$1" <<<"$out"; then
    echo "FAIL: the output lacks /$1/"
    fail=1
  fi
}
[ $code -eq 0 ] || { echo "FAIL: exit $code"; fail=1; }
expect "^correlation complete: every chat's trace holds its messages, and all 3 Data Action calls"
expect "^== the guest-chat chat's trace [0-9a-f]{32}: [0-9]+ spans"
expect "^== the web-messaging chat's trace [0-9a-f]{32}: [0-9]+ spans"
expect "^== the web-messaging-auto-start chat's trace [0-9a-f]{32}: [0-9]+ spans"
# Without auto-start the context goes with the first message; with it, on the Join.
expect "^  connected session=[^ ]+ trace=[0-9a-f]{32} \(context with the first message\)$"
expect "^  state active \(the trace context goes with the first message \(no auto-start\)\)$"
expect "dataaction Order lookup +dataaction-bridge +server"
expect "dataaction Order lookup +orders-service +server"
# Each chat's conversation found from its trace by the trace store, and the trace found
# back from the conversation through the Platform API (OAuth, as `tracechat find` does).
expect "^conversation of this trace: [0-9a-f-]{36} \(trace store: a span of the trace carries chat.conversation.id\)"
expect "^and back, its trace: [0-9a-f]{32} \(GET /api/v2/conversations/\{id\}"
[ "$(grep -c '^and back, its trace' <<<"$out")" -eq 3 ] || { echo "FAIL: not every chat found back"; fail=1; }
[ "$(grep -c '(context with the first message)' <<<"$out")" -eq 1 ] || { echo "FAIL: one chat waits for its first message"; fail=1; }
for f in "$work/trace-guest-chat.html" "$work/trace-web-messaging.html" "$work/trace-web-messaging-auto-start.html"; do
  [ -s "$f" ] || { echo "FAIL: $f missing"; fail=1; }
done
[ $fail -eq 0 ] && echo "ok   demo" || echo "$out"

# Without the traceparent header the Data Action spans start traces of their own: the
# demo must say so and exit 1.
out="$("$bin" demo --dir "$work/broken" --without-trace-header 2>&1)"
code=$?
if [ $code -eq 1 ] && grep -q "correlation INCOMPLETE" <<<"$out" &&
  grep -q "3 Data Action calls arrived without a usable traceparent" <<<"$out"; then
  echo "ok   demo without the trace header fails"
else
  echo "FAIL demo without the trace header: exit $code"
  echo "$out" | tail -20
  fail=1
fi
exit $fail
