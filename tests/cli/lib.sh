# Shared by the CLI test scripts, sourced after `bin="$1"`: a scratch folder and the
# background servers (their pids in `pids`), both cleaned up on exit; ok/bad report one
# check each and `fail` says whether any went wrong.
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
fail=0
ok() { echo "ok   $1"; }
bad() {
  echo "FAIL $1"
  [ -n "${2:-}" ] && echo "$2"
  fail=1
}

# check NAME EXPECTED_EXIT PATTERN -- ARGS...: runs `$bin ARGS...`; its exit status must be
# EXPECTED_EXIT and its output (stdout and stderr) must match the extended regex PATTERN.
check() {  # check NAME EXPECTED_EXIT PATTERN -- ARGS...
  local name="$1" want="$2" pattern="$3"
  shift 4
  local out
  out="$("$bin" "$@" 2>&1)"
  local got=$?
  if [ "$got" -ne "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    bad "$name: exit $got (want $want)" "$out"
  else
    ok "$name"
  fi
}

# emulator_port FILE: waits (up to 10 s) for `tracechat emulator` to print its address in
# FILE and prints the port; nothing if it never does.
emulator_port() {
  local port=""
  for _ in $(seq 100); do
    port="$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\).*|\1|p' "$1" 2>/dev/null)"
    [ -n "$port" ] && break
    sleep 0.1
  done
  echo "$port"
}
