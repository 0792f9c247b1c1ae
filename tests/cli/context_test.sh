#!/usr/bin/env bash
# `tracechat context` as a user runs it: exit codes and what is printed.
set -u
bin="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"

check help 0 "context" -- --help
check version 0 "^tracechat [0-9]+\.[0-9]+\.[0-9]+" -- --version
check parse-valid 0 "trace-id: +4bf92f3577b34da6a3ce929d0e0e4736" -- \
  context parse 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
check parse-zero-trace-id 1 "trace-id is all zeros" -- \
  context parse 00-00000000000000000000000000000000-00f067aa0ba902b7-01
check parse-future-version 0 "normalized: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" -- \
  context parse cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future
check parse-tracestate 0 "tracestate congo = t61rcWkgMzE" -- \
  context parse 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 --tracestate "rojo=1,congo=t61rcWkgMzE"
check parse-bad-tracestate 2 "key 'A' must start with a lowercase letter or a digit" -- \
  context parse 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 --tracestate "a=1,A=2"
# A repeated key costs only itself: the left-most member stays, the later one is named.
check parse-duplicate-key 0 "list-member 2 'a=2' dropped: key 'a' came earlier" -- \
  context parse 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 --tracestate "a=1,a=2"
check parse-duplicate-key-kept 0 "^normalized tracestate: a=1$" -- \
  context parse 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 --tracestate "a=1,a=2"
# Level 2 keys: a leading digit, '@' anywhere after the first character.
check parse-level2-keys 0 "^normalized tracestate: 1abc=1,foo@=2,a@b@c=3$" -- \
  context parse 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 --tracestate "1abc=1,foo@=2,a@b@c=3"
# Several header lines: tracestate lines are one list, two traceparent lines are no traceparent.
check parse-tracestate-lines 0 "^normalized tracestate: rojo=1,congo=2$" -- \
  context parse 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 --tracestate "" --tracestate "rojo=1" \
  --tracestate " congo=2"
check parse-two-traceparent-lines 1 "2 traceparent field lines, combined as RFC 9110" -- \
  context parse 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 \
  00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
check parse-random-flag 0 "random: +yes" -- \
  context parse 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02
check new 0 "^00-[0-9a-f]{32}-[0-9a-f]{16}-03$" -- context new
check new-not-sampled 0 "^00-[0-9a-f]{32}-[0-9a-f]{16}-02$" -- context new --not-sampled
check dataaction-export 0 '"traceparent": "#if\(\$input.traceparent\)\$esc.url\(\$\{input.traceparent\}\)#\{else\}00-\$esc.url\(\$\{input.otel_trace_id\}\)' -- \
  dataaction export --name "Order lookup" --url https://api.example.com/orders --method GET
check dataaction-export-tracestate 0 '"tracestate": "\$!esc.jsonString\(\$\{input.tracestate\}\)"' -- \
  dataaction export --name "Order lookup" --url https://api.example.com/orders --method GET
check dataaction-bad-url 2 "url: must start with https://" -- dataaction export --name a --url ftp://x
check flow-snippet 0 'Call Data Action' -- flow snippet --action "Order lookup"
check flow-snippet-emulator 0 '"type":"call-data-action"' -- flow snippet --action "Order lookup" --format emulator
check unknown-subcommand 2 "" -- bogus
check missing-argument 2 "traceparent is required" -- context parse
exit $fail
