#!/usr/bin/env bash
# `tracechat load` as a user runs it: the refusals that protect an org (a remote target
# without --allow-remote, a rate above the platform's), a small run of both dialects
# through the whole local path with 100 % correlation and a well-formed JSON report, and
# a run with the orders service down for a while whose report shows the failed Data
# Actions instead of hiding them, and a run split in two shards whose merged report
# counts what one run over the same guests counts.
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
if [ "$got" -eq 1 ] && grep -q "1000 guests need about 1256 file descriptors in this process (the emulator holds one per guest), and it may open 1024" <<<"$out"; then
  ok "too many guests for the descriptor limit"
else
  bad "too many guests: exit $got" "$out"
fi
check bad-fault 1 "expected FROM:TO" -- load --fault-upstream-down 5
check duration-or-messages 2 "excludes" -- load --duration 5 --messages-per-guest 2
check shard-out-of-range 1 "K must be from 1 to N" -- load --shard 3/2
check shard-not-a-fraction 1 "expected K/N" -- load --shard 1of2
check shard-more-than-guests 1 "more shards than guests" -- load --guests 3 --shard 1/4
check processes-more-than-guests 1 "more processes than guests" -- load --guests 3 --processes 4
check merge-needs-reports 2 "reports is required" -- load merge
check merge-not-json 1 "not JSON" -- load merge "$0"

# Both dialects (and Web Messaging with auto-start), three messages each, at the
# platform's pace: every acknowledged message's Data Action span under its send span.
out="$("$bin" load --guests 30 --dialect mixed --messages-per-guest 3 --ramp 2 --rate 2 --dir "$work/run" \
  --report "$work/run.json" --html "$work/run.html" 2>&1)"
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
# The guests ran in a process of their own (the default), reported apart from the stack's,
# and the stack's CPU is told apart by part.
json_check "report: the guests' process apart" "$work/run.json" \
  'r.resources.length === 2 && /guest process 1 of 1/.test(r.resources[1].what) && r.resources[1].cpu_s > 0 &&
   ["emulator", "bridge", "collector", "guests (1 processes)"].every(p => r.cpu_by_part.some(c => c.part === p))'
json_check "report: a timeline of the answers" "$work/run.json" \
  'r.total.timeline.length > 0 && r.total.timeline.reduce((n, w) => n + w[1], 0) === 90 &&
   r.total.timeline.reduce((n, w) => n + w[2].count, 0) === 90'
if grep -q "<svg" "$work/run.html" && grep -q "tracechat load: <span class=\"pass\">PASS" "$work/run.html" &&
  grep -q "fill-opacity" "$work/run.html"; then
  ok "HTML report with the heat map"
else
  bad "HTML report" "$(head -c 2000 "$work/run.html")"
fi

# The orders service down from 1 s to 3 s: the Data Actions of that time fail (the bridge
# answers 502), the flow takes its failure path, and the run fails saying so; each failed
# call is still in its message's trace, with its error.
# (The guests in this process, --processes 0: the other way a run can go.)
out="$("$bin" load --guests 6 --dialect guest-chat --duration 6 --ramp 0 --rate 2 --fault-upstream-down 1:3 --processes 0 \
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
json_check "fault report: the guests in this process" "$work/fault.json" \
  'r.resources.length === 1 && /guests, emulator/.test(r.resources[0].what)'

# One run of 12 guests, and the same 12 guests in two shards (the second over two
# processes), merged: the same counts, kind by kind.
common=(--guests 12 --dialect mixed --messages-per-guest 2 --ramp 1 --rate 2)
"$bin" load "${common[@]}" --dir "$work/whole" --report "$work/whole.json" >"$work/whole.out" 2>&1 ||
  bad "whole run" "$(cat "$work/whole.out")"
"$bin" load "${common[@]}" --shard 1/2 --dir "$work/s1" --report "$work/s1.json" >"$work/s1.out" 2>&1 ||
  bad "shard 1/2" "$(cat "$work/s1.out")"
"$bin" load "${common[@]}" --shard 2/2 --processes 2 --dir "$work/s2" --report "$work/s2.json" >"$work/s2.out" 2>&1 ||
  bad "shard 2/2" "$(cat "$work/s2.out")"
grep -q "shard 2 of 2: guests 6 to 11" "$work/s2.out" && ok "shard 2/2 runs guests 6 to 11" ||
  bad "shard 2/2's guests" "$(cat "$work/s2.out")"
out="$("$bin" load merge "$work/s2.json" "$work/s1.json" --report "$work/merged.json" --html "$work/merged.html" 2>&1)"
got=$?
if [ "$got" -eq 0 ] && grep -q "merged from 2 shards" <<<"$out" && grep -q "^PASS" <<<"$out"; then
  ok "merge of two shards passes"
else
  bad "merge: exit $got" "$out"
