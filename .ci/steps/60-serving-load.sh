#!/usr/bin/env bash
# Load test of serving (docs/SERVING.md): one `ftc serve` on loopback and 32 concurrent edge devices
# (`ftc edge --clients 32`, each with its own connection and stream, two frames in flight) for 30 seconds,
# every answer recomputed on the device (--verify). Fails unless every frame is answered, without an error,
# with the device's own answer, and the server stops cleanly on SIGTERM. Prints frames per second and the
# latency percentiles (reported, never asserted: these machines are shared).
# Uses the main build in ./build (or $FTC_BUILD_DIR). Budget: 3 minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${FTC_BUILD_DIR:-build}
ftc=${build}/bin/ftc
[[ -x "${ftc}" ]] || { echo "${ftc} is missing: run the README's build first"; exit 1; }
if ! grep -q '^FTC_BUILD_SERVING:BOOL=ON' "${build}/CMakeCache.txt"; then
  echo "${build} was configured without serving (FTC_BUILD_SERVING=OFF): nothing to test"
  exit 0
fi
dir=build-ci/serving-load
rm -rf "${dir}" && mkdir -p "${dir}"

"${ftc}" serve --listen 127.0.0.1:0 --max-batch 32 --log-interval 10 >"${dir}/serve.out" 2>"${dir}/serve.log" &
server=$!
trap 'kill -KILL ${server} 2>/dev/null || true' EXIT
for _ in $(seq 600); do
  grep -q "listening on" "${dir}/serve.out" && break
  kill -0 "${server}" 2>/dev/null || { cat "${dir}/serve.log"; exit 1; }
  sleep 0.1
done
address=$(grep -o '127.0.0.1:[0-9]*' "${dir}/serve.out")
echo "server at ${address}"

set -x
"${ftc}" edge --server "${address}" --clients 32 --duration 30 --pipeline --verify --json >"${dir}/load.json"
"${ftc}" edge --server "${address}" --frames 20 --codec lossless --upload-kbps 100 --json >"${dir}/link.json"
set +x
kill -TERM "${server}"
wait "${server}"
trap - EXIT
tail -n 4 "${dir}/serve.log"
grep -q "stopped after" "${dir}/serve.log"

/usr/bin/python3 - "${dir}/load.json" "${dir}/link.json" <<'PY'
import json, sys
load = json.load(open(sys.argv[1]))
link = json.load(open(sys.argv[2]))
print(f"32 devices, 30 s: {load['frames']} frames, {load['answered']} answered, {load['errors']} errors, "
      f"{load['disagreements']} disagreements, top-1 {100 * load['top1']:.2f}%")
print(f"  {load['fps']:.0f} frames/s, mean batch {load['mean_batch']:.1f}; total ms p50 {load['total_ms']['p50']:.1f} "
      f"p95 {load['total_ms']['p95']:.1f} p99 {load['total_ms']['p99']:.1f}; server ms p50 {load['server_ms']['p50']:.1f} "
      f"p99 {load['server_ms']['p99']:.1f}")
expected = link["wire_bytes_per_frame"] * 8 / 100
print(f"100 kbit/s link: {link['wire_bytes_per_frame']:.0f} bytes per frame, upload {link['upload_ms']['mean']:.1f} ms "
      f"(bytes * 8 / rate: {expected:.1f} ms), total {link['total_ms']['mean']:.1f} ms, "
      f"{link['seconds']:.2f} s for 20 frames")
ok = (load["frames"] >= 32 and load["answered"] == load["frames"] and load["errors"] == 0
      and load["disagreements"] == 0 and not load["stream_errors"]
      and link["answered"] == link["frames"] == 20 and abs(link["upload_ms"]["mean"] - expected) < 1e-3 * expected)
sys.exit(0 if ok else 1)
PY
