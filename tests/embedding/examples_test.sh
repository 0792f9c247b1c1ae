#!/usr/bin/env bash
# tracechat from a user's own program, as docs/embedding.md tells it: `cmake --install`
# into a fresh prefix; the examples of examples/ built against that prefix as outside
# projects (CMake's find_package, and plain cc with pkg-config); each one run against
# `tracechat emulator`, and the conversation it chatted in found to carry the very trace
# id it printed.
#
#   examples_test.sh TRACECHAT_CLI BUILD_DIR
#
# The Node example runs only when node and examples/node/node_modules/koffi are there
# (`cd examples/node && npm ci --ignore-scripts`); this script installs nothing.
set -u
bin="$(realpath "$1")"
build="$(realpath "$2")"
source "$(dirname "$0")/../cli/lib.sh"
examples="$(realpath "$(dirname "$0")/../../examples")"
prefix="$work/prefix"
cd "$work" || exit 1
unset GENESYSCLOUD_REGION GENESYSCLOUD_API_REGION GENESYSCLOUD_OAUTHCLIENT_ID GENESYSCLOUD_OAUTHCLIENT_SECRET

# A sanitizer build's libraries need the sanitizer's runtime in every program that loads
# them (Python's interpreter included): not what a user installs. Exit 77: ctest's
# SKIP_RETURN_CODE.
if grep -q '^TRACECHAT_SANITIZE:BOOL=ON$' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "skip: $build is a sanitizer build; the installed package is tested from a release build"
  exit 77
fi

# 1. The installed tree.
if out="$(cmake --install "$build" --prefix "$prefix" 2>&1)"; then
  ok "cmake --install into a fresh prefix"
else
  bad "cmake --install" "$out"
  exit 1
fi
if [ -f "$prefix/include/tracechat/tracechat.h" ]; then
  ok "include/tracechat/tracechat.h"
else
  bad "no include/tracechat/tracechat.h" "$(cd "$prefix" && find . | sort)"
fi
# The libdir is lib/, lib64/ or lib/<multiarch>/ (GNUInstallDirs): where the library is.
library="$(find "$prefix" -name libtracechat_c.so.1 | head -1)"
libdir="$(dirname "$library")"
if [ -n "$library" ] && [ -e "$library" ] && [[ "${libdir#"$prefix"/}" =~ ^lib(64)?(/[^/]+)?$ ]]; then
  ok "libtracechat_c.so.1 in ${libdir#"$prefix"/}"
else
  bad "no libtracechat_c.so.1 in a libdir" "$(cd "$prefix" && find . | sort)"
  exit 1
