# The lossless / near-lossless backend: a self-contained context-mixing coder, no package needed.
list(APPEND FTC_SOURCES
  ${CMAKE_CURRENT_SOURCE_DIR}/src/backends/lossless.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/src/backends/lossless_model.cc)
list(APPEND FTC_BACKEND_DEFS FTC_HAVE_LOSSLESS)
