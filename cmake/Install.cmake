# `cmake --install`: the public headers, the parts as static libraries, the C ABI as a
# shared library (libtracechat_c.so.<ABI>) and a static one, the `tracechat` program and
# the docs, in the GNU places; a CMake package (find_package(tracechat CONFIG) gives
# tracechat::client, tracechat::trace, ..., tracechat::tracechat_c) and tracechat.pc.
include(CMakePackageConfigHelpers)

set(TRACECHAT_PARTS trace common net websocket_client otlp protocol client bridge dataaction generators collector
  viewer platform emulator load explorer)
set(TRACECHAT_EXPORTED tracechat_headers tracechat tracechat_c tracechat_c_static)
foreach(part IN LISTS TRACECHAT_PARTS)
  # tracechat_client is tracechat::client to a user.
  set_target_properties(tracechat_${part} PROPERTIES EXPORT_NAME ${part})
  list(APPEND TRACECHAT_EXPORTED tracechat_${part})
endforeach()
set_target_properties(tracechat_headers PROPERTIES EXPORT_NAME headers)

install(TARGETS ${TRACECHAT_EXPORTED} EXPORT tracechatTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS tracechat_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# Only the public headers: src/ (the parts' own headers, tracechat_common's) stays out.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/tracechat ${PROJECT_BINARY_DIR}/include/tracechat
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")

set(TRACECHAT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/tracechat)
install(EXPORT tracechatTargets NAMESPACE tracechat:: DESTINATION ${TRACECHAT_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/tracechatConfig.cmake.in
  ${PROJECT_BINARY_DIR}/tracechatConfig.cmake INSTALL_DESTINATION ${TRACECHAT_CMAKE_DIR})
# 0.x: a new minor version may change the C++ API (the C ABI has its own version).
write_basic_package_version_file(${PROJECT_BINARY_DIR}/tracechatConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/tracechatConfig.cmake ${PROJECT_BINARY_DIR}/tracechatConfigVersion.cmake
  DESTINATION ${TRACECHAT_CMAKE_DIR})

# pkg-config, for C users of the C ABI; the prefix is found from the .pc file's own
# place, so the package can be installed anywhere (cmake --install --prefix).
file(RELATIVE_PATH TRACECHAT_PC_TO_PREFIX "/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/")
string(REGEX REPLACE "/$" "" TRACECHAT_PC_TO_PREFIX "${TRACECHAT_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/tracechat.pc.in ${PROJECT_BINARY_DIR}/tracechat.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/tracechat.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR} FILES_MATCHING PATTERN "*.md")
