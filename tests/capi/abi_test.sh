#!/usr/bin/env bash
# The C ABI against its committed baseline (abi/libtracechat_c.abi): the library's ABI is
# described the same way (scripts/abi-baseline) and compared with abidiff. New functions
# pass; any other change fails — a removed function or a changed type, enum value or
# struct layout — until it is made on purpose: a compatible one by writing the baseline
# again, an incompatible one also by bumping the SONAME (TC_ABI_VERSION).
set -u
lib="$1" baseline="$2"
root="$(cd "$(dirname "$0")/../.." && pwd)"
if ! command -v abidiff >/dev/null; then
  echo "FAIL abidiff not found: install abigail-tools (scripts/test does)"
  exit 1
fi
current="$(mktemp)"
trap 'rm -f "$current"' EXIT
"$root/scripts/abi-baseline" "$lib" "$current" || { echo "FAIL abidw could not describe $lib"; exit 1; }
# abidiff's status is a bit set: 1 error, 2 usage, 4 an ABI change, 8 an incompatible one.
out="$(abidiff "$baseline" "$current" 2>&1)"
status=$?
if [ $((status & 3)) -ne 0 ]; then
  echo "FAIL abidiff could not compare (status $status):"
  echo "$out"
  exit 1
fi
if [ "$status" -eq 0 ]; then
  echo "ok   the C ABI is the baseline's"
  exit 0
fi
beyond_additions="$(abidiff --no-added-syms "$baseline" "$current" 2>&1)"
if [ $? -eq 0 ]; then
  echo "ok   functions added to the C ABI (write the baseline again with scripts/abi-baseline):"
  echo "$out"
  exit 0
fi
if [ $((status & 8)) -ne 0 ]; then
  echo "FAIL an incompatible change to the C ABI: bump TC_ABI_VERSION (tracechat.h, src/CMakeLists.txt)"
else
  echo "FAIL a change to the C ABI's types: if old programs still work with it, write the baseline again;"
  echo "     if not, also bump TC_ABI_VERSION (tracechat.h, src/CMakeLists.txt)"
fi
echo "     and scripts/abi-baseline, on purpose; or undo the change:"
echo "$beyond_additions"
exit 1
