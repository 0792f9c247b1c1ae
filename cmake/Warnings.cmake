# Warnings are on for our own targets and the build is kept warning-free.
function(tracechat_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
endfunction()
