#!/usr/bin/env bash
# Builds the CUDA kernels (FTC_WITH_CUDA=ON, nvcc) and cuda_test as a compile check, then runs cuda_test: it
# compares the device results with the CPU's when a GPU is present and skips cleanly when not. A machine
# without nvcc says so and passes. Budget: 4 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=build-ci/cuda
nvcc=${CUDACXX:-/usr/local/cuda/bin/nvcc}
if [[ ! -x "${nvcc}" ]]; then
  echo "no nvcc at ${nvcc} (set CUDACXX): the CUDA build check is skipped"
  exit 0
fi
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
set -x
cmake -S . -B "${dir}" -DCMAKE_BUILD_TYPE=Release -DFTC_WITH_CUDA=ON -DCMAKE_CUDA_COMPILER="${nvcc}" \
  "${launcher[@]}" \
  -DFTC_WITH_X264=OFF -DFTC_WITH_X265=OFF -DFTC_WITH_OPENH264=OFF -DFTC_WITH_AVCODEC=OFF \
  -DFTC_BUILD_TOOLS=OFF -DFTC_BUILD_INFERENCE=OFF -DFTC_BUILD_BENCH=OFF -DFTC_BUILD_PYTHON=OFF -DFTC_BUILD_JAVA=OFF
cmake --build "${dir}" -j2 --target ftc cuda_test
"${dir}/bin/cuda_test"
