#!/usr/bin/env bash
# Installs every system dependency of ftc from Debian's apt repositories. Idempotent: packages
# already present are skipped, and apt is only asked when something is missing.
# Usage: scripts/install-deps.sh [--minimal]
#   --minimal   only what the codec library, CLI and tests need (no LibTorch, video, bindings)
set -euo pipefail

core=(
  build-essential cmake pkg-config ninja-build
  libgtest-dev libgmock-dev libbenchmark-dev
  libjpeg62-turbo-dev libturbojpeg0-dev
  libcharls-dev libzstd-dev zstd libpng-dev
  python3-numpy python3-pytest
)
full=(
  libx264-dev libx265-dev libopenh264-dev libavcodec-dev libavutil-dev
  libtorch-dev python3-torch python3-matplotlib python3-pil pybind11-dev python3-dev
  dataset-fashion-mnist zlib1g-dev
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc
  default-jdk-headless
  clang libfuzzer-14-dev libclang-rt-14-dev
  g++-aarch64-linux-gnu qemu-user
  ffmpeg
)

want=("${core[@]}")
[[ ${1:-} == --minimal ]] || want+=("${full[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
sudo=""
[[ $(id -u) == 0 ]] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
