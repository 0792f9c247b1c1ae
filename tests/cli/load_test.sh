#!/usr/bin/env bash
# `tracechat load` as a user runs it: the refusals that protect an org (a remote target
# without --allow-remote, a rate above the platform's), a small run of both dialects
# through the whole local path with 100 % correlation and a well-formed JSON report, and
# a run with the orders service down for a while whose report shows the failed Data
# Actions instead of hiding them.
set -u
bin="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"

# json_check NAME FILE EXPRESSION: the report parsed by node; EXPRESSION (JavaScript, over
# `r`) must be true.
json_check() {
  local name="$1" file="$2" expression="$3" out
  if out="$(node -e "const r = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
    if (!($expression)) { console.log(JSON.stringify(r, null, 1).slice(0, 3000)); process.exit(1); }" "$file" 2>&1)"; then
    ok "$name"
  else
    bad "$name: $expression" "$out"
  fi
}

check help 0 "--fault-upstream-down" -- load --help
check rate-above-limit 1 "at most 2 messages a second" -- load --rate 3
check remote-needs-flag 1 "not a loopback address: this would send about 2.0 messages/s" -- load --guests 30 \
  --rate 0.0667 --dialect web-messaging --target "wss://webmessaging.example.com/v1?deploymentId=x"
check name-is-not-loopback 1 "not a loopback address" -- load --dialect web-messaging \
  --target "ws://127.example.com/v1?deploymentId=x"
check nan-rate 1 "--rate must be above 0" -- load --rate nan
check nan-duration 1 "--duration: seconds above 0 up to 86400" -- load --duration nan
check trace-db-needs-endpoint 1 "--trace-db needs --otlp-endpoint" -- load --dialect web-messaging \
  --target "ws://127.0.0.1:9/v1?deploymentId=x" --trace-db "$work/x.sqlite"
check target-options-need-target 1 "--auto-start goes with --target" -- load --auto-start on
check guest-chat-target-needs-placeholder 1 "needs \{guest\}" -- load --dialect guest-chat \
  --target "ws://127.0.0.1:9/v1/org/guest/g/connect"
check mixed-needs-local 1 "--target needs --dialect" -- load --target "ws://127.0.0.1:9/v1?deploymentId=x"
# Under a limit of 1,024 descriptors (soft and hard), 1,000 local guests cannot run: refused
# before anything starts.
out="$(ulimit -n 1024 && "$bin" load --guests 1000 --ramp 0 2>&1)"
got=$?
if [ "$got" -eq 1 ] && grep -q "1000 guests need about 2256 file descriptors in this process, and it may open 1024" <<<"$out"; then
  ok "too many guests for the descriptor limit"
else
  bad "too many guests: exit $got" "$out"
fi
check bad-fault 1 "expected FROM:TO" -- load --fault-upstream-down 5
check duration-or-messages 2 "excludes" -- load --duration 5 --messages-per-guest 2

# Both dialects (and Web Messaging with auto-start), three messages each, at the
# platform's pace: every acknowledged message's Data Action span under its send span.
out="$("$bin" load --guests 30 --dialect mixed --messages-per-guest 3 --ramp 2 --rate 2 --dir "$work/run" \
  --report "$work/run.json" 2>&1)"
got=$?
if [ "$got" -eq 0 ] && grep -q "correlation: 100.00 %" <<<"$out" && grep -q "^PASS" <<<"$out"; then
  ok "small run passes with 100 % correlation"
else
  bad "small run: exit $got" "$out"
fi
json_check "report: passed" "$work/run.json" 'r.passed === true && r.problems.length === 0'
json_check "report: every message acknowledged and answered" "$work/run.json" \
  'r.total.messages_sent === 90 && r.total.messages_acknowledged === 90 && r.total.messages_answered === 90'
json_check "report: nothing lost or duplicated" "$work/run.json" \
  'r.total.messages_lost === 0 && r.total.messages_duplicated === 0 && r.total.sessions_failed === 0'
json_check "report: three kinds, ten guests each" "$work/run.json" \
  'Object.keys(r.by_kind).sort().join() === "guest-chat,web-messaging,web-messaging-auto-start" &&
   Object.values(r.by_kind).every(k => k.sessions_opened === 10 && k.messages_acknowledged === 30)'
json_check "report: correlation checked, 90 of 90" "$work/run.json" \
  'r.correlation.checked && r.correlation.messages === 90 && r.correlation.correlated === 90 && r.correlation.share === 1'
json_check "report: a Data Action call per message (and per auto-start Join)" "$work/run.json" \
  'r.data_actions.calls === 100 && r.data_actions.failed === 0 && r.correlation.data_action_spans === 100'
json_check "report: latency percentiles in order" "$work/run.json" \
  'Object.values(r.total.latency).every(h => h.count > 0 && h.p50_ms <= h.p90_ms && h.p90_ms <= h.p99_ms && h.p99_ms <= h.max_ms)'
json_check "report: resources and spans" "$work/run.json" \
  'r.resources[0].cpu_s > 0 && r.resources[0].peak_rss_kib > 0 && r.spans.exported > 0 && r.spans.dropped === 0'

# The orders service down from 1 s to 3 s: the Data Actions of that time fail (the bridge
# answers 502), the flow takes its failure path, and the run fails saying so; each failed
# call is still in its message's trace, with its error.
out="$("$bin" load --guests 6 --dialect guest-chat --duration 6 --ramp 0 --rate 2 --fault-upstream-down 1:3 \
  --dir "$work/fault" --report "$work/fault.json" 2>&1)"
got=$?
if [ "$got" -eq 1 ] && grep -qE "FAIL: .*Data Action calls failed" <<<"$out" &&
  grep -q "fault: the orders service is back" <<<"$out"; then
  ok "fault run fails and names the failed Data Actions"
else
  bad "fault run: exit $got" "$out"
fi
json_check "fault report: failures counted" "$work/fault.json" \
  'r.passed === false && r.data_actions.failed > 0 && r.data_actions.failed < r.data_actions.calls &&
   r.correlation.data_action_errors === r.data_actions.failed'
json_check "fault report: still correlated and nothing lost" "$work/fault.json" \
  'r.correlation.share === 1 && r.total.messages_lost === 0 && r.total.messages_answered === r.total.messages_acknowledged'
exit $fail
