#!/usr/bin/env bash
# The shared C library exports exactly the C ABI: every defined dynamic symbol is a tc_
# function that tracechat.h declares, and every function tracechat.h declares is there.
# Its SONAME carries the ABI version.
set -u
lib="$1" header="$2"
fail=0
exported="$(nm -D --defined-only "$lib" | awk '{print $3}' | sort -u)"
declared="$(grep -oE '^TC_API [^(]*\b(tc_[a-z0-9_]+)\(' "$header" | grep -oE 'tc_[a-z0-9_]+\($' | tr -d '(' | sort -u)"
# A function declared without TC_API would be neither exported nor listed above.
undeclared="$(grep -E '^[^ #/*].*\btc_[a-z0-9_]+\(' "$header" | grep -v -E '^(TC_API|typedef) ' || true)"
if [ -n "$undeclared" ]; then
  echo "FAIL declared without TC_API:"
  echo "$undeclared"
  fail=1
fi
others="$(grep -v '^tc_' <<<"$exported")"
if [ -n "$others" ]; then
  echo "FAIL exported beyond the C ABI:"
  echo "$others" | head -20
  fail=1
else
  echo "ok   only tc_ symbols exported ($(wc -l <<<"$exported"))"
fi
if [ "$exported" != "$declared" ]; then
  echo "FAIL exported and declared differ (< exported only, > declared only):"
  diff <(echo "$exported") <(echo "$declared")
  fail=1
else
  echo "ok   every function tracechat.h declares is exported"
fi
abi="$(sed -n 's/^#define TC_ABI_VERSION \([0-9]*\)$/\1/p' "$header")"
soname="$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')"
if [ "$soname" = "libtracechat_c.so.$abi" ]; then
  echo "ok   SONAME $soname"
else
  echo "FAIL SONAME '$soname', expected libtracechat_c.so.$abi (TC_ABI_VERSION)"
  fail=1
fi
exit $fail
