#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/) with clang, ASan and UBSan, replays each one's seed corpus and kept crash
# inputs, then fuzzes each for a bounded time, two targets at a time. Any crash, leak, sanitizer report or
# timeout fails the step; the input that caused it is left in build-ci/fuzz/artifacts/ (keep it in
# fuzz/regressions/<target>/ once fixed, fuzz/README.md).
# Budget: 6 minutes on 2 cores (about 2 to build with a warm ccache, 10 targets × FTC_FUZZ_SECONDS / 2).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=build-ci/fuzz
seconds=${FTC_FUZZ_SECONDS:-20}
command -v clang++ >/dev/null || { echo "clang++ is missing: run scripts/install-deps.sh"; exit 1; }
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
set -x
cmake -S . -B "${dir}" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "${launcher[@]}" -DFTC_BUILD_FUZZERS=ON -DFTC_BUILD_TESTS=OFF -DFTC_BUILD_TOOLS=OFF -DFTC_BUILD_INFERENCE=OFF \
  -DFTC_BUILD_BENCH=OFF -DFTC_BUILD_PYTHON=OFF -DFTC_BUILD_JAVA=OFF
cmake --build "${dir}" -j2
set +x

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export LSAN_OPTIONS=suppressions=${PWD}/tests/lsan_suppressions.txt
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --test-dir "${dir}/fuzz" -j2 --output-on-failure

mkdir -p "${dir}/artifacts" "${dir}/work"
# Runs one target for ${seconds} s on a scratch copy of its corpus (the repository's stays as it is).
fuzz() {
  local target=$1 binary="${dir}/bin/fuzz_$1"
  local corpus=fuzz/corpus/$1 dict="" log="${dir}/work/$1.log"
  case ${target} in
    container | decode | stream_decoder) dict=fuzz/dict/ftc.dict ;;
    npy) dict=fuzz/dict/npy.dict ;;
    backend_*) corpus=fuzz/corpus/$(sed -E 's/^(backend_[a-z0-9]+).*/\1/' <<<"${target}")
               dict=fuzz/dict/${corpus#fuzz/corpus/backend_}.dict ;;
  esac
  [[ -f ${dict} ]] && dict="-dict=${dict}" || dict=""
  rm -rf "${dir}/work/$1" && mkdir -p "${dir}/work/$1" && cp "${corpus}"/* "${dir}/work/$1/"
  if "${binary}" -max_total_time="${seconds}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="${dir}/artifacts/$1-" ${dict} "${dir}/work/$1" >"${log}" 2>&1; then
    echo "fuzz_$1: $(grep -E '^stat::number_of_executed_units' "${log}" | awk '{print $2}') runs in ${seconds} s, no crash"
  else
    echo "fuzz_$1: FAILED"; tail -n 60 "${log}"; return 1
  fi
}

targets=()
for b in "${dir}"/bin/fuzz_*; do targets+=("${b##*/fuzz_}"); done
echo "fuzzing ${#targets[@]} targets for ${seconds} s each, two at a time"
status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pids=()
  for t in "${targets[@]:i:2}"; do fuzz "${t}" & pids+=($!); done
  for p in "${pids[@]}"; do wait "${p}" || status=1; done
done
exit ${status}
