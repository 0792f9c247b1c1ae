#!/usr/bin/env bash
# `tracechat kit` as a user runs it: what it writes, refusing to overwrite without
# --force, options that replace their defaults, and the exit status of a bad value; and the
# options of `tracechat dataaction export` that changed with it.
set -u
bin="$(realpath "$1")"
source "$(dirname "$0")/lib.sh"

check help 0 "--message-input" -- kit --help
check help-queue 0 "--queue" -- kit --help
check url-required 2 "--url is required" -- kit --out "$work/none"
check writes 0 "wrote $work/kit/main.tf" -- kit --out "$work/kit" --url https://orders.example.com/check \
  --message-input orderId
for f in README.md main.tf variables.tf flows/tracechat-flow.yaml data-actions/traced-request.json; do
  if [ -s "$work/kit/$f" ]; then ok "wrote $f"; else bad "wrote $f"; fi
done
check no-overwrite 1 "README.md exists; pass --force" -- kit --out "$work/kit" --url https://orders.example.com/check
check force 0 "wrote" -- kit --out "$work/kit" --url https://orders.example.com/check --force --output traceId \
  --output status --queue Support
if grep -q 'lit: "tracechat_traceId"' "$work/kit/flows/tracechat-flow.yaml" &&
  grep -q 'ToDisplayString(State.traceId)' "$work/kit/flows/tracechat-flow.yaml"; then
  ok "--output replaces the default, the first is told to the guest"
else
  bad "--output" "$(cat "$work/kit/flows/tracechat-flow.yaml")"
fi
if grep -q 'default     = "Support"' "$work/kit/variables.tf"; then ok "--queue is the default"; else
  bad "--queue" "$(cat "$work/kit/variables.tf")"; fi
check timeout-range 2 "--timeout" -- kit --out "$work/k2" --url https://x.example.com --timeout 61
check bad-flow-name 2 "flow name: must not contain \"" -- kit --out "$work/k3" --url https://x.example.com \
  --flow-name 'say "hi"'
if [ ! -e "$work/k3" ]; then ok "nothing written for a refused value"; else bad "nothing written"; fi

check export-timeout 0 '"timeoutSeconds": 5' -- dataaction export --name a --url https://x.example.com --timeout 5
check export-shape 0 '"integrationType": "custom-rest-actions"' -- dataaction export --name a --url https://x.example.com
check export-no-category 2 "category" -- dataaction export --name a --url https://x.example.com --category T
exit $fail
