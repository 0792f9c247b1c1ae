# ASan + UBSan for the whole tree (a separate build directory, see scripts/test).
#
# -O1 and line tables only (-g1): what the sanitizers' own documentation suggests, and
# half the compile time of -O2 -g on the Beast-heavy files (src/net/http_server.cpp: 120 s
# against 233 s with g++ 12). Reports keep their file:line stack traces. These come after
# the build type's -O2 -g on the command line, so they win.
if(TRACECHAT_SANITIZE)
  add_compile_options(-O1 -g1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

# tracechat_unoptimized_when_instrumented(SOURCES...): in the ASan and fuzz builds, these
# files compile at -O0. They are the ones that instantiate Boost.Beast and Asio; their
# compile time there is optimisation of template code, and -O0 halves it (src/net/
# http_client.cpp: 97 s -> 44 s with g++ 12 and ASan, 65 s -> 31 s with clang 14 and the
# fuzzer's instrumentation) while the sanitizers check the code as before. They are
# network plumbing, so the tests and fuzzers that run them wait on sockets, not on them.
# Call it in the directory that defines the target (source properties are per
# directory); -O0 comes after the build's -O1 on the command line, so it wins.
function(tracechat_unoptimized_when_instrumented)
  if(TRACECHAT_SANITIZE)
    set_source_files_properties(${ARGN} PROPERTIES COMPILE_OPTIONS -O0)
  endif()
endfunction()