fi
node -e "
  const read = f => JSON.parse(require('fs').readFileSync(f, 'utf8'));
  const whole = read(process.argv[1]), merged = read(process.argv[2]);
  const counts = k => ['sessions_opened', 'sessions_failed', 'messages_sent', 'messages_acknowledged',
    'messages_answered', 'messages_unanswered', 'messages_lost', 'messages_duplicated'].map(f => k[f]).join();
  const problems = [];
  for (const kind of Object.keys(whole.by_kind)) {
    if (counts(whole.by_kind[kind]) !== counts(merged.by_kind[kind] || {})) problems.push('counts of ' + kind);
    if (whole.by_kind[kind].latency.answer.count !== merged.by_kind[kind].latency.answer.count) problems.push('answers of ' + kind);
  }
  if (counts(whole.total) !== counts(merged.total)) problems.push('total counts');
  for (const f of ['messages', 'correlated', 'data_action_spans'])
    if (whole.correlation[f] !== merged.correlation[f]) problems.push('correlation.' + f);
  if (whole.data_actions.calls !== merged.data_actions.calls) problems.push('Data Action calls');
  const guests = r => r.guest_records.map(g => g[0] + ':' + g[1] + ':' + g[3]).sort().join();
  if (guests(whole) !== guests(merged)) problems.push('guest records');
  if (merged.merged_shards !== 2 || whole.total.messages_sent !== 24) problems.push('shape');
  if (problems.length) { console.log(problems.join(', ')); process.exit(1); }
" "$work/whole.json" "$work/merged.json" >"$work/compare.out" 2>&1 &&
  ok "merged shards count what one run counts" || bad "merged shards against one run" "$(cat "$work/compare.out")"
grep -q "merged from 2 shards" "$work/merged.html" && ok "merged HTML report" || bad "merged HTML report" ""
check merge-missing-shard 1 "shard 2 of 2 is missing" -- load merge "$work/s1.json"
check merge-repeated-shard 1 "shard 1 of 2 is given twice" -- load merge "$work/s1.json" "$work/s1.json"
check merge-whole-run 1 "whole.json is a whole run.s, not a shard.s" -- load merge "$work/whole.json"

# --target: a platform this command did not start (here `tracechat emulator`, whose bot
# answers), guest-chat guests spread over two processes, each under its own guest id.
"$bin" emulator --listen 127.0.0.1:0 --db "$work/target.sqlite" >"$work/target.log" 2>&1 &
pids+=($!)
port="$(emulator_port "$work/target.log")"
out="$("$bin" load --guests 6 --dialect guest-chat --messages-per-guest 2 --rate 2 --ramp 0 --processes 2 \
  --target "ws://127.0.0.1:$port/v1/5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f/guest/{guest}/connect" \
  --report "$work/target.json" 2>&1)"
got=$?
if [ "$got" -eq 0 ] && grep -q "correlation: not checked (no --otlp-endpoint" <<<"$out"; then
  ok "--target guest-chat over two processes"
else
  bad "--target guest-chat: exit $got" "$out"
fi
json_check "target report" "$work/target.json" \
  'r.total.messages_answered === 12 && r.total.sessions_opened === 6 && /driving the guest processes/.test(r.resources[0].what) &&
   r.resources.length === 3 && new Set(r.guest_records.map(g => g[2])).size === 6'

# children PID: the process's children, oldest first.
children() { tr ' ' '\n' <"/proc/$1/task/$1/children" 2>/dev/null | grep . | sort -n; }

# A guest process killed mid-run: the other goes on, and the run fails naming the one
# that died; the dead one's guests are not counted as if they had run.
"$bin" load --guests 8 --dialect guest-chat --duration 6 --ramp 0 --rate 1 --processes 2 --dir "$work/crash" \
  --report "$work/crash.json" >"$work/crash.out" 2>&1 &
parent=$!
for _ in $(seq 100); do [ "$(children $parent | wc -l)" -ge 2 ] && break; sleep 0.1; done
sleep 2
kill -9 "$(children $parent | head -n 1)"
wait $parent
got=$?
if [ "$got" -eq 1 ] && grep -q "guest process 1 of 2 was killed by signal" "$work/crash.out"; then
  ok "a guest process killed mid-run is named"
else
  bad "killed guest process: exit $got" "$(cat "$work/crash.out")"
fi
json_check "crash report: the other process's guests" "$work/crash.json" \
  'r.process_failures.length === 1 && r.total.sessions_opened === 4 && r.guest_records.length === 4 &&
   r.guest_records.every(g => g[0] >= 4) && r.correlation.share === 1 && r.passed === false'

# SIGTERM for the command (a CI's timeout, say), in the middle of the ramp: it is passed
# on to the guest process, the run ends early with what it has, says so, and fails.
start=$(date +%s)
"$bin" load --guests 4 --dialect guest-chat --duration 60 --ramp 40 --rate 2 --dir "$work/term" \
  --report "$work/term.json" >"$work/term.out" 2>&1 &
parent=$!
sleep 4
kill -TERM $parent
wait $parent
got=$?
if [ "$got" -eq 1 ] && grep -q "FAIL: the run was interrupted" "$work/term.out" && [ $(($(date +%s) - start)) -lt 20 ]; then
  ok "SIGTERM ends the run early, reported"
else
  bad "SIGTERM: exit $got after $(($(date +%s) - start)) s" "$(cat "$work/term.out")"
fi
json_check "interrupted report" "$work/term.json" 'r.interrupted === true && r.total.messages_acknowledged > 0'
exit $fail
