# Installs the library as a package (docs/API.md, "The installed package"): the public headers, libftc.so and
# libftc.a, the CMake package `ftc` (targets ftc::ftc and ftc::ftc_static, with a version file) and ftc.pc.
# libftc.so links the libraries behind the backends itself; a consumer of libftc.a links them too, so ftc.pc
# (Requires.private, Libs.private) and ftcConfig.cmake (component `static`) name them: the pkg-config modules
# that ftc_require_pkg found them with, and the CUDA runtime when FTC_WITH_CUDA is on.
include(CMakePackageConfigHelpers)

set(FTC_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ftc)
set(FTC_PC_REQUIRES_PRIVATE "")
set(FTC_PC_LIBS_PRIVATE "-lstdc++ -lm -pthread")
set(FTC_CONFIG_STATIC_DEPENDENCIES "")
foreach(lib IN LISTS FTC_BACKEND_LIBS)
  if(lib MATCHES "^PkgConfig::(.+)_PKG$")
    set(option ${CMAKE_MATCH_1})
    list(JOIN ${option}_PKG_MODULES " " modules)
    string(APPEND FTC_PC_REQUIRES_PRIVATE " ${modules}")
    string(APPEND FTC_CONFIG_STATIC_DEPENDENCIES "_ftc_find_pkg(${option}_PKG ${modules})\n")
  elseif(lib MATCHES "^CUDA::(.+)$")
    string(APPEND FTC_PC_LIBS_PRIVATE " -L${CUDAToolkit_LIBRARY_DIR} -l${CMAKE_MATCH_1}")
    string(APPEND FTC_CONFIG_STATIC_DEPENDENCIES "_ftc_find_package(CUDAToolkit)\n")
  else()
    message(FATAL_ERROR "codec/install.cmake does not know how a consumer of libftc.a finds ${lib}: "
                        "add it to ftc.pc and ftcConfig.cmake there")
  endif()
endforeach()
string(STRIP "${FTC_PC_REQUIRES_PRIVATE}" FTC_PC_REQUIRES_PRIVATE)

set_target_properties(ftc PROPERTIES INSTALL_RPATH "")  # its dependencies are system libraries
install(TARGETS ftc EXPORT ftcTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS ftc_static EXPORT ftcStaticTargets ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/ftc DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT ftcTargets NAMESPACE ftc:: DESTINATION ${FTC_CMAKE_DIR})
install(EXPORT ftcStaticTargets NAMESPACE ftc:: DESTINATION ${FTC_CMAKE_DIR})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ftcConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/ftcConfig.cmake INSTALL_DESTINATION ${FTC_CMAKE_DIR})
# Before 1.0 a minor release may change the API (CHANGELOG.md); from 1.0 on, only a major one.
if(PROJECT_VERSION_MAJOR EQUAL 0)
  set(FTC_VERSION_COMPATIBILITY SameMinorVersion)
else()
  set(FTC_VERSION_COMPATIBILITY SameMajorVersion)
endif()
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/ftcConfigVersion.cmake
  COMPATIBILITY ${FTC_VERSION_COMPATIBILITY})
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ftcConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/ftcConfigVersion.cmake
  DESTINATION ${FTC_CMAKE_DIR})

# ftc.pc finds the prefix from its own place (${pcfiledir}), so the package works from any --prefix.
set(FTC_PC_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "ftc.pc needs CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR relative to the prefix")
endif()
file(RELATIVE_PATH FTC_PC_TO_PREFIX /prefix/${FTC_PC_DIR} /prefix)
string(REGEX REPLACE "/$" "" FTC_PC_TO_PREFIX "${FTC_PC_TO_PREFIX}")
configure_file(${PROJECT_SOURCE_DIR}/cmake/ftc.pc.in ${CMAKE_CURRENT_BINARY_DIR}/ftc.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/ftc.pc DESTINATION ${FTC_PC_DIR})
