# FTC_BUILD_FUZZERS: the whole build gets libFuzzer's coverage instrumentation, AddressSanitizer and
# UndefinedBehaviorSanitizer (every UB report aborts, so the fuzzer counts it as a crash). Included by the
# root CMakeLists.txt before any target, so that the library the fuzz targets exercise is instrumented too.
# FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION (the usual name, as in OSS-Fuzz) makes the container accept any
# CRC-32C, which a fuzzer cannot forge: such a library is for fuzzing only, and its tests would fail.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang" OR NOT CMAKE_C_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "FTC_BUILD_FUZZERS=ON needs clang (libFuzzer): configure with -DCMAKE_C_COMPILER=clang "
                      "-DCMAKE_CXX_COMPILER=clang++ (Debian packages clang, libclang-rt-14-dev, libfuzzer-14-dev)")
endif()
if(FTC_BUILD_TESTS)
  message(FATAL_ERROR "FTC_BUILD_FUZZERS=ON builds a library that ignores checksums, for fuzzing only: "
                      "configure it with -DFTC_BUILD_TESTS=OFF, in a build directory of its own")
endif()
add_compile_definitions(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -g)
add_link_options(-fsanitize=address,undefined)