fi
soname="$(readelf -d "$library" 2>/dev/null | sed -n 's/.*(SONAME).*\[\(.*\)\]$/\1/p')"
if [ "$soname" = libtracechat_c.so.1 ]; then ok "SONAME libtracechat_c.so.1"; else bad "SONAME: '$soname'"; fi
config="$(find "$prefix"/lib* -path '*/cmake/tracechat/tracechatConfig.cmake' 2>/dev/null | head -1)"
version_file="$(dirname "${config:-.}")/tracechatConfigVersion.cmake"
package_version="$(sed -n 's/^ *set(PACKAGE_VERSION "\([^"]*\)")$/\1/p' "$version_file" 2>/dev/null | head -1)"
if [ -n "$config" ] && [ -n "$package_version" ]; then
  ok "lib*/cmake/tracechat: tracechatConfig.cmake, version $package_version"
else
  bad "no tracechatConfig.cmake with a tracechatConfigVersion.cmake" "$(cd "$prefix" && find . | sort)"
fi
pc="$(find "$prefix"/lib* -path '*/pkgconfig/tracechat.pc' 2>/dev/null | head -1)"
if [ -n "$pc" ]; then
  ok "lib*/pkgconfig/tracechat.pc"
else
  bad "no lib*/pkgconfig/tracechat.pc" "$(cd "$prefix" && find . | sort)"
fi
cli_version="$("$prefix/bin/tracechat" --version 2>&1)"
if [ ! -x "$prefix/bin/tracechat" ]; then
  bad "no bin/tracechat" "$(cd "$prefix" && find . | sort)"
elif [ -n "$package_version" ] && [ "$(grep -oE '[0-9]+(\.[0-9]+)+' <<<"$cli_version" | head -1)" = "$package_version" ]; then
  ok "bin/tracechat --version: the package's version"
else
  bad "bin/tracechat --version: '$cli_version', the package says '$package_version'"
fi

# 2. The C and C++ examples as outside projects: find_package finds the prefix (and only
# the prefix: no package registry, and tracechat_DIR must point into it).
build_example() {  # build_example NAME SOURCE_DIR
  local name="$1" source="$2" dir="$work/build-$1" out found
  if out="$(cmake -S "$source" -B "$dir" -G Ninja -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF 2>&1 &&
    cmake --build "$dir" 2>&1)"; then
    found="$(sed -n 's/^tracechat_DIR:PATH=//p' "$dir/CMakeCache.txt")"
    if [[ "$found" == "$prefix"/* ]]; then
      ok "$name: configured and built against the prefix"
    else
      bad "$name: find_package(tracechat) found $found, not the prefix"
    fi
  else
    bad "$name: configure or build" "$out"
  fi
}
build_example c "$examples/c"
build_example cpp "$examples/cpp"

# 3. tracechat.pc alone, with plain cc: its Cflags and Libs point into the prefix.
pkg_flags="$(PKG_CONFIG_PATH="$(dirname "${pc:-.}")" pkg-config --cflags --libs tracechat 2>&1)"
if [ -n "$pc" ] && [[ "$pkg_flags" == *"-I$prefix/"* && "$pkg_flags" == *"-L$prefix/"* && "$pkg_flags" == *-ltracechat_c* ]]; then
  # shellcheck disable=SC2086  # the flags are words
  if out="$(cc "$examples/c/chat.c" -o "$work/chat-pkg-config" $pkg_flags 2>&1)"; then
    ok "pkg-config: cc chat.c \$(pkg-config --cflags --libs tracechat)"
  else
    bad "pkg-config: cc chat.c $pkg_flags" "$out"
  fi
else
  bad "pkg-config --cflags --libs tracechat: not flags into the prefix" "$pkg_flags"
fi

# 4. The emulator, and its generated OAuth client for `tracechat find`, which reads the
# conversation through the Platform API the emulator serves on the same port.
"$bin" emulator --listen 127.0.0.1:0 --db "$work/platform.sqlite" >"$work/emulator.out" 2>&1 &
pids+=($!)
port="$(emulator_port "$work/emulator.out")"
[ -n "$port" ] || { bad "emulator did not start" "$(cat "$work/emulator.out")"; exit 1; }
credentials="$work/platform.oauth-client.json"
guest="ws://127.0.0.1:$port/v1/5d6e0a54-7c34-4c2e-9b4b-0f1b2c3d4e5f/guest/0f0e0d0c-0b0a-4908-8706-050403020100/connect"

# 5. run_example NAME COMMAND...: runs `COMMAND... URL` with the installed library on the
# loader's path; checks the three lines, and that the conversation it printed carries
# the trace id it printed (the platform's side, read back through the Platform API).
run_example() {
  local name="$1" out code trace_id conversation reply found
  shift
  out="$(LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" timeout 60 "$@" "$guest" 2>"$work/$name.err")"
  code=$?
  trace_id="$(sed -n 's/^trace_id=\([0-9a-f]\{32\}\)$/\1/p' <<<"$out")"
  conversation="$(sed -n 's/^conversation_id=\(..*\)$/\1/p' <<<"$out")"
  reply="$(sed -n 's/^reply=\(..*\)$/\1/p' <<<"$out")"
  if [ $code -ne 0 ] || [ "$(wc -l <<<"$out")" -ne 3 ] || [ -z "$trace_id" ] || [ -z "$conversation" ] ||
    [ -z "$reply" ] || [ "$trace_id" = 00000000000000000000000000000000 ]; then
    bad "$name: exit $code, want the three lines" "$out$(printf '\n[stderr]\n')$(cat "$work/$name.err")"
    return
  fi
  ok "$name: trace_id, conversation_id and the bot's reply ($reply)"
  found="$("$bin" find --api-url "http://127.0.0.1:$port" --credentials "$credentials" \
    --conversation-id "$conversation" --json 2>&1)"
  if grep -qF "\"traceId\":\"$trace_id\"" <<<"$found"; then
    ok "$name: conversation $conversation carries trace $trace_id"
  else
    bad "$name: find --conversation-id $conversation: not trace $trace_id" "$found"
  fi
}
if [ -x "$work/build-c/chat" ]; then run_example "C (CMake)" "$work/build-c/chat"; else bad "C (CMake): no executable"; fi
if [ -x "$work/chat-pkg-config" ]; then run_example "C (pkg-config)" "$work/chat-pkg-config"; else bad "C (pkg-config): no executable"; fi
if [ -x "$work/build-cpp/chat" ]; then run_example "C++" "$work/build-cpp/chat"; else bad "C++: no executable"; fi
if command -v python3 >/dev/null; then
  run_example "Python (ctypes)" env TRACECHAT_C_LIB="$library" python3 "$examples/python/chat.py"
else
  bad "Python (ctypes): no python3"
fi
# Node without TRACECHAT_C_LIB: its default, libtracechat_c.so.1 on LD_LIBRARY_PATH.
if command -v node >/dev/null && [ -d "$examples/node/node_modules/koffi" ]; then
  run_example "Node (koffi)" env -u TRACECHAT_C_LIB node "$examples/node/chat.mjs"
else
  echo "skip Node (koffi): needs node and examples/node/node_modules/koffi (cd examples/node && npm ci --ignore-scripts)"
fi
exit $fail
