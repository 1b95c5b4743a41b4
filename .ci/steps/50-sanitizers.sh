#!/usr/bin/env bash
# Sanitizer builds of the tests:
#  - build-ci/asan: AddressSanitizer + UndefinedBehaviorSanitizer (every report fatal), every codec unit test,
#    the conformance vectors, the fuzz replays, the examples and the CLI tests. The LibTorch harness, serving
#    and the bindings are left out (FTC_BUILD_INFERENCE/PYTHON/JAVA=OFF): LibTorch and the Python and Java
#    interpreters are not instrumented and would need libasan preloaded into them.
#  - build-ci/tsan: ThreadSanitizer, every unit test (no CLI). The threads setting defaults to one per core, so
#    every batch, stream and large tensor runs the thread pool of common/parallel.h; threads_test, the thread
#    count tests of roundtrip_test and dsp_test, and x264's own threads (video_test) go further. All of them
#    take about 75 s under TSan, so no selection by name is needed.
# Budget: 20 minutes on 2 cores (measured: see .ci/steps/README.md).
set -euo pipefail
cd "$(dirname "$0")/../.."
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
common=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" -DFTC_BUILD_INFERENCE=OFF -DFTC_BUILD_BENCH=OFF
        -DFTC_BUILD_PYTHON=OFF -DFTC_BUILD_JAVA=OFF)

sanitized() {  # sanitized DIR FLAGS [extra cmake args...]
  local dir=$1 flags=$2
  shift 2
  cmake -S . -B "${dir}" "${common[@]}" -DCMAKE_C_FLAGS="${flags}" -DCMAKE_CXX_FLAGS="${flags}" \
    -DCMAKE_EXE_LINKER_FLAGS="${flags}" -DCMAKE_SHARED_LINKER_FLAGS="${flags}" "$@"
}

set -x
start=${SECONDS}
sanitized build-ci/asan "-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
cmake --build build-ci/asan -j2
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
  LSAN_OPTIONS=suppressions=${PWD}/tests/lsan_suppressions.txt:print_suppressions=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-ci/asan -j2 --output-on-failure
asan_seconds=$((SECONDS - start))

start=${SECONDS}
sanitized build-ci/tsan "-fsanitize=thread" -DFTC_BUILD_TOOLS=OFF
cmake --build build-ci/tsan -j2
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  ctest --test-dir build-ci/tsan -j2 --output-on-failure
set +x
echo "asan+ubsan: ${asan_seconds} s, tsan: $((SECONDS - start)) s"
