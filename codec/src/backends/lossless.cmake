# Placeholder replaced by the lossless backend's dependencies.
list(APPEND FTC_SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/src/backends/lossless.cc)
list(APPEND FTC_BACKEND_DEFS FTC_HAVE_LOSSLESS)
