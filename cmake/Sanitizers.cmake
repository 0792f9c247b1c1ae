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
