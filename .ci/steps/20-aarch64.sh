#!/usr/bin/env bash
# Cross-compiles the codec core and its unit tests for aarch64 (g++-aarch64-linux-gnu) and runs them under
# qemu-user, so that the NEON kernels are checked against the scalar reference on every change. Backends and
# parts that need arm64 library packages are left out; the raw and lossless backends stay in.
# Budget: 10 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=build-ci/aarch64
for tool in aarch64-linux-gnu-g++ qemu-aarch64; do
  command -v "${tool}" >/dev/null || { echo "${tool} is missing: run scripts/install-deps.sh"; exit 1; }
done
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
set -x
cmake -S . -B "${dir}" -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-aarch64.cmake -DCMAKE_BUILD_TYPE=Release \
  "${launcher[@]}" \
  -DFTC_WITH_JPEG=OFF -DFTC_WITH_X264=OFF -DFTC_WITH_X265=OFF -DFTC_WITH_OPENH264=OFF -DFTC_WITH_AVCODEC=OFF \
  -DFTC_BUILD_TOOLS=OFF -DFTC_BUILD_INFERENCE=OFF -DFTC_BUILD_BENCH=OFF
cmake --build "${dir}" -j2
ctest --test-dir "${dir}" -j2 --output-on-failure
# The kernels under test must be the NEON ones, not the scalar fallback.
detected=$(qemu-aarch64 -L /usr/aarch64-linux-gnu "${dir}/bin/dsp_test" --gtest_filter='Dsp.TheArchitecturesOwnLevelIsDetected')
grep 'best level: neon, in use: neon' <<<"${detected}"
